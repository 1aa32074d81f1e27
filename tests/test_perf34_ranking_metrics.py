"""ROC AUC and average precision computed on the arrays (``chainrule._metrics_ranking``,
one sort per class for the two) are scikit-learn's ``roc_auc_score`` and
``average_precision_score`` bit for bit (the reference: scikit-learn's own call on the same
arrays): of two classes, the one-vs-rest macro average of ten (as evaluate reports it,
``multi_class="ovr"``), several yes/no targets, with sample weights (zeros among them),
ties (few, and most examples tied, weighted and not), float32 scores; and through
evaluate's ``_class_scores`` of models, against scikit-learn's calls of the same
probabilities.  Input scikit-learn would refuse or warn of goes to its call."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import metrics as sk

from chainrule._metrics_ranking import macro_scores, one_vs_rest


def _case(seed: int, n: int, k: int, ties: str, weights: bool):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(k), size=n)
    if ties == "few":  # a handful of tied runs
        P = np.round(P, 5)
    elif ties == "most":  # most examples tie
        P = np.round(P, 1)
    y = rng.integers(0, k, n)
    sw = rng.uniform(0, 3, n) * (rng.random(n) > 0.1) if weights else None
    return P, y, sw


@pytest.mark.parametrize("ties", ["none", "few", "most"])
@pytest.mark.parametrize("weights", [False, True])
def test_binary_as_scikit_learn(ties, weights):
    P, y, sw = _case(1, 3000, 2, ties, weights)
    got = macro_scores(y, P[:, 1], sw)
    assert got == {"roc_auc": sk.roc_auc_score(y, P[:, 1], sample_weight=sw),
                   "average_precision": sk.average_precision_score(y, P[:, 1],
                                                                   sample_weight=sw)}
    s32 = P[:, 1].astype(np.float32)
    assert macro_scores(y, s32, sw, ("roc_auc",))["roc_auc"] == sk.roc_auc_score(
        y, s32, sample_weight=sw)


@pytest.mark.parametrize("ties", ["none", "few", "most"])
@pytest.mark.parametrize("weights", [False, True])
def test_ten_classes_one_vs_rest_as_scikit_learn(ties, weights):
    P, y, sw = _case(2, 3000, 10, ties, weights)
    P = P / P.sum(axis=1, keepdims=True)
    Y = one_vs_rest(y, 10)
    got = macro_scores(Y, P, sw)
    assert got["roc_auc"] == sk.roc_auc_score(y, P, multi_class="ovr", average="macro",
                                              labels=list(range(10)), sample_weight=sw)
    assert got["average_precision"] == sk.average_precision_score(Y, P, average="macro",
                                                                  sample_weight=sw)


@pytest.mark.parametrize("weights", [False, True])
def test_multilabel_as_scikit_learn(weights):
    rng = np.random.default_rng(4)
    n, t = 2000, 4
    Y = (rng.random((n, t)) < [0.05, 0.3, 0.5, 0.8]).astype(int)
    S = np.round(rng.random((n, t)) * 0.5 + 0.4 * Y, 3)  # informative, with ties
    sw = rng.uniform(0, 2, n) if weights else None
    got = macro_scores(Y, S, sw)
    assert got == {"roc_auc": sk.roc_auc_score(Y, S, average="macro", sample_weight=sw),
                   "average_precision": sk.average_precision_score(Y, S, average="macro",
                                                                   sample_weight=sw)}


def test_hand_worked_values():
    # positives scored 0.9, 0.4; negatives 0.8, 0.1: 3 of the 4 pairs ranked right, AUC
    # 0.75; average precision: recall 1/2 at precision 1, 1 at precision 2/3: 5/6
    y = np.array([1, 0, 1, 0])
    s = np.array([0.9, 0.8, 0.4, 0.1])
    got = macro_scores(y, s)
    assert got["roc_auc"] == 0.75
    assert got["average_precision"] == pytest.approx(5 / 6, abs=1e-15)


def test_declines_where_scikit_learn_refuses_or_warns():
    y = np.array([0, 1, 1, 0])
    s = np.array([0.1, 0.9, 0.5, 0.3])
    assert macro_scores(y, np.array([0.1, np.nan, 0.5, 0.3])) is None  # its "Input contains NaN"
    assert macro_scores(y, s, np.array([1.0, 0.0, 0.0, 1.0])) is None  # no positive that counts
    assert macro_scores(np.zeros(4, dtype=int), s) is None  # one class alone
    assert macro_scores(y, s, np.ones(4, dtype=np.float32)) is None  # its weights' conversion
    assert macro_scores(y, s, -np.ones(4)) is None


@pytest.mark.parametrize("k", [2, 4])
@pytest.mark.parametrize("weights", [False, True])
def test_class_scores_as_scikit_learn(k, weights):
    """evaluate's _class_scores of probabilities (the model's outputs stood in for) against
    scikit-learn's calls, as the scores were computed before."""
    from chainrule._cli_models_report import _class_scores

    P, y, sw = _case(5 + k, 2500, k, "few", weights)
    P = P / P.sum(axis=1, keepdims=True)

    class Outputs:  # an _Outputs of probabilities that do not round
        margin, labels, out = False, None, P

        def log_proba(self):
            raise AssertionError("not asked for: no probability rounds")

    got, reason = _class_scores(Outputs(), P, y, sw)
    pred = P.argmax(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ba = sk.balanced_accuracy_score(y, pred, sample_weight=sw)
    Y = one_vs_rest(y, k)
    auc = (sk.roc_auc_score(y, P[:, 1], sample_weight=sw) if k == 2 else
           sk.roc_auc_score(y, P, multi_class="ovr", labels=list(range(k)), sample_weight=sw))
    ap = (sk.average_precision_score(y, P[:, 1], sample_weight=sw) if k == 2 else
          sk.average_precision_score(Y, P, average="macro", sample_weight=sw))
    assert reason is None
    assert got == {"balanced_accuracy": ba,
                   "f1_macro": sk.f1_score(y, pred, average="macro", zero_division=0,
                                           sample_weight=sw),
                   "roc_auc": auc, "average_precision": ap}
