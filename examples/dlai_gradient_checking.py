"""deeplearning.ai, course 2 week 1, "Gradient Checking", in chainrule: the 1-D check of
``J = theta x`` and the N-dimensional check of a 4-5-3-1 ReLU network, with the course's
two planted bugs and without them.

    python examples/dlai_gradient_checking.py [--out dlai_gradient_checking.png]

The course compares its backward pass ``grad`` with central differences ``gradapprox``
at ``epsilon = 1e-7`` by ``||grad - gradapprox|| / (||grad|| + ||gradapprox||)`` and calls
a difference above 2e-7 a mistake.  chainrule's :func:`chainrule.gradcheck.gradient_check`
takes the step (``eps=1e-7``) and the threshold (``tolerance=2e-7``), and judges
``||num - ana|| / ||num + ana||`` (SPEC 8); ``measure="dlai"`` prints the course's
figure beside it (``result.difference()``), and :func:`relative_difference` with
``measure="dlai"`` takes it of any two gradients (:func:`course_difference`).  For
gradients that nearly agree the two figures agree to many digits; for the buggy gradient
they differ (0.2851 against 0.2929).

The network (:func:`test_case`): the course's ``gradient_check_n_test_case``,
``np.random.seed(1)``, then ``x = randn(4, 3)`` (4 features, 3 examples as columns),
``y = [1, 1, 0]``, ``W1 = randn(5, 4)``, ``b1 = randn(5, 1)``, ``W2 = randn(3, 5)``,
``b2 = randn(3, 1)``, ``W3 = randn(1, 3)``, ``b3 = randn(1, 1)``;
LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID, cost ``(1/m) sum [-y log a - (1 - y)
log(1 - a)]``.  In chainrule: ``Network.from_ufldl`` (the course's ``W`` is (units out,
units in), UFLDL's layout; ``Dense.W`` is its transpose), ``loss="log_loss"``, and
``X = x.T`` (rows as examples).  chainrule's flat vector holds each layer's ``W`` (fan_in,
fan_out) then ``b``, the course's ``W1, b1, ..., b3`` with ``W`` (fan_out, fan_in): the
same 47 numbers in another order, which changes no norm and so no difference.

The figures (published: the assignment's printouts and its ``public_tests``, the same in
several public copies; older printouts show 12 digits, 0.285093156781 and 2.91933588329e-10):

* 1-D: 2.919335883291695e-10, to the last digit (:func:`one_dimensional`, chainrule's
  :func:`numerical_gradient` of ``theta -> theta x``).
* N-D with the course's bugs (``dW2`` doubled, ``db1`` with ``4./m``), planted in
  chainrule's backward gradient by :class:`CourseBackward`: chainrule's check says FAIL
  and names ``layers[0].b[0]`` (``b1``) the worst parameter; the course's difference is
  0.28509315 from chainrule's cost and 0.2850931567761623, the published figure to the
  last digit, when the central differences are taken of the course's cost formula
  (:func:`course_cost`: chainrule's forward pass, then the course's
  ``1./m * np.sum(logprobs)``).
* N-D without them: 1.1890913024229996e-07 published, 1.1890913024818684e-07 from the
  course's cost formula (10 digits), but 1.1e-09 from chainrule's own cost.  At
  ``epsilon = 1e-7`` the truncation error of the central difference (about
  ``epsilon**2``) is nothing: the difference is rounding, that of ``J(theta +-
  epsilon)`` divided by ``2 epsilon``.  The third example has ``y = 0`` and an output
  ``a = 0.99887``, so the course's ``log(1 - a)`` takes the logarithm of ``1 - a =
  0.00113`` formed from an ``a`` rounded to 1e-16: a relative error of 1e-13 in the
  cost, some 1e-7 in each difference quotient.  chainrule's ``log_loss`` computes the same
  cost from the net input (``log(1 + e^z)``, no ``1 - a``), about 100 times more
  precisely, hence its 1.1e-09.  The published 1.19e-07 is the course's cost's rounding,
  not a flaw of its backward pass: writing ``np.sum(logprobs) / m`` for ``1./m *
  np.sum(logprobs)``, one rounding in the last place of ``J``, gives 1.19099e-07.  The
  digits after the tenth are the analytical gradient's rounding (chainrule sums ``X.T @
  delta`` where the course sums ``dZ @ A.T``): with the course's backward pass written in
  NumPy (``tests/test_student18_dlai_gradient_checking.py``) the published figure comes
  out to the last digit.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from chainrule.gradcheck import (
    GradientCheck,
    gradient_check,
    numerical_gradient,
    relative_difference,
)
from chainrule.network import Network

EPSILON = 1e-7  # the course's epsilon
THRESHOLD = 2e-7  # the course's "There is a mistake in the backward propagation!" above it
# gradient_check(x=2, theta=4): "difference = 2.919335883291695e-10"
PUBLISHED_1D = 2.919335883291695e-10
# gradient_check_n on gradient_check_n_test_case: public_tests' expected_values
PUBLISHED_BUGGY = 0.2850931567761623
PUBLISHED_FIXED = 1.1890913024229996e-07


def course_difference(grad: object, gradapprox: object) -> float:
    """The course's ``||grad - gradapprox|| / (||grad|| + ||gradapprox||)``: chainrule's
    :func:`relative_difference` with ``measure="dlai"``.

    Parameters
    ----------
    grad, gradapprox : array-like of the same shape, e.g. (n_params,)

    Returns
    -------
    float
    """
    return relative_difference(grad, gradapprox, measure="dlai")


def one_dimensional(x: float = 2.0, theta: float = 4.0,
                    epsilon: float = EPSILON) -> tuple[float, float, float]:
    """The 1-D check of ``J(theta) = theta x``, whose derivative is ``x``.

    Returns
    -------
    gradapprox, course's difference, chainrule's relative difference : float
    """
    gradapprox = float(numerical_gradient(lambda t: t * x, theta, epsilon))
    return (gradapprox, course_difference(x, gradapprox),
            relative_difference(gradapprox, x))


def test_case() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The course's ``gradient_check_n_test_case``.

    Returns
    -------
    X : ndarray of shape (3, 4)
        The course's ``x`` (4, 3) transposed: rows are examples.
    y : ndarray of shape (3,)
    params : dict
        ``W1`` (5, 4), ``b1`` (5, 1), ``W2`` (3, 5), ``b2`` (3, 1), ``W3`` (1, 3), ``b3``
        (1, 1), the course's layout.
    """
    rs = np.random.RandomState(1)
    x = rs.randn(4, 3)
    y = np.array([1.0, 1.0, 0.0])
    params = {}
    for name, shape in (("W1", (5, 4)), ("b1", (5, 1)), ("W2", (3, 5)), ("b2", (3, 1)),
                        ("W3", (1, 3)), ("b3", (1, 1))):
        params[name] = rs.randn(*shape)
    return x.T.copy(), y, params


def network(params: dict[str, np.ndarray]) -> Network:
    """LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID with the course's weights."""
    return Network.from_ufldl([params[f"W{i}"] for i in (1, 2, 3)],
                              [params[f"b{i}"][:, 0] for i in (1, 2, 3)],
                              activation=["relu", "relu", "sigmoid"], loss="log_loss")


def parameter_slices(net: Network) -> dict[str, slice]:
    """Where ``W1``, ``b1``, ... lie in ``net.params`` (each layer's ``W``, then ``b``)."""
    slices, start = {}, 0
    for i, layer in enumerate(net.layers, start=1):
        for name, array in (("W", layer.W), ("b", layer.b)):
            slices[f"{name}{i}"] = slice(start, start + array.size)
            start += array.size
    return slices


class CourseBackward:
    """chainrule's network, its backward gradient changed as the course's
    ``backward_propagation_n`` changes it when ``bugs`` is true: ``dW2`` doubled and ``db1``
    computed with ``4./m`` instead of ``1./m``.

    A model for :func:`gradient_check`: ``params``, ``layers`` and ``cost(theta, X, Y)``.
    """

    def __init__(self, net: Network, bugs: bool = True) -> None:
        self.net, self.bugs = net, bugs
        self.layers = net.layers
        self._slices = parameter_slices(net)

    @property
    def params(self) -> np.ndarray:
        """The network's flat parameter vector, shape (n_params,)."""
        return self.net.params

    def cost(self, theta: np.ndarray, X: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
        """``(J, grad)`` at ``theta``; ``grad`` of shape (n_params,) with the bugs planted."""
        J, grad = self.net.cost(theta, X, Y)
        if self.bugs:
            grad[self._slices["W2"]] *= 2.0
            grad[self._slices["b1"]] *= 4.0
        return J, grad


def course_cost(net: Network, X: np.ndarray, y: np.ndarray, divide: bool = False) -> Any:
    """``J(theta)`` as the course computes it from chainrule's forward pass: the output
    ``a`` (``net.predict``), then ``1./m * sum(-y log a + -(1 - y) log(1 - a))``, in the
    course's order of operations (``divide``: ``sum(...) / m`` instead, which rounds
    differently in the last place)."""
    probe = net.copy()

    def J(theta: np.ndarray) -> float:
        probe.set_params(theta)
        a = probe.predict(X)[:, 0]
        logprobs = np.multiply(-np.log(a), y) + np.multiply(-np.log(1 - a), 1 - y)
        if divide:
            return float(np.sum(logprobs) / len(y))
        return float(1.0 / len(y) * np.sum(logprobs))  # the course's order of operations

    return J


def check(bugs: bool) -> dict[str, Any]:
    """The N-D check of the course's test case, with or without its bugs.

    Returns
    -------
    dict
        ``"result"``: chainrule's :class:`GradientCheck` (chainrule's cost, ``eps=1e-7``,
        ``tolerance=2e-7``); ``"gradapprox"``: the central differences of the course's cost
        formula, shape (47,); ``"course"``: the course's difference of that check's two
        gradients; ``"course_cost"``: the course's difference when the central
        differences are taken of the course's cost formula instead (:func:`course_cost`);
        ``"course_cost_divided"``: the same with ``sum(...) / m`` for ``1./m * sum(...)``.
    """
    X, y, params = test_case()
    model = CourseBackward(network(params), bugs=bugs)
    result: GradientCheck = gradient_check(model, X, y, eps=EPSILON, tolerance=THRESHOLD,
                                           measure="dlai")
    gradapprox = numerical_gradient(course_cost(model.net, X, y), model.params, EPSILON)
    divided = numerical_gradient(course_cost(model.net, X, y, divide=True), model.params,
                                 EPSILON)
    return {"result": result, "gradapprox": gradapprox,
            "course": result.difference(),  # measure="dlai": the course's formula
            "course_cost": course_difference(result.analytical, gradapprox),
            "course_cost_divided": course_difference(result.analytical, divided)}


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="dlai_gradient_checking.png")
    args = parser.parse_args()
    gradapprox, diff, rel = one_dimensional()
    print(f"1-D, J = theta x at x = 2, theta = 4: gradapprox {gradapprox!r}, difference "
          f"{diff!r} (published {PUBLISHED_1D!r}); chainrule's ||a-b||/||a+b|| {rel:.12e}")
    out = {"1d": diff}
    for bugs, published in ((True, PUBLISHED_BUGGY), (False, PUBLISHED_FIXED)):
        got = check(bugs)
        r = got["result"]
        print(f"\nN-D, the course's backward pass {'with its two bugs' if bugs else 'fixed'}"
              f" (published difference {published!r}):")
        print(f"  chainrule.gradient_check(eps=1e-7, tolerance=2e-7, measure='dlai'): "
              f"{r.verdict}, ||num-ana||/||num+ana|| {r.rel_diff:.10e}, the course's "
              f"formula {got['course']:.10e}")
        print(f"  central differences of the course's cost formula, the course's difference: "
              f"{got['course_cost']!r} ({got['course_cost_divided']!r} with sum / m for "
              "1./m * sum)")
        if bugs:
            print(f"  the check names the worst parameter: {r.parameter_name(r.worst)}")
        out["buggy" if bugs else "fixed"] = got
    print("\nWithout the bugs the course's 1.19e-07 is the rounding of its cost's log(1 - a) "
          "(an output a = 0.99887 with y = 0); chainrule's log_loss from the net input "
          "gives 1.1e-09.")
    print(f"picture written to {plot(out, args.out)}")
    return out


def plot(out: dict[str, Any], path: str) -> str:
    """Each parameter's ``|grad - gradapprox|``: the bugs' parameters, and the rounding
    floor of the course's cost against chainrule's."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.4, 3.2), dpi=90, layout="constrained")
    ax = fig.subplots()
    buggy, fixed = out["buggy"], out["fixed"]
    ana = fixed["result"].analytical
    series = [(np.abs(buggy["result"].analytical - buggy["gradapprox"]), "C3", "with the bugs"),
              (np.abs(ana - fixed["gradapprox"]), "C1", "fixed, the course's cost"),
              (np.abs(ana - fixed["result"].numerical), "C0", "fixed, chainrule's log_loss")]
    for values, colour, label in series:
        ax.semilogy(np.arange(values.size), np.maximum(values, 1e-17), "o", ms=3.5,
                    color=colour, label=label)
    for k, (name, sl) in enumerate(parameter_slices(network(test_case()[2])).items()):
        ax.axvspan(sl.start - 0.5, sl.stop - 0.5, color="0.92" if k % 2 == 0 else "1.0")
        ax.text((sl.start + sl.stop - 1) / 2, 100, name, ha="center", fontsize=8)
    ax.set(xlabel="parameter (chainrule's order: each layer's W, then b)",
           ylabel="|grad - gradapprox|", ylim=(1e-17, 1e4),
           title="gradient_check_n_test_case, epsilon = 1e-7")
    ax.legend(loc="center right", fontsize=8)
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
