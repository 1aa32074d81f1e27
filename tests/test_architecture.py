"""network_from_layers and Dense built from layer dicts: initialisers and dtypes.

References: NumPy's generator drawing He normal N(0, 2 / fan_in) and Glorot uniform
U(+-sqrt(6 / (fan_in + fan_out))) by hand, and :func:`chainrule.mlp`'s draws.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import BatchNorm, Dense, Dropout, Network, mlp, network_from_layers

ACTS = ["relu", "tanh", "softmax"]
SIZES = [4, 6, 5, 3]


def _by_hand(seed: int) -> list[np.ndarray]:
    """The weights init="auto" draws from one generator, layer by layer: He normal after
    relu, Glorot uniform after tanh and softmax."""
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out, act in zip(SIZES[:-1], SIZES[1:], ACTS, strict=True):
        if act == "relu":
            weights.append(rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out)))
        else:
            r = np.sqrt(6.0 / (fan_in + fan_out))
            weights.append(rng.uniform(-r, r, size=(fan_in, fan_out)))
    return weights


def test_dense_init_auto_draws_what_mlp_draws():
    """Dense refused init="auto" ("unknown initializer 'auto'"), which mlp(), Conv2D and
    the command line's --init take.  Dense layers sharing one generator now draw mlp()'s
    weights, and those are He normal / Glorot uniform drawn here by hand."""
    rng = np.random.default_rng(7)
    dense = Network([Dense(n_in, n_out, act, init="auto", seed=rng)
                     for n_in, n_out, act in zip(SIZES[:-1], SIZES[1:], ACTS, strict=True)])
    reference = mlp(SIZES, hidden=ACTS[:2], output=ACTS[2], seed=7)
    np.testing.assert_array_equal(dense.params, reference.params)
    for layer, W in zip(dense.layers, _by_hand(7), strict=True):
        np.testing.assert_array_equal(layer.W, W)
        np.testing.assert_array_equal(layer.b, np.zeros(layer.n_out))
        assert layer.init == "auto"


def test_a_dense_dict_with_init_auto_is_the_default_init():
    """{"type": "Dense", "init": "auto"} was refused by name while a dict without "init"
    got the same choice; both now give the weights of the initialiser named outright."""
    def dicts(inits):
        return [{"type": "Dense", "fan_out": n, "activation": act, **init}
                for n, act, init in zip(SIZES[1:], ACTS, inits, strict=True)]

    auto = network_from_layers(dicts([{"init": "auto"}] * 3), input_shape=4, seed=3)
    default = network_from_layers(dicts([{}] * 3), input_shape=4, seed=3)
    named = network_from_layers(
        dicts([{"init": "he_normal"}, {"init": "glorot_uniform"}, {"init": "glorot_uniform"}]),
        input_shape=4, seed=3)
    np.testing.assert_array_equal(auto.params, named.params)
    np.testing.assert_array_equal(default.params, named.params)



def test_a_layer_object_of_another_dtype_than_the_one_given_is_refused():
    """network_from_layers([dict, Dense(dtype=float64)], dtype=float32) gave a float64
    network without a word: the given dtype went to the dict's layer only, and the
    network computes in the promotion of its layers' dtypes.  It is refused, naming the
    layer and both dtypes, before anything is drawn from the seed's generator."""
    for given, other in ((np.float32, np.float64), (np.float64, np.float32)):
        layer = Dense(3, 2, "identity", seed=0, dtype=other)
        W = layer.W.copy()
        rng = np.random.default_rng(4)
        state = rng.bit_generator.state
        with pytest.raises(ValueError) as info:
            network_from_layers([{"type": "Dense", "fan_out": 3}, layer], input_shape=4,
                                seed=rng, dtype=given)
        assert str(info.value) == (
            f"layers[1] (Dense) has dtype {np.dtype(other)}, but dtype {np.dtype(given)} was "
            f"given; build that layer with dtype='{np.dtype(given)}', or leave dtype out (the "
            "network then computes in the promotion of its layers' dtypes)")
        assert rng.bit_generator.state == state
        assert layer.W.dtype == other and np.array_equal(layer.W, W)


def test_layer_objects_that_agree_or_have_no_dtype_of_their_own_are_taken():
    """A layer object of the dtype given, and those that take the network's dtype
    (Dropout, Flatten, pooling, a BatchNorm built without a dtype), are taken as they are;
    without dtype a float64 layer object still makes the network float64, as before."""
    layers = [{"type": "Dense", "fan_out": 3}, Dropout(0.5, seed=0), BatchNorm(3),
              Dense(3, 2, "identity", seed=0, dtype=np.float32)]
    net = network_from_layers(layers, input_shape=4, seed=0, dtype=np.float32)
    assert net.dtype == np.float32 and net.params.dtype == np.float32
    mixed = [{"type": "Dense", "fan_out": 3}, Dense(3, 2, "identity", seed=0)]
    net = network_from_layers(mixed, input_shape=4, seed=0)
    assert net.dtype == np.result_type(np.float64, mixed[1].dtype) == np.float64
    net = network_from_layers([{"type": "Dense", "fan_out": 3},
                               Dense(3, 2, "identity", seed=0, dtype=np.float32)],
                              input_shape=4, seed=0)
    assert net.dtype == np.float64  # the dicts' default float64, promoted with float32


_ACCEPTED = ("init must be an initializer name (a str such as 'normal' or 'he_normal'), a "
             "callable init(rng, fan_in, fan_out), or an array of the ")


@pytest.mark.parametrize(("layer", "shape"), [
    ({"type": "Dense", "fan_out": 3}, "weights' shape (fan_in, fan_out) = (2, 3)"),
    ({"type": "Conv2D", "out_channels": 2, "kernel_size": 2},
     "kernels' shape (out_channels, in_channels, kh, kw) = (2, 1, 2, 2)"),
])
@pytest.mark.parametrize(("init", "exc", "given"), [
    (5, ValueError, "5 (int)"),
    (True, ValueError, "True (bool)"),
    (None, TypeError, "None"),
    ({"a": 1}, TypeError, "{'a': 1} (dict)"),
    ([1.0, 2.0], ValueError, "an array of shape (2,)"),
    ([["a", "b"]], TypeError, "an array of text of shape (1, 2)"),
])
def test_a_layer_dicts_init_of_no_accepted_form_names_the_forms_and_the_value(
        layer, shape, init, exc, given):
    """`"init": 5`, `true` or `null` in a layer dict (JSON from --layers) was refused as
    "init must be 4-D, got an array of shape ()" or "init must hold numbers, got an array
    of dtype object": the message now names the accepted forms, the weights' shape, and
    the value given."""
    input_shape = 2 if layer["type"] == "Dense" else (1, 4, 4)
    with pytest.raises(exc) as info:
        network_from_layers([{**layer, "init": init}], input_shape=input_shape)
    assert str(info.value) == (f"layers[0] ({layer['type']}): {_ACCEPTED}{shape}; "
                               f"got {given}")


def test_explicit_weights_of_the_right_shape_are_still_taken():
    W = np.arange(6.0).reshape(2, 3) / 10
    net = network_from_layers([{"type": "Dense", "fan_out": 3, "activation": "identity",
                                "init": W.tolist()}], input_shape=2)
    np.testing.assert_array_equal(net.layers[0].W, W)
    K = np.arange(8.0).reshape(2, 1, 2, 2)
    net = network_from_layers([{"type": "Conv2D", "out_channels": 2, "kernel_size": 2,
                                "init": K.tolist()}, {"type": "Flatten"},
                               {"type": "Dense", "fan_out": 1}], input_shape=(1, 4, 4))
    np.testing.assert_array_equal(net.layers[0].W, K)
