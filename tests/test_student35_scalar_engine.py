"""chainrule.scalar.Value: backprop on a graph of scalars against published figures, central
differences and PyTorch autograd (student35).

References: cs231n's "Backpropagation, intuitions" notes (cs231n.github.io/optimization-2/)
for the circuit (x + y) z and the sigmoid neuron; micrograd's README
(github.com/karpathy/micrograd) for its expression's g.data 24.7041, a.grad 138.8338 and
b.grad 645.5773 (printed with 4 decimals).
"""

from __future__ import annotations

import math
import sys

import pytest

from chainrule.scalar import Value, topological_order

# --- published figures ------------------------------------------------------------------------


def test_cs231n_circuit_x_plus_y_times_z():
    # the notes: q = x + y = 3, f = q z = -12; dfdz = q = 3, dfdq = z = -4, dfdx = dfdy = -4
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    f = q * z
    f.backward()
    assert (q.data, f.data) == (3.0, -12.0)
    assert (x.grad, y.grad, z.grad, q.grad, f.grad) == (-4.0, -4.0, 3.0, -4.0, 1.0)


def test_cs231n_sigmoid_neuron():
    # the notes: w = [2, -3, -3], x = [-1, -2]; f = 0.73, dw = [-0.20, -0.39, 0.20],
    # dx = [0.39, -0.59] (two decimals)
    w = [Value(2.0, "w0"), Value(-3.0, "w1"), Value(-3.0, "w2")]
    x = [Value(-1.0, "x0"), Value(-2.0, "x1")]
    f = (w[0] * x[0] + w[1] * x[1] + w[2]).sigmoid()
    f.backward()
    dw, dx = [v.grad for v in w], [v.grad for v in x]
    assert abs(f.data - 0.73) < 0.005
    for got, printed in zip(dw + dx, [-0.20, -0.39, 0.20, 0.39, -0.59], strict=True):
        assert abs(got - printed) < 0.005
    # hand-worked exactly: dot = 1, ddot = (1 - f) f, dw = [x0, x1, 1] ddot, dx = [w0, w1] ddot
    s = 1.0 / (1.0 + math.exp(-1.0))
    ddot = (1.0 - s) * s
    assert f.data == pytest.approx(s, abs=1e-15)
    assert dw == pytest.approx([-ddot, -2.0 * ddot, ddot], abs=1e-15)
    assert dx == pytest.approx([2.0 * ddot, -3.0 * ddot], abs=1e-15)


def test_micrograd_readme_expression():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    # the README prints f'{g.data:.4f}' 24.7041, a.grad 138.8338, b.grad 645.5773
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


# --- every operation: central differences and PyTorch -------------------------------------------

# name, the function of two inputs built from Values (or floats: the same code), inputs
OPS = [
    ("add", lambda a, b: a + b, (0.7, -1.3)),
    ("sub", lambda a, b: a - b, (0.7, -1.3)),
    ("mul", lambda a, b: a * b, (0.7, -1.3)),
    ("div", lambda a, b: a / b, (0.7, -1.3)),
    ("pow", lambda a, b: a**3 + b**-2 + (a * a) ** 0.5, (0.7, -1.3)),
    ("neg", lambda a, b: -a * b, (0.7, -1.3)),
    ("radd", lambda a, b: 2.5 + a + b, (0.7, -1.3)),
    ("rsub", lambda a, b: 2.5 - a * b, (0.7, -1.3)),
    ("rmul", lambda a, b: 2.5 * a * b, (0.7, -1.3)),
    ("rdiv", lambda a, b: 2.5 / (a * b), (0.7, -1.3)),
    ("rpow", lambda a, b: 2.0 ** (a * b), (0.7, -1.3)),
    ("exp", lambda a, b: _f(a, "exp") * b, (0.7, -1.3)),
    ("log", lambda a, b: _f(a * a + b * b, "log"), (0.7, -1.3)),
    ("tanh", lambda a, b: _f(a * b, "tanh"), (0.7, -1.3)),
    ("sigmoid", lambda a, b: _f(a * b, "sigmoid"), (0.7, -1.3)),
    ("relu", lambda a, b: _f(a, "relu") * b + _f(b, "relu"), (0.7, -1.3)),
    ("fork", lambda a, b: a * a + a * b + a, (0.7, -1.3)),  # a used four times
]


def _f(v, name):
    """``v.name()`` for a Value, the same function of a float, or of a torch tensor."""
    if isinstance(v, Value):
        return getattr(v, name)()
    if isinstance(v, float):
        return {"exp": math.exp, "log": math.log, "tanh": math.tanh,
                "sigmoid": lambda t: 1.0 / (1.0 + math.exp(-t)),
                "relu": lambda t: max(t, 0.0)}[name](v)
    import torch

    return {"exp": torch.exp, "log": torch.log, "tanh": torch.tanh,
            "sigmoid": torch.sigmoid, "relu": torch.relu}[name](v)


def _grads(fn, point):
    a, b = Value(point[0], "a"), Value(point[1], "b")
    out = fn(a, b)
    out.backward()
    return out.data, [a.grad, b.grad]


@pytest.mark.parametrize(("name", "fn", "point"), OPS, ids=[o[0] for o in OPS])
def test_every_op_against_central_differences(name, fn, point):
    data, grads = _grads(fn, point)
    assert data == pytest.approx(fn(*map(float, point)), rel=1e-14)
    h = 1e-6
    for i in range(2):
        up, down = list(point), list(point)
        up[i] += h
        down[i] -= h
        numeric = (fn(*up) - fn(*down)) / (2 * h)
        assert grads[i] == pytest.approx(numeric, rel=1e-7, abs=1e-8), (name, i)


@pytest.mark.parametrize(("name", "fn", "point"), OPS, ids=[o[0] for o in OPS])
def test_every_op_against_torch_autograd(name, fn, point):
    torch = pytest.importorskip("torch")
    data, grads = _grads(fn, point)
    a, b = (torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in point)
    out = fn(a, b)
    out.backward()
    assert data == pytest.approx(out.item(), rel=1e-13)
    assert grads == pytest.approx([a.grad.item(), b.grad.item()], rel=1e-12, abs=1e-15)


def test_relu_and_sigmoid_at_the_edges():
    x = Value(0.0)
    y = x.relu()
    y.backward()
    assert (y.data, x.grad) == (0.0, 0.0)  # micrograd's and PyTorch's: 0 at 0
    x = Value(-800.0)
    s = x.sigmoid()  # no overflow of exp(800)
    s.backward()
    assert s.data == pytest.approx(math.exp(-800.0), rel=1e-12)


# --- the backward pass ---------------------------------------------------------------------------


def test_a_value_used_twice_adds_its_gradients():
    # cs231n: "gradients add up at forks"; d(x x + 3 x)/dx = 2 x + 3
    x = Value(1.5, "x")
    f = x * x + 3 * x
    f.backward()
    assert x.grad == 2 * 1.5 + 3


def test_gradients_accumulate_until_zero_grad():
    x = Value(2.0)
    f = x * x
    f.backward()
    f.backward()
    assert x.grad == 2 * 4.0 + 4.0  # second call: f.grad 2, x gets 2 * 2 * 2 more
    f.zero_grad()
    assert (x.grad, f.grad) == (0.0, 0.0)
    f.backward()
    assert x.grad == 4.0


def test_a_chain_of_ten_thousand_nodes():
    n = 10_000
    assert n > sys.getrecursionlimit()
    x = Value(0.3, "x")
    y = x
    for _ in range(n):
        y = y * 1.0001
    y.backward()
    assert len(topological_order(y)) == 2 * n + 1  # each step a node and its constant
    assert x.grad == pytest.approx(1.0001**n, rel=1e-10)
    assert y.data == pytest.approx(0.3 * 1.0001**n, rel=1e-10)


def test_topological_order_puts_inputs_first():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    pos = {id(v): i for i, v in enumerate(order)}
    for v in order:
        for u in v.inputs:
            assert pos[id(u)] < pos[id(v)]
    assert order[-1] is e and len(order) == 5


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_value_is_refused(bad):
    with pytest.raises(ValueError, match=r"Value 'w' must be a finite number, got"):
        Value(bad, "w")
    with pytest.raises(ValueError, match="the number in \\* must be a finite number"):
        Value(1.0) * bad


@pytest.mark.parametrize("bad", ["1.0", None, True, 1j])
def test_a_non_number_is_refused(bad):
    with pytest.raises(TypeError, match="must be a real number"):
        Value(bad)


def test_log_of_a_non_positive_node_names_it():
    x = Value(1.0, "x")
    with pytest.raises(ValueError, match=r"log of \(x - 1\) = 0: the logarithm needs a positive"):
        (x - 1).log()
    with pytest.raises(ValueError, match=r"log of x = -2"):
        Value(-2.0, "x").log()


def test_division_by_zero_names_the_divisor():
    x = Value(3.0, "x")
    with pytest.raises(ZeroDivisionError, match=r"the divisor \(x - 3\) of 1 / \(x - 3\) is 0"):
        1 / (x - 3)


def test_powers_outside_the_reals_and_overflow():
    with pytest.raises(TypeError, match="the exponent of \\*\\* must be a number"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(ValueError, match="negative base -2 to a non-integer power"):
        Value(-2.0, "x") ** 0.5
    with pytest.raises(ZeroDivisionError, match="0 to a negative power"):
        Value(0.0, "x") ** -1
    with pytest.raises(ValueError, match="base of a number to the power of a Value must be"):
        (-2.0) ** Value(1.0)
    with pytest.raises(ArithmeticError, match=r"exp\(x = 1000\) overflowed"):
        Value(1000.0, "x").exp()
