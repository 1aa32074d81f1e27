"""``Value ** p`` whose derivative overflows where its value does not: the refusal gives the
finite value (it said ``value inf``, as if the power itself had overflowed)."""

import math
import re

import pytest

import chainrule as cr


def _numbers(message: str) -> tuple[float, float]:
    m = re.search(r"value (\S+), local gradients \[(\S+)\]", message)
    assert m, message
    return float(m.group(1).rstrip(",")), float(m.group(2))


def test_finite_power_with_overflowing_derivative_reports_its_value():
    x, p = 5e-324, 0.01
    with pytest.raises(ArithmeticError, match="overflowed") as info:
        cr.Value(x) ** p
    value, local = _numbers(str(info.value))
    # the value through logarithms, independent of the engine's own x ** p
    assert value == pytest.approx(math.exp(p * math.log(x)), rel=1e-12)
    assert math.isfinite(value) and local == math.inf


def test_overflowing_power_reports_both_and_a_finite_derivative_as_it_is():
    with pytest.raises(ArithmeticError) as info:
        cr.Value(1e-300) ** -2
    assert _numbers(str(info.value)) == (math.inf, math.inf)
    with pytest.raises(ArithmeticError) as info:
        cr.Value(1e200) ** 2  # 1e400 overflows; the derivative 2e200 does not
    assert _numbers(str(info.value)) == (math.inf, 2 * 1e200)


def test_ordinary_power_unchanged():
    v = cr.Value(3.0) ** 2.5
    v.backward()
    assert v.data == 3.0 ** 2.5
    assert v.inputs[0].grad == 2.5 * 3.0 ** 1.5
