"""Balanced accuracy and macro F1 computed on the arrays (``chainrule._metrics_classes``)
are scikit-learn's ``balanced_accuracy_score`` and ``f1_score(average="macro")`` bit for bit
(the reference: scikit-learn's own call on the same arrays), of two and of ten classes,
with and without sample weights (zeros among them), a class absent from the predictions
or from the targets, and of a multi-label model's 0/1 targets (the targets with a
positive, and none); input they do not take goes to scikit-learn's call."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import metrics as sk

from chainrule._metrics_classes import balanced_accuracy, f1_macro, f1_macro_labels


def _weights(rng, n: int, kind: str) -> np.ndarray | None:
    if kind == "none":
        return None
    w = rng.uniform(0, 3, n) * (rng.random(n) > 0.1)  # some weigh 0
    return np.round(w, 1) if kind == "rounded" else w


def _sk_balanced(y, pred, sw):
    with warnings.catch_warnings():  # "y_pred contains classes not in y_true"
        warnings.simplefilter("ignore", UserWarning)
        return sk.balanced_accuracy_score(y, pred, sample_weight=sw)


@pytest.mark.parametrize("k", [2, 3, 10])
@pytest.mark.parametrize("weights", ["none", "uniform", "rounded"])
@pytest.mark.parametrize("absent", [None, "predicted", "target"])
def test_single_label_as_scikit_learn(k, weights, absent):
    rng = np.random.default_rng(k * 7 + len(weights))
    n = 2000
    y = rng.integers(0, k, n)
    pred = np.where(rng.random(n) < 0.6, y, rng.integers(0, k, n))
    if absent == "predicted":  # the last class never predicted
        pred[pred == k - 1] = 0
    elif absent == "target":  # the last class in no target (only predicted)
        y[y == k - 1] = 0
    sw = _weights(rng, n, weights)
    assert balanced_accuracy(y, pred, k, sw) == _sk_balanced(y, pred, sw)
    assert f1_macro(y, pred, k, sw) == sk.f1_score(y, pred, average="macro", zero_division=0,
                                                   sample_weight=sw)


def test_a_class_in_neither_and_one_class_alone():
    y = np.array([0, 0, 2, 2, 2, 0])  # class 1 of 3 nowhere
    pred = np.array([0, 2, 2, 2, 0, 0])
    assert balanced_accuracy(y, pred, 3) == _sk_balanced(y, pred, None)
    assert f1_macro(y, pred, 3) == sk.f1_score(y, pred, average="macro", zero_division=0)
    one = np.zeros(5, dtype=int)  # every target and prediction the same class
    assert balanced_accuracy(one, one, 4) == 1.0
    assert f1_macro(one, one, 4) == 1.0


def test_hand_worked_values():
    # 2 classes: class 0 recall 2/3, class 1 recall 1/1: balanced accuracy 5/6;
    # F1 of class 0: 2*2/(3+2) = 0.8, of class 1: 2*1/(1+2) = 2/3
    y = np.array([0, 0, 0, 1])
    pred = np.array([0, 0, 1, 1])
    assert balanced_accuracy(y, pred, 2) == pytest.approx(5 / 6, abs=1e-15)
    assert f1_macro(y, pred, 2) == pytest.approx((0.8 + 2 / 3) / 2, abs=1e-15)


@pytest.mark.parametrize("weights", ["none", "uniform"])
@pytest.mark.parametrize("case", ["active", "one empty target", "none active"])
def test_multilabel_as_scikit_learn(weights, case):
    rng = np.random.default_rng(3)
    n, t = 1500, 5
    y = (rng.random((n, t)) < rng.uniform(0.05, 0.6, t)).astype(int)
    pred = np.where(rng.random((n, t)) < 0.7, y, 1 - y)
    if case == "one empty target":
        y[:, 2] = pred[:, 2] = 0
    elif case == "none active":
        y[:] = pred[:] = 0
    sw = _weights(rng, n, weights)
    active = [j for j in range(t) if y[:, j].any() or pred[:, j].any()]
    zero = 0 if active else 1
    assert f1_macro_labels(y, pred, active or None, zero, sw) == sk.f1_score(
        y, pred, average="macro", labels=active or None, zero_division=zero, sample_weight=sw)


def test_other_input_goes_to_scikit_learn():
    y = np.array([0, 1, 1, 0, 1])
    pred = np.array([0, 1, 0, 0, 1])
    sw32 = np.array([1, 2, 3, 4, 5], dtype=np.float32)  # scikit-learn's to convert
    assert balanced_accuracy(y, pred, 2, sw32) == _sk_balanced(y, pred, sw32)
    assert f1_macro(y, pred, 2, sw32) == sk.f1_score(y, pred, average="macro",
                                                     zero_division=0, sample_weight=sw32)
    with pytest.raises(ValueError):  # a list of another length: its refusal
        f1_macro(y, pred, 2, np.ones(3))
