"""gradient_check and ``chainrule gradcheck`` at an eps outside the range float64 suits.

Too small: a step of +-eps that cannot move the cost by one float64 spacing leaves
``J(theta + eps e_i) == J(theta - eps e_i)`` (checked here by calling the cost itself), so
the central differences are all 0 and the verdict was a FAIL of a correct backprop; it is
INCONCLUSIVE, naming eps.  Small but resolved (1e-12): the difference grows as eps halves,
the rounding divided by 2 eps, and the advice is a larger eps, not another data set.  Too
large (1e300): the steps overflow the cost and the FAIL says that eps may be why.  A cost
that ignores its parameters at an ordinary eps still FAILs (its zero differences are real).
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule import Dense, Network
from chainrule.cli import main


def _net_and_data():
    rng = np.random.default_rng(3)
    net = Network([Dense(3, 4, "tanh"), Dense(4, 2, "sigmoid")], loss="log_loss")
    X = rng.normal(size=(6, 3))
    Y = (rng.random((6, 2)) < 0.5).astype(float)
    return net, X, Y


@pytest.mark.parametrize("eps", [1e-300, 1e-20])
def test_an_eps_below_float64_resolution_is_inconclusive_naming_eps(eps):
    net, X, Y = _net_and_data()
    theta = net.params.copy()
    J, g = net.cost(theta, X, Y)
    # the steps do not move the cost: every central difference is exactly 0
    for i in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[i] += eps
        down[i] -= eps
        assert net.cost(up, X, Y)[0] == net.cost(down, X, Y)[0]
    gc = chainrule.gradient_check(net, X, Y, eps=eps)
    assert not np.any(gc.numerical) and np.any(gc.analytical)
    assert gc.rel_diff == pytest.approx(1.0)
    assert gc.verdict == "INCONCLUSIVE"
    text = gc.verdict_text
    assert f"eps = {eps:g} is too small for float64" in text
    assert f"{np.spacing(abs(J)):.2e}" in text  # the spacing of float64 at J
    assert f"{2 * eps * np.abs(g).max():.2e}" in text  # the largest change a step makes
    assert f"of all {theta.size} parameters compared are exactly 0" in text
    assert "a larger eps" in text


def test_a_cost_that_ignores_its_parameters_still_fails_at_an_ordinary_eps():
    class Detached:
        """A cost that ignores theta, with a gradient that says it does not."""
        params = np.zeros(3)

        def cost(self, theta, X, Y):
            return 0.5, np.array([1.0, -2.0, 0.5])

    gc = chainrule.gradient_check(Detached(), np.ones((2, 1)), np.ones(2))
    assert not np.any(gc.numerical)
    assert gc.verdict == "FAIL" and "too small for float64" not in gc.verdict_text


def test_an_eps_of_1e_12_is_rounding_and_advises_a_larger_eps():
    """How the difference grows as eps halves is rounding's, so it varies from run to run
    (BLAS threads, kernels): the verdict reads the size of the rounding instead, 100
    float64 spacings of J over eps, computed here from J itself."""
    net, X, Y = _net_and_data()
    J = net.cost(net.params.copy(), X, Y)[0]
    gc = chainrule.gradient_check(net, X, Y, eps=1e-12)
    gap = np.abs(gc.numerical - gc.analytical).max()
    bound = 100 * np.spacing(abs(J)) / 1e-12
    assert gc.rel_diff > 1e-7 and 0 < gap < bound  # rounding: too much for the tolerance
    assert gc.verdict == "INCONCLUSIVE"
    text = gc.verdict_text
    assert "eps = 1e-12 is below the steps that suit float64" in text
    assert f"differ by at most {gap:.2e}" in text and f"/ eps = {bound:.2e}" in text
    assert "a larger eps" in text
    # the same network at the default eps passes: the gradient was right all along
    assert chainrule.gradient_check(net, X, Y).verdict == "PASS"


def test_a_wrong_gradient_at_a_small_eps_still_fails():
    """An error far above the rounding bound is no rounding: at eps = 1e-9 (bound about
    2.2e-5 for J ~ 1) a gradient off by 1e-2 in one entry FAILs."""
    net, X, Y = _net_and_data()
    right = Network.cost

    def wrong_cost(self, *args, **kwargs):
        J, g = right(self, *args, **kwargs)
        g = g.copy()
        g[0] += 1e-2
        return J, g

    try:
        Network.cost = wrong_cost
        gc = chainrule.gradient_check(net, X, Y, eps=1e-9)
    finally:
        Network.cost = right
    assert np.abs(gc.numerical - gc.analytical).max() > 100 * np.spacing(abs(gc.cost)) / 1e-9
    assert gc.verdict == "FAIL"


def test_an_eps_so_large_that_the_steps_overflow_says_so():
    rng = np.random.default_rng(4)
    net = Network([Dense(3, 4, "square"), Dense(4, 1, "identity")], loss="squared_error")
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 1))
    with np.errstate(over="ignore", invalid="ignore"):  # the steps overflow: the point
        gc = chainrule.gradient_check(net, X, Y, eps=1e300)
    assert np.isfinite(gc.cost) and np.all(np.isfinite(gc.analytical))
    assert not np.all(np.isfinite(gc.numerical))
    assert gc.verdict == "FAIL"
    assert "a step of eps = 1e+300 may be what overflowed: try a smaller eps" in gc.verdict_text


@pytest.mark.parametrize(("eps", "code", "words"), [
    ("1e-300", 3, "try a larger --eps"),
    ("1e-12", 3, "try a larger --eps"),
    ("1e300", 1, "may be what overflowed: try a smaller --eps"),
])
def test_cli_names_the_option(capsys, eps, code, words):
    assert main(["gradcheck", "--eps", eps]) == code
    assert words in capsys.readouterr().out
