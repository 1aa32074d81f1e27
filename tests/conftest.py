"""Shared fixtures and the `slow` marker switch.

Tests marked ``slow`` (long training runs) are skipped by default and run with
``--run-slow`` or whenever the ``CI`` environment variable is set to true.

The suite runs BLAS on one thread (unless ``CHAINRULE_TEST_THREADS`` says
otherwise), here and in the subprocesses it starts: its matrices are small
(the default suite takes about the same time with 2 threads), and one thread
leaves the other core of a small shared machine to the rest.  Results do not
depend on the thread count beyond rounding; speed is measured in
``benchmarks/``, not here (and ``tests/test_threads.py`` checks that SciPy's
own BLAS runs on one thread while SciPy optimises).

A suite started with SIGINT ignored (a background job of a non-interactive
shell, ``nohup``, some CI runners) gets Python's usual Ctrl-C handler back: the
interrupt tests send real SIGINTs, and the training loop rightly leaves an
ignored SIGINT ignored, as it leaves any handler the program chose.
"""

from __future__ import annotations

import os
import signal

_THREADS = os.environ.get("CHAINRULE_TEST_THREADS", "1")
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, _THREADS)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

threadpool_limits(int(_THREADS))

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # inherited: see the docstring
    signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="also run tests marked slow")


def _run_slow(config: pytest.Config) -> bool:
    ci = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
    return ci or bool(config.getoption("--run-slow"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _run_slow(config):
        if os.environ.get("PYTEST_XDIST_WORKER"):
            _slow_files_first(items)
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow (always run in CI)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def _slow_files_first(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadfile``: a file's tests go to one worker, the files
    in the order collected) the files holding slow tests are handed out first, so that the
    longest (the MNIST self-taught comparison, minutes) does not start last and leave the
    other workers idle; each file keeps its own order, and a run in one process is as
    collected."""
    slow = {item.path for item in items if "slow" in item.keywords}
    items.sort(key=lambda item: item.path not in slow)


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded generator for each test."""
    return np.random.default_rng(12345)


@pytest.fixture
def saved_figures(monkeypatch: pytest.MonkeyPatch) -> list:
    """The matplotlib Figures the picture functions save while the test runs, in order
    (captured at ``chainrule.plots._save``), for the test to read the numbers drawn."""
    from chainrule import plots

    figures: list = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: figures.append(fig) or save(fig, path))
    return figures


@pytest.fixture
def step_rates(monkeypatch: pytest.MonkeyPatch) -> list:
    """The rate of each optimizer step of the Trainer runs that follow (read as the step is
    taken, at ``Trainer._step``)."""
    from chainrule.training import Trainer

    taken, step = [], Trainer._step

    def recording(self, *args, **kwargs):
        taken.append(self.optimizer.lr)
        return step(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "_step", recording)
    return taken


@pytest.fixture
def step_clock(monkeypatch: pytest.MonkeyPatch) -> list:
    """A clock (the training loop's ``time.monotonic``) that moves 1 s at each optimizer
    step, so that ``max_time`` counts steps; ``step_clock[0]`` is the time now."""
    import chainrule._training_loop
    from chainrule.training import Trainer

    now = [0.0]
    monkeypatch.setattr(chainrule._training_loop.time, "monotonic", lambda: now[0])
    step = Trainer._step

    def ticking(self, *args, **kwargs):
        out = step(self, *args, **kwargs)
        now[0] += 1.0
        return out

    monkeypatch.setattr(Trainer, "_step", ticking)
    return now
