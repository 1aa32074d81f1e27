"""chainrule.scalar.Value: numbers past float range and divisors so small that the quotient
or its gradient overflows are refused naming them (robust32, from robust31's API fuzz).

Before: ``Value(10**400)`` (and ``Value(1) + 10**400``, ``** 10**400``) raised a bare
OverflowError ("int too large to convert to float"); ``Value(1) / 1e-320`` and
``Value(1) / 1e-200`` a raw "float division by zero" (the local gradient ``-a / (b * b)``:
``b * b`` underflows to 0), which also refused ``1e-300 / 1e-170``, whose quotient and
gradients are finite.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from chainrule.scalar import Value, build

# --- chainrule.scalar.Value -------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: Value(10**400), lambda: Value(1.0) + 10**400, lambda: 10**400 * Value(1.0),
    lambda: Value(2.0) ** 10**400, lambda: (10**400) ** Value(1.0),
    lambda: Value(-10**5000),  # past 4300 digits str() itself raises: no str() of it
])
def test_an_int_beyond_float_range_is_a_value_error_naming_it(make):
    with pytest.raises(ValueError, match=r"must be a finite number within float range "
                                         r"\(\|x\| <= 1.798e\+308\), got a number of about "
                                         r"-?10\^(400|5000)$"):
        make()


def test_the_message_names_which_number():
    with pytest.raises(ValueError, match=r"^Value 'w' must be a finite number within"):
        Value(10**400, "w")
    with pytest.raises(ValueError, match=r"^the number in \* must be a finite number within"):
        Value(1.0) * 10**400
    with pytest.raises(ValueError, match=r"^the exponent of \*\* must be a finite number"):
        Value(1.0) ** 10**400
    with pytest.raises(ValueError, match=r"^Value 'x' must be a finite number within"):
        build("2 * x", {"x": 10**400})


@pytest.mark.parametrize(("a", "b"), [(1.0, 1e-320), (0.0, 1e-320), (1.0, 1e-200)])
def test_a_divisor_whose_quotient_or_gradient_overflows_is_named(a, b):
    # 1 / 1e-320 is inf in float64; 1 / 1e-200 = 1e200 is finite, but d/db = -a / b**2 =
    # -1e400 is not: the node would hold an infinite local gradient, which the engine
    # refuses everywhere else too (exp(1000) overflowed).  Refused as an ArithmeticError
    # (OverflowError) naming the divisor, as the zero divisor's ZeroDivisionError does.
    x, d = Value(a, "x"), Value(b, "d")
    with pytest.raises(OverflowError, match=r"^division by a number too close to 0: the "
                                            r"divisor d = [0-9.e+-]+ of x / d makes the "
                                            r"quotient .* overflow float range"):
        x / d
    with pytest.raises(ArithmeticError, match=r"the divisor [0-9.e+-]+ of x / [0-9.e+-]+ "):
        x / b
    with pytest.raises(ArithmeticError, match=r"the divisor d = "):
        build("x / d", {"x": a, "d": b})


def test_a_tiny_divisor_whose_numbers_are_finite_divides_with_exact_gradients():
    # b * b = 1e-340 underflows to 0, but a / b = 1e-130 and d/db = -a / b**2 = -1e40 are
    # finite: the old -a / (b * b) divided by 0.  Reference: exact rationals.
    a, b = Value(1e-300, "a"), Value(1e-170, "b")
    q = a / b
    q.backward()
    fa, fb = Fraction(1e-300), Fraction(1e-170)
    assert q.data == pytest.approx(float(fa / fb), rel=1e-15)
    assert a.grad == pytest.approx(float(1 / fb), rel=1e-15)
    assert b.grad == pytest.approx(float(-fa / fb**2), rel=1e-15)


def test_ordinary_division_is_unchanged_against_central_differences():
    a, b = Value(3.0, "a"), Value(-0.7, "b")
    (a / b).backward()
    h = 1e-6
    assert a.grad == pytest.approx(((3.0 + h) / -0.7 - (3.0 - h) / -0.7) / (2 * h), rel=1e-8)
    assert b.grad == pytest.approx((3.0 / (-0.7 + h) - 3.0 / (-0.7 - h)) / (2 * h), rel=1e-8)


@pytest.mark.parametrize(("data", "error", "message"), [
    (float("nan"), ValueError, r"^Value must be a finite number, got nan$"),
    (float("-inf"), ValueError, r"^Value must be a finite number, got -inf$"),
    ("3", TypeError, r"^Value must be a real number \(int or float\), got str '3'$"),
    (True, TypeError, r"^Value must be a real number \(int or float\), got bool True$"),
    (np.True_, TypeError, r"^Value must be a real number \(int or float\), got bool"),
    (1j, TypeError, r"^Value must be a real number \(int or float\), got complex 1j$"),
    (np.array([2.0]), TypeError, r"^Value must be a real number \(int or float\), got "
                                 r"ndarray"),
])
def test_values_that_are_no_finite_real_number_are_refused(data, error, message):
    with pytest.raises(error, match=message):
        Value(data)


def test_numpy_numbers_become_plain_floats():
    # float32(0.1) widens exactly: the Value holds the float32's own value, as a float
    for data, expected in [(np.float32(2), 2.0), (np.float32(0.1), 0.10000000149011612),
                           (np.int64(-3), -3.0), (Fraction(1, 4), 0.25)]:
        v = Value(data)
        assert type(v.data) is float and v.data == expected
    f = Value(np.float32(2.0), "x") * Value(np.int64(3), "y")
    f.backward()
    assert (f.data, f.inputs[0].grad, f.inputs[1].grad) == (6.0, 3.0, 2.0)
