"""What ``chainrule train NAME`` gives with its default options on every bundled data set,
beside scikit-learn's MLP with its defaults and a linear model, on the same split.

For each bundled data set (``chainrule.tabular.BUNDLED``) and each seed, ``chainrule
train NAME --seed S`` runs with nothing else given (in this process, as the command
line would; its own 10 % validation split, stratified for classification, drawn from
the seed; moons, circles and sinusoid are drawn from the seed too), and its validation
score (accuracy, or R^2 for regression) and training time are read from the line it
prints.  On the same training and validation rows (train's own split function):

* ``sklearn``: ``make_pipeline(StandardScaler(), MLPClassifier(random_state=S))`` (or
  ``MLPRegressor``), scikit-learn's defaults: (100,) relu, Adam at 0.001, alpha 1e-4,
  batch 200, at most 200 epochs, stopping once the training loss has not improved by
  1e-4 for 10 epochs; the target of a regression unscaled, as scikit-learn leaves it;
* ``linear``: regression, train's own baseline, ``RidgeCV`` over 1e-3 .. 1e3 on the
  standardised features; classification, ``LogisticRegression()`` on them.

Printed per data set: the median and the min-max over the seeds of each one's
held-out score, and the median fit time (chainrule: the training time its line
prints; scikit-learn: ``fit``), and in how many runs train's note said that the
validation loss had been lowest 5 or more epochs before the end and is now more than 10 %
above it (``overfit``), and in how many train's baseline note said that the network
did worse than the linear model fitted on the same training rows (``line note``:
RidgeCV's R^2, or LogisticRegression's accuracy or log loss, on the validation
rows).  xor has four rows, none held out: its score is the training accuracy, marked
so.

    python benchmarks/bench_defaults.py [--seeds 5] [--only diabetes iris ...]
                                        [--options "--patience 10 ..."]

``--options`` adds train options to every chainrule run (to try another default on all
data sets and seeds with the same comparison).

``--cv`` runs ``chainrule cv NAME --seed S`` (its 5 folds) instead, and prints per data
set the medians over the seeds of the network's mean held-out accuracy and log loss
over the folds (R^2 and RMSE of a regression), the linear baseline's that cv prints
beside them (LogisticRegression, or RidgeCV, on the same folds), and in how many seeds
cv's note said that the network did worse than the line: the held-out rows no option
chose, where train's validation rows also pick ``--patience``'s epoch.

    python benchmarks/bench_defaults.py --cv --only breast_cancer --options="--hidden"
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import tempfile
import time
import warnings

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, "..", "src"))

import chainrule  # noqa: E402
from chainrule import cli  # noqa: E402
from chainrule._cli_models_baseline import ALPHAS  # noqa: E402
from chainrule._cli_models_train_task import _split  # noqa: E402
from chainrule.tabular import BUNDLED, read_data  # noqa: E402

_NUMBER = r"(-?[\d.]+(?:e[-+]?\d+)?|nan|inf)"
# the words of train's note of a network that does worse than the linear model
# (_cli_models_baseline.train_note, _cli_models_baseline_logistic.classifier_note)
_LINE_NOTE = "validation rows a linear model"


def run_train(name: str, seed: int, options: list[str], out: str) -> tuple[float, float, str]:
    """``chainrule train name --seed seed *options``: its held-out score (the validation
    accuracy or R^2; the training one where nothing is held out), its training time in
    seconds, and what it wrote on stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli.main(["train", name, "--seed", str(seed), "-q", "-o", out, *options])
    text = stdout.getvalue()
    if code != 0:
        raise RuntimeError(f"chainrule train {name} exited {code}: {stderr.getvalue()}")
    line = next(v for v in text.splitlines() if v.startswith("trained "))
    seconds = float(re.search(r" in " + _NUMBER + " s", line).group(1))
    part = line.split("validation", 1)[1] if "validation" in line else line
    score = re.search(r"(?:accuracy|r2) " + _NUMBER, part)
    return float(score.group(1)), seconds, stderr.getvalue()


# the words of cv's note of a network below its baseline (a classifier's, a regression's)
_CV_NOTE = ("worse than the linear model's on these folds", "does no better than a line")


def run_cv(name: str, seed: int, options: list[str]) -> dict:
    """``chainrule cv name --seed seed *options``: the network's mean scores over the
    folds and the baseline's (the first two of accuracy, log loss, or r2, rmse), and
    whether cv's note of a network below the line fired."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli.main(["cv", name, "--seed", str(seed), "-q", *options])
    text = stdout.getvalue()
    if code != 0:
        raise RuntimeError(f"chainrule cv {name} exited {code}: {stderr.getvalue()}")
    lines = text.splitlines()
    header = next(v for v in lines if v.startswith("fold "))
    keys = ("accuracy", "log loss") if "accuracy" in header else ("r2", "rmse")
    columns = re.split(r"\s{2,}", header.strip())
    mean = re.split(r"\s{2,}", next(v for v in lines if v.startswith("mean ")).strip())
    net = {k: float(mean[columns.index(k) - 1]) for k in keys}  # no "held out" of it
    base = next(v for v in lines if v.startswith("baseline, the same folds"))
    base = base.split("a linear model", 1)[1]
    line = {k: float(re.search(k + " " + _NUMBER, base).group(1)) for k in keys}
    return {"keys": keys, "net": net, "line": line,
            "note": any(words in text for words in _CV_NOTE)}


def cv_table(names: list[str], seeds: int, options: list[str]) -> None:
    """``--cv``'s table: per data set, the medians over the seeds of cv's scores."""
    print(f"chainrule {chainrule.__version__}; chainrule cv NAME --seed S "
          f"{' '.join(options)}; seeds 0..{seeds - 1}; {time.strftime('%Y-%m-%d')}")
    print("median [min, max] over the seeds of the mean over cv's 5 folds: the network's "
          "and the linear baseline's (accuracy and log loss; regression: R^2 and RMSE)")
    header = (f"{'data set':<14} {'scores':<9} {'network':<24} {'':<24} {'linear':<24} "
              f"{'':<24} {'line note':>9}")
    print(header)
    print("-" * len(header))
    for name in names:
        found = [run_cv(name, seed, options) for seed in range(seeds)]
        keys = found[0]["keys"]
        cells = [_spread([f[who][k] for f in found]) for who in ("net", "line") for k in keys]
        what = "acc, loss" if keys[0] == "accuracy" else "R^2, RMSE"
        print(f"{name:<14} {what:<9} " + " ".join(f"{c:<24}" for c in cells)
              + f" {sum(f['note'] for f in found):>9}", flush=True)


def references(name: str, seed: int, mlp_too: bool = True) -> dict[str, float]:
    """scikit-learn's MLP with its defaults and the linear model, fitted on the training
    rows of train's split for ``seed`` and scored on its validation rows, and the MLP's
    fit time."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression, RidgeCV
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    table = read_data(name, seed=seed)
    X, y = np.asarray(table.X, dtype=np.float64), np.asarray(table.y)
    classify = table.task == "classification"
    fraction = 0.1 if len(y) >= 20 else 0.0
    train_idx, val_idx = _split(len(y), fraction, seed, y if classify else None)
    if not len(val_idx):
        val_idx = train_idx  # xor: scored on its training rows, as train's line is
    if classify:
        mlp, line = MLPClassifier(random_state=seed), LogisticRegression()
    else:
        y = y.astype(np.float64)
        mlp, line = MLPRegressor(random_state=seed), RidgeCV(alphas=ALPHAS)
    mlp, line = make_pipeline(StandardScaler(), mlp), make_pipeline(StandardScaler(), line)
    line.fit(X[train_idx], y[train_idx])
    found = {"linear": float(line.score(X[val_idx], y[val_idx])), "task": table.task,
             "n_val": len(val_idx), "sklearn": np.nan, "sklearn_s": np.nan}
    if not mlp_too:
        return found
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        mlp.fit(X[train_idx], y[train_idx])
        seconds = time.perf_counter() - start
    return {**found, "sklearn": float(mlp.score(X[val_idx], y[val_idx])),
            "sklearn_s": seconds}


def _spread(values: list[float]) -> str:
    v = np.asarray(values)
    if np.isnan(v).all():
        return "-"
    return f"{np.median(v):.3f} [{v.min():.3f}, {v.max():.3f}]"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--only", nargs="+", choices=sorted(BUNDLED), default=None)
    parser.add_argument("--options", default="", help="train options added to every run")
    parser.add_argument("--chainrule-only", action="store_true",
                        help="leave out scikit-learn's MLP (its columns print as -)")
    parser.add_argument("--cv", action="store_true",
                        help="chainrule cv NAME --seed S instead of train: the network's "
                        "and the baseline's mean scores over the folds, and cv's note")
    args = parser.parse_args(argv)
    options = args.options.split()
    names = args.only or list(BUNDLED)
    if args.cv:
        cv_table(names, args.seeds, options)
        return
    print(f"chainrule {chainrule.__version__}; chainrule train NAME --seed S "
          f"{' '.join(options)}; seeds 0..{args.seeds - 1}; {time.strftime('%Y-%m-%d')}")
    print("median [min, max] over the seeds of the held-out accuracy (classification) or "
          "R^2 (regression); median fit seconds")
    header = (f"{'data set':<14} {'score':<9} {'chainrule train':<24} {'scikit-learn MLP':<24} "
              f"{'linear':<24} {'s chainrule':>11} {'s sklearn':>9} {'overfit':>8} "
              f"{'line note':>9}")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "model.npz")
        for name in names:
            ours, theirs, lines, ours_s, theirs_s = [], [], [], [], []
            notes = line_notes = 0
            for seed in range(args.seeds):
                score, seconds, stderr = run_train(name, seed, options, out)
                ref = references(name, seed, not args.chainrule_only)
                ours.append(score)
                ours_s.append(seconds)
                theirs.append(ref["sklearn"])
                theirs_s.append(ref["sklearn_s"])
                lines.append(ref["linear"])
                notes += "validation loss was lowest" in stderr
                line_notes += _LINE_NOTE in stderr
            what = ("R^2" if ref["task"] == "regression"
                    else "acc" if ref["n_val"] > 4 else "train acc")
            print(f"{name:<14} {what:<9} {_spread(ours):<24} {_spread(theirs):<24} "
                  f"{_spread(lines):<24} {np.median(ours_s):>11.2f} "
                  f"{np.median(theirs_s):>9.2f} {notes:>8} {line_notes:>9}",
                  flush=True)


if __name__ == "__main__":
    main()
