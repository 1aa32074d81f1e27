"""``layer.activation = "relu"``, assigned after the layer was built, is resolved as the
constructor resolves the name; anything else is refused at the assignment (robust20).

The name used to stay a str, and the next forward pass failed with AttributeError
"'str' object has no attribute 'f'".  A refused assignment leaves the layer as it was,
bit for bit.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(20)
X = RNG.normal(size=(6, 4))

LAYERS = [  # (name, a layer and an input of its shape)
    ("dense", lambda: cr.Dense(4, 3, activation="sigmoid", seed=0), X),
    ("conv2d", lambda: cr.Conv2D(1, 2, 3, activation="sigmoid", seed=0),
     RNG.normal(size=(2, 1, 5, 5))),
    ("batchnorm", lambda: cr.BatchNorm(4), X),
    ("layernorm", lambda: cr.LayerNorm(4), X),
]


@pytest.mark.parametrize(("kind", "make", "inputs"), LAYERS, ids=[c[0] for c in LAYERS])
@pytest.mark.parametrize("name", ["relu", "tanh", "swish"])
def test_an_assigned_name_is_the_activation_the_forward_pass_takes(kind, make, inputs, name):
    layer, reference = make(), make()
    layer.activation = name
    assert isinstance(layer.activation, cr.activations.Activation)
    Z = reference.forward(inputs)  # the sigmoid/identity output; its net input is reference.Z
    f = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh,
         "swish": lambda z: z / (1 + np.exp(-z))}[name]  # written here, in NumPy
    np.testing.assert_allclose(layer.forward(inputs), f(reference.Z), rtol=1e-12, atol=1e-15)
    assert Z is not None


def test_an_assigned_name_trains_and_pickles():
    net = cr.mlp([4, 5, 3], hidden="sigmoid", output="softmax", seed=0)
    net.layers[0].activation = "relu"
    cr.train(net, X, np.arange(6) % 3, epochs=1)
    assert pickle.loads(pickle.dumps(net)).layers[0].activation.name == "relu"


BAD = [  # (value, error, key words of the message)
    ("rleu", ValueError, ["Dense.activation", "'rleu'", "unknown activation", "relu"]),
    (3, TypeError, ["Dense.activation", "a name (str) or an Activation", "int"]),
    (None, TypeError, ["Dense.activation", "NoneType"]),
    (np.tanh, TypeError, ["Dense.activation", "a name (str) or an Activation"]),
]


@pytest.mark.parametrize(("value", "exc", "words"), BAD, ids=[repr(b[0])[:12] for b in BAD])
def test_anything_else_is_refused_at_the_assignment(value, exc, words):
    layer = cr.Dense(4, 3, activation="tanh", seed=0)
    layer.forward(X)
    before = pickle.dumps(layer)
    with pytest.raises(exc) as info:
        layer.activation = value
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    assert pickle.dumps(layer) == before


@pytest.mark.parametrize("make", [lambda: cr.Conv2D(1, 2, 3, seed=0), lambda: cr.LayerNorm(4)],
                         ids=["conv2d", "layernorm"])
def test_softmax_is_refused_where_the_constructor_refuses_it(make):
    layer = make()
    before = pickle.dumps(layer)
    with pytest.raises(ValueError) as info:
        layer.activation = "softmax"
    for word in ("activation:", type(layer).__name__, "elementwise", "'softmax'"):
        assert word in str(info.value), (word, str(info.value))
    assert pickle.dumps(layer) == before
