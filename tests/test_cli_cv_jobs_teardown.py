"""cv's and tune's ``--n-jobs``: the ``KeyError`` of loky's executor manager thread as
joblib stops the workers of a run stopped early (an error, a divergence, Ctrl-C) is not
reported as an unhandled thread exception (pytest's
``PytestUnhandledThreadExceptionWarning (KeyError: 54)``); any other thread's is."""

from __future__ import annotations

import threading
import time

import pytest


def _shut_down_with_work_queued() -> None:
    """loky's executor shut down with ``kill_workers=True`` (as joblib aborts) while
    work ids wait for the call queue, which the workers keep emptying."""
    from joblib.externals.loky import get_reusable_executor

    executor = get_reusable_executor(max_workers=2)
    futures = [executor.submit(time.sleep, 0.001) for _ in range(500)]
    futures[0].result(timeout=60)
    time.sleep(0.05)
    executor.shutdown(wait=True, kill_workers=True)


def _raise_in_a_thread() -> None:
    thread = threading.Thread(target=lambda: {}[1], name="other")
    thread.start()
    thread.join()


@pytest.mark.slow  # two starts of loky's workers: 3 to 8 s
def test_loky_s_key_error_at_teardown_is_dropped_and_only_it():
    from chainrule._cli_models_cv_jobs import loky_teardown

    seen: list[tuple[str, type]] = []
    before = threading.excepthook
    threading.excepthook = lambda args: seen.append((args.thread.name, args.exc_type))
    try:
        _shut_down_with_work_queued()  # the race, as loky has it
        raised = list(seen)
        seen.clear()
        with loky_teardown():
            _shut_down_with_work_queued()
            _raise_in_a_thread()
    finally:
        threading.excepthook = before
    if raised != [("ExecutorManagerThread", KeyError)]:
        pytest.skip(f"this loky did not raise its KeyError at teardown ({raised})")
    assert seen == [("other", KeyError)]
    assert threading.excepthook is before
