"""``--n-jobs`` of ``chainrule cv`` and ``tune``: the folds (tune: every combination's
folds) trained in worker processes.

As scikit-learn's ``cross_validate(n_jobs=...)`` and ``GridSearchCV(n_jobs=...)`` do it,
and as ``chainrule select`` does: joblib's loky backend, ``-1`` every core, none or 1 in
this process; joblib gives each worker ``cores // N`` BLAS threads (unless the
environment sets them), so that N workers do not oversubscribe the cores, and passes a
large array (DATA's features) to the workers as one memory-mapped file, not a copy per
fold.  Each fold is trained and scored by cv's own ``_fold``, from its seed alone, so its
scores are those of the run in this process.  A worker keeps what the fold would say
(cv's messages, anything written on stdout or stderr, warnings) and its error (a
divergence, a fault of the fold's data); the parent takes the folds' results in fold
order, saying each fold's messages and raising its error as the run in this process
would have, then: the lines, the table and the first fault are the same.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import signal
import sys
import warnings
from collections.abc import Callable, Iterator

#: Where a fold running in a worker keeps its messages (``recorded``): None elsewhere.
_EVENTS: list | None = None


def add_n_jobs(p: argparse.ArgumentParser, what: str) -> None:
    """``--n-jobs N`` on ``p`` (cv's, tune's), validated as select's."""
    from .cli_args import nonzero_int

    p.add_argument("--n-jobs", type=nonzero_int, default=None, metavar="N",
                   help=f"train {what} in N worker processes (joblib's loky backend, as "
                   "scikit-learn's n_jobs; -1: every core, -2 all but one; default: 1, "
                   "in this process); each fold's scores are those of the run in one "
                   "process, and each fold's line is printed as its result is taken, in "
                   "fold order (a fold finished early waits for those before it)")


def recorded(text: str) -> bool:
    """Keep cv's message ``text`` for the parent, where a worker runs a fold."""
    if _EVENTS is None:
        return False
    _EVENTS.append(("say", text))
    return True


def run_jobs(jobs: list[tuple], n_jobs: int | None,
             fold: Callable[..., dict] | None = None) -> Iterator[Callable[[], dict]]:
    """For each of ``jobs`` (the arguments of cv's ``_fold``), in order, a function that
    gives its result (raising its error) and says its messages; ``fold``: another
    module-level function of the same arguments to run (tune-threshold's), else ``_fold``.

    With ``n_jobs`` None or 1 each fold runs in this process when its function is
    called (a fold whose function is not called does not run: tune skips the folds of
    a combination that diverged); else every fold is sent to joblib's workers at once.
    """
    from ._cli_models_cv import _fold

    fold = fold or _fold
    if n_jobs is not None and n_jobs > max(len(jobs), 2):  # a worker per fold at most:
        n_jobs = max(len(jobs), 2)  # --n-jobs 10**30 failed in C ("too large to convert")
    if n_jobs is None or n_jobs == 1:
        for job in jobs:
            yield functools.partial(fold, *job)
        return
    from joblib import Parallel, delayed, parallel_config

    # the workers started now (all of them, at the first fold sent) ignore Ctrl-C and
    # SIGTERM: this process takes them, and stops the workers (joblib kills them), the
    # folds finished kept; blocked until the workers ignore them (_deaf), not lost here
    blocked = (signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
               if hasattr(signal, "pthread_sigmask") else None)
    try:
        with parallel_config(backend="loky", initializer=_deaf):
            outcomes = Parallel(n_jobs=n_jobs, return_as="generator")(
                delayed(_in_worker)(fold, *job) for job in jobs)
    finally:
        if blocked is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    try:
        for job, outcome in zip(jobs, outcomes, strict=True):
            yield functools.partial(_replay, job[0], outcome)
    finally:
        with warnings.catch_warnings(), loky_teardown():  # joblib's "tasks ...
            warnings.simplefilter("ignore")  # cancelled": meant
            outcomes.close()  # an error or Ctrl-C: the folds not taken are cancelled


def _dropped_work_item(args) -> bool:
    """Whether a thread's exception (``threading.excepthook``'s ``args``) is loky's
    ``KeyError`` of a work item it dropped itself as it shut down (see
    :func:`loky_teardown`)."""
    if args.exc_type is not KeyError or getattr(args.thread, "name", None) != (
            "ExecutorManagerThread"):
        return False
    tb = args.exc_traceback
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_name == "add_call_item_to_queue"


@contextlib.contextmanager
def loky_teardown() -> Iterator[None]:
    """Within the block, the ``KeyError`` (``KeyError: 54``) that loky's executor manager
    thread raises as joblib stops the workers of a generator closed early is not said.

    joblib aborts such a run by shutting loky's executor down with ``kill_workers=True``;
    the manager thread then drops every pending work item and, in the same pass, moves
    the next work id still queued to the workers' call queue where the queue has room
    (a worker took a call since the pass began), looking up the item it has just
    dropped: a ``KeyError`` of that id ends the thread, which was ending anyway, the
    workers killed.  A call of a fold that a callback of a finished one had just
    submitted is such an id: rare with cv's few folds in flight, every time with many
    queued (500 tasks of a millisecond submitted to loky's executor, shut down so 50 ms
    after the first result: 10 times in 10).  Only that exception, of that thread and
    function, is dropped; any other goes to the hook in place before.
    """
    import threading

    before = threading.excepthook

    def hook(args) -> None:
        if not _dropped_work_item(args):
            before(args)

    threading.excepthook = hook
    try:
        yield
    finally:
        if threading.excepthook is hook:
            threading.excepthook = before


#: The signals that stop cv and tune (Ctrl-C's, SIGTERM): this process's alone.
_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _deaf() -> None:
    """A worker's start: Ctrl-C (sent to the terminal's whole process group) and SIGTERM
    are the parent's to take, not a worker's to print a traceback of."""
    for signum in _SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)


class _Kept:
    """A stream (stdout, stderr) whose text is kept in order with the other events."""

    def __init__(self, events: list, name: str) -> None:
        self.events, self.name = events, name

    def write(self, text: str) -> int:
        self.events.append((self.name, text))
        return len(text)

    def flush(self) -> None:
        pass


def _in_worker(fold: Callable[..., dict], *job) -> tuple:
    """Run ``fold`` (cv's ``_fold``) in a worker: ``(events, result, error)``."""
    global _EVENTS

    events: list = []

    def keep(message, category, filename, lineno, file=None, line=None):
        events.append(("warning", str(message), category, filename, lineno))

    out, err = sys.stdout, sys.stderr
    _EVENTS, sys.stdout, sys.stderr = events, _Kept(events, "stdout"), _Kept(events, "stderr")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")  # each said by the parent, under its filters
            warnings.showwarning = keep
            return events, fold(*job), None
    except Exception as exc:  # said in fold order by the parent, as in one process
        return events, None, exc
    finally:
        _EVENTS, sys.stdout, sys.stderr = None, out, err


def _replay(args: argparse.Namespace, outcome: tuple) -> dict:
    """Say a worker's fold's messages as the fold in this process would; its result."""
    from ._cli_models_cv import _say

    events, result, error = outcome
    for kind, *what in events:
        if kind == "say":
            _say(args, what[0])
        elif kind == "warning":
            text, category, filename, lineno = what
            warnings.warn_explicit(text, category, filename, lineno)
        else:
            getattr(sys, kind).write(what[0])
    if error is not None:
        raise error
    return result
