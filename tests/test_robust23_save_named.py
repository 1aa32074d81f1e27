"""Saving a network whose parameters were made NaN or infinite in place names the layer and
parameter, as train and predict do (robust23).

``layer.W -= np.inf`` writes into the network's parameter vector before the setter refuses
it (robust21).  ``net.save``, ``Trainer.save_checkpoint`` and an estimator's ``save`` refused
such a network saying only "the array 'params' holds 20 NaN or infinite value(s)"; now they
name ``net.layers[i].W``.  The file is not written, and the one it would replace is kept.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(423)
X = RNG.normal(size=(12, 4))
LABELS = RNG.integers(0, 3, 12)


def _spoil(layer, name):
    with pytest.raises(ValueError, match="in-place operator"):
        setattr(layer, name, getattr(layer, name).__isub__(np.inf))  # layer.W -= np.inf


def _net():
    return cr.mlp([4, 5, 3], hidden="tanh", output="softmax", seed=0)


@pytest.mark.parametrize(("i", "name"), [(0, "W"), (1, "b")])
def test_net_save_names_the_layer_and_keeps_the_file_it_would_replace(tmp_path, i, name):
    net = _net()
    path = tmp_path / "model.npz"
    net.save(path)
    saved = net.params.copy()
    size = getattr(net.layers[i], name).size
    _spoil(net.layers[i], name)
    with pytest.raises(ValueError) as info:
        net.save(path)
    message = str(info.value)
    for words in (f"{path}: not written: net.layers[{i}].{name} (Dense) holds {size} NaN or "
                  f"infinite value(s) of {size} (the first: -inf)", f"layer.{name} = "):
        assert words in message, (words, message)
    assert "'params'" not in message
    np.testing.assert_array_equal(cr.load(path).params, saved)  # the earlier file, intact
    with pytest.raises(ValueError, match=f"net.layers\\[{i}\\].{name}"):
        net.save(tmp_path / "new.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]  # no stray temporary


def test_a_checkpoint_names_the_layer(tmp_path):
    net = _net()
    trainer = cr.Trainer(net, optimizer=cr.SGD(lr=0.1), epochs=1, batch_size="full")
    trainer.fit(X, LABELS)
    _spoil(net.layers[1], "W")
    with pytest.raises(ValueError, match=r"ckpt\.npz: not written: net\.layers\[1\]\.W "
                                         r"\(Dense\) holds 15 NaN or infinite value\(s\) of 15"):
        trainer.save_checkpoint(tmp_path / "ckpt.npz")
    assert not any(tmp_path.iterdir())


def test_an_estimators_save_names_the_layer(tmp_path):
    est = cr.MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    with pytest.warns(Warning):  # 3 iterations: not converged
        est.fit(X, LABELS)
    _spoil(est.network_.layers[0], "W")
    # named as the user holds it (robust26): est.network_, est.coefs_
    with pytest.raises(ValueError, match=r"est\.npz: not written: est\.network_\.layers\[0\]"
                                         r"\.W \(Dense, est\.coefs_\[0\]\)"):
        est.save(tmp_path / "est.npz")
    assert not any(tmp_path.iterdir())


def test_finite_values_set_again_save_and_load_back_bit_for_bit(tmp_path):
    net = _net()
    W0 = net.layers[0].W.copy()
    _spoil(net.layers[0], "W")
    net.layers[0].W = W0
    back = cr.load(net.save(tmp_path / "m.npz"))
    np.testing.assert_array_equal(back.layers[0].W, W0)
    np.testing.assert_array_equal(back.params, net.params)
