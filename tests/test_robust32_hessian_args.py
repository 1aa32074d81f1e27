"""chainrule.hessian: every setting of hessian_eigenvalues, hessian_trace and
hessian_vector_products checked and refused by name (robust32, from robust31's API fuzz).

Before: ``hessian_trace(seed=nan | -1 | 1e308)`` gave NumPy's SeedSequence errors,
``hessian_eigenvalues(tol=10**30)`` "ufunc 'isfinite' not supported", ``tol=True`` passed
as 1.0, ``gauss_newton="no"`` and ``return_eigenvectors="no"`` were taken as True, and an
int past float range in a message printed all its digits.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(32)
X = RNG.normal(size=(6, 2))
Y = X[:, 0] - 0.5 * X[:, 1]


def _net() -> cr.Network:
    return cr.mlp([2, 3, 1], hidden="tanh", seed=0)


# --- chainrule.hessian ------------------------------------------------------------------------

_BOOL_ERROR = r"must be True or False, got "


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"seed": float("nan")}, TypeError, r"^seed: expected an integer >= 0, got float nan$"),
    ({"seed": -1}, ValueError, r"^seed: expected an integer >= 0, got -1$"),
    ({"seed": 1e308}, TypeError, r"^seed: expected an integer >= 0, got float 1e\+308$"),
    ({"seed": 2.0}, TypeError, r"^seed: expected an integer >= 0, got float 2.0$"),
    ({"seed": "0"}, TypeError, r"^seed: expected an integer >= 0, got str '0'$"),
    ({"seed": True}, TypeError, r"^seed: expected an integer >= 0, got bool True$"),
    ({"seed": -10**400}, ValueError, r"^seed: expected an integer >= 0, got an int of about "
                                     r"-10\^400$"),
    ({"n_probes": 10**400}, ValueError, r"^n_probes: expected an integer from 2 to "
                                        r"1000000000, got an int of about 10\^400$"),
    ({"n_probes": float("inf")}, TypeError, r"^n_probes: expected an integer, got float"),
    ({"gauss_newton": "no"}, TypeError, r"^gauss_newton " + _BOOL_ERROR + r"'no' \(str\)$"),
    ({"gauss_newton": 1}, TypeError, r"^gauss_newton " + _BOOL_ERROR + r"1 \(int\)$"),
])
def test_hessian_trace_refuses_bad_settings_naming_them(kwargs, error, message):
    with pytest.raises(error, match=message):
        cr.hessian_trace(_net(), X, Y, n_probes=kwargs.pop("n_probes", 4), **kwargs)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"tol": 10**400}, ValueError, r"^tol: expected a finite number >= 0, got an int of "
                                   r"about 10\^400, beyond float range$"),
    ({"tol": float("nan")}, ValueError, r"^tol: expected a finite number >= 0, got nan$"),
    ({"tol": True}, TypeError, r"^tol: expected a finite number >= 0, got bool True$"),
    ({"tol": "0.1"}, TypeError, r"^tol: expected a finite number >= 0, got str '0.1'$"),
    ({"tol": None}, TypeError, r"^tol: expected a finite number >= 0, got NoneType None$"),
    ({"seed": float("inf")}, TypeError, r"^seed: expected an integer >= 0, got float inf$"),
    ({"seed": -1}, ValueError, r"^seed: expected an integer >= 0, got -1$"),
    ({"k": 10**400}, ValueError, r"^k: expected an integer from 1 to 12 .* got an int of "
                                r"about 10\^400$"),
    ({"maxiter": 2.5}, TypeError, r"^maxiter: expected an integer, got float 2.5$"),
    ({"gauss_newton": "yes"}, TypeError, r"^gauss_newton " + _BOOL_ERROR),
    ({"return_eigenvectors": None}, TypeError, r"^return_eigenvectors " + _BOOL_ERROR
                                               + r"None \(NoneType\)$"),
])
def test_hessian_eigenvalues_refuses_bad_settings_naming_them(kwargs, error, message):
    with pytest.raises(error, match=message):
        cr.hessian_eigenvalues(_net(), X, Y, **kwargs)


def test_hessian_vector_products_refuses_a_gauss_newton_that_is_no_bool():
    with pytest.raises(TypeError, match=r"^gauss_newton " + _BOOL_ERROR + r"'False' \(str\)$"):
        cr.hessian_vector_products(_net(), X, Y, np.eye(13)[:, :2], gauss_newton="False")


def test_numeric_settings_still_accepted_agree_with_the_full_hessian():
    # tol 10**30 (an int float() takes), NumPy ints, a seed past 2**64: eigenvalues and the
    # trace against the Hessian stacked column by column and np.linalg.eigvalsh
    net = _net()
    H = cr.hessian_vector_products(net, X, Y, np.eye(net.n_params))
    lam = np.linalg.eigvalsh((H + H.T) / 2)
    got = cr.hessian_eigenvalues(net, X, Y, k=np.int64(2), tol=np.float32(0.0),
                                 maxiter=np.int32(1000), seed=np.uint8(3))
    np.testing.assert_allclose(got, lam[::-1][:2], rtol=1e-9)
    assert cr.hessian_eigenvalues(net, X, Y, tol=10**30).shape == (1,)
    est = cr.hessian_trace(net, X, Y, n_probes=np.int16(5), seed=10**30, gauss_newton=np.True_)
    G = cr.hessian_vector_products(net, X, Y, np.eye(net.n_params), gauss_newton=True)
    Z = np.random.default_rng(10**30).choice([-1.0, 1.0], size=(5, net.n_params))
    assert est.trace == pytest.approx(np.mean(np.einsum("ij,jk,ik->i", Z, G, Z)), rel=1e-12)
