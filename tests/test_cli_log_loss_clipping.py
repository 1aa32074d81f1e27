"""The log loss that ``evaluate`` and ``importance`` print is scikit-learn's ``log_loss`` of
the model's own ``predict_proba``, where the model gives an example's true class a
probability below 1e-15.

Before, the scores clipped the probabilities at 1e-15 (and a multi-label target's at
1 - 1e-15), scikit-learn's clipping before 1.2; scikit-learn clips at the eps of the
probabilities' dtype since (2.2e-16 in float64), so that such an example counted
-ln(1e-15) = 34.5 where scikit-learn counts up to -ln(2.2e-16) = 36.0.  The models here
are written by hand, their weights large enough that some probabilities are near 1e-20,
and the references are ``sklearn.metrics.log_loss`` of ``predict_proba``, with the loss of
each example written out in NumPy beside it.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn.metrics import log_loss

import chainrule as cr
from chainrule.cli import main

# a softmax layer of 2 inputs and 3 classes: net inputs 46 a, 46 b, 0 (W row by row, then b)
_W = np.array([[46.0, 0.0, 0.0], [0.0, 46.0, 0.0]])
_X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
_Y = np.array([0, 1, 1, 2, 0, 2])  # rows 2 and 4: the true class's probability e^-46 = 1e-20


def _written_out(P: np.ndarray, y: np.ndarray) -> float:
    """-mean ln p of each example's true class, p clipped at the dtype's eps, in NumPy."""
    eps = np.finfo(P.dtype).eps
    p = np.clip(P, eps, 1 - eps)[np.arange(len(y)), y]
    return float(-np.mean(np.log(p.astype(np.float64))))


def _json(capsys, *args: str) -> dict:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def softmax_model(tmp_path):
    net = cr.mlp([2, 3], output="softmax", seed=0)
    net.set_params(np.concatenate([_W.ravel(), np.zeros(3)]))
    net.save(tmp_path / "m.npz")
    rows = [f"{float(a)!r},{float(b)!r},{t}" for (a, b), t in zip(_X, _Y, strict=True)]
    (tmp_path / "d.csv").write_text("a,b,y\n" + "\n".join(rows) + "\n")
    return tmp_path / "m.npz", tmp_path / "d.csv"


def test_evaluate_log_loss_is_scikit_learns_below_1e_15(softmax_model, capsys):
    model, data = softmax_model
    P = cr.load_model(model).predict_proba(_X)
    Z = _X @ _W
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(P, E / E.sum(axis=1, keepdims=True), rtol=1e-12)
    assert P[2, 1] < 1e-15 and P[4, 0] < 1e-15
    expected = log_loss(_Y, P)
    got = _json(capsys, "evaluate", str(model), str(data), "--target", "y")
    assert got["log_loss"] == expected
    assert got["log_loss"] == pytest.approx(_written_out(P, _Y), rel=1e-12)
    # two examples at -ln(2.2e-16) = 36.04 each, not -ln(1e-15) = 34.54
    assert got["log_loss"] > log_loss(_Y, np.clip(P, 1e-15, 1)) + 2 * 1.4 / 6


def test_importance_log_loss_baseline_is_scikit_learns(softmax_model, capsys):
    model, data = softmax_model
    P = cr.load_model(model).predict_proba(_X)
    got = _json(capsys, "importance", str(model), str(data), "--target", "y",
                "--scoring", "log_loss", "--repeats", "1", "-q")
    assert got["baseline"] == log_loss(_Y, P)
    assert got["baseline"] == pytest.approx(_written_out(P, _Y), rel=1e-12)


def test_multi_label_log_loss_of_each_target_is_scikit_learns(tmp_path, capsys):
    """Each target's log loss is ``log_loss(Y[:, j], P[:, j])`` (scikit-learn takes 1 - p
    for the first label and clips both at 2.2e-16), the printed one their mean."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] - X[:, 2] > 0]).astype(int)
    Y[:4] = 1 - Y[:4]  # four examples whose labels the model gives ~e^-50|x|
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cr.MLPClassifier((), max_iter=5, random_state=0).fit(X, Y)
    est.network_.set_params(np.array([50.0, 0.0, 0.0, 50.0, 0.0, -50.0, 0.0, 0.0]))
    est.save(tmp_path / "est.npz")
    rows = [",".join([*(repr(float(v)) for v in x), *(str(t) for t in y)])
            for x, y in zip(X, Y, strict=True)]
    (tmp_path / "d.csv").write_text("a,b,c,u,v\n" + "\n".join(rows) + "\n")
    P = est.predict_proba(X)
    z = np.column_stack([50 * X[:, 0], 50 * (X[:, 1] - X[:, 2])])
    np.testing.assert_allclose(P, 1 / (1 + np.exp(-z)), rtol=1e-12)
    true = np.where(Y == 1, P, 1 - P)
    assert (true < 1e-15).any() and (true < 1e-15).sum() < 8
    each = [log_loss(Y[:, j], P[:, j], labels=[0, 1]) for j in range(2)]
    eps = np.finfo(np.float64).eps
    written = -np.mean(np.log(np.clip(true, eps, 1 - eps)), axis=0)
    np.testing.assert_allclose(each, written, rtol=1e-12)
    got = _json(capsys, "evaluate", str(tmp_path / "est.npz"), str(tmp_path / "d.csv"),
                "--target", "u", "v")
    assert got["targets"]["u"]["log_loss"] == each[0]
    assert got["targets"]["v"]["log_loss"] == each[1]
    assert got["log_loss"] == pytest.approx(np.mean(each), rel=1e-15)
    imp = _json(capsys, "importance", str(tmp_path / "est.npz"), str(tmp_path / "d.csv"),
                "--target", "u", "v", "--scoring", "log_loss", "--repeats", "1", "-q")
    assert imp["baseline"] == pytest.approx(np.mean(each), rel=1e-15)


def test_a_float32_models_log_loss_is_scikit_learns_of_its_float32_probabilities(
        tmp_path, capsys):
    """The probabilities are scored as ``predict_proba`` gives them: a float32 model's in
    float32, clipped at float32's eps 1.2e-7 as ``log_loss`` clips them."""
    net = cr.mlp([2, 3], output="softmax", seed=0, dtype=np.float32)
    net.set_params(np.concatenate([_W.ravel(), np.zeros(3)]).astype(np.float32))
    net.save(tmp_path / "m.npz")
    rows = [f"{float(a)!r},{float(b)!r},{t}" for (a, b), t in zip(_X, _Y, strict=True)]
    (tmp_path / "d.csv").write_text("a,b,y\n" + "\n".join(rows) + "\n")
    P = cr.load_model(tmp_path / "m.npz").predict_proba(_X)
    assert P.dtype == np.float32 and P[2, 1] < 1e-15
    got = _json(capsys, "evaluate", str(tmp_path / "m.npz"), str(tmp_path / "d.csv"),
                "--target", "y")
    assert got["log_loss"] == log_loss(_Y, P)
    assert got["log_loss"] == pytest.approx(_written_out(P, _Y), rel=1e-6)
