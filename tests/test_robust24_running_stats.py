"""BatchNorm's running statistics made NaN, infinite (or a variance negative) in place, or by
a hand-written loop, are refused by ``predict``, ``forward`` in evaluation mode, a run's
start and ``save`` naming the layer and the buffer, as parameters made so are (robust21,
robust23): with no NumPy warning before the error, and nothing of the network or of the
file already saved lost.

Before (robust24): ``bn.running_mean[1] = np.nan`` made every prediction NaN without a
word, ``bn.running_var[...] = np.inf`` made every row's prediction the same finite one
(1 / sqrt(inf) = 0 normalises each row to ``beta``), a negative variance printed NumPy's
"invalid value encountered in sqrt" before NaN, and ``save`` named the array
"'buffer/1/running_mean'" (a negative variance it wrote, into a file every reader refuses).
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(2424)
X = RNG.normal(size=(6, 3))
MEAN, VAR = np.array([0.5, -1.0, 0.25, 2.0]), np.array([4.0, 0.25, 1.0, 9.0])


def _net() -> cr.Network:
    net = cr.Network([cr.Dense(3, 4, "identity", seed=0), cr.BatchNorm(4, activation="tanh"),
                      cr.Dense(4, 2, "softmax", seed=1)], loss="cross_entropy")
    net.layers[1].running_mean, net.layers[1].running_var = MEAN, VAR
    net.layers[1].gamma, net.layers[1].beta = [1.5, 0.5, -1.0, 2.0], [0.1, -0.2, 0.3, 0.0]
    return net


def _by_hand(net: cr.Network, X: np.ndarray) -> np.ndarray:
    """Evaluation mode in plain NumPy: Dense, (z - mean) / sqrt(var + eps) * gamma + beta,
    tanh, Dense, softmax."""
    d1, bn, d2 = net.layers
    z = X @ d1.W + d1.b
    h = np.tanh((z - bn.running_mean) / np.sqrt(bn.running_var + 1e-5) * bn.gamma + bn.beta)
    logits = h @ d2.W + d2.b
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _loop_step(net: cr.Network) -> None:
    """A training-mode step of a loop of one's own on a batch with a row of huge values: the
    batch variance overflows to inf (its mean stays finite), which running_var takes in."""
    batch = X.copy()
    batch[0] = 1e200
    with np.errstate(all="ignore"):
        net.forward(batch, training=True)


SPOILS = {  # how the statistics were spoiled -> (buffer, count, first, what)
    "mean NaN": (lambda bn: bn.running_mean.__setitem__(1, np.nan),
                 "running_mean", 1, "nan", "NaN or infinite"),
    "var inf": (lambda bn: bn.running_var.__setitem__(slice(None), np.inf),
                "running_var", 4, "inf", "NaN or infinite"),
    "mean inf": (lambda bn: bn.running_mean.__setitem__(2, -np.inf),
                 "running_mean", 1, "-inf", "NaN or infinite"),
    "var negative": (lambda bn: bn.running_var.__setitem__(3, -2.0),
                     "running_var", 1, "-2.0", "negative"),
}


def _spoiled(how: str) -> tuple[cr.Network, str]:
    net = _net()
    spoil, name, count, first, what = SPOILS[how]
    spoil(net.layers[1])
    return net, (f"net.layers[1].{name} (BatchNorm) holds {count} {what} value(s) of 4 "
                 f"(the first: {first})")


def _state(net: cr.Network) -> list[np.ndarray]:
    return [net.params.copy(), *(v.copy() for v in net.layers[1].buffers().values())]


@pytest.mark.parametrize("how", list(SPOILS))
@pytest.mark.parametrize("call", ["predict", "forward", "__call__"])
def test_evaluation_refuses_spoiled_statistics_alone_naming_them(how, call):
    net, words = _spoiled(how)
    before = _state(net)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's sqrt or matmul warning would fail here
        with pytest.raises(ValueError) as info:
            getattr(net, call)(X)
    doing = "predict" if call == "predict" else "forward"
    assert str(info.value).startswith(f"{doing}: {words}, written into it since it was set")
    assert "layer.set_buffers(...)" in str(info.value)
    for old, now in zip(before, _state(net), strict=True):  # nothing changed
        np.testing.assert_array_equal(now, old)


def test_a_hand_written_loop_that_diverged_is_named_at_predict_and_train():
    net = _net()
    _loop_step(net)
    stats = net.layers[1].buffers()
    assert np.isfinite(stats["running_mean"]).all() and np.isinf(stats["running_var"]).any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^predict: net\.layers\[1\]\.running_var "
                                             r"\(BatchNorm\) holds \d NaN or infinite"):
            net.predict(X)  # its outputs finite: every row normalised to beta
    with pytest.raises(ValueError, match=r"^train: net\.layers\[1\]\.running_var"):
        cr.train(net, X, [0, 1, 0, 1, 1, 0], epochs=1)


@pytest.mark.parametrize("how", list(SPOILS))
def test_save_names_the_buffer_and_keeps_the_file_there(how, tmp_path):
    net = _net()
    path = net.save(tmp_path / "model.npz")
    before = path.read_bytes()
    net, words = _spoiled(how)
    with pytest.raises(ValueError) as info:
        net.save(path)
    assert str(info.value).startswith(f"{path}: not written: {words}")
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.npz"]
    np.testing.assert_allclose(cr.load(path).predict(X), _by_hand(_net(), X), rtol=1e-12)


def test_checkpoint_names_the_buffer(tmp_path):
    net, words = _spoiled("mean NaN")
    trainer = cr.Trainer(net, epochs=1)
    with pytest.raises(ValueError) as info:
        trainer.save_checkpoint(tmp_path / "ck.npz")
    assert words in str(info.value) and os.listdir(tmp_path) == []


def test_valid_statistics_set_again_predict_as_numpy_does():
    net, _ = _spoiled("var inf")
    net.layers[1].running_var = VAR  # the setter writes the finite values back
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(net.predict(X), _by_hand(net, X), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(net.forward(X), _by_hand(net, X), rtol=1e-12, atol=1e-15)


def test_huge_finite_statistics_are_no_refusal_and_no_warning():
    """|mean| * var past the largest float (the quick test's dot product overflows): the
    statistics are finite, so the pass is used as it is, quietly."""
    net = _net()
    net.layers[1].running_mean = [1e200, 0.0, 0.0, 0.0]
    net.layers[1].running_var = [1e200, 1.0, 1.0, 1.0]
    inputs = np.full((2, 3), 1e200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = net.predict(inputs)
        np.testing.assert_allclose(out, _by_hand(net, inputs), rtol=1e-12)
        np.testing.assert_allclose(net.forward(inputs), out, rtol=0)
