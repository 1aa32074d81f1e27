"""The autoencoders' ``method`` takes the spellings :func:`chainrule.minimize` takes
(SciPy's names in any case, "lbfgs"), looked up in minimize's own table, and refuses any
other with minimize's message."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.optimize

import chainrule as cr

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.uniform(0.05, 0.95, size=(30, 6)), np.arange(30) % 3


@pytest.mark.parametrize("method, scipy_name", [
    ("l-bfgs-b", "L-BFGS-B"), ("L-bfgs-B", "L-BFGS-B"), ("LBFGS", "L-BFGS-B"),
    ("Cg", "CG"), ("bfgs", "BFGS"),
])
def test_every_spelling_minimize_takes_fits_as_scipy_does(data, monkeypatch, method,
                                                          scipy_name):
    """"l-bfgs-b", "Cg" and "bfgs" were refused ("method must be one of ['BFGS', 'CG',
    'L-BFGS-B', 'cg', 'lbfgs']") where cr.minimize takes them: each now runs SciPy's
    method of that name, the same parameters as SciPy's own name gives."""
    X, y = data
    asked = []
    real = scipy.optimize.minimize
    monkeypatch.setattr(scipy.optimize, "minimize",
                        lambda *a, **k: asked.append(k["method"]) or real(*a, **k))
    ae = cr.SparseAutoencoder(3, max_iter=5, random_state=0, method=method).fit(X)
    assert asked == [scipy_name]
    reference = cr.SparseAutoencoder(3, max_iter=5, random_state=0, method=scipy_name).fit(X)
    np.testing.assert_array_equal(ae.network_.params, reference.network_.params)
    softmax = cr.SoftmaxRegression(max_iter=5, random_state=0, method=method).fit(X, y)
    reference = cr.SoftmaxRegression(max_iter=5, random_state=0, method=scipy_name).fit(X, y)
    np.testing.assert_array_equal(softmax.network_.params, reference.network_.params)
    stack = cr.StackedAutoencoder((3,), max_iter=3, softmax_max_iter=3, fine_tune_iter=2,
                                  random_state=0, method=method).fit(X, y)
    np.testing.assert_array_equal(
        stack.predict_proba(X),
        cr.StackedAutoencoder((3,), max_iter=3, softmax_max_iter=3, fine_tune_iter=2,
                              random_state=0, method=scipy_name).fit(X, y).predict_proba(X))


@pytest.mark.parametrize("method", ["newton", "l_bfgs_b", "", ["CG"], None])
def test_other_methods_are_refused_with_minimizes_message(data, method):
    X, y = data
    net = cr.Network([cr.Dense(6, 3)], loss="cross_entropy")
    with pytest.raises(ValueError) as by_minimize:
        cr.minimize(net, X, np.eye(3)[y], method=method)
    for est in (cr.SparseAutoencoder(3, method=method), cr.SoftmaxRegression(method=method),
                cr.StackedAutoencoder((3,), method=method)):
        with pytest.raises(ValueError) as refused:
            est.fit(X, y)
        assert str(refused.value) == str(by_minimize.value)
    assert str(by_minimize.value) == (
        f"method: unknown method {method!r}; valid methods are: L-BFGS-B (or lbfgs), CG, "
        "BFGS, in any case")


@pytest.mark.parametrize("make", ["sparse", "softmax", "stacked"])
def test_bfgs_past_a_gib_is_refused_as_minimize_refuses_it(make):
    """BFGS keeps n_params ** 2 float64 values: an autoencoder of 784 inputs and 196 hidden
    units (308 308 parameters) failed with NumPy's "Unable to allocate 708. GiB", naming
    no setting; past 1 GiB it is refused before anything is allocated, as minimize
    refuses it, and the estimator is left unfitted."""
    rng = np.random.default_rng(0)
    X, y = rng.random((4, 100)), np.array([0, 1, 0, 1])
    if make == "sparse":  # 2 * 100 * 58 weights and 58 + 100 biases
        est, n = cr.SparseAutoencoder(58, method="bfgs"), 2 * 100 * 58 + 58 + 100
    elif make == "softmax":  # 1200 features, 10 classes
        X, y = rng.random((10, 1200)), np.arange(10)
        est, n = cr.SoftmaxRegression(method="BFGS"), 1200 * 10 + 10
    else:  # its first autoencoder is the sparse one above
        est, n = cr.StackedAutoencoder((58,), method="Bfgs"), 2 * 100 * 58 + 58 + 100
    gib = 8 * n * n / 2**30
    assert 1 < gib < 1.1
    with pytest.raises(ValueError, match=re.escape(
            f"method: {est.method!r} keeps a dense n_params x n_params inverse Hessian "
            f"estimate: {n} parameters need {gib:.3g} GiB for it in float64")) as info:
        est.fit(X, y)
    assert "use method='L-BFGS-B'" in str(info.value)
    assert not hasattr(est, "network_")
