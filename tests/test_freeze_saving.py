"""Frozen parameters saved with the model: files, pickles, copies and checkpoints keep
each layer's ``trainable`` and ``frozen``; files without them load all trainable."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import chainrule as cr
from chainrule import io
from chainrule.optimizers import SGD


def _data(n=24):
    rng = np.random.default_rng(1)
    return rng.normal(size=(n, 3)), rng.normal(size=(n, 2))


def _net():
    net = cr.mlp([3, 4, 4, 2], hidden="tanh", output="identity", seed=2)
    net.layers[0].frozen = {"b"}
    net.layers[1].trainable = False
    return net


def _marks(net):
    return [(layer.trainable, layer.frozen) for layer in net.layers]


WANT = [(True, {"b"}), (False, frozenset()), (True, frozenset())]


def test_a_saved_model_loads_with_its_frozen_parameters(tmp_path):
    path = _net().save(tmp_path / "m.npz")
    assert _marks(cr.load(path)) == WANT


def test_pickles_and_copies_keep_them():
    net = _net()
    for other in (pickle.loads(pickle.dumps(net)), net.copy(), copy.deepcopy(net),
                  net.astype("float32")):
        assert _marks(other) == WANT


def test_a_network_that_freezes_nothing_writes_the_record_it_always_wrote():
    net = cr.mlp([3, 4, 2], seed=0)
    config = io.network_config(net)
    assert "trainable" not in config and "frozen" not in config


def test_a_record_without_the_keys_loads_all_trainable(tmp_path):
    """A file written before freezing existed: the network record of a network that
    freezes nothing, as every file then had."""
    path = cr.mlp([3, 4, 2], seed=0).save(tmp_path / "old.npz")
    net = cr.load(path)
    assert all(layer.trainable and not layer.frozen for layer in net.layers)
    assert net._frozen_slices() == []


def test_a_damaged_frozen_record_is_refused_naming_the_layer_and_its_parameters():
    config = io.network_config(_net())
    config["frozen"][2] = ["W", "gamma"]
    with pytest.raises(ValueError, match=r"network.frozen\[2\].*\['gamma'\].*are \['W', 'b'\]"):
        io.network_from_config(config)
    config = io.network_config(_net())
    config["trainable"] = [True, "no", True]
    with pytest.raises(TypeError, match=r"network\.trainable: expected a list of 3 true/false"):
        io.network_from_config(config)


def test_a_checkpointed_run_resumes_to_the_uninterrupted_runs_parameters(tmp_path):
    X, Y = _data()
    straight = _net()
    before = straight.params.copy()
    cr.Trainer(straight, optimizer=SGD(lr=0.05, momentum=0.9), batch_size=6, epochs=4,
               seed=3).fit(X, Y)
    net = _net()
    path = tmp_path / "run.ckpt.npz"
    cr.Trainer(net, optimizer=SGD(lr=0.05, momentum=0.9), batch_size=6, epochs=2, seed=3,
               checkpoint=path).fit(X, Y)
    resumed, _ = cr.resume(path, X, Y, epochs=4)
    assert _marks(resumed) == WANT
    np.testing.assert_array_equal(resumed.params, straight.params)
    frozen = np.zeros(net.n_params, dtype=bool)
    for sl in resumed._frozen_slices():
        frozen[sl] = True
    assert np.array_equal(resumed.params[frozen], before[frozen])
