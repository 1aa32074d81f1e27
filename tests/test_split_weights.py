"""A fit whose validation split leaves the held-out rows, or the training rows, all of
weight 0 is refused right after the split, before any training, naming the weights and the
split, what was expected and the counts given.

Before, ``MLPClassifier(early_stopping=True).fit(X, y, sample_weight=sw)`` with ``sw`` 0
on the rows it holds out failed after its first epoch with scikit-learn's "Sample weights
must contain at least one non-zero number." (naming no split), and the Trainer's
``validation_fraction`` split with a ZeroDivisionError, after its first epoch (held-out
rows) or after training (training rows).  The held-out rows are found here as the fits
draw them: scikit-learn's ``train_test_split`` of the estimator's ``_split_seed`` (a fresh
estimator of the same ``random_state`` draws the same), the Trainer's permutation of its
seed, the CLI's ``_split``.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import Dense, MLPClassifier, MLPRegressor, Network
from chainrule.cli import main
from estimators7_helpers import sklearn_held_out

N = 100


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, 3))
    return X, (X[:, 0] + 0.3 * rng.normal(size=N) > 0).astype(int)


def _held_out(est_kind, X, y) -> np.ndarray:
    """The rows a fresh estimator's early stopping holds out (its first fit's split)."""
    probe = est_kind((4,), early_stopping=True, random_state=0, max_iter=1)
    with pytest.warns(Warning):  # one epoch: not converged
        probe.fit(X, y)
    return sklearn_held_out(probe, y, 0.1)


@pytest.mark.parametrize("est_kind", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("part", ["held-out", "training"])
def test_an_estimator_s_split_of_weight_0_is_refused_before_training(est_kind, part):
    X, y = _data()
    va = _held_out(est_kind, X, y)
    sw = np.ones(N)
    held = np.zeros(N, bool)
    held[va] = True
    sw[held if part == "held-out" else ~held] = 0.0
    n_part = len(va) if part == "held-out" else N - len(va)
    est = est_kind((4,), early_stopping=True, random_state=0, max_iter=5)
    with pytest.raises(ValueError) as info:
        est.fit(X, y, sample_weight=sw)
    msg = str(info.value)
    assert msg.startswith(f"sample_weight: the {n_part} {part} rows of early_stopping's split "
                          f"(validation_fraction=0.1 of {N} examples) all weigh 0; expected a "
                          f"positive weight on at least one {part} row")
    other = N - n_part
    assert f"got {other} of the {other} " in msg and f"none of the {n_part} {part} rows" in msg
    assert not hasattr(est, "network_")  # nothing fitted, nothing kept


def test_a_warm_start_refused_keeps_its_network():
    from sklearn.model_selection import train_test_split

    X, y = _data()
    # a warm start's rows, scikit-learn's: RandomState(0) anew, no weights drawn before
    _, va = train_test_split(np.arange(N), test_size=0.1, stratify=y,
                             random_state=np.random.RandomState(0))
    est = MLPClassifier((4,), early_stopping=True, random_state=0, max_iter=3,
                        warm_start=True)
    with pytest.warns(Warning):
        est.fit(X, y)
    before = [w.copy() for w in est.coefs_]
    n_iter, scores = est.n_iter_, list(est.validation_scores_)
    sw = np.ones(N)
    sw[va] = 0.0
    with pytest.raises(ValueError, match="held-out rows of early_stopping's split"):
        est.fit(X, y, sample_weight=sw)
    assert est.n_iter_ == n_iter and est.validation_scores_ == scores
    for a, b in zip(before, est.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)


def _net() -> Network:
    return Network([Dense(3, 4, "relu"), Dense(4, 2, "softmax")], loss="cross_entropy")


@pytest.mark.parametrize("part", ["held-out", "training"])
def test_the_trainer_s_validation_fraction_of_weight_0_is_refused(part):
    X, y = _data()
    n_val = round(N * 0.2)
    order = np.random.default_rng([0, 1]).permutation(N)  # the Trainer's, of seed 0
    sw = np.ones(N)
    sw[order[:n_val] if part == "held-out" else order[n_val:]] = 0.0
    net = _net()
    before = [layer.W.copy() for layer in net.layers]
    n_part = n_val if part == "held-out" else N - n_val
    with pytest.raises(ValueError) as info:
        cr.train(net, X, y, epochs=2, verbose=0, validation_fraction=0.2, seed=0,
                 sample_weight=sw)
    assert str(info.value).startswith(
        f"sample_weight: the {n_part} {part} rows of validation_fraction=0.2 (of {N} "
        f"examples) all weigh 0; expected a positive weight on at least one {part} row")
    for W, layer in zip(before, net.layers, strict=True):  # no step taken
        np.testing.assert_array_equal(W, layer.W)


def test_validation_data_of_weight_0_is_refused_saying_so():
    X, y = _data()
    with pytest.raises(ValueError) as info:
        cr.train(_net(), X, y, epochs=1, verbose=0,
                 validation_data=(X[:10], y[:10], np.zeros(10)))
    assert str(info.value).startswith(
        "validation_data[2] must be non-negative with a positive sum: the 10 validation "
        "rows all weigh 0; expected a positive weight on at least one validation row, to "
        "score the validation loss on; got 10 weights of 0.")
    assert info.value.__context__ is None or info.value.__suppress_context__


@pytest.mark.parametrize("part", ["validation", "training"])
def test_train_s_sample_weight_column_of_a_part_of_weight_0_is_refused(tmp_path, capsys,
                                                                      part):
    """train's --sample-weight (checked before this change as well): its words, and the
    counts of each part that the library's refusal gives (counted here by NumPy)."""
    from chainrule._cli_models_train_task import _split

    X, y = _data()
    tr, va = _split(N, 0.1, 0, y)
    w = np.ones(N)
    w[va if part == "validation" else tr] = 0.0
    other_rows = tr if part == "validation" else va
    w[other_rows[::2][1:]] = 0.0  # some of the other part's rows too, not the first
    rows = [f"{a!r},{b!r},{c!r},{v:g},{t}" for (a, b, c), v, t in zip(X.tolist(), w, y,
                                                                      strict=True)]
    (tmp_path / "d.csv").write_text("a,b,c,w,y\n" + "\n".join(rows) + "\n")
    capsys.readouterr()
    assert main(["train", str(tmp_path / "d.csv"), "--target", "y", "--sample-weight", "w",
                 "--val-fraction", "0.1", "--seed", "0", "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 2
    # the counts of each part, as the library's refusal gives them (check_split_weights)
    n, other = len(va if part == "validation" else tr), ("training" if part == "validation"
                                                          else "validation")
    positive = np.count_nonzero(w[other_rows] > 0)
    use = ("for the weighted validation cost" if part == "validation" else "to train on")
    assert capsys.readouterr().err == (
        f"chainrule: error: --sample-weight w: the {n} {part} rows of --val-fraction 0.1 "
        f"(--seed 0) all weigh 0; expected a positive weight on at least one {part} row, "
        f"{use}; got {positive} of the {len(other_rows)} {other} rows of a positive weight and "
        f"none of the {n} {part} rows. Give another --seed or --val-fraction (0: no "
        "validation rows).\n")
    assert not (tmp_path / "m.npz").exists()
