"""The Examples sections of the docstrings run and print what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import chainrule


def _modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(chainrule.__path__, "chainrule.")
            if not m.name.endswith("__main__")]


def test_every_docstring_example_gives_its_shown_output(tmp_path, monkeypatch):
    # e.g. under NumPy 2 a bare float64 prints as np.float64(0.721874), not 0.721874
    monkeypatch.chdir(tmp_path)
    attempted, failures = 0, []
    for name in _modules():
        result = doctest.testmod(importlib.import_module(name), report=False)
        attempted += result.attempted
        if result.failed:
            failures.append(f"{name}: {result.failed} of {result.attempted} failed")
    assert attempted > 20, attempted
    assert not failures, failures
