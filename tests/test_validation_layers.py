"""Bad layer chains, notations and custom activations are refused with a clear ValueError /
TypeError that names the argument (``Network``, the transfer-matrix and UFLDL notations,
``register_activation``).

Every refused call on an existing network must leave it exactly as it was:
parameters bit-identical to a snapshot taken before, and every layer's ``W``
and ``b`` still views into ``net.params``.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule import Dense, Network
from chainrule.activations import ACTIVATIONS, unregister_activation

# --- layer chains and notations ------------------------------------------------------------


@pytest.mark.parametrize(
    ("layers", "match"),
    [
        ([Dense(3, 4), Dense(5, 2)], r"layers\[1\] expects 5 inputs.*4 outputs"),
        ([Dense(3, 4), Dense(4, 4), Dense(3, 1)], r"layers\[2\] expects 3 inputs.*4 outputs"),
    ],
)
def test_layer_chain_must_fit(layers, match):
    with pytest.raises(ValueError, match=match):
        Network(layers)


@pytest.mark.parametrize(
    ("layers", "exc", "match"),
    [
        ([], ValueError, r"layers.*empty"),
        (Dense(3, 2), TypeError, r"layers"),
        ([Dense(3, 2), "x"], TypeError, r"layers\[1\]"),
        ("abc", TypeError, r"layers"),
    ],
)
def test_layers_argument(layers, exc, match):
    with pytest.raises(exc, match=match):
        Network(layers)


@pytest.mark.parametrize(
    ("mats", "kwargs", "exc", "match"),
    [
        ([np.zeros((4, 3)), np.zeros((5, 1))], {}, ValueError,
         r"mats\[1\] of shape \(5, 1\) takes 4 input\(s\), but mats\[0\] .* gives 3"),
        ([np.zeros((1, 2))], {}, ValueError, r"mats\[0\].*first row"),
        ([np.zeros(4)], {}, ValueError, r"mats\[0\]"),
        ([np.full((4, 2), np.nan)], {}, ValueError, r"mats\[0\].*NaN"),
        ([], {}, ValueError, r"mats.*empty"),
        ([np.zeros((4, 2))], {"activation": ["tanh", "relu"]}, ValueError,
         r"activation.*one per layer"),
    ],
)
def test_transfer_matrices_checked(mats, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Network.from_transfer_matrices(mats, **kwargs)


@pytest.mark.parametrize(
    ("Ws", "bs", "match"),
    [
        ([np.zeros((4, 3)), np.zeros((1, 5))], None,
         r"Ws\[1\] of shape \(1, 5\) takes 5 input\(s\), but Ws\[0\] .* gives 4"),
        ([np.zeros((4, 3))], [np.zeros(3)], r"bs\[0\].*\(4,\)"),
        ([np.zeros((4, 3))], [np.zeros(4), np.zeros(2)], r"\bbs\b.*one entry per matrix"),
        ([np.full((4, 3), np.inf)], None, r"Ws\[0\].*NaN or infinite"),
        ([np.zeros((4, 3))], [np.full(4, np.nan)], r"bs\[0\].*NaN or infinite"),
        ([], None, r"Ws.*empty"),
    ],
)
def test_ufldl_matrices_checked(Ws, bs, match):
    with pytest.raises(ValueError, match=match):
        Network.from_ufldl(Ws, bs)


@pytest.mark.parametrize(
    ("init", "match"),
    [
        (np.zeros((2, 3)), r"init.*\(3, 2\).*\(2, 3\)"),
        (np.zeros(6), r"init"),
        (np.full((3, 2), np.nan), r"init.*NaN or infinite"),
    ],
)
def test_explicit_init_checked(init, match):
    with pytest.raises(ValueError, match=match):
        Dense(3, 2, init=init)


# --- register_activation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "exc", "match"),
    [
        (("", np.sin, np.cos), TypeError, r"\bname\b"),
        ((3, np.sin, np.cos), TypeError, r"\bname\b"),
        (("test_validation_act", 1, np.cos), TypeError, r"\bf\b.*df"),
        (("test_validation_act", np.sin, None), TypeError, r"\bdf\b"),
        (("tanh", np.sin, np.cos), ValueError, r"built in"),
        (("logistic", np.sin, np.cos), ValueError, r"built in"),
    ],
)
def test_register_activation_checked(args, exc, match):
    with pytest.raises(exc, match=match):
        chainrule.register_activation(*args)
    assert "test_validation_act" not in ACTIVATIONS



def _rowsum(z):
    return z.sum(axis=1)


def _raises(z):
    raise RuntimeError("boom")


def _matrix(a):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.asmatrix(a)


@pytest.mark.parametrize(
    ("f", "df", "from_output", "match"),
    [
        # the reported case: f sums over a row, (2, 3) -> (2,)
        (_rowsum, np.ones_like, False,
         r"^f must return an array of the shape of its argument .*shape \(2, 3\), it returned "
         r"shape \(2,\)$"),
        (np.tanh, lambda z: 1.0, False, r"^df must .* called on z, .*returned shape \(\)$"),
        (np.tanh, lambda a: (1 - a * a).T, True,
         r"^df must .* called on a = f\(z\), .*returned shape \(3, 2\)$"),
        (lambda z: z[:1], np.cos, False, r"^f must .*returned shape \(1, 3\)$"),
        (_raises, np.cos, False, r"^f must .*it raised RuntimeError: boom$"),
        (np.sin, _raises, False, r"^df must .*it raised RuntimeError: boom$"),
        (np.sin, lambda z: "abc", False, r"^df must .*it returned str, which NumPy cannot"),
        (lambda z: None, np.cos, False, r"^f must .*returned shape \(\)$"),
        # a list of the right shape passed, and the backward pass then failed with
        # AttributeError: 'list' object has no attribute 'T'
        (lambda z: np.sin(z).tolist(), np.cos, False,
         r"^f must return a NumPy ndarray .*called on z, .*shape \(2, 3\), it returned list;"),
        (np.sin, lambda z: _matrix(np.cos(z)), False,
         r"^df must return a NumPy ndarray .*it returned matrix;"),
        # a masked array passed, and the fit's first step then failed with "operands could
        # not be broadcast together with shapes (30,4) (4,1)"
        (np.ma.sin, np.cos, False, r"^f must return a NumPy ndarray .*it returned MaskedArray;"),
    ],
)
def test_register_activation_refuses_functions_that_change_the_shape(f, df, from_output, match):
    with pytest.raises(ValueError, match=match):
        chainrule.register_activation("test_validation_act", f, df, from_output)
    assert "test_validation_act" not in ACTIVATIONS


def _sin_in_place(z):
    return np.sin(z, out=z)


def test_register_activation_refuses_an_f_that_overwrites_the_z_its_df_takes():
    # np.sin(z, out=z) was registered, and df = cos then read sin(z) where the layer kept z:
    # one weight's gradient by hand, cos(z) * x * (a - y), against what backprop gives
    with pytest.raises(ValueError, match=r"^f must not change its argument in place: df takes"):
        chainrule.register_activation("test_validation_act", _sin_in_place, np.cos)
    assert "test_validation_act" not in ACTIVATIONS
    # with df written in terms of a = f(z), f's output is all the backward pass needs
    act = chainrule.register_activation("test_validation_act", _sin_in_place,
                                        lambda a: np.sqrt(1 - a * a), from_output=True)
    try:
        net = Network([Dense(2, 1, act, init=np.array([[0.5], [-0.25]]))], loss="squared_error")
        X, Y = np.array([[1.0, 0.5]]), np.array([[0.1]])
        _, grad = net.loss_and_grad(X, Y)
        z = 0.5 * 1.0 - 0.25 * 0.5  # 0.375, bias 0: cos(z) = sqrt(1 - sin(z)**2) here
        delta = (np.sin(z) - 0.1) * np.cos(z)
        np.testing.assert_allclose(grad, [delta * 1.0, delta * 0.5, delta], rtol=1e-13)
    finally:
        unregister_activation("test_validation_act")


def test_an_activation_returning_an_ndarray_trains_as_its_list_would_have_meant():
    # the message's advice: np.asarray of the same values gives sin's gradient, by hand
    act = chainrule.register_activation("test_validation_act",
                                        lambda z: np.asarray(np.sin(z).tolist()), np.cos)
    try:
        net = Network([Dense(2, 1, act, init=np.array([[0.5], [-0.25]]))], loss="squared_error")
        X, Y = np.array([[1.0, 2.0]]), np.array([[0.3]])
        J, grad = net.loss_and_grad(X, Y)
        z = 0.5 * 1.0 - 0.25 * 2.0  # 0, bias 0
        assert J == pytest.approx(0.5 * (np.sin(z) - 0.3) ** 2, rel=1e-15)
        delta = (np.sin(z) - 0.3) * np.cos(z)
        np.testing.assert_allclose(grad, [delta * 1.0, delta * 2.0, delta], rtol=1e-15)
    finally:
        unregister_activation("test_validation_act")


@pytest.mark.parametrize("flag", ["no", "False", 0, None])
def test_register_activation_overwrite_must_be_a_bool(flag):
    # overwrite="no" replaced the earlier registration (bool("no") is True); 0 and None
    # were read as False
    old = chainrule.register_activation("test_validation_act", np.sin, np.cos)
    try:
        with pytest.raises(TypeError, match=r"^overwrite must be True or False, got "):
            chainrule.register_activation("test_validation_act", np.tanh, np.cos, overwrite=flag)
        assert ACTIVATIONS["test_validation_act"] is old
        z = np.array([0.5])
        np.testing.assert_array_equal(ACTIVATIONS["test_validation_act"](z), np.sin(z))
    finally:
        unregister_activation("test_validation_act")


def test_unregister_activation_names_what_it_cannot_remove():
    # an alias was "not registered" (it is a built-in's name); the Activation object that
    # register_activation returned was printed whole as a name, and a list raised
    # "unhashable type: 'list'"
    with pytest.raises(ValueError, match=r"^activation 'linear' is built in and cannot be"):
        unregister_activation("linear")
    act = chainrule.register_activation("test_validation_act", np.sin, np.cos)
    try:
        with pytest.raises(TypeError, match=r"^name must be the str .* got Activation \(pass "
                                            r"its \.name, 'test_validation_act'\)$"):
            unregister_activation(act)
        with pytest.raises(TypeError, match=r"^name must be the str .* got list$"):
            unregister_activation(["test_validation_act"])
        assert ACTIVATIONS["test_validation_act"] is act
    finally:
        unregister_activation("test_validation_act")
    assert "test_validation_act" not in ACTIVATIONS
    assert ACTIVATIONS["identity"].builtin


def test_register_activation_probe_keeps_the_earlier_registration_on_refusal():
    old = chainrule.register_activation("test_validation_act", np.sin, np.cos)
    try:
        with pytest.raises(ValueError, match=r"^f must"):
            chainrule.register_activation("test_validation_act", _rowsum, np.ones_like,
                                          overwrite=True)
        assert ACTIVATIONS["test_validation_act"] is old
    finally:
        unregister_activation("test_validation_act")


def test_register_activation_probes_once_on_a_float64_2x3_array():
    calls = []

    def f(z):
        calls.append(("f", z.dtype, z.copy()))
        return np.log(z)  # NaN for the negative probe values: accepted, no RuntimeWarning

    def df(a):
        calls.append(("df", a.dtype, a.copy()))
        return np.exp(-a)  # 1/z written from the output a = log z

    act = chainrule.register_activation("test_validation_act", f, df, from_output=True)
    try:
        assert [c[0] for c in calls] == ["f", "df"]
        (_, dt_f, z), (_, dt_df, a) = calls
        assert dt_f == dt_df == np.float64 and z.shape == a.shape == (2, 3)
        assert len(set(z.ravel().tolist())) == 6  # distinct values
        np.testing.assert_array_equal(a, np.log(np.where(z > 0, z, np.nan)))  # df got f(z)
        np.testing.assert_allclose(act.derivative(np.array([[2.0]]), act(np.array([[2.0]]))),
                                   [[0.5]], rtol=1e-15)
    finally:
        unregister_activation("test_validation_act")
