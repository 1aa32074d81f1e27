"""``chainrule evaluate`` prints the calibration of a classifier's probabilities: the
Brier score (checked against scikit-learn's ``brier_score_loss``, binary and multiclass,
with and without weights) and the expected calibration error of the top-class confidence
(checked against an ECE computed here by plain loops over the examples and the bins),
of each label of a multi-label model too; with a decision threshold, it says they are of
the probabilities, not of the decision."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss

import chainrule
from chainrule._calibration import brier_score, expected_calibration_error, reliability
from file_helpers import cli_out as _run
from test_cli import run_main

FAST = ["--hidden", "6", "--epochs", "30", "--seed", "0", "-q"]


def loop_ece(y, proba, weights=None, n_bins=15) -> float:
    """The ECE of the top-class confidence by loops: each example put into the bin
    (b / n, (b + 1) / n] of its largest probability (0 in the first), then each bin's
    |accuracy - mean confidence| times its share of the (weighted) examples."""
    n = len(y)
    w = [1.0] * n if weights is None else [float(v) for v in weights]
    sums = [[0.0, 0.0, 0.0] for _ in range(n_bins)]  # weight, weight * conf, weight * right
    for i in range(n):
        row = [float(v) for v in proba[i]]
        top = max(range(len(row)), key=lambda k: (row[k], -k))  # the first of ties
        conf = row[top]
        b = 0
        while b < n_bins - 1 and conf > (b + 1) / n_bins:
            b += 1
        sums[b][0] += w[i]
        sums[b][1] += w[i] * conf
        sums[b][2] += w[i] * (1.0 if top == int(y[i]) else 0.0)
    total = sum(w)
    ece = 0.0
    for weight, conf, right in sums:
        if weight > 0:
            ece += weight / total * abs(right / weight - conf / weight)
    return ece


def _random_case(k: int, n: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=2.5, size=(n, k))
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(k, p=p) for p in proba])
    proba = proba ** 1.6 / (proba ** 1.6).sum(axis=1, keepdims=True)  # over-confident
    return y, proba, rng.uniform(0.1, 3.0, size=n)


@pytest.mark.parametrize("k", [2, 3, 5])
@pytest.mark.parametrize("weighted", [False, True])
def test_brier_and_ece_against_scikit_learn_and_loops(k, weighted):
    y, proba, w = _random_case(k)
    w = w if weighted else None
    expected = (brier_score_loss(y, proba[:, 1], sample_weight=w) if k == 2 else
                brier_score_loss(y, proba, sample_weight=w, labels=list(range(k))))
    assert brier_score(y, proba, w) == pytest.approx(expected, rel=1e-12)
    if k > 2:  # the definition said: sum over the classes, not halved
        Y = np.eye(k)[y]
        assert expected == pytest.approx(np.average(((proba - Y) ** 2).sum(axis=1),
                                                    weights=w), rel=1e-12)
    for bins in (15, 10, 4):
        assert expected_calibration_error(y, proba, w, bins) == pytest.approx(
            loop_ece(y, proba, w, bins), rel=1e-12, abs=1e-15)
    assert expected_calibration_error(y, proba, w) > 0.01  # over-confident on purpose


def test_a_confidence_on_a_bin_edge_goes_to_the_lower_bin():
    conf = np.array([0.2, 0.2000001, 0.0, 1.0])  # 0.2 is the edge of bins 0 and 1 of 5
    got = reliability(conf, np.array([1.0, 0.0, 0.0, 1.0]), n_bins=5)
    np.testing.assert_array_equal(got["count"], [2, 1, 0, 0, 1])


def test_bins_must_be_a_positive_whole_number():
    with pytest.raises(ValueError, match="n_bins: expected a positive whole number"):
        reliability(np.array([0.5]), np.array([1.0]), n_bins=0)


@pytest.fixture(scope="module")
def three_classes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("three")
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 3))
    y = np.digitize(X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.6, size=150), [-0.6, 0.6])
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["kind"] = np.array(["low", "mid", "high"])[y]
    frame["w"] = rng.uniform(0.2, 2.0, size=150)
    data = tmp / "d.csv"
    frame.to_csv(data, index=False)
    model = tmp / "m.npz"
    from chainrule.cli import main

    assert main(["train", str(data), "--target", "kind", "--features", "a", "b", "c",
                 *FAST, "-o", str(model)]) == 0
    return model, data, frame


def _model_proba(model, frame):
    m = chainrule.load_model(str(model))
    proba = m.predict_proba(frame[["a", "b", "c"]].to_numpy())
    y = np.array([list(m.labels).index(v) for v in frame["kind"]])
    return proba, y


def test_evaluate_prints_brier_and_ece_of_three_classes(three_classes, capsys):
    model, data, frame = three_classes
    proba, y = _model_proba(model, frame)
    scores = json.loads(_run(capsys, ["evaluate", model, data, "--json"]))
    assert scores["brier"] == pytest.approx(
        brier_score_loss(y, proba, labels=[0, 1, 2]), rel=1e-12)
    assert scores["ece"] == pytest.approx(loop_ece(y, proba), rel=1e-12, abs=1e-15)
    assert scores["calibration"]["bins"] == 15
    assert "multiclass Brier score" in scores["calibration"]["brier"]
    text = _run(capsys, ["evaluate", model, data, "--bins", "7"])
    assert f"Brier score: {scores['brier']:.6g}\n" in text
    assert f"ECE: {loop_ece(y, proba, n_bins=7):.6g}\n" in text
    assert "top-class confidence, over 7 equal-width bins of [0, 1]" in text


def test_evaluate_weighs_brier_and_ece_by_sample_weight(three_classes, capsys):
    model, data, frame = three_classes
    proba, y = _model_proba(model, frame)
    w = frame["w"].to_numpy()
    scores = json.loads(_run(capsys, ["evaluate", model, data, "--sample-weight", "w",
                                      "--json"]))
    assert scores["brier"] == pytest.approx(
        brier_score_loss(y, proba, sample_weight=w, labels=[0, 1, 2]), rel=1e-12)
    assert scores["ece"] == pytest.approx(loop_ece(y, proba, w), rel=1e-12, abs=1e-15)


def test_evaluate_refuses_bins_that_are_no_positive_count(three_classes, capsys):
    model, data, _ = three_classes
    code, _, err = run_main(capsys, "evaluate", str(model), str(data), "--bins", "0")
    assert code == 2
    assert "--bins" in err and "0" in err


@pytest.fixture(scope="module")
def binary(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("binary")
    rng = np.random.default_rng(2)
    X = rng.normal(size=(160, 2))
    y = (X[:, 0] - X[:, 1] + rng.normal(scale=0.8, size=160) > 0).astype(int)
    frame = pd.DataFrame(X, columns=["a", "b"])
    frame["sick"] = np.array(["no", "yes"])[y]
    data = tmp / "b.csv"
    frame.to_csv(data, index=False)
    model = tmp / "b.npz"
    from chainrule.cli import main

    assert main(["train", str(data), "--target", "sick", *FAST, "-o", str(model)]) == 0
    return model, data, frame, y


def test_evaluate_binary_brier_is_scikit_learns_and_the_threshold_is_said(binary, capsys):
    model, data, frame, y = binary
    proba = chainrule.load_model(str(model)).predict_proba(frame[["a", "b"]].to_numpy())
    scores = json.loads(_run(capsys, ["evaluate", model, data, "--threshold", "0.3",
                                      "--json"]))
    assert scores["brier"] == pytest.approx(brier_score_loss(y, proba[:, 1]), rel=1e-12)
    assert scores["ece"] == pytest.approx(loop_ece(y, proba), rel=1e-12, abs=1e-15)
    plain = json.loads(_run(capsys, ["evaluate", model, data, "--json"]))
    assert (plain["brier"], plain["ece"]) == (scores["brier"], scores["ece"])  # no threshold
    assert "threshold" not in plain["calibration"]
    assert "not of the decision at threshold 0.3" in scores["calibration"]["threshold"]
    text = _run(capsys, ["evaluate", model, data, "--threshold", "0.3"])
    assert "not of the decision at threshold 0.3" in text


def test_evaluate_multilabel_gives_each_labels_brier_and_ece(tmp_path, capsys):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(160, 3))
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["spam"] = (X[:, 0] + rng.normal(scale=0.7, size=160) > 0).astype(int)
    frame["urgent"] = (X[:, 1] - X[:, 2] + rng.normal(scale=0.7, size=160) > 0.3).astype(int)
    data, model = tmp_path / "t.csv", tmp_path / "t.npz"
    frame.to_csv(data, index=False)
    _run(capsys, ["train", data, "--target", "spam", "urgent", *FAST, "-o", model])
    P = chainrule.load_model(str(model)).predict_proba(X)
    scores = json.loads(_run(capsys, ["evaluate", model, data, "--json"]))
    each = []
    for j, name in enumerate(["spam", "urgent"]):
        y = frame[name].to_numpy()
        two = np.column_stack([1 - P[:, j], P[:, j]])
        got = scores["targets"][name]
        assert got["brier"] == pytest.approx(brier_score_loss(y, P[:, j]), rel=1e-12)
        assert got["ece"] == pytest.approx(loop_ece(y, two), rel=1e-12, abs=1e-15)
        each.append(got)
    assert scores["brier"] == pytest.approx(np.mean([e["brier"] for e in each]), rel=1e-15)
    assert scores["ece"] == pytest.approx(np.mean([e["ece"] for e in each]), rel=1e-15)
    assert "each label" in scores["calibration"]["brier"]
    text = _run(capsys, ["evaluate", model, data])
    assert (f"target urgent: calibration: Brier score {each[1]['brier']:.6g}, "
            f"ECE {each[1]['ece']:.6g}") in text.splitlines()


def test_regression_has_no_calibration(tmp_path, capsys):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(80, 2))
    frame = pd.DataFrame(X, columns=["a", "b"])
    frame["t"] = X[:, 0] * 2.0 + 0.1 * rng.normal(size=80)
    data, model = tmp_path / "r.csv", tmp_path / "r.npz"
    frame.to_csv(data, index=False)
    _run(capsys, ["train", data, "--target", "t", *FAST, "-o", model])
    scores = json.loads(_run(capsys, ["evaluate", model, data, "--json"]))
    assert "brier" not in scores and "calibration" not in scores
    assert "calibration" not in _run(capsys, ["evaluate", model, data])
