"""deeplearning.ai course 2 week 1, "Regularization" (examples/dlai_regularization.py):
L2 regularization as chainrule's weight decay, dropout with the course's masks.

References: the notebook's printed outputs and its 2021 public_tests (the same in several
public copies): compute_cost_with_regularization 1.7864859451590758 (2021; the 2017
notebook prints 1.78648594516), backward_propagation_with_regularization's dW1, dW2, dW3,
forward_propagation_with_dropout's A3 (keep_prob 0.7) and
backward_propagation_with_dropout's dA1, dA2 (keep_prob 0.8), 8 decimals.  And the
course's functions written in NumPy here (columns are examples), on the same draws.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dlai_regularization.py"
PRINTED = 5e-9 * (1 + 1e-6)  # half a unit in the 8th decimal, plus the float rounding

COST = 1.7864859451590758  # 2021 public_tests; 2017: 1.78648594516
DW = {"dW1": [[-0.25604646, 0.12298827, -0.28297129], [-0.17706303, 0.34536094, -0.4410571]],
      "dW2": [[0.79276486, 0.85133918], [-0.0957219, -0.01720463], [-0.13100772, -0.03750433]],
      "dW3": [[-1.77691347, -0.11832879, -0.09397446]]}
A3_DROPOUT = [[0.36974721, 0.00305176, 0.04565099, 0.49683389, 0.36974721]]
DA = {"dA1": [[0.36544439, 0.0, -0.00188233, 0.0, -0.17408748],
              [0.65515713, 0.0, -0.00337459, 0.0, -0.0]],
      "dA2": [[0.58180856, 0.0, -0.00299679, 0.0, -0.27715731],
              [0.0, 0.53159854, -0.0, 0.53159854, -0.34089673],
              [0.0, 0.0, -0.00292733, 0.0, -0.0]]}
# the cache of backward_propagation_with_dropout_test_case (its A3, 8 decimals)
A3_CACHE = [[0.32266394, 0.49683389, 0.00348883, 0.49683389, 0.32266394]]
Y = np.array([[1.0, 1.0, 0.0, 1.0, 0.0]])


@pytest.fixture(scope="module")
def ex():
    return runpy.run_path(str(EXAMPLE))


def _close(got, published, atol=PRINTED):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(published), rtol=0,
                               atol=atol)


def _draws(with_x=True):
    """np.random.seed(1); X = randn(3, 5); W1, b1, W2, b2, W3, b3, the course's shapes."""
    rs = np.random.RandomState(1)
    X = rs.randn(3, 5) if with_x else None
    params = [rs.randn(*s) for s in ((2, 3), (2, 1), (3, 2), (3, 1), (1, 3), (1, 1))]
    return X, params


def _course_forward(X, params, masks=None, keep_prob=1.0):
    """The course's forward pass (with its inverted dropout when masks are given)."""
    W1, b1, W2, b2, W3, b3 = params
    A1 = np.maximum(0, W1 @ X + b1)
    if masks is not None:
        A1 = A1 * masks[0] / keep_prob
    A2 = np.maximum(0, W2 @ A1 + b2)
    if masks is not None:
        A2 = A2 * masks[1] / keep_prob
    return A1, A2, 1 / (1 + np.exp(-(W3 @ A2 + b3)))


def test_compute_cost_with_regularization(ex):
    assert ex["compute_cost_with_regularization"]()["cost"] == pytest.approx(COST, rel=3e-16)
    _, (W1, _, W2, _, W3, _) = _draws(with_x=False)
    A3 = ex["A3"]
    course = (-np.sum(Y * np.log(A3) + (1 - Y) * np.log(1 - A3)) / 5
              + 0.1 / (2 * 5) * (np.sum(W1**2) + np.sum(W2**2) + np.sum(W3**2)))
    assert ex["compute_cost_with_regularization"]()["cost"] == pytest.approx(course, rel=1e-15)


def test_decay_conventions_agree(ex):
    # lambd / (2 m) sum W^2: decay="per_sample" with lambd, or "ufldl" with lambd / m
    from chainrule.network import Network

    X, params = _draws()
    per_sample = ex["network"](params[0::2], [b[:, 0] for b in params[1::2]], 0.7)
    ufldl = Network.from_ufldl(params[0::2], [b[:, 0] for b in params[1::2]],
                               activation=["relu", "relu", "sigmoid"], loss="log_loss",
                               weight_decay=0.7 / 5)
    J1, g1 = per_sample.loss_and_grad(X.T, Y.T)
    J2, g2 = ufldl.loss_and_grad(X.T, Y.T)
    assert J1 == pytest.approx(J2, rel=1e-15)
    np.testing.assert_allclose(g1, g2, rtol=1e-14, atol=1e-16)


def test_backward_propagation_with_regularization(ex):
    got = ex["backward_propagation_with_regularization"]()
    for name, value in DW.items():
        _close(got[name], value)
    # the course's backward_propagation_with_regularization, lambd = 0.7, in NumPy
    X, params = _draws()
    W1, _, W2, _, W3, _ = params
    A1, A2, A3 = _course_forward(X, params)
    dZ3 = A3 - Y
    dZ2 = np.where(A2 > 0, W3.T @ dZ3, 0.0)
    dZ1 = np.where(A1 > 0, W2.T @ dZ2, 0.0)
    ref = {"dW3": dZ3 @ A2.T / 5 + 0.7 / 5 * W3, "dW2": dZ2 @ A1.T / 5 + 0.7 / 5 * W2,
           "dW1": dZ1 @ X.T / 5 + 0.7 / 5 * W1}
    for name, value in ref.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-13, atol=1e-15)


def test_forward_propagation_with_dropout(ex):
    got = ex["forward_propagation_with_dropout"]()["A3"]
    _close(got, A3_DROPOUT)
    X, params = _draws()
    rs = np.random.RandomState(1)  # the course reseeds, then draws D1 and D2
    masks = [rs.rand(2, 5) < 0.7, rs.rand(3, 5) < 0.7]
    np.testing.assert_allclose(got, _course_forward(X, params, masks, 0.7)[2], rtol=1e-13)


def _course_dropout_backward(X, params, masks, keep_prob, backward_keep_prob):
    _, _, W2, _, W3, _ = params
    _, A2, A3 = _course_forward(X, params, masks, keep_prob)
    dZ3 = A3 - Y
    dA2 = W3.T @ dZ3 * masks[1] / backward_keep_prob
    dZ2 = np.where(A2 > 0, dA2, 0.0)
    dA1 = W2.T @ dZ2 * masks[0] / backward_keep_prob
    return {"dA1": dA1, "dA2": dA2, "A3": A3}


def test_backward_propagation_with_dropout(ex):
    got = ex["backward_propagation_with_dropout"]()
    _close(got["dA2"], DA["dA2"])
    # dA1[0, 2] is -0.001882336 from the exact draws; the course computed it from its
    # cache written to 8 decimals: within 6e-9 of the print, not 5e-9
    _close(got["dA1"], DA["dA1"], atol=6.1e-9)
    X, params = _draws()
    rs = np.random.RandomState(1)
    masks = [rs.rand(2, 5) < 0.5, rs.rand(3, 5) < 0.5]  # the cache's keep_prob = 0.5
    ref = _course_dropout_backward(X, params, masks, 0.5, 0.8)
    _close(ref["A3"], A3_CACHE)  # the test case's cache is this forward pass
    for name in ("dA1", "dA2"):
        np.testing.assert_allclose(got[name], ref[name], rtol=1e-13, atol=1e-16)
    # the course's backward pass on its cache as printed (8 decimals) gives the print
    W1, b1, W2, b2, W3, b3 = params
    A1 = np.round(np.maximum(0, W1 @ X + b1) * masks[0] / 0.5, 8)
    A2 = np.round(np.maximum(0, W2 @ A1 + b2) * masks[1] / 0.5, 8)
    A3 = np.round(1 / (1 + np.exp(-(W3 @ A2 + b3))), 8)
    dA2 = np.round(W3, 8).T @ (A3 - Y) * masks[1] / 0.8
    dA1 = np.round(W2, 8).T @ np.where(A2 > 0, dA2, 0.0) * masks[0] / 0.8
    _close(dA1, DA["dA1"])
    _close(dA2, DA["dA2"])


def test_dropout_with_its_own_masks_is_the_consistent_backward(ex):
    got = ex["dropout_backward"](replay_course=False)
    X, params = _draws()
    rs = np.random.RandomState(1)
    masks = [rs.rand(2, 5) < 0.5, rs.rand(3, 5) < 0.5]
    ref = _course_dropout_backward(X, params, masks, 0.5, 0.5)
    for name in ("dA1", "dA2", "A3"):
        np.testing.assert_allclose(got[name], ref[name], rtol=1e-13, atol=1e-16)
    published = ex["backward_propagation_with_dropout"]()
    np.testing.assert_allclose(got["dA2"], 1.6 * published["dA2"], rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(got["dA1"], 2.56 * published["dA1"], rtol=1e-13, atol=1e-16)


def test_fixed_mask_is_the_courses_inverted_dropout():
    from chainrule.dropout import Dropout

    rs = np.random.RandomState(0)
    A = rs.randn(3, 5)  # the course's layout: units by examples
    D = rs.rand(3, 5) < 0.7
    layer = Dropout(rate=1 - 0.7)
    layer.fix_mask(D.T)
    out = layer.forward(A.T, training=True)
    np.testing.assert_allclose(out.T, A * D / 0.7, rtol=1e-15)
    g = rs.randn(5, 3)
    np.testing.assert_allclose(layer.backward(g).T, g.T * D / 0.7, rtol=1e-15)
    assert np.array_equal(layer.forward(A.T, training=False), A.T)  # evaluation: identity


def test_example_main_prints_each_figure(ex, capsys, monkeypatch):
    monkeypatch.setattr("sys.argv", ["dlai_regularization.py"])
    diff = ex["main"]()
    text = capsys.readouterr().out
    assert len(diff) == 7 and max(diff.values()) < 6.1e-9
    assert text.count("largest difference") == 7 and "1.7864859451590758" in text
