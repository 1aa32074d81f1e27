"""BatchNorm's ``unbiased_running_var``: the running variance averages the batches' unbiased
variances (True, the default: PyTorch's BatchNorm1d/2d) or their biased ones (False: Keras's
BatchNormalization, whose documented update is ``moving_var = moving_var * momentum +
var(batch) * (1 - momentum)`` with the var(batch) the batch is normalised with, starting at 1
(keras.io, BatchNormalization layer); cs231n's batchnorm_forward, starting at 0).

References: running averages written here in NumPy (np.var, ddof 0), torch's layers, and
cs231n's published test-time figures (tests/test_student19_cs231n_layer_checks.py)."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from chainrule import BatchNorm, Dense, Network
from chainrule.architecture import network_from_layers
from chainrule.io import load, save
from file_helpers import edit_saved_meta


def _batches(images: bool, n: int = 6, seed: int = 0) -> list[np.ndarray]:
    """Batches of 7 rows of 3 features, or 5 images of 3 channels of 4x2 pixels, each
    feature with its own mean and spread, the spreads growing from batch to batch."""
    rng = np.random.default_rng(seed)
    shape, per = ((5, 3, 4, 2), (1, 3, 1, 1)) if images else ((7, 3), (1, 3))
    loc, scale = np.reshape([2.0, -1.0, 0.5], per), np.reshape([1.0, 3.0, 0.2], per)
    return [loc + (1 + 0.5 * i) * scale * rng.normal(size=shape) for i in range(n)]


def _numpy_running(batches: list[np.ndarray], momentum: float, ddof: int, start_var: float):
    """The running mean and variance written out: per feature (channel: over N, H, W)."""
    axes = (0, 2, 3) if batches[0].ndim == 4 else 0
    mean, var = np.zeros(3), np.full(3, start_var)
    for x in batches:
        mean = momentum * mean + (1 - momentum) * x.mean(axis=axes)
        var = momentum * var + (1 - momentum) * np.var(x, axis=axes, ddof=ddof)
    return mean, var


@pytest.mark.parametrize("images", [False, True])
def test_biased_running_var_averages_numpys_biased_variance(images):
    batches = _batches(images)
    bn = BatchNorm(3, momentum=0.8, unbiased_running_var=False)
    for x in batches:
        bn.forward(x, training=True)
    mean, var = _numpy_running(batches, 0.8, ddof=0, start_var=1.0)  # Keras: starts at 1
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-13)
    np.testing.assert_allclose(bn.running_var, var, rtol=1e-13)
    # evaluation normalises with them
    x = batches[0]
    shape = (1, 3, 1, 1) if images else (1, 3)
    np.testing.assert_allclose(
        bn.forward(x), (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + 1e-5),
        rtol=1e-12, atol=1e-12)
    # the unbiased default's running variance is another one
    unbiased = BatchNorm(3, momentum=0.8, unbiased_running_var=True)
    for x in batches:
        unbiased.forward(x, training=True)
    np.testing.assert_allclose(unbiased.running_var,
                               _numpy_running(batches, 0.8, ddof=1, start_var=1.0)[1],
                               rtol=1e-13)
    assert np.all(unbiased.running_var > bn.running_var)


@pytest.mark.parametrize("images", [False, True])
def test_unbiased_running_var_is_torchs_and_the_default_unchanged(images):
    torch = pytest.importorskip("torch")
    batches = _batches(images, seed=1)
    ref = (torch.nn.BatchNorm2d if images else torch.nn.BatchNorm1d)(
        3, momentum=0.25, eps=1e-5).double()  # torch's momentum 0.25 = chainrule's 0.75
    ours = BatchNorm(3, momentum=0.75, unbiased_running_var=True)
    default = BatchNorm(3, momentum=0.75)
    for x in batches:
        ref(torch.from_numpy(x))
        ours.forward(x, training=True)
        default.forward(x, training=True)
    np.testing.assert_allclose(ours.running_var, ref.running_var.numpy(), rtol=1e-13)
    np.testing.assert_allclose(ours.running_mean, ref.running_mean.numpy(), rtol=1e-13,
                               atol=1e-15)
    assert np.array_equal(default.running_var, ours.running_var)  # bit for bit


def _trained(net: Network, batches: list[np.ndarray]) -> Network:
    for x in batches:
        net.forward(x, training=True)
    return net


def _net(**kw) -> Network:
    return Network([Dense(3, 3, activation="identity", seed=0), BatchNorm(3, "tanh", **kw),
                    Dense(3, 1, seed=1)])


def test_saved_loaded_copied_and_astype_networks_keep_the_biased_running_var(tmp_path):
    batches = _batches(False, seed=2)
    net = _trained(_net(momentum=0.5, unbiased_running_var=False), batches[:3])
    path = save(net, tmp_path / "bn.npz")
    copies = {"loaded": load(path), "copy": net.copy(), "deepcopy": copy.deepcopy(net),
              "pickle": pickle.loads(pickle.dumps(net)), "float32": net.astype(np.float32)}
    # the rest of the batches, through each: the same biased average as the original's
    _trained(net, batches[3:])
    for name, other in copies.items():
        bn = other.layers[1]
        assert bn.unbiased_running_var is False, name
        assert bn.get_config() == {"type": "BatchNorm", "n_features": 3, "activation": "tanh",
                                   "momentum": 0.5, "eps": 1e-5,
                                   "unbiased_running_var": False}, name
        _trained(other, batches[3:])
        tol = 1e-6 if name == "float32" else 1e-13
        np.testing.assert_allclose(bn.running_var, net.layers[1].running_var, rtol=tol)
    # and that average is NumPy's biased one of the hidden layer's outputs
    hidden = _net(momentum=0.5)
    hidden.params[:] = net.params
    Z = [hidden.layers[0].forward(x) for x in batches]
    np.testing.assert_allclose(net.layers[1].running_var,
                               _numpy_running(Z, 0.5, ddof=0, start_var=1.0)[1], rtol=1e-13)


def test_a_file_without_the_key_loads_with_the_unbiased_default(tmp_path):
    """Files written before the option have no "unbiased_running_var": those layers
    averaged the unbiased variance."""
    path = save(_trained(_net(), _batches(False)[:2]), tmp_path / "old.npz")

    def drop_key(meta):
        bn = meta["network"]["layers"][1]
        assert bn.pop("unbiased_running_var") is True
    edit_saved_meta(path, drop_key)
    bn = load(path).layers[1]
    assert bn.unbiased_running_var is True
    x = _batches(False, seed=3)[0]
    before = bn.running_var.copy()
    bn.forward(x, training=True)
    np.testing.assert_allclose(bn.running_var, 0.9 * before + 0.1 * np.var(x, axis=0, ddof=1),
                               rtol=1e-13)


def test_architecture_dicts_take_the_option_and_repr_shows_it():
    net = network_from_layers([{"type": "Dense", "fan_out": 3, "activation": "identity"},
                               {"type": "BatchNorm", "unbiased_running_var": False}],
                              input_shape=2, seed=0)
    bn = net.layers[1]
    assert bn.unbiased_running_var is False
    assert repr(bn) == "BatchNorm(3, unbiased_running_var=False)"
    assert repr(BatchNorm(3, "relu", unbiased_running_var=True)) == \
        "BatchNorm(3, activation='relu')"
    assert BatchNorm(2).get_config()["unbiased_running_var"] is True


@pytest.mark.parametrize("value", ["false", 0, 1, None, 0.0, [False]])
def test_a_non_bool_is_refused_naming_the_option(value):
    with pytest.raises(TypeError, match=r"unbiased_running_var must be True or False, got"):
        BatchNorm(3, unbiased_running_var=value)
    with pytest.raises(TypeError, match=r"unbiased_running_var must be True or False"):
        network_from_layers([{"type": "BatchNorm", "n_features": 3,
                              "unbiased_running_var": value}])


def test_numpys_bool_is_taken():
    assert BatchNorm(3, unbiased_running_var=np.bool_(False)).unbiased_running_var is False


def test_a_damaged_value_in_a_file_is_refused(tmp_path):
    path = save(_net(), tmp_path / "bad.npz")

    def damage(meta):
        meta["network"]["layers"][1]["unbiased_running_var"] = "no"
    edit_saved_meta(path, damage)
    with pytest.raises((TypeError, ValueError), match="unbiased_running_var") as err:
        load(path)
    assert str(path) in str(err.value)
