"""chainrule.scalar made faster (student37) computes bit for bit what a plain reference does.

The speed-ups: numbers checked once where they come in (a Value made from a user's
number, an operation's number operand) and a Value-with-Value result checked by
``math.isfinite`` of its output alone (its local gradients too only for ``/ ** log
rpow``), a topological order without tuples of flags or ``id()`` sets, a backward pass
without ``zip(strict=True)``; and the example's loop run with Python's cyclic garbage
collector paused (examples/micrograd_moons.py, ``cycle_collector_paused``), safe because
a graph of Values holds no reference cycles (checked: ``gc.collect()`` finds nothing after
a step, and no Value outlives the loop).

References: every node's value and local gradients against the textbook formula of its
operation evaluated on its inputs' numbers, exactly (``==``); the order against a recursive
depth-first search, micrograd's ``build_topo`` way; the gradients against a backward
pass over that order written out here.  Refusals against hand-worked overflows
(``1 / 5e-324`` is inf in float64).
"""

from __future__ import annotations

import gc
import math
import runpy
import sys
from pathlib import Path

import pytest

from chainrule.scalar import Value, topological_order

pytest.importorskip("sklearn")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def example():
    return runpy.run_path(str(ROOT / "examples" / "micrograd_moons.py"))


@pytest.fixture(scope="module")
def bench():
    return runpy.run_path(str(ROOT / "benchmarks" / "bench_scalar.py"))


# --- references ---------------------------------------------------------------------------------


def _formula(node: Value) -> tuple[float, tuple[float, ...]]:
    """The node's value and local gradients from its inputs' numbers, by the textbook."""
    x = [v.data for v in node.inputs]
    op, p = node.op, node.param
    if op == "+":
        return x[0] + x[1], (1.0, 1.0)
    if op == "-":
        return x[0] - x[1], (1.0, -1.0)
    if op == "*":
        return x[0] * x[1], (x[1], x[0])
    if op == "/":
        q = x[0] / x[1]
        return q, (1.0 / x[1], -q / x[1])
    if op == "**":
        return x[0] ** p, (p * x[0] ** (p - 1.0) if p != 0.0 else 0.0,)
    if op == "rpow":
        out = p ** x[0]
        return out, (out * math.log(p),)
    if op == "neg":
        return -x[0], (-1.0,)
    if op == "exp":
        return math.exp(x[0]), (math.exp(x[0]),)
    if op == "log":
        return math.log(x[0]), (1.0 / x[0],)
    if op == "tanh":
        t = math.tanh(x[0])
        return t, (1.0 - t * t,)
    if op == "sigmoid":
        s = 1.0 / (1.0 + math.exp(-x[0])) if x[0] >= 0.0 else \
            math.exp(x[0]) / (1.0 + math.exp(x[0]))
        return s, (s * (1.0 - s),)
    assert op == "relu", op
    return max(x[0], 0.0), (1.0 if x[0] > 0.0 else 0.0,)


def _recursive_order(root: Value) -> list[Value]:
    order: list[Value] = []
    seen: set[int] = set()

    def visit(v: Value) -> None:
        if id(v) not in seen:
            seen.add(id(v))
            for child in v.inputs:
                visit(child)
            order.append(v)

    visit(root)
    return order


def _reference_grads(order: list[Value]) -> dict[int, float]:
    grads = {id(v): 0.0 for v in order}
    grads[id(order[-1])] = 1.0
    for v in reversed(order):
        for child, local in zip(v.inputs, v.local, strict=True):
            grads[id(child)] += local * grads[id(v)]
    return grads


def _check_bit_for_bit(root: Value) -> set[str]:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        expected = _recursive_order(root)
    finally:
        sys.setrecursionlimit(limit)
    order = topological_order(root)
    assert len(order) == len(expected) and all(a is b for a, b in zip(order, expected,
                                                                       strict=True))
    ops = set()
    for v in order:
        if v.inputs:
            ops.add(v.op)
            data, local = _formula(v)
            assert (v.data, v.local) == (data, local), (v.op, v.data, v.local, data, local)
    root.zero_grad()
    root.backward()
    grads = _reference_grads(order)
    assert all(v.grad == grads[id(v)] for v in order)
    return ops


# --- bit for bit --------------------------------------------------------------------------------


def test_the_demo_graph_bit_for_bit(example):
    X, y = example["moons"]()
    model = example["ScalarMLP"](example["micrograd_init"]())
    total, _ = example["scalar_loss"](model, X, y)
    assert len(topological_order(total)) == 65_818  # the example's figure
    assert _check_bit_for_bit(total) == {"+", "*", "relu"}  # micrograd's demo
    assert any(p.grad != 0.0 for p in model.parameters())


def test_the_benchmark_graph_of_every_operation_bit_for_bit(bench):
    root, leaves = bench["expression"](150)
    assert len(topological_order(root)) == 21 * 150 + 101
    assert _check_bit_for_bit(root) == {"+", "-", "*", "/", "**", "rpow", "neg", "exp",
                                        "log", "tanh", "sigmoid", "relu"}
    assert all(math.isfinite(x.grad) for x in leaves)


def test_a_chain_of_a_hundred_thousand_nodes_needs_no_recursion():
    x = Value(0.5, "x")
    y = x
    for _ in range(50_000):
        y = (y * 0.99999).tanh()
    order = topological_order(y)
    assert len(order) == 150_001 and order[0] is x and order[-1] is y
    y.backward()
    # d tanh chain: the product of each link's 0.99999 (1 - t_k^2), summed in float64
    expected = 1.0
    for v in order:
        if v.op == "tanh":
            expected *= 1.0 - v.data * v.data
    assert x.grad == pytest.approx(expected * 0.99999**50_000, rel=1e-10)


# --- refusals the cheaper checks keep -----------------------------------------------------------


@pytest.mark.parametrize(("make", "message"), [
    # log(5e-324) = -744.44 is finite, its derivative 1 / 5e-324 is not
    (lambda: Value(5e-324, "x").log(), r"^log\(x = 4.94066e-324\) overflowed: value "
                                       r"-744.44\d+, local gradients \[inf\]"),
    (lambda: Value(1e-310, "x").log(), r"^log\(x = 1e-310\) overflowed: .* \[inf\]"),
    # 10 ** 308 is finite, its derivative 1e308 * log(10) is not
    (lambda: 10.0 ** Value(308.0, "x"), r"^rpow\(x = 308, 10\) overflowed: value 1e\+308, "
                                        r"local gradients \[inf\]"),
    (lambda: Value(1e200, "x") ** 2, r"^\*\*\(x = 1e\+200, 2\) overflowed"),
    # Value-with-Value results: only their output is checked, and that suffices
    (lambda: Value(1e200, "x") * Value(1e200, "y"), r"^\*\(x = 1e\+200, y = 1e\+200\) "
                                                    r"overflowed: value inf"),
    (lambda: Value(1e308, "x") + Value(1e308, "y"), r"^\+\(x = 1e\+308, y = 1e\+308\) "
                                                    r"overflowed: value inf"),
    (lambda: Value(-1e308, "x") - Value(1e308, "y"), r"^-\(x = -1e\+308, y = 1e\+308\) "
                                                     r"overflowed: value -inf"),
    (lambda: Value(800.0, "x").exp(), r"^exp\(x = 800\) overflowed: value inf"),
])
def test_an_overflowing_value_or_local_gradient_is_refused(make, message):
    with pytest.raises(ArithmeticError, match=message):
        make()


def test_a_value_made_inf_by_hand_is_refused_at_the_next_operation():
    # p.data -= lr * p.grad is not checked; the next operation on p is
    x, y = Value(1.0, "x"), Value(2.0, "y")
    x.data = math.inf
    for make in (lambda: x * y, lambda: x + y, lambda: y - x, lambda: -x, lambda: x.relu(),
                 lambda: x * Value(0.0)):  # inf * 0 = nan
        with pytest.raises(ArithmeticError, match="overflowed"):
            make()


@pytest.mark.parametrize(("bad", "error"), [
    (math.nan, ValueError), (math.inf, ValueError), ("2", TypeError), (True, TypeError),
    (10**400, ValueError)])
def test_numbers_are_still_checked_where_they_come_in(bad, error):
    x = Value(1.0, "x")
    for make in (Value, lambda b: x + b, lambda b: b - x, lambda b: x * b, lambda b: x / b,
                 lambda b: b / x, lambda b: x ** b, lambda b: b ** x):
        with pytest.raises(error):
            make(bad)


# --- the example's loop: the cyclic collector paused, nothing kept ------------------------------


def test_a_steps_graph_has_no_reference_cycles(example):
    X, y = example["moons"]()
    model = example["ScalarMLP"](example["micrograd_init"]())
    gc.collect()
    total, _ = example["scalar_loss"](model, X, y)
    total.backward()
    del total
    assert gc.collect() == 0  # nothing unreachable left for the collector to find


def _values_alive() -> int:
    return sum(type(o) is Value for o in gc.get_objects())


def test_the_paused_collector_leaks_no_graph_and_is_restored(example):
    X, y = example["moons"]()
    model = example["ScalarMLP"](example["micrograd_init"]())
    gc.collect()  # earlier tests' garbage gone first: it is no graph of this loop's
    before = _values_alive()
    assert gc.isenabled()
    record = example["train_scalar"](model, X, y, steps=2)
    assert gc.isenabled() and len(record["loss"]) == 2
    assert _values_alive() == before  # each step's 65,481 new Values freed by refcounts
    gc.disable()
    try:
        example["train_scalar"](model, X, y, steps=1)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
    with pytest.raises(ArithmeticError), example["cycle_collector_paused"]():
        assert not gc.isenabled()
        Value(1e308) * 10.0
    assert gc.isenabled()
