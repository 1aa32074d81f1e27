"""``chainrule.minimize``'s ``method``: SciPy's names in any case, and BFGS's memory.

The reference is ``scipy.optimize.minimize`` called here on ``Network.cost`` (the
network's ``(J, grad)`` at a parameter vector) from the same weights.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import scipy.optimize

import chainrule as cr
import chainrule.scipy_fit as scipy_fit


def _problem():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(30, 3))
    y = np.sin(X[:, :1]) + 0.5 * X[:, 1:2]
    return cr.mlp([3, 4, 1], seed=2), X, y


@pytest.mark.parametrize("method, scipy_name", [
    ("l-bfgs-b", "L-BFGS-B"), ("L-bfgs-B", "L-BFGS-B"), ("LBFGS", "L-BFGS-B"),
    ("Cg", "CG"), ("bfgs", "BFGS"), ("Bfgs", "BFGS"),
])
def test_scipy_spellings_of_the_methods_are_taken(method, scipy_name):
    """"bfgs", "l-bfgs-b" and "Cg", which SciPy takes, were refused as unknown methods."""
    net, X, y = _problem()
    theta0 = net.params.copy()
    expected = scipy.optimize.minimize(lambda t: net.cost(t, X, y), theta0, jac=True,
                                       method=scipy_name, options={"maxiter": 4})
    result = cr.minimize(net, X, y, method=method, maxiter=4)
    assert result.nit == expected.nit == 4
    np.testing.assert_allclose(result.fun, expected.fun, rtol=1e-10)
    np.testing.assert_allclose(net.params, expected.x, rtol=1e-8, atol=1e-12)


def test_bfgs_stops_on_a_callback_and_on_max_time(monkeypatch):
    """BFGS ends on the callbacks' StopIteration (max_time) and KeyboardInterrupt (the
    estimators' and the CLI's Ctrl-C) at the iterate they came at."""
    net, X, y = _problem()
    ref = net.copy()
    expected = cr.minimize(ref, X, y, method="BFGS", maxiter=2)
    ticks = itertools.count()
    monkeypatch.setattr(scipy_fit, "_clock", lambda: float(next(ticks)))
    timed = net.copy()
    result = cr.minimize(timed, X, y, method="bfgs", maxiter=50, max_time=2)
    assert result.timed_out and result.nit == 2
    np.testing.assert_allclose(timed.params, ref.params, rtol=1e-12, atol=1e-15)

    def interrupt(theta, J):
        if len(seen) == 1:
            raise KeyboardInterrupt
        seen.append(J)

    seen: list = []
    with pytest.raises(KeyboardInterrupt):
        cr.minimize(net, X, y, method="BFGS", maxiter=50, callback=interrupt)
    # the last iterate with a finite cost is the second's: the network keeps it
    np.testing.assert_allclose(net.params, ref.params, rtol=1e-12, atol=1e-15)
    assert seen == [expected.loss_curve[0]]


def test_bfgs_refuses_a_network_whose_inverse_hessian_passes_a_gib():
    """BFGS keeps n_params ** 2 float64 values: 12 182 parameters would be 1.1 GiB (and
    several such arrays while it updates it); one over 1 GiB is refused, naming both."""
    net = cr.mlp([200, 60, 2], output="softmax", seed=0)
    n = net.params.size
    assert n == 200 * 60 + 60 + 60 * 2 + 2
    gib = 8 * n * n / 2**30
    assert 1 < gib < 1.2
    X = np.zeros((3, 200))
    before = net.params.copy()
    with pytest.raises(ValueError, match=(
            rf"^method: 'bfgs' keeps a dense n_params x n_params inverse Hessian estimate: "
            rf"{n} parameters need {gib:.3g} GiB for it in float64")) as info:
        cr.minimize(net, X, [0, 1, 0], method="bfgs")
    assert "use method='L-BFGS-B'" in str(info.value)
    np.testing.assert_array_equal(net.params, before)
    # the largest network it takes: 11585 ** 2 float64 values fit in 1 GiB, 11586 ** 2 do not
    assert 8 * 11585**2 <= 2**30 < 8 * 11586**2


@pytest.mark.parametrize("method", ["CG", "BFGS", "L-BFGS-B"])
def test_an_infinite_start_raises_the_clear_error_alone(method):
    """From a cost that overflows at the start (features of 1e300, squared error: inf),
    CG printed 282 RuntimeWarnings (overflow in dot, invalid value in divide, from
    SciPy's line search and NumPy's norm) and BFGS 3, before TrainingDiverged."""
    X = np.full((6, 2), 1e300)
    Y = np.ones((6, 1))
    net = cr.mlp([2, 3, 1], seed=0)
    with np.errstate(all="ignore"):  # the start's cost, as the error gives it
        J0 = 0.5 * np.mean(np.sum((net.predict(X) - Y) ** 2, axis=1))
    assert J0 == np.inf
    before = net.params.copy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(cr.TrainingDiverged,
                           match=rf"^{method} diverged: the cost at the initial parameters "
                                 r"is inf \(values too large in X or Y overflow\?\)"):
            cr.minimize(net, X, Y, method=method)
    assert [str(w.message) for w in caught] == []
    np.testing.assert_array_equal(net.params, before)


def test_the_callback_runs_under_the_callers_floating_point_settings():
    """The solver's overflow and invalid warnings are off, the callback's are not."""
    net, X, y = _problem()
    seen = []
    with np.errstate(over="raise", invalid="warn"):
        cr.minimize(net, X, y, maxiter=2, callback=lambda theta, J: seen.append(np.geterr()))
    assert [(e["over"], e["invalid"]) for e in seen] == [("raise", "warn")] * 2
