"""The courses' own gradient-check figures: ``measure=`` of relative_difference,
gradient_check, GradientCheck.difference and ``chainrule gradcheck --measure``.

References, each written in NumPy here: UFLDL's and Ng's ex4's ``norm(a - b) / norm(a +
b)`` (checkNNGradients), deeplearning.ai's ``||a - b|| / (||a|| + ||b||)`` (course 2 week 1,
"Gradient Checking"), cs231n's assignments' ``rel_error``, ``max |a - b| / max(1e-8, |a| +
|b|)``, and cs231n's notes' ``|a - b| / max(|a|, |b|)``.  Published figures: the dlai
assignment's 2.919335883291695e-10 (1-D) and 0.2850931567761623 (N-D with its two bugs);
cs231n's two_layer_net.ipynb printouts, "W1 max relative error: 3.561318e-09", "b1 ...
2.738421e-09", "W2 ... 3.440708e-09", "b2 ... 4.447646e-11" (b2's last digits differ
between public copies: 4.447635e-11, 4.447646e-11).
"""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.gradcheck import MEASURES, GradientCheck, gradient_check, relative_difference

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _pair(seed=0, n=40):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    return a, a + 1e-3 * rng.normal(size=n)


def _formulas(a, b):
    """Each course's figure, written out here."""
    d = np.abs(a - b)
    notes = np.where(np.maximum(np.abs(a), np.abs(b)) > 0,
                     d / np.where(np.maximum(np.abs(a), np.abs(b)) > 0,
                                  np.maximum(np.abs(a), np.abs(b)), 1.0), 0.0)
    return {"ufldl": np.linalg.norm(a - b) / np.linalg.norm(a + b),
            "dlai": np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)),
            "cs231n": np.max(d / np.maximum(1e-8, np.abs(a) + np.abs(b))),
            "cs231n_notes": np.max(notes)}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_measure_is_its_course_formula(seed):
    a, b = _pair(seed)
    a[3] = b[3] = 0.0  # an entry 0 in both: 0 for cs231n's two measures
    want = _formulas(a, b)
    assert set(MEASURES) == set(want)
    for measure, value in want.items():
        assert relative_difference(a, b, measure=measure) == pytest.approx(value, rel=1e-14)
    assert relative_difference(a, b) == want["ufldl"]  # the default is unchanged


def test_measures_on_a_hand_worked_pair():
    # a - b = [0, 8], a + b = [6, 0], ||a|| = ||b|| = 5
    a, b = [3.0, 4.0], [3.0, -4.0]
    assert relative_difference(a, b, "ufldl") == pytest.approx(8 / 6)
    assert relative_difference(a, b, "dlai") == pytest.approx(8 / 10)
    assert relative_difference(a, b, "cs231n") == pytest.approx(8 / 8)
    assert relative_difference(a, b, "cs231n_notes") == pytest.approx(8 / 4)
    # cs231n's 1e-8 floor: two entries of 1e-12 and 3e-12 count 2e-12 / 1e-8
    assert relative_difference([1e-12], [3e-12], "cs231n") == pytest.approx(2e-4)
    assert relative_difference([1e-12], [3e-12], "cs231n_notes") == pytest.approx(2 / 3)


@pytest.mark.parametrize("measure", list(MEASURES))
def test_equal_empty_and_nan(measure):
    assert relative_difference(np.zeros(3), np.zeros(3), measure) == 0.0
    assert relative_difference([1.0, -2.0], [1.0, -2.0], measure) == 0.0
    assert relative_difference(np.zeros(0), np.zeros(0), measure) == 0.0
    assert np.isnan(relative_difference([1.0, np.nan], [1.0, 2.0], measure))


def test_unknown_measure_is_refused_by_name():
    with pytest.raises(ValueError, match=r"measure must be one of .*'dlai'.*got 'DLAI'"):
        relative_difference([1.0], [1.0], measure="DLAI")
    net = cr.mlp([2, 3, 1], hidden="tanh", output="sigmoid", seed=0)
    X, Y = np.ones((2, 2)), np.ones((2, 1))
    with pytest.raises(ValueError, match="measure must be one of"):
        gradient_check(net, X, Y, measure="max")
    with pytest.raises(ValueError, match="measure must be one of"):
        gradient_check(net, X, Y).difference("l2")


def test_dlai_one_dimensional_published_figure():
    # the course's gradient_check(x=2, theta=4) at epsilon = 1e-7, written out here
    x, theta, epsilon = 2.0, 4.0, 1e-7
    gradapprox = ((theta + epsilon) * x - (theta - epsilon) * x) / (2 * epsilon)
    assert relative_difference(x, gradapprox, measure="dlai") == 2.919335883291695e-10


def test_dlai_example_prints_the_published_figures_by_the_builtin_measure(capsys):
    ex = runpy.run_path(str(EXAMPLES / "dlai_gradient_checking.py"))
    assert ex["one_dimensional"]()[1] == 2.919335883291695e-10
    got = ex["check"](True)
    r = got["result"]
    assert r.measure == "dlai"
    # the course's cost formula's central differences: the published figure to the digit
    assert relative_difference(r.analytical, got["gradapprox"], "dlai") == \
        pytest.approx(0.2850931567761623, rel=1e-14)
    # chainrule's own cost: the same to 8 digits, and = the formula written out here
    assert r.difference() == pytest.approx(0.2850931567761623, rel=1e-7)
    assert r.difference() == pytest.approx(_formulas(r.numerical, r.analytical)["dlai"],
                                           rel=1e-14)
    assert "dlai's ||a - b|| / (||a|| + ||b||): 2.851e-01" in r.summary()
    assert r.verdict == "FAIL"  # judged on rel_diff, 0.2929 >= 2e-7


def test_cs231n_two_layer_net_published_errors_by_the_builtin_measure():
    ex = runpy.run_path(str(EXAMPLES / "cs231n_two_layer_net.py"))
    params, X, y = ex["toy_model_and_data"]()
    errors = ex["gradient_check"](ex["build"](params, 0.05), X, y)
    # two_layer_net.ipynb, printed with %e (7 significant digits)
    for name, published in (("W1", 3.561318e-09), ("b1", 2.738421e-09), ("W2", 3.440708e-09)):
        assert errors[name] == pytest.approx(published, abs=0.6e-15), name
    assert errors["b2"] == pytest.approx(4.4476e-11, rel=1e-4)


def test_difference_by_array_and_without_kinks():
    net = cr.mlp([3, 4, 2], hidden="relu", output="sigmoid", seed=1)
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(6, 3)), rng.integers(0, 2, (6, 2)).astype(float)
    r = gradient_check(net, X, Y, exclude_kinks=True, measure="cs231n")
    keep = ~r.near_kink
    a, b = r.numerical, r.analytical
    assert r.difference("ufldl") == r.rel_diff
    for measure in MEASURES:
        assert r.difference(measure) == pytest.approx(_formulas(a[keep], b[keep])[measure],
                                                      rel=1e-14)
    assert r.difference() == r.difference("cs231n")
    # layers[1].W: after layers[0]'s W (3 x 4) and b (4), 4 x 2 entries
    sl = slice(16, 24)
    assert r.layout[2] == ("layers[1].W", (4, 2))
    part = keep[sl]
    assert r.difference(array="layers[1].W") == pytest.approx(
        _formulas(a[sl][part], b[sl][part])["cs231n"], rel=1e-14)
    with pytest.raises(ValueError, match=r"array must name .*layers\[0\]\.W.*got 'W1'"):
        r.difference(array="W1")


def test_verdict_stays_on_rel_diff_and_summary_names_the_measure():
    net = cr.mlp([3, 4, 2], hidden="tanh", output="sigmoid", seed=0)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 3)), rng.integers(0, 2, (5, 2)).astype(float)
    plain = gradient_check(net, X, Y)
    for measure in MEASURES:
        r = gradient_check(net, X, Y, measure=measure)
        assert (r.rel_diff, r.verdict) == (plain.rel_diff, plain.verdict)
        assert (MEASURES[measure] in r.summary()) == (measure != "ufldl")
    assert GradientCheck(np.ones(2), np.ones(2), 0.0, 0.0, 1e-4).measure == "ufldl"


def test_cli_measure_prints_the_course_figure(capsys):
    assert main(["gradcheck", "--sizes", "3", "4", "2", "--activation", "tanh", "--seed",
                 "0", "--measure", "dlai"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    rel = float(next(ln for ln in lines if "relative difference" in ln)
                .split("relative difference ")[1].split(";")[0])
    dlai = float(next(ln for ln in lines if ln.startswith("dlai's"))
                 .split(": ")[1].split(" ")[0])
    assert dlai == pytest.approx(rel, rel=2e-3)  # nearly equal gradients: the same figure
    assert "PASS" in out
