"""The classes of robust33's fuzz of the Python API: each bad argument named (robust33).

A scratch harness (91 entry points of ``chainrule.__all__``, every argument x 17 bad values,
6,851 calls) found, after robust31, 111 refusals naming no argument and 30 other
exceptions; the classes fixed here, each case failing before:

* ``load``, ``load_estimator``, ``load_model``, ``load_autoencoder``, ``io.load_metadata``
  given no path (None, 3, bytes, an array): pathlib's "expected str, bytes or
  os.PathLike object, not int";
* ``mlp(output=0.5)``, ``mlp(hidden=["tanh", 3])``: "activation must be a name ...", the
  concept and not the argument;
* ``notation.gradient_from_ufldl(net, 3)`` / ``gradient_from_transfer_matrices``: Python's
  "'int' object is not iterable";
* ``trace_preset(source=...)`` / ``tracing.load_spec``: "spec must be ..." or
  "network: 'x' is neither a preset ..." (the command line's words);
* an array for a name or a flag (``train(optimizer=)``, ``Trainer(optimizer=)``,
  ``hessian_eigenvalues(which=)``, ``trace_preset(notation=)``,
  ``to_transfer_matrices(return_bias=)``): NumPy's "truth value of an array ... is
  ambiguous";
* ``X`` or ``y`` holding an int past float's range (``10**400``) given to the estimators:
  an OverflowError "int too large to convert to float";
* ``Network(layers, input_shape=5)`` that does not fit ``layers[0]``: "the layer before it
  gives 5 outputs";
* ``score(X, y, sample_weight=1e308 * w)``: NaN (the weights' sum overflows), though a
  weighted mean does not depend on the weights' scale.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, r2_score

import chainrule as cr
from chainrule import io, notation
from chainrule.tracing import load_spec

RNG = np.random.default_rng(3303)
X = RNG.normal(size=(12, 3))
YC = (X[:, 0] > 0).astype(int)
YR = X @ np.array([1.0, 2.0, -1.0])


def _net() -> cr.Network:
    return cr.mlp([3, 4, 2], seed=0)


def _quiet(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


LOADERS = [cr.load, cr.load_estimator, cr.load_model, cr.load_autoencoder, io.load_metadata]


@pytest.mark.parametrize("loader", LOADERS, ids=[f.__name__ for f in LOADERS])
@pytest.mark.parametrize(("value", "shown"), [(None, "None (NoneType)"), (3, "3 (int)"),
                                              (b"m.npz", "b'm.npz' (bytes)")])
def test_a_loader_given_no_path_names_path(loader, value, shown) -> None:
    with pytest.raises(TypeError) as info:
        loader(value)
    assert str(info.value) == f"path must be a file path (str or os.PathLike), got {shown}"


@pytest.mark.parametrize(("kw", "message"), [
    ({"output": 0.5}, "output: activation must be a name (str) or an Activation, got float"),
    ({"hidden": ["tanh", 3]},
     "hidden[1]: activation must be a name (str) or an Activation, got int"),
    ({"hidden": ("relu", None)},
     "hidden[1]: activation must be a name (str) or an Activation, got NoneType"),
])
def test_mlp_names_the_argument_of_an_activation_of_another_type(kw, message) -> None:
    sizes = [3, 4, 4, 2] if isinstance(kw.get("hidden"), (list, tuple)) else [3, 4, 2]
    with pytest.raises(TypeError) as info:
        cr.mlp(sizes, **kw)
    assert str(info.value) == message


@pytest.mark.parametrize("value", [None, 3, 2.5, True, "abc", {"a": 1}])
def test_the_gradients_from_a_notation_refuse_a_non_sequence_by_name(value) -> None:
    net = _net()
    with pytest.raises(TypeError, match=r"^dWs must be a sequence of gradient matrices, one per "
                                        r"layer, got "):
        notation.gradient_from_ufldl(net, value)
    with pytest.raises(TypeError, match=r"^mats must be a sequence of gradient matrices, one "
                                        r"per layer, got "):
        notation.gradient_from_transfer_matrices(net, value)
    if value is not None:  # dbs=None is "no biases"
        with pytest.raises(TypeError, match=r"^dbs must be a sequence of bias gradients"):
            notation.gradient_from_ufldl(net, [np.ones((4, 3)), np.ones((2, 4))], value)


def test_the_gradients_from_a_notation_still_invert_their_counterparts() -> None:
    net = _net()
    grad = RNG.normal(size=net.n_params)
    dWs, dbs = notation.gradient_to_ufldl(net, grad)
    np.testing.assert_array_equal(notation.gradient_from_ufldl(net, dWs, dbs), grad)
    mats = notation.gradient_to_transfer_matrices(net, grad)
    np.testing.assert_array_equal(notation.gradient_from_transfer_matrices(net, mats), grad)


@pytest.mark.parametrize("call", [cr.trace_preset, load_spec], ids=["trace_preset", "load_spec"])
def test_a_trace_source_is_refused_naming_source(call) -> None:
    with pytest.raises(TypeError, match=r"^source must be a preset name, JSON text, a file "
                                        r"path or a dict, got float$"):
        call(float("nan"))
    with pytest.raises(ValueError, match=r"^source: 'no-such' is neither a preset "
                                         r"\(transfer-example, integer-example\)"):
        call("no-such")
    with pytest.raises(ValueError, match=r"^source: inline JSON does not parse: "):
        call("{bad")


@pytest.mark.parametrize(("call", "pattern"), [
    (lambda v: cr.train(_net(), X, YR[:, None].repeat(2, 1), optimizer=v, epochs=1),
     r"^optimizer must be a name \(str\) or an Optimizer object, got ndarray"),
    (lambda v: cr.Trainer(_net(), optimizer=v),
     r"^optimizer must be a name \(str\) or an Optimizer object, got ndarray"),
    (lambda v: cr.hessian_eigenvalues(_net(), X, YR[:, None].repeat(2, 1), which=v),
     r"^which: expected one of 'LA', "),
    (lambda v: cr.trace_preset(notation=v), r"^notation must be one of transfer, "),
    (lambda v: _net().to_transfer_matrices(return_bias=v),
     r"^return_bias must be True or False, got array"),
])
@pytest.mark.parametrize("value", [np.array(["adam", "sgd"]), np.array([])],
                         ids=["two", "empty"])
def test_an_array_for_a_name_or_flag_is_refused_by_name(call, pattern, value) -> None:
    with pytest.raises((TypeError, ValueError), match=pattern):
        call(value)


def test_return_bias_takes_a_flag_only_and_keeps_its_numbers() -> None:
    net = _net()
    with pytest.raises(TypeError, match=r"^return_bias must be True or False, got 'yes'"):
        net.to_transfer_matrices(return_bias="yes")
    mats, flags = net.to_transfer_matrices(return_bias=np.True_)
    W0, b0 = net.layers[0].W, net.layers[0].b
    np.testing.assert_array_equal(mats[0], np.vstack([b0, W0]))
    assert flags == [True, True]


@pytest.mark.parametrize(("call", "name"), [
    (lambda: cr.MLPClassifier(max_iter=2).fit(10**400, YC), "X"),
    (lambda: cr.MLPClassifier(max_iter=2).fit([[10**400, 1.0, 2.0]] * 12, YC), "X"),
    (lambda: cr.MLPRegressor(max_iter=2).fit(X, [10**400] * 12), "y"),
    (lambda: cr.MLPClassifier(max_iter=2).partial_fit(10**400, YC, classes=[0, 1]), "X"),
    (lambda: cr.SoftmaxRegression(max_iter=2).fit(10**400, YC), "X"),
    (lambda: cr.SparseAutoencoder(max_iter=2).fit(10**400), "X"),
])
def test_an_int_past_float_range_in_the_data_is_refused_by_name(call, name) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must hold numbers within float's range "
                                         r"\(about 1.8e308\), got "):
        _quiet(call)


def test_a_fitted_estimator_names_x_past_float_range() -> None:
    est = _quiet(lambda: cr.MLPRegressor(hidden_layer_sizes=(3,), max_iter=2,
                                         random_state=0).fit(X, YR))
    for call in (lambda: est.predict(10**400), lambda: est.score(10**400, YR)):
        with pytest.raises(ValueError, match=r"^X must hold numbers within float's range"):
            call()


@pytest.mark.parametrize("scale", [1e308, 1e-310])
def test_score_with_weights_at_float_ends_is_the_weighted_mean(scale) -> None:
    w = RNG.uniform(0.5, 1.0, size=12)
    clf = _quiet(lambda: cr.MLPClassifier(hidden_layer_sizes=(3,), max_iter=5,
                                          random_state=0).fit(X, YC))
    reg = _quiet(lambda: cr.MLPRegressor(hidden_layer_sizes=(3,), max_iter=5,
                                         random_state=0).fit(X, YR))
    # scikit-learn's metrics of the same predictions with the weights as given (scale 1)
    want_c = accuracy_score(YC, clf.predict(X), sample_weight=w)
    want_r = r2_score(YR, reg.predict(X), sample_weight=w)
    np.testing.assert_allclose(clf.score(X, YC, sample_weight=w * scale), want_c, rtol=1e-12)
    np.testing.assert_allclose(reg.score(X, YR, sample_weight=w * scale), want_r, rtol=1e-12)
    assert clf.score(X, YC, sample_weight=w) == want_c  # in range: scikit-learn's number


def test_an_input_shape_that_does_not_fit_the_first_layer_names_input_shape() -> None:
    with pytest.raises(ValueError, match=r"^input_shape: layers\[0\] expects 3 inputs but "
                                         r"input_shape gives 5 outputs$"):
        cr.Network([cr.Dense(3, 2)], input_shape=5)
    with pytest.raises(ValueError, match=r"^layers\[1\] expects 3 inputs but the layer before "
                                         r"it gives 2 outputs$"):
        cr.Network([cr.Dense(3, 2), cr.Dense(3, 1)], input_shape=3)


@pytest.mark.parametrize("shape", [10**400, 10**30, (10**7, 10**7, 10**7)])
def test_an_input_shape_past_an_array_is_refused_naming_input_shape(shape) -> None:
    """10**400 features were refused as the first Dense layer's "fan_in x fan_out" or as
    "the layer before it gives 1000...0 outputs"."""
    pattern = r"^input_shape: .* entries per example, more than an array holds \(\d+ entries\)$"
    with pytest.raises(ValueError, match=pattern):
        cr.Network([cr.Dense(3, 2)], input_shape=shape)
    with pytest.raises(ValueError, match=pattern):
        cr.network_from_layers([{"type": "Dense", "fan_out": 3}], input_shape=shape)


def test_sparse_autoencoder_names_n_hidden_past_an_array() -> None:
    XA = RNG.uniform(0.1, 0.9, size=(10, 4))
    with pytest.raises(ValueError, match=r"^n_features x n_hidden: 4 x an int of about 10\^400 "
                                         r"weights, more than an array holds"):
        cr.SparseAutoencoder(n_hidden=10**400).fit(XA)


@pytest.mark.parametrize(("kw", "dtype"), [({"t_max": 1e308}, "float64"),
                                           ({"noise": 1e308, "n": 50}, "float64"),
                                           ({"t_max": 1e20, "dtype": "float32"}, "float32")])
def test_free_fall_whose_heights_overflow_is_refused_by_name(kw, dtype) -> None:
    """free_fall(t_max=1e308) returned heights of inf."""
    from chainrule import datasets

    with pytest.raises(ValueError, match=rf"^t_max, g, noise: the heights g t\^2 / 2 \+ noise "
                                         rf"overflow {dtype} "):
        datasets.free_fall(**kw)


def test_free_fall_in_range_is_the_formula() -> None:
    from chainrule import datasets

    t, h = datasets.free_fall(n=30, t_max=2.0, noise=0.2, g=9.81, seed=5)
    rng = np.random.default_rng(5)
    t_ref = np.sort(rng.uniform(0.0, 2.0, size=30))
    np.testing.assert_array_equal(t[:, 0], t_ref)
    np.testing.assert_allclose(h, 0.5 * 9.81 * t_ref**2 + rng.normal(0.0, 0.2, size=30),
                               rtol=0, atol=1e-12)
