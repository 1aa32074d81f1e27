"""Why a ``chainrule train`` model file predicts slower than the same network in an
estimator's file, and what perf32 changed: ``predict_proba`` of 200,000 x 100 rows.

The network of ``bench_predict.py --files`` (an MLPClassifier 100-100-5 fitted briefly
on 2,000 rows) is read back from its estimator file and from a model file of train's
kind (mean 0, scale 1, the training rows' range with its IQRs).  Timed in one process,
taking turns (median of ``--reps``, one BLAS thread, thread CPU time): the estimator
file; the model file now; the model file with its range check as before perf32 (its
warning of data far outside and its warning of squeezed data each reading every
feature's least and most value: two passes over X more); the range check alone, now and
before; the scaling of the rows (``(X - mean) / scale`` a block at a time) against a
product with the reciprocal ``1 / scale`` (not the same bits).  The outputs are checked
bit for bit.  ``--reciprocal`` also gives the largest relative difference of the
probabilities the reciprocal product would make, on the digits (64-100-10, pixels
standardised) and on covtype-like rows (10 measurements of scales 1 to 5,000, 44 0/1
columns; 54-100-7), each model trained by ``chainrule train``-like standardisation.

    python benchmarks/bench_model_file.py [--reps 9] [--rows 200000] [--reciprocal]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import warnings

import numpy as np
from bench_mlp import positive_int
from threadpoolctl import threadpool_limits


def _old_warn_outside(X, record, name, dtype=None, check=None):
    """warn_outside as before perf32: each message reads the extremes itself."""
    from chainrule import _saved_model_range as r

    if record is None:
        if check is not None:
            r.finite_blocks(X, check)
        return
    for message in (r.outside_message(X, record, name, dtype, check),
                    r.squeezed_message(X, record, name, dtype)):
        if message is not None:
            warnings.warn(message, UserWarning, stacklevel=4)


def _models(rows: int):
    import chainrule
    from chainrule._saved_model_range import training_range
    from chainrule.saved_model import SavedModel

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 100))
    y = np.digitize(X[:, 0] + X[:, 1], [-1.0, -0.3, 0.3, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few epochs: not converged
        est = chainrule.MLPClassifier(hidden_layer_sizes=(100,), max_iter=3,
                                      random_state=0).fit(X, y)
    meta = {"task": "classification", "labels": est.classes_.tolist(),
            "x_mean": [0.0] * 100, "x_scale": [1.0] * 100, "x_range": training_range(X)}
    with tempfile.TemporaryDirectory() as tmp:
        est.save(os.path.join(tmp, "e.npz"))
        SavedModel(est.network_, meta).save(os.path.join(tmp, "m.npz"))
        model = chainrule.load_model(os.path.join(tmp, "m.npz"))
        estimator = chainrule.load_estimator(os.path.join(tmp, "e.npz"))
    return model, estimator, rng.normal(size=(rows, 100))


def _turns(calls: dict, reps: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    for rep in range(reps + 1):  # the first round warms up, not counted
        for name in names if rep % 2 == 0 else names[::-1]:
            t0 = time.thread_time()
            calls[name]()
            if rep:
                times[name].append((time.thread_time() - t0) * 1e3)
    return {name: statistics.median(ts) for name, ts in times.items()}


def _timings(rows: int, reps: int) -> None:
    from chainrule import _saved_model_inputs as inputs
    from chainrule import _saved_model_range as r

    model, estimator, X = _models(rows)
    now = inputs.warn_outside

    def before():
        inputs.warn_outside = _old_warn_outside
        try:
            return model.predict_proba(X)
        finally:
            inputs.warn_outside = now

    P = model.predict_proba(X)
    assert P.tobytes() == before().tobytes() == estimator.predict_proba(X).tobytes()
    record, name = model.metadata["x_range"], model._feature
    mean = np.zeros(100)
    scale = np.asarray(model.metadata["x_scale"], dtype=np.float64)
    inverse = 1.0 / scale
    step = 2621

    def divided():
        for s in range(0, len(X), step):
            B = X[s:s + step] - mean
            B /= scale

    def multiplied():
        for s in range(0, len(X), step):
            B = X[s:s + step] - mean
            B *= inverse

    medians = _turns({
        "estimator file, predict_proba": lambda: estimator.predict_proba(X),
        "model file, predict_proba": lambda: model.predict_proba(X),
        "model file, range check as before": before,
        "range check": lambda: r.warn_outside(X, record, name, np.float64,
                                              model._check_finite),
        "range check as before": lambda: _old_warn_outside(X, record, name, np.float64,
                                                           model._check_finite),
        "scaling, division": divided,
        "scaling, reciprocal product": multiplied}, reps)
    print(f"{len(X):,} x 100 float64, 100-100-5, one BLAS thread, load "
          f"{os.getloadavg()[0]:.2f}; thread CPU ms, medians of {reps} (outputs bit for bit)")
    for key, value in medians.items():
        print(f"  {key:<36s} {value:8.1f}")


def _reciprocal_differences() -> None:
    import chainrule

    rng = np.random.default_rng(1)
    from sklearn.datasets import load_digits

    digits = load_digits()
    n = 20_000
    cov = np.column_stack([rng.gamma(2.0, s, size=n) for s in np.geomspace(1, 5000, 10)]
                          + [rng.random((n, 44)) < 0.1])
    cov_y = np.digitize(cov[:, 0] / 2 + cov[:, 3] / 20 + rng.normal(size=n),
                        [1, 2, 3, 4, 5, 6])
    for label, X, y in (("digits", digits.data, digits.target), ("covtype-like", cov, cov_y)):
        mean, scale = X.mean(axis=0), X.std(axis=0)
        scale[scale == 0] = 1.0
        net = chainrule.mlp([X.shape[1], 100, int(y.max()) + 1], hidden="relu",
                            output="softmax", seed=0)
        Z = (X - mean) / scale
        chainrule.train(net, Z, np.eye(int(y.max()) + 1)[y], optimizer="adam", lr=1e-3,
                        batch_size=64, epochs=3, seed=0)
        P = net.predict(Z)
        Q = net.predict((X - mean) * (1.0 / scale))
        R = (X - mean) * (1.0 / scale)
        inputs = np.max(np.abs(Z - R) / np.maximum(np.abs(Z), 1e-300))
        print(f"  {label:<13s} standardised inputs differ in {np.mean(Z != R):.1%}"
              f" (largest relative {inputs:.2g}); probabilities: largest relative difference "
              f"{np.max(np.abs(P - Q) / np.maximum(P, 1e-300)):.2g}, same argmax "
              f"{np.mean(P.argmax(1) == Q.argmax(1)):.4%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=positive_int, default=9)
    parser.add_argument("--rows", type=positive_int, default=200_000)
    parser.add_argument("--reciprocal", action="store_true")
    args = parser.parse_args()
    with threadpool_limits(1):
        _timings(args.rows, args.reps)
        if args.reciprocal:
            _reciprocal_differences()
    print(f"load {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
