"""``chainrule evaluate`` on a large file: where its time goes, and its scores computed on
the arrays (:mod:`chainrule._metrics_direct`) against scikit-learn's metric calls.

Classifiers of 2, 5 and 10 classes and a regressor, 100-100-k, trained one epoch by
``chainrule train`` on 5,000 rows, score ``--rows`` x 100 float64 rows of an NPZ file
(``--csv``: a CSV file too).  In one process, each phase is timed (median of ``--reps``,
one BLAS thread, thread CPU time): reading the file, the forward pass, the scores of
``_scores`` (accuracy, log loss / mse, rmse, mae, r2) computed on the arrays and by
scikit-learn's calls (interleaved; the two results compared), evaluate's other
classifier scores (balanced accuracy, macro F1, ROC AUC, average precision: on the
arrays, :mod:`chainrule._metrics_classes` and :mod:`chainrule._metrics_ranking`, and by
scikit-learn's calls, interleaved, compared bit for bit) and the whole command.  With
``--base OTHER/src`` the whole command also runs in fresh processes, this tree's and
OTHER's in turn (wall and CPU time of each process, its imports included:
scikit-learn's import is part of what a regression's evaluate no longer pays).

    python benchmarks/bench_evaluate.py [--rows 200000] [--reps 7] [--csv] [--base OTHER/src]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_mlp import positive_int
from threadpoolctl import threadpool_limits


def _files(tmp: Path, rows: int, csv: bool) -> dict[str, tuple[str, str]]:
    from chainrule.cli import main

    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, 100))
    targets = {"binary": (X[:, 0] + X[:, 1] + 0.5 * rng.normal(size=rows) > 0).astype(int),
               "classification": np.digitize(X[:, 0] + X[:, 1], [-1.0, -0.3, 0.3, 1.0]),
               "10 classes": np.digitize(X[:, 0] + X[:, 1] + 0.3 * rng.normal(size=rows),
                                         np.linspace(-2, 2, 9)),
               "regression": 3 * X[:, 0] + X[:, 1] ** 2 + 0.1 * rng.normal(size=rows)}
    out = {}
    for task, y in targets.items():
        task = task.replace(" ", "-")
        np.savez(tmp / f"{task}-train.npz", X=X[:5000], y=y[:5000])
        model = str(tmp / f"{task}.model.npz")
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["train", str(tmp / f"{task}-train.npz"), "--hidden", "100",
                         "--epochs", "1", "-q", "-o", model]) == 0
        data = tmp / f"{task}.npz"
        np.savez(data, X=X, y=y)
        out[task] = (model, str(data))
        if csv:
            header = ",".join([f"x{i}" for i in range(100)] + ["y"])
            np.savetxt(tmp / f"{task}.csv", np.column_stack([X, y]), delimiter=",",
                       header=header, comments="", fmt="%.17g")
            out[task + " csv"] = (model, str(tmp / f"{task}.csv"))
    return out


def _median_ms(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.thread_time()
        fn()
        times.append((time.thread_time() - t0) * 1e3)
    return statistics.median(times)


def _phases(model_file: str, data: str, reps: int) -> None:
    from chainrule import _cli_models_scores as scores_module
    from chainrule._cli_models_data import _model_data, _targets
    from chainrule._cli_models_importance import _Outputs
    from chainrule._cli_models_report import _class_scores
    from chainrule.cli import main
    from chainrule.saved_model import load_model

    model = load_model(model_file)
    table = _model_data(model, data, None, True, 0)
    y = _targets(model, table)
    scored = _Outputs(model, table.X)
    direct = (scores_module._log_loss, scores_module.regression_score)

    def sklearn_calls():  # the direct functions declined: scikit-learn's calls, as before
        scores_module._log_loss = scores_module.regression_score = lambda *a: None
        try:
            return scores_module._scores(scored, table.X, y)
        finally:
            scores_module._log_loss, scores_module.regression_score = direct

    ours, theirs = scores_module._scores(scored, table.X, y), sklearn_calls()
    assert ours == theirs, (ours, theirs)  # bit for bit
    arrays, calls = [], []
    for rep in range(reps):
        for fn, times in ([(lambda: scores_module._scores(scored, table.X, y), arrays),
                           (sklearn_calls, calls)][:: 1 if rep % 2 else -1]):
            t0 = time.thread_time()
            fn()
            times.append((time.thread_time() - t0) * 1e3)
    read = _median_ms(lambda: _model_data(model, data, None, True, 0), reps)
    forward = _median_ms(lambda: _Outputs(model, table.X), reps)
    other = ["", ""]
    if model.task == "classification":  # balanced accuracy, macro F1, ROC AUC, AP
        def class_calls():
            with _sklearn_only():
                return _class_scores(scored, scored.out, y, None)

        mine = _class_scores(scored, scored.out, y, None)
        assert mine == class_calls(), (mine, class_calls())  # bit for bit
        a, b = _interleaved(lambda: _class_scores(scored, scored.out, y, None), class_calls,
                            reps)
        other = [f"{a:7.1f}", f" (scikit-learn's calls {b:7.1f})"]
    with contextlib.redirect_stdout(io.StringIO()):
        whole = _median_ms(lambda: main(["evaluate", model_file, data]), reps)
    print(f"{Path(data).name:20s} read {read:8.1f}  forward {forward:7.1f}  scores "
          f"{statistics.median(arrays):6.1f} (scikit-learn's calls "
          f"{statistics.median(calls):6.1f})  other scores {other[0]}{other[1]}  "
          f"whole {whole:8.1f} ms", flush=True)


@contextlib.contextmanager
def _sklearn_only():
    """The classifier's other scores by scikit-learn's calls alone, as before
    chainrule._metrics_classes and _metrics_ranking: their direct paths decline."""
    from chainrule import _metrics_classes, _metrics_ranking, _roc_auc

    saved = (_metrics_classes._indices_ok, _metrics_ranking.macro_scores,
             _roc_auc.macro_scores)
    _metrics_classes._indices_ok = lambda *a: False
    _metrics_ranking.macro_scores = _roc_auc.macro_scores = lambda *a, **k: None
    try:
        yield
    finally:
        (_metrics_classes._indices_ok, _metrics_ranking.macro_scores,
         _roc_auc.macro_scores) = saved


def _interleaved(first, second, reps: int) -> tuple[float, float]:
    """Medians (thread CPU ms) of ``first`` and ``second``, run in turn, ``reps`` each."""
    times: tuple[list, list] = ([], [])
    for rep in range(reps):
        for fn, out in [(first, times[0]), (second, times[1])][:: 1 if rep % 2 else -1]:
            t0 = time.thread_time()
            fn()
            out.append((time.thread_time() - t0) * 1e3)
    return statistics.median(times[0]), statistics.median(times[1])


def _processes(model_file: str, data: str, base: str, reps: int) -> None:
    here = str(Path(__file__).resolve().parents[1] / "src")
    runs: dict[str, list[tuple[float, float]]] = {"this tree": [], "base": []}
    for rep in range(reps):
        for name, src in ([("this tree", here), ("base", base)][:: 1 if rep % 2 else -1]):
            env = {**os.environ, "PYTHONPATH": src, "OPENBLAS_NUM_THREADS": "1"}
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "chainrule", "evaluate", model_file, data],
                           env=env, check=True, capture_output=True)
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            runs[name].append((wall, cpu))
    print(f"{Path(data).name:20s} fresh processes, medians of {reps}: " + "; ".join(
        f"{name} {statistics.median(w for w, _ in r):.2f} s wall, "
        f"{statistics.median(c for _, c in r):.2f} s CPU" for name, r in runs.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=positive_int, default=200_000)
    parser.add_argument("--reps", type=positive_int, default=7)
    parser.add_argument("--csv", action="store_true", help="also a CSV file of the rows")
    parser.add_argument("--base", help="another tree's src, run in fresh processes")
    args = parser.parse_args()
    print(f"load {os.getloadavg()[0]:.2f}; one BLAS thread; thread CPU time")
    with tempfile.TemporaryDirectory() as tmp, threadpool_limits(1):
        files = _files(Path(tmp), args.rows, args.csv)
        for model_file, data in files.values():
            _phases(model_file, data, args.reps)
        if args.base:
            for model_file, data in files.values():
                _processes(model_file, data, args.base, args.reps)
    print(f"load {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
