"""Small arguments checked up front: the message names the argument, what was expected
and what was given."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import diagnostics, plots, preprocessing

X = np.random.default_rng(0).normal(size=(20, 4))


@pytest.mark.parametrize(("value", "error", "words"), [
    (2.5, TypeError, "n_components must be an int >= 1, got 2.5 (float)"),
    ("2", TypeError, "n_components must be an int >= 1, got '2' (str)"),
    (True, TypeError, "n_components must be an int >= 1, got True (bool)"),
    (0, ValueError, "n_components must be an int >= 1, got 0"),
    (5, ValueError, "n_components must be in 1..4, got 5"),
])
def test_whiten_n_components_is_a_whole_number_of_components(value, error, words):
    with pytest.raises(error) as info:
        preprocessing.whiten(X, method="pca", n_components=value)
    assert words in str(info.value)


def test_whiten_keeps_the_leading_components():
    Xw = preprocessing.whiten(X, method="pca", n_components=np.int64(2), epsilon=0.0)
    assert Xw.shape == (20, 2)
    np.testing.assert_allclose(np.cov(Xw.T, bias=True), np.eye(2), atol=1e-10)


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"high": np.inf}, ValueError, "high must be a finite float, got inf"),
    ({"low": "a"}, TypeError, "low must be a finite float, got 'a' (str)"),
    ({"low": np.nan}, ValueError, "low must be a finite float, got nan"),
    ({"low": None}, TypeError, "low must be a finite float, got None"),
])
def test_normalize_patches_range_is_finite(kwargs, error, words):
    with pytest.raises(error) as info:
        preprocessing.normalize_patches(X, **kwargs)
    assert words in str(info.value)
    out = preprocessing.normalize_patches(X, n_std=0.5, low=np.float32(0.2), high=1)
    assert out.min() == pytest.approx(0.2) and out.max() == 1.0  # clipped at +-0.5 sd


@pytest.mark.parametrize(("threshold", "error"), [(-1, ValueError), (0, ValueError),
                                                  (np.nan, ValueError), ("a", TypeError)])
def test_saturation_threshold_is_a_positive_number(threshold, error):
    net = cr.mlp([4, 3, 2], hidden="sigmoid", output="sigmoid", seed=0)
    net.forward(X)
    with pytest.raises(error, match="threshold must be a finite float > 0"):
        diagnostics.saturation(net, threshold)
    assert diagnostics.saturation(net, 0.3) == [1.0, 1.0]  # sigmoid' <= 0.25 everywhere


@pytest.mark.parametrize(("resolution", "error"), [(0, ValueError), (1, ValueError),
                                                   (2.5, TypeError)])
def test_decision_regions_resolution_is_checked(resolution, error, tmp_path):
    net = cr.mlp([2, 3, 2], seed=0)
    with pytest.raises(error, match="resolution must be an int >= 2"):
        plots.plot_decision_regions([("t", net, X[:, :2], np.arange(20) % 2)],
                                    tmp_path / "r.png", resolution=resolution)
    assert not list(tmp_path.iterdir())


def test_select_hidden_units_needs_an_iterable_of_sizes():
    y = X[:, 0]
    with pytest.raises(TypeError, match=r"hidden_units must be a sequence of ints >= 1 such "
                                        r"as range\(1, 11\), got 3 \(int\)"):
        cr.select_hidden_units(X, y, X, y, hidden_units=3)


@pytest.mark.parametrize("mats", [None, 3, "abc"])
def test_from_transfer_matrices_needs_a_sequence(mats):
    with pytest.raises(TypeError, match="mats must be a sequence of transfer matrices, one "
                                        "per layer, got"):
        cr.Network.from_transfer_matrices(mats)


@pytest.mark.parametrize(("make", "words"), [
    (lambda v: cr.Dense(3, 2, bias=v), "bias must be True or False"),
    (lambda v: cr.Conv2D(1, 2, 3, bias=v), "bias must be True or False"),
    (lambda v: cr.mlp([3, 2], bias=v), "bias must be True or False"),
    (lambda v: cr.network_from_layers([{"type": "Dense", "fan_out": 2, "bias": v}],
                                      input_shape=3), "layers[0] (Dense): bias must be True"),
    (lambda v: cr.SGD(0.1, momentum=0.5, nesterov=v), "nesterov must be True or False"),
    (lambda v: cr.register_activation("cube_flag", lambda z: z**3, lambda z: 3 * z**2, v),
     "from_output must be True or False"),
])
def test_flags_are_true_or_false(make, words):
    """bool(flag) took any object, and the string "false" (a JSON layer dict's value) is
    True: Dense(3, 2, bias="false") had biases.  NumPy's bools are flags too."""
    for value in ("false", None, 0):
        with pytest.raises(TypeError) as info:
            make(value)
        assert words in str(info.value) and repr(value) in str(info.value)
    assert "cube_flag" not in cr.activations.ACTIVATIONS
    obj = make(np.False_)
    if isinstance(obj, cr.activations.Activation):
        assert obj.from_output is False
        cr.activations.unregister_activation("cube_flag")
    elif isinstance(obj, cr.SGD):
        assert obj.nesterov is False
    else:  # a Dense or Conv2D layer or a network of one: no bias vector or parameters
        layer = obj if isinstance(obj, (cr.Dense, cr.Conv2D)) else obj.layers[0]
        assert layer.b is None and layer.param_specs()[-1].name == "W"


@pytest.mark.parametrize("call", ["forward", "loss_and_grad", "cost"])
def test_training_is_true_or_false(call):
    """training="False" is a true string: forward(X, training="False") ran dropout (and
    would have updated BatchNorm's running statistics in loss_and_grad)."""
    net = cr.Network([cr.Dense(3, 4, "tanh", seed=0), cr.Dropout(0.5, seed=1),
                      cr.Dense(4, 1, "identity", seed=2)])
    X3, Y = X[:, :3], X[:, 3]
    args = {"forward": (X3,), "loss_and_grad": (X3, Y), "cost": (net.params, X3, Y)}[call]
    state = net.layers[1].rng.bit_generator.state
    with pytest.raises(TypeError, match=r"training must be True or False, got 'False' \(str\)"):
        getattr(net, call)(*args, training="False")
    assert net.layers[1].rng.bit_generator.state == state  # no mask was drawn
    # evaluation mode: dropout is the identity, the forward pass is the plain one
    W1, b1, W2, b2 = net.layers[0].W, net.layers[0].b, net.layers[2].W, net.layers[2].b
    expected = np.tanh(X3 @ W1 + b1) @ W2 + b2
    np.testing.assert_allclose(net.forward(X3, training=np.False_), expected, rtol=1e-13)


def test_a_zero_dimensional_boolean_array_is_a_flag():
    """np.array(True) (what indexing a boolean array with () or np.asarray(flag) gives)
    was refused by the flag check that replaced bool(flag); it is a flag like np.True_.
    Other 0-d arrays are still refused."""
    from chainrule._validation import check_bool

    assert check_bool(np.array(True), "f") is True and check_bool(np.array(False), "f") is False
    layer = cr.Dense(3, 2, bias=np.array(False))
    assert layer.b is None and layer.param_specs()[-1].name == "W"
    for bad in (np.array(1), np.array([True])):
        with pytest.raises(TypeError, match="f must be True or False"):
            check_bool(bad, "f")


def test_minimize_takes_options_as_any_mapping():
    """options given as a read-only mapping (types.MappingProxyType) was refused as
    'not a dict'; SciPy takes any mapping.  Reference: the same fit with a dict."""
    from types import MappingProxyType

    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20) % 2
    a, b = (cr.mlp([3, 4, 2], output="softmax", seed=0) for _ in range(2))
    cr.minimize(a, X, y, maxiter=10, options={"gtol": 1e-3})
    cr.minimize(b, X, y, maxiter=10, options=MappingProxyType({"gtol": 1e-3}))
    np.testing.assert_array_equal(a.params, b.params)


@pytest.mark.filterwarnings("ignore:Stochastic Optimizer")  # two iterations are enough here
def test_diagnostics_need_a_network():
    """A fitted estimator (or anything else) raised "'...' object has no attribute 'layers'"."""
    clf = cr.MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    clf.fit(X, np.arange(len(X)) % 2)
    for f in (diagnostics.layer_grad_norms, diagnostics.saturation):
        with pytest.raises(TypeError, match=r"net must be a chainrule Network .* got "
                                            "MLPClassifier"):
            f(clf)
    net = clf.network_
    _, grad = net.loss_and_grad(X, (np.arange(len(X)) % 2)[:, None].astype(float))
    sizes = [la.W.size + la.b.size for la in net.layers]
    parts = np.split(grad, np.cumsum(sizes)[:-1])
    assert diagnostics.layer_grad_norms(net) == pytest.approx(
        [float(np.sqrt(np.sum(p**2))) for p in parts])


@pytest.mark.parametrize("net", ["net", None, cr.MLPClassifier()])
def test_minimize_names_a_net_that_is_no_network(net):
    with pytest.raises(TypeError) as info:
        cr.minimize(net, X, np.zeros((20, 1)))
    assert str(info.value) == ("net must be a chainrule Network (an estimator's is its "
                               f"network_), got {type(net).__name__}")


def test_get_loss_says_it_takes_a_loss_object_too():
    from chainrule.losses import get_loss

    loss = get_loss("squared_error")
    assert get_loss(loss) is loss
    with pytest.raises(TypeError, match=r"^loss must be a name \(str\), a config dict or a "
                                        r"Loss, got int$"):
        get_loss(3)


def test_first_layer_tiles_is_listed_with_the_public_plots():
    assert "first_layer_tiles" in plots.__all__
    assert plots.first_layer_tiles is plots._tiles.first_layer_tiles


def test_get_initializer_names_what_it_takes():
    from chainrule.initializers import get_initializer

    with pytest.raises(TypeError) as info:
        get_initializer(np.zeros((2, 3)))
    assert str(info.value) == ("init must be a name (str) or a callable (Dense and Conv2D also "
                               "take an array of weights), got ndarray")
    w = np.arange(6.0).reshape(2, 3)  # what the message points to: the layer takes the array
    np.testing.assert_array_equal(cr.Dense(2, 3, init=w).W, w)


@pytest.mark.parametrize("build", [
    lambda dt: cr.mlp([2, 3, 1], dtype=dt),
    lambda dt: cr.mlp([2, 3, 1]).astype(dt),
    lambda dt: cr.Dense(2, 3, dtype=dt),
    lambda dt: cr.Conv2D(1, 2, 3, dtype=dt),
    lambda dt: cr.BatchNorm(3, dtype=dt),
    lambda dt: cr.Network.from_transfer_matrices([np.zeros((3, 2)), np.zeros((3, 1))], dtype=dt),
    lambda dt: cr.Network.from_ufldl([np.zeros((2, 2)), np.zeros((1, 2))], dtype=dt),
])
def test_a_dtype_numpy_cannot_read_is_refused_naming_dtype(build):
    """dtype='nonsense' gave NumPy's "data type 'nonsense' not understood", naming no
    argument; a dtype NumPy reads but that is no float32/float64 keeps its ValueError."""
    with pytest.raises(TypeError, match=r"^dtype must be float32 or float64, got 'nonsense', "
                                        r"which is not a NumPy dtype$"):
        build("nonsense")
    with pytest.raises(ValueError, match=r"^dtype must be float32 or float64, got int32$"):
        build("int32")
    assert build("float32") is not None
