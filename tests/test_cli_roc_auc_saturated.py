"""ROC AUC ranks by scores that a confident network's rounding does not tie.

A network whose last layer's weights are made 200 times larger gives many examples a
probability of exactly 1.0 (``sigmoid(z)`` rounds to 1 past ``z`` of about 37): ranked by
the probability, they tie, though the network ranks them apart.  evaluate (and importance,
cv, tune: the same scores) ranks them by the net input of the output layer: the
references are scikit-learn's ``roc_auc_score`` of the logits computed here by a NumPy
forward pass of the saved weights (and of each class's log-probability, written out as
``-log(1 + sum of exp(z_i - z_j))`` by NumPy's ``logaddexp``), and, of a network that
does not saturate, of ``predict_proba`` as it is.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from chainrule.cli import main
from chainrule.saved_model import SavedModel, load_model


def _data(tmp_path, k: int, n: int = 240, seed: int = 0):
    """A CSV file of ``n`` rows of 4 noisy features and a class of ``k``, and X, y."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, :k - 1].sum(axis=1) + X[:, 3] + rng.normal(scale=1.5, size=n) > 0).astype(int)
    if k == 3:
        y = np.digitize(X[:, 0] - X[:, 1] + rng.normal(scale=1.0, size=n), [-0.6, 0.6])
    with open(tmp_path / "d.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["a", "b", "c", "d", "y"])
        writer.writerows([*map(repr, map(float, x)), int(t)] for x, t in zip(X, y, strict=True))
    return str(tmp_path / "d.csv"), X, y


def _train(tmp_path, data: str, *more: str) -> str:
    model = str(tmp_path / "m.npz")
    assert main(["train", data, "--target", "y", "--hidden", "6", "--epochs", "25",
                 "--seed", "0", "-q", "-o", model, *more]) == 0
    return model


def _saturate(model: str, factor: float = 200.0) -> str:
    """The model file with its last layer's weights ``factor`` times larger."""
    saved = load_model(model)
    saved.network.layers[-1].W[...] *= factor
    SavedModel(saved.network, saved.metadata).save(model)
    return model


def _net_input(model: str, X: np.ndarray) -> np.ndarray:
    """The output layer's net input, by NumPy from the file's weights and scaling."""
    saved = load_model(model)
    A = (X - np.array(saved.metadata["x_mean"])) / np.array(saved.metadata["x_scale"])
    *hidden, last = saved.network.layers
    for layer in hidden:
        assert layer.activation.name == "relu"
        A = np.maximum(A @ layer.W + layer.b, 0.0)
    return A @ last.W + last.b


def _json(capsys, *argv: str) -> dict:
    capsys.readouterr()
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_binary_roc_auc_of_a_saturated_network_ranks_by_its_logit(tmp_path, capsys):
    """Before, 0.756 of the probabilities, 126 of 240 rounded to 1.0 (0.817 of the logit)."""
    data, X, y = _data(tmp_path, 2)
    model = _saturate(_train(tmp_path, data))
    z = _net_input(model, X)[:, 0]
    p1 = load_model(model).predict_proba(X)[:, 1]
    assert np.count_nonzero(p1 == 1.0) > 50  # saturated
    want, rounded = roc_auc_score(y, z), roc_auc_score(y, p1)
    assert abs(want - rounded) > 0.01
    assert _json(capsys, "evaluate", model, data)["roc_auc"] == pytest.approx(want, abs=1e-12)
    assert _json(capsys, "evaluate", model, data, "--report")["roc_auc"] == pytest.approx(
        want, abs=1e-12)
    got = _json(capsys, "importance", model, data, "--scoring", "roc_auc", "--repeats", "1")
    assert got["baseline"] == pytest.approx(want, abs=1e-12)


def test_three_classes_of_a_saturated_network_rank_by_each_log_probability(tmp_path,
                                                                          capsys):
    """A softmax's largest probability rounds to 1.0 (its log to 0) past a margin of 37:
    before, 0.781 (226 of 240 rows), as of the log-softmax as it rounds; 0.817 now."""
    data, X, y = _data(tmp_path, 3)
    model = _saturate(_train(tmp_path, data))
    z = _net_input(model, X)
    proba = load_model(model).predict_proba(X)
    assert np.count_nonzero(proba.max(axis=1) == 1.0) > 50
    # each class's log-probability, -log(1 + exp(r)), r = log(sum of the others' exp(z_i))
    # - z_j: NumPy's logaddexp, of log1p where exp(r) is small
    logp = np.column_stack([-np.logaddexp(0, np.logaddexp(*(z[:, i] for i in range(3) if i != j))
                                          - z[:, j]) for j in range(3)])
    each = [roc_auc_score(y == j, logp[:, j]) for j in range(3)]
    counts = np.bincount(y, minlength=3)
    rounded = roc_auc_score(y, proba, multi_class="ovr")
    assert abs(np.mean(each) - rounded) > 1e-3
    assert _json(capsys, "evaluate", model, data)["roc_auc"] == pytest.approx(
        np.mean(each), abs=1e-12)
    from chainrule._roc_auc import roc_auc  # scikit-learn's "weighted" ovr average

    saved = load_model(model)
    assert roc_auc(y, proba, lambda: saved.predict_log_proba(X), average="weighted") == (
        pytest.approx(np.average(each, weights=counts), abs=1e-12))


@pytest.mark.parametrize("k", [2, 3])
def test_an_unsaturated_network_s_roc_auc_is_scikit_learn_s(tmp_path, capsys, k):
    data, X, y = _data(tmp_path, k, seed=k)
    model = _train(tmp_path, data)
    proba = load_model(model).predict_proba(X)
    assert proba.max() < 1 - 1e-6
    w = np.random.default_rng(1).uniform(0.2, 2.0, size=len(y))
    with open(data) as fh:
        lines = fh.read().splitlines()
    (tmp_path / "w.csv").write_text("\n".join([lines[0] + ",w"] + [
        f"{line},{float(v)!r}" for line, v in zip(lines[1:], w, strict=True)]) + "\n")
    for weights, sw in ((None, None), ("w", w)):
        want = (roc_auc_score(y, proba[:, 1], sample_weight=sw) if k == 2 else
                roc_auc_score(y, proba, multi_class="ovr", sample_weight=sw))
        argv = [str(tmp_path / "w.csv"), "--sample-weight", weights] if weights else [data]
        got = _json(capsys, "evaluate", model, *argv)
        assert got["roc_auc"] == pytest.approx(want, abs=1e-12)


def test_several_targets_of_a_saturated_network_rank_by_each_logit(tmp_path, capsys):
    rng = np.random.default_rng(6)
    X = rng.normal(size=(150, 3))
    Y = (X + 0.8 * rng.normal(size=X.shape) > 0).astype(int)
    with open(tmp_path / "d.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["a", "b", "c", "s", "t", "u"])
        writer.writerows([*map(repr, map(float, x)), *map(str, t)]
                         for x, t in zip(X, Y, strict=True))
    data, model = str(tmp_path / "d.csv"), str(tmp_path / "m.npz")
    assert main(["train", data, "--target", "s", "t", "u", "--hidden", "6", "--epochs", "25",
                 "--seed", "0", "-q", "-o", model]) == 0
    _saturate(model)
    z = _net_input(model, X)
    proba = load_model(model).predict_proba(X)
    assert np.count_nonzero(proba == 1.0) > 50
    want = np.mean([roc_auc_score(Y[:, j], z[:, j]) for j in range(3)])
    assert abs(want - roc_auc_score(Y, proba)) > 1e-3
    got = _json(capsys, "evaluate", model, data, "--target", "s", "t", "u")
    assert got["roc_auc"] == pytest.approx(want, abs=1e-12)
