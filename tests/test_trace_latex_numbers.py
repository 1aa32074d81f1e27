"""Numbers in the Markdown trace's LaTeX formulas: a power of ten is written as one.

Inside ``$$...$$`` the text spelling ``4.59697e+27`` reads as 4.59697 times a variable
e, plus 27 (and ``2.26e-06`` as e minus 6); the formulas write ``4.59697 \\times 10^{27}``.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.tracing import NOTATIONS


def _formulas(markdown: str) -> list[str]:
    return re.findall(r"\$\$(.+?)\$\$", markdown, re.S) + re.findall(
        r"(?<!\$)\$([^$]+)\$(?!\$)", markdown)


@pytest.mark.parametrize("notation", NOTATIONS)
def test_example_b_after_the_step_prints_its_huge_error_as_a_power_of_ten(notation, capsys):
    # example B by hand: the updated weights of SPEC 10 B, one forward pass
    W1 = np.array([[105.0, 105.0], [104.0, 103.0]])   # rows: h1, h2 (UFLDL)
    W2 = np.array([[70.0, 154.0], [-31.0, -72.0]])    # rows: o1, o2
    out = (W2 @ (W1 @ np.array([1.0, 1.0])) ** 2) ** 2
    E = 0.5 * np.sum((out - np.array([290.0, 14.0])) ** 2)
    mantissa, exponent = f"{E:.5e}".split("e")       # 4.59697e+27
    assert (mantissa, int(exponent)) == ("4.59697", 27)
    md = cr.trace_preset("integer-example", notation=notation).markdown()
    assert main(["trace", "--preset", "integer-example", "--notation", notation,
                 "--format", "markdown"]) == 0
    assert capsys.readouterr().out.strip() == md.strip()  # the command line prints the same
    assert f"= {mantissa} \\times 10^{{{int(exponent)}}}$$" in md
    for formula in _formulas(md):
        assert not re.search(r"\de[+-]\d", formula), formula


def test_a_tiny_learning_rate_and_gradients_are_powers_of_ten_in_every_formula():
    lr, lam = 1.23456789e-5, 1e-5
    t = cr.trace_preset({**cr.tracing.PRESETS["transfer-example"], "weight_decay": lam},
                        notation="ufldl", lr=lr)
    md = t.markdown()
    assert r"\alpha = 1.23457 \times 10^{-5}" in md
    # the column of new values: value - lr * dJ/dw, lr as each number is printed
    assert r"\text{value} - 1.23457 \times 10^{-5} \cdot \partial J / \partial w" in md
    # lambda W of the weight 0.7 that gets no backprop gradient (input 0): 7e-06
    assert np.isclose(t.step.layers[0].dW[0, 0], lam * 0.7, rtol=1e-15)
    assert r"\begin{bmatrix} 7 \times 10^{-6} & " in md
    # (lambda/2) sum W^2 = 5e-6 * (0.49 + 0.16 + 0.04 + 0.09 + 0.25 + 0.01) = 5.2e-06
    assert r"= 0.670406 + 5.2 \times 10^{-6} = " in md
    for formula in _formulas(md):
        assert not re.search(r"\de[+-]\d", formula), formula
    # the text report keeps the plain spelling, and its header has the printed digits
    text = t.text()
    assert "alpha = 1.23457e-05" in text and "new value (value - 1.23457e-05 * dJ/dw)" in text
    assert "(value - 1.23e-05 * dJ/dw)" in t.__class__(t.step, "ufldl", 3).text()


def test_the_latex_of_a_number_keeps_its_digits():
    from chainrule.tracing.render import fmt_latex

    assert fmt_latex(0.721874) == "0.721874" and fmt_latex(-34.0) == "-34"
    assert fmt_latex(2.26032e-06) == r"2.26032 \times 10^{-6}"
    assert fmt_latex(-1e22) == r"-1 \times 10^{22}"
    assert fmt_latex(123456.7) == r"1.23457 \times 10^{5}"
