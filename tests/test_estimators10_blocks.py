"""The blocks of rows the estimators predict in: those of the block rule (about
``_EVAL_BLOCK_BYTES`` in the widest array of a row, whole multiples of 64 rows where a
block holds 64 or more, fewer where a row is wider), for predict_proba and
predict_log_proba alike, with no floor of 64 rows that doubled a small CNN's peak memory.
References: the block sizes worked out by hand from the layers' shapes, one forward pass
of all rows, SciPy's log_softmax of the output layer's net input."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest
from scipy.special import log_softmax

from chainrule import MLPClassifier
from chainrule._mlp_base import _EVAL_BLOCK_BYTES
from chainrule._network_inference import _EvaluationPass
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

CNN = [{"type": "Conv2D", "in_channels": 1, "out_channels": 8, "kernel_size": 3,
        "padding": 1}, {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}]
# the widest array of a row, by hand: the 3x3 convolution's im2col columns, 1 channel x 9
# taps x 28 output rows x 30 padded columns (wider than its 8x28x28 output, 6272 values)
CNN_WIDEST = 1 * 9 * 28 * 30
MLP_WIDEST = 784  # the input row (the hidden layer has 256 units)


@pytest.fixture(scope="module")
def fitted() -> dict:
    rng = np.random.default_rng(10)
    X = rng.random((400, 784))
    y = rng.integers(0, 10, 400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        cnn = MLPClassifier(layers=CNN, input_shape=(1, 28, 28), max_iter=1,
                            random_state=0).fit(X[:100], y[:100])
        mlp = MLPClassifier(hidden_layer_sizes=(256,), max_iter=1,
                            random_state=0).fit(X[:100], y[:100])
    return {"X": X, "cnn": (cnn, CNN_WIDEST, (1, 28, 28)), "mlp": (mlp, MLP_WIDEST, None)}


def _rule(widest: int) -> int:
    """The block rule by hand: rows of about _EVAL_BLOCK_BYTES float64 values in the
    widest array, whole multiples of 64 from 64 rows up, else as many as fit (at least 1)."""
    rows = _EVAL_BLOCK_BYTES // (widest * 8)
    return rows // 64 * 64 if rows >= 64 else max(1, rows)


def _rows_of_blocks(monkeypatch, method, X) -> list[int]:
    """The ``rows`` argument of each evaluation pass that ``method(X)`` runs."""
    seen = []
    original = _EvaluationPass.blocks

    def spy(self, data, rows):
        seen.append(rows)
        return original(self, data, rows)

    monkeypatch.setattr(_EvaluationPass, "blocks", spy)
    method(X)
    monkeypatch.undo()
    return seen


@pytest.mark.parametrize("name", ["cnn", "mlp"])
def test_both_predictions_take_the_rule_s_blocks(fitted, monkeypatch, name):
    est, widest, _ = fitted[name]
    X = fitted["X"]
    expected = _rule(widest)
    assert expected == {"cnn": 34, "mlp": 320}[name]  # 2 MiB // (7560 * 8); 334 -> 320
    for method in (est.predict_proba, est.predict_log_proba, est.predict):
        assert _rows_of_blocks(monkeypatch, method, X) == [expected]


@pytest.mark.parametrize("name", ["cnn", "mlp"])
def test_blocks_equal_one_forward_pass_of_all_rows(fitted, name):
    est, _, shape = fitted[name]
    X = fitted["X"]
    net = est.network_
    whole = net.forward(X if shape is None else X.reshape(-1, *shape))
    top = net.layers[-1]
    Z = top.X @ top.W + top.b  # the output layer's net input, by hand, of all rows
    np.testing.assert_allclose(est.predict_proba(X), whole, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(est.predict_log_proba(X), log_softmax(Z, axis=1),
                               rtol=1e-12, atol=1e-12)


def test_cnn_peak_memory_is_that_of_the_rule_s_blocks(fitted):
    """The floor of 64 rows made the CNN's blocks 64 rows where the rule says 34: a peak of
    about 5 x 2 MiB beyond the result; the rule's blocks need about 2.6 x 2 MiB."""
    est, _, _ = fitted["cnn"]
    X = fitted["X"]
    est.predict_proba(X)
    for method in (est.predict_proba, est.predict_log_proba):
        tracemalloc.start()
        try:
            out = method(X)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak - out.nbytes < 3.5 * _EVAL_BLOCK_BYTES
