"""deeplearning.ai course 2 week 1, "Gradient Checking" (examples/dlai_gradient_checking.py).

References: the assignment's published differences (its notebook printouts and the
expected values of its public_tests, the same in several public copies):
2.919335883291695e-10 for the 1-D check of J = theta x at x = 2, theta = 4;
0.2850931567761623 for gradient_check_n with the course's two bugs and
1.1890913024229996e-07 without them (older printouts: 0.285093156781 and
2.91933588329e-10, twelve digits).  And a NumPy write-up, in this file, of the course's
gradient_check_n_test_case, forward_propagation_n (its cost) and backward_propagation_n.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dlai_gradient_checking.py"


@pytest.fixture(scope="module")
def ex():
    return runpy.run_path(str(EXAMPLE))


def _course_test_case():
    """gradient_check_n_test_case, drawn as the course draws it (the global generator)."""
    state = np.random.get_state()  # noqa: NPY002 - put back after
    try:
        np.random.seed(1)  # noqa: NPY002 - the course's way
        x = np.random.randn(4, 3)  # noqa: NPY002
        params = {name: np.random.randn(*shape)  # noqa: NPY002
                  for name, shape in (("W1", (5, 4)), ("b1", (5, 1)), ("W2", (3, 5)),
                                      ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1)))}
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return x, np.array([1, 1, 0]), params


def _course_cost_and_grads(x, y, p, bugs):
    """forward_propagation_n's cost and backward_propagation_n's gradients, columns as
    examples; ``bugs``: dW2 doubled and db1 with 4./m, as the course hands them out."""
    m = x.shape[1]
    Z1 = p["W1"] @ x + p["b1"]
    A1 = np.maximum(0, Z1)
    Z2 = p["W2"] @ A1 + p["b2"]
    A2 = np.maximum(0, Z2)
    A3 = 1 / (1 + np.exp(-(p["W3"] @ A2 + p["b3"])))
    cost = 1.0 / m * np.sum(np.multiply(-np.log(A3), y) + np.multiply(-np.log(1 - A3), 1 - y))
    dZ3 = A3 - y
    dZ2 = (p["W3"].T @ dZ3) * (A2 > 0)
    dZ1 = (p["W2"].T @ dZ2) * (A1 > 0)
    grads = {"W3": dZ3 @ A2.T / m, "b3": dZ3.sum(axis=1, keepdims=True) / m,
             "W2": dZ2 @ A1.T / m * (2 if bugs else 1), "b2": dZ2.sum(axis=1, keepdims=True) / m,
             "W1": dZ1 @ x.T / m, "b1": (4.0 if bugs else 1.0) / m * dZ1.sum(axis=1, keepdims=True)}
    return cost, grads


def _in_chainrule_order(grads):
    """The course's gradients in chainrule's flat order: each layer's W.T (fan_in, fan_out)
    row by row, then b."""
    return np.concatenate([part for i in (1, 2, 3)
                           for part in (grads[f"W{i}"].T.ravel(), grads[f"b{i}"].ravel())])


def test_one_dimensional_check_is_the_published_figure(ex):
    gradapprox, diff, rel = ex["one_dimensional"]()
    assert gradapprox == ((4 + 1e-7) * 2 - (4 - 1e-7) * 2) / (2 * 1e-7)
    assert diff == ex["PUBLISHED_1D"] == 2.919335883291695e-10
    assert rel == pytest.approx(abs(gradapprox - 2) / (gradapprox + 2), rel=1e-15)


def test_the_test_case_and_the_network_are_the_courses(ex):
    X, y, params = ex["test_case"]()
    x, y_course, p = _course_test_case()
    np.testing.assert_array_equal(X, x.T)
    np.testing.assert_array_equal(y, y_course)
    for name, value in p.items():
        np.testing.assert_array_equal(params[name], value)
    net = ex["network"](params)
    J, grad = net.cost(net.params, X, y)
    cost, grads = _course_cost_and_grads(x, y_course, p, bugs=False)
    assert J == pytest.approx(cost, rel=1e-13)
    np.testing.assert_allclose(grad, _in_chainrule_order(grads), rtol=1e-12, atol=1e-15)
    # the planted bugs are the course's: its buggy gradients, in chainrule's order
    model = ex["CourseBackward"](net, bugs=True)
    _, buggy = model.cost(net.params, X, y)
    _, grads_bug = _course_cost_and_grads(x, y_course, p, bugs=True)
    np.testing.assert_allclose(buggy, _in_chainrule_order(grads_bug), rtol=1e-12, atol=1e-15)


def test_the_bugs_fail_the_check_with_the_published_difference(ex):
    got = ex["check"](bugs=True)
    r = got["result"]
    assert r.verdict == "FAIL" and r.eps == 1e-7
    assert r.parameter_name(r.worst).startswith("layers[0].b")  # b1, times 4
    # the course's cost formula: the published figure to the last digit
    assert got["course_cost"] == pytest.approx(ex["PUBLISHED_BUGGY"], rel=1e-14)
    # chainrule's (more precise) cost: the same to 7 digits
    assert got["course"] == pytest.approx(0.2850931567761623, rel=1e-7)
    assert r.rel_diff == pytest.approx(np.linalg.norm(r.numerical - r.analytical)
                                       / np.linalg.norm(r.numerical + r.analytical), rel=1e-14)


def test_the_fixed_gradient_passes_and_the_published_figure_is_the_cost_rounding(ex):
    got = ex["check"](bugs=False)
    r = got["result"]
    assert r.verdict == "PASS" and r.tolerance == 2e-7
    assert 5e-10 < r.rel_diff < 2e-9  # chainrule's log_loss from the net input
    assert got["course"] == pytest.approx(r.rel_diff, rel=1e-6)
    # central differences of the course's cost formula: the published 1.19e-07, to 10 digits
    assert got["course_cost"] == pytest.approx(1.1890913024229996e-07, rel=1e-9)
    # ... and to the last digit with the course's own backward pass as the analytical side
    X, y, params = ex["test_case"]()
    net = ex["network"](params)
    gradapprox = ex["numerical_gradient"](ex["course_cost"](net, X, y), net.params, 1e-7)
    _, grads = _course_cost_and_grads(X.T, y, params, bugs=False)
    assert ex["course_difference"](_in_chainrule_order(grads), gradapprox) == \
        pytest.approx(ex["PUBLISHED_FIXED"], rel=1e-14)
    # one rounding in the last place of J moves the figure in its third digit
    assert got["course_cost_divided"] == pytest.approx(1.19099e-07, rel=1e-5)
