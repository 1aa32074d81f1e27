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


def test_mlp_classifier_docstring_is_whole_and_its_examples_run():
    """MLPClassifier's Attributes and Examples are text of ``_estimators_doc`` appended to
    the class's literal: the sections follow one another at the class's indentation, and
    the doctest finder of its module still finds (and runs) the examples."""
    import inspect

    from chainrule import MLPClassifier
    from chainrule import _estimators_mlp_classifier as module

    lines = inspect.cleandoc(MLPClassifier.__doc__).splitlines()
    headers = [lines[i] for i in range(len(lines) - 1)
               if lines[i + 1] and set(lines[i + 1]) == {"-"}]
    assert headers == ["Parameters", "Attributes", "Examples"]
    assert lines[lines.index("Attributes") + 2] == "classes_ : ndarray of shape (n_classes,)"
    tests = [t for t in doctest.DocTestFinder().find(module) if t.name.endswith("MLPClassifier")]
    assert len(tests) == 1 and len(tests[0].examples) == 10, [len(t.examples) for t in tests]
    result = doctest.DocTestRunner().run(tests[0], out=lambda s: None)
    assert result.failed == 0 and result.attempted == 10
