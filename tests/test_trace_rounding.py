"""The trace rounds its printed numbers as a person does: half away from zero, on the
number as it is written (Python's shortest spelling), not on the float's binary value."""

from __future__ import annotations

import json
import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

import chainrule as cr
from chainrule.tracing.render import fmt


def _by_hand(text: str, digits: int) -> str:
    """Round the decimal number ``text`` to ``digits`` significant digits, half up."""
    d = Decimal(text)
    return str(d.quantize(Decimal(1).scaleb(d.adjusted() - digits + 1), rounding=ROUND_HALF_UP))


def test_a_written_tie_rounds_half_away_from_zero():
    """Before: fmt(0.7218735) == "0.721873" (the float nearest 0.7218735 is
    0.72187349999999994...), where rounding 0.7218735 by hand gives 0.721874."""
    assert _by_hand("0.7218735", 6) == "0.721874"
    assert fmt(0.7218735) == "0.721874" and fmt(-0.7218735) == "-0.721874"
    assert fmt(0.1234565) == "0.123457" and fmt(0.0460115, 5) == "0.046012"
    assert fmt(2.5, 1) == "3e+00" and fmt(0.25, 1) == "0.3" and fmt(0.35, 1) == "0.4"
    assert fmt(123456.5) == "1.23457e+05"  # a rounded whole number: scientific notation
    rng = np.random.default_rng(1)
    for _ in range(300):  # numbers written with digits + 1 digits, half of them ending in 5
        digits = int(rng.integers(1, 8))
        mantissa = int(rng.integers(10 ** digits, 10 ** (digits + 1)))
        mantissa = mantissa - mantissa % 10 + 5 if rng.random() < 0.5 else mantissa
        text = f"{mantissa}e{int(rng.integers(-8, 3)) - digits}"
        x = float(text)
        if mantissa % 10 == 0:  # exact with `digits` digits: printed as Python spells it
            continue
        assert float(fmt(x, digits)) == float(_by_hand(repr(x), digits)), (text, digits)


def test_trace_prints_a_typed_input_rounded_by_hand():
    net = cr.Network.from_transfer_matrices([[[0.0], [1.0]]], activation="identity",
                                            loss="squared_error")
    text = cr.trace(net, [0.1234565], [0.0], lr=1.0).text()
    assert "x^(0) = [0.123457]" in text  # before: [0.123456]


def test_a_number_rounded_up_past_the_largest_float_is_printed_not_inf():
    """Before: fmt(1.7976931348623157e308, 5) == "inf": 1.7977e308, the number rounded
    by hand, lies past the largest float, and its nearest float is inf."""
    big = float(np.finfo(np.float64).max)  # 1.7976931348623157e308
    assert fmt(big, 5) == "1.7977e+308" and fmt(big, 3) == "1.80e+308"
    assert fmt(-1.797e308, 2) == "-1.8e+308" and fmt(big, 1) == "2e+308"
    assert fmt(big, 6) == "1.79769e+308"  # rounded down: within the range, as before
    for x in (big, -big, 1.79765e308, 1.7976e308):
        for digits in range(1, 8):
            assert Decimal(fmt(x, digits)) == Decimal(_by_hand(repr(x), digits)), (x, digits)


def test_a_dead_relus_delta_is_zero_in_json_as_in_the_text():
    """JSON wrote a dead ReLU's delta as -0.0 (a negative dE/d(out) times relu'(net) = 0)
    where the text and Markdown print 0."""
    # hidden unit 1: net = -1 + 1 * 0.5 < 0, dead; unit 2 alive; identity output, target 3
    W0 = np.array([[-1.0, 0.5], [1.0, 1.0]])
    W1 = np.array([[0.0], [1.0], [1.0]])
    net = cr.Network.from_transfer_matrices([W0, W1], activation=["relu", "identity"])
    x, y = np.array([1.0, 0.5]), 3.0
    z1 = W0.T @ x
    a1 = np.maximum(z1, 0.0)
    out = W1.T @ np.concatenate([[1.0], a1])
    dE_da1 = W1[1:] @ (out - y)           # both negative: the output is below its target
    delta1 = dE_da1 * (z1 > 0)            # NumPy gives -0.0 for the dead unit
    assert dE_da1[0] < 0 and delta1[0] == 0 and math.copysign(1.0, delta1[0]) == -1.0
    for notation in ("transfer", "ufldl", "netout"):
        t = cr.trace(net, [0.5], [y], notation=notation)
        doc = json.loads(t.to_json())
        if notation == "netout":
            got = [n["delta"] for n in doc["nodes"] if n["layer"] == 1]
        else:
            got = doc["layers"][0]["delta"]
        np.testing.assert_allclose(got, delta1, rtol=1e-15)
        assert math.copysign(1.0, got[0]) == 1.0, notation
        assert "-0.0," not in t.to_json() and "-0.0\n" not in t.to_json()
