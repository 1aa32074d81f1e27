"""The step-by-step trace: SPEC section 10 number by number, in every notation and format.

The expected numbers are the hand-worked values printed in the SPEC (examples A and
B), written here as the SPEC prints them; every one must appear, to that precision,
in the text and Markdown output of each notation, and the JSON output must hold
them (to 1e-6) where they belong.  Random networks are checked against the
per-example reference loops of chainrule.reference.
"""

from __future__ import annotations

import functools
import json
import math
import re
import sys
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule import reference
from chainrule.tracing import NOTATIONS, compute_step, load_spec, spec_network, trace_preset
from chainrule.tracing.render import fmt

TOKEN = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")

# SPEC 10 A, as printed there
SPEC_A = """
0.4 0.6 0.7 -0.4 -0.2 0.3 -0.3 0.5 0.1 0 1
0.549834 0.710950 0.511501 0.670406
-0.488499 -0.0604558 -0.0100387
-0.488499 -0.268593 -0.347298
-0.0604558 -0.0100387 0 0 -0.0604558 -0.0100387
0.188499 0.768593 0.447298
0.460456 0.610039 0.7 -0.4 -0.139544 0.310039
0.721874
""".split()

# SPEC 10 B, as printed there
SPEC_B = """
1 1 290 14 1 1 2 1 2 1 1 0
2 3 4 9 17 4 289 16 2.5
-1 2 -34 16 -52 -34 -208 -204
-136 -306 64 144 -208 -208 -204 -204
70 154 -31 -72 105 105 104 103
""".split()

# every weight of each example: (value, gradient, new value)
A_WEIGHTS = [  # W0 (first row = biases), then W1
    (0.4, -0.0604558, 0.460456), (0.6, -0.0100387, 0.610039),
    (0.7, 0.0, 0.7), (-0.4, 0.0, -0.4),
    (-0.2, -0.0604558, -0.139544), (0.3, -0.0100387, 0.310039),
    (-0.3, -0.488499, 0.188499), (0.5, -0.268593, 0.768593), (0.1, -0.347298, 0.447298),
]
B_WEIGHTS = [  # per destination unit: h1, h2, o1, o2
    (1, -208, 105), (1, -208, 105), (2, -204, 104), (1, -204, 103),
    (2, -136, 70), (1, -306, 154), (1, 64, -31), (0, 144, -72),
]


def _tokens(text: str) -> set[str]:
    return set(TOKEN.findall(text))


@pytest.mark.parametrize("fmt_name", ["text", "markdown"])
@pytest.mark.parametrize("notation", NOTATIONS)
@pytest.mark.parametrize(("preset", "numbers"), [("transfer-example", SPEC_A),
                                                 ("integer-example", SPEC_B)])
def test_every_spec_number_is_printed(preset, numbers, notation, fmt_name):
    out = trace_preset(preset, notation=notation).render(fmt_name)
    missing = [n for n in numbers if n not in _tokens(out)]
    assert not missing, f"{preset} / {notation} / {fmt_name} lacks {missing}"


def _weights_match(doc: dict, expected: list[tuple[float, float, float]]) -> None:
    got = sorted((w["value"], w["gradient"], w["new"]) for w in doc["weights"])
    # a bias-free layer has no bias weights to list; the expected set is exactly the weights
    assert len(got) == len(expected)
    np.testing.assert_allclose(got, sorted(expected), atol=1e-6)


@pytest.mark.parametrize("notation", NOTATIONS)
def test_json_a_parses_and_matches(notation):
    doc = json.loads(trace_preset("transfer-example", notation=notation).to_json())
    assert doc["notation"] == notation and doc["loss"] == "log_loss"
    assert doc["cost"] == pytest.approx(0.670406, abs=1e-6)
    np.testing.assert_allclose(doc["output"], [0.511501], atol=1e-6)
    np.testing.assert_allclose(doc["output_after"], [0.721874], atol=1e-6)
    _weights_match(doc, A_WEIGHTS)
    if notation == "netout":
        nodes = {n["name"]: n for n in doc["nodes"]}
        np.testing.assert_allclose([nodes["h1"]["out"], nodes["h2"]["out"]],
                                   [0.549834, 0.710950], atol=1e-6)
        np.testing.assert_allclose(
            [nodes["o1"]["delta"], nodes["h1"]["delta"], nodes["h2"]["delta"]],
            [-0.488499, -0.0604558, -0.0100387], atol=1e-6)
        w = {x["name"]: x for x in doc["weights"]}
        assert w["w(h2->o1)"]["gradient"] == pytest.approx(-0.347298, abs=1e-6)
        assert w["b(h1)"]["new"] == pytest.approx(0.460456, abs=1e-6)
        return
    hidden, out = doc["layers"]
    np.testing.assert_allclose(hidden["out"], [0.549834, 0.710950], atol=1e-6)
    np.testing.assert_allclose(out["delta"], [-0.488499], atol=1e-6)
    np.testing.assert_allclose(hidden["delta"], [-0.0604558, -0.0100387], atol=1e-6)
    if notation == "transfer":
        W0, W1 = hidden["matrices"][0], out["matrices"][0]
        np.testing.assert_allclose(np.ravel(W1["gradient"]), [-0.488499, -0.268593, -0.347298],
                                   atol=1e-6)
        np.testing.assert_allclose(W0["gradient"], [[-0.0604558, -0.0100387], [0, 0],
                                                    [-0.0604558, -0.0100387]], atol=1e-6)
        np.testing.assert_allclose(np.ravel(W1["new"]), [0.188499, 0.768593, 0.447298],
                                   atol=1e-6)
        np.testing.assert_allclose(W0["new"], [[0.460456, 0.610039], [0.7, -0.4],
                                               [-0.139544, 0.310039]], atol=1e-6)
        assert hidden["input"] == [1.0, 0.0, 1.0]  # augmented with the leading 1
    else:  # UFLDL: W rows = destination units, separate biases
        W1, b1 = hidden["matrices"]
        assert (W1["name"], b1["name"]) == ("W^(1)", "b^(1)")
        np.testing.assert_allclose(W1["gradient"], [[0, -0.0604558], [0, -0.0100387]],
                                   atol=1e-6)
        np.testing.assert_allclose(b1["new"], [0.460456, 0.610039], atol=1e-6)


@pytest.mark.parametrize("notation", NOTATIONS)
def test_json_b_parses_and_matches(notation):
    doc = json.loads(trace_preset("integer-example", notation=notation).to_json())
    assert doc["cost"] == pytest.approx(2.5, abs=1e-6)
    assert doc["learning_rate"] == 0.5
    _weights_match(doc, B_WEIGHTS)
    if notation == "netout":
        nodes = {n["name"]: n for n in doc["nodes"]}
        got = [[nodes[k][q] for k in ("h1", "h2", "o1", "o2")] for q in ("net", "out", "delta")]
        np.testing.assert_allclose(got, [[2, 3, 17, 4], [4, 9, 289, 16], [-208, -204, -34, 16]],
                                   atol=1e-6)
        np.testing.assert_allclose([nodes["o1"]["dE_dout"], nodes["o2"]["dE_dout"],
                                    nodes["h1"]["dE_dout"], nodes["h2"]["dE_dout"]],
                                   [-1, 2, -52, -34], atol=1e-6)
        w = {x["name"]: x for x in doc["weights"]}
        assert w["w(h2->o1)"]["gradient"] == pytest.approx(-306, abs=1e-6)
        assert w["w(h2->o2)"]["new"] == pytest.approx(-72, abs=1e-6)
        return
    hidden, out = doc["layers"]
    np.testing.assert_allclose([hidden["net"], hidden["out"]], [[2, 3], [4, 9]], atol=1e-6)
    np.testing.assert_allclose([out["net"], out["out"]], [[17, 4], [289, 16]], atol=1e-6)
    np.testing.assert_allclose(out["dE_dout"], [-1, 2], atol=1e-6)
    np.testing.assert_allclose(hidden["dE_dout"], [-52, -34], atol=1e-6)
    np.testing.assert_allclose([out["delta"], hidden["delta"]], [[-34, 16], [-208, -204]],
                               atol=1e-6)
    if notation == "ufldl":  # per destination unit, exactly as the SPEC lists them
        np.testing.assert_allclose(out["matrices"][0]["gradient"], [[-136, -306], [64, 144]])
        np.testing.assert_allclose(out["matrices"][0]["new"], [[70, 154], [-31, -72]])
        np.testing.assert_allclose(hidden["matrices"][0]["new"], [[105, 105], [104, 103]])
    else:  # transfer: (fan_in + 1, fan_out), a zero bias row for the bias-free layers
        np.testing.assert_allclose(out["matrices"][0]["gradient"],
                                   [[0, 0], [-136, 64], [-306, 144]])


def test_fmt_keeps_exact_values_short_and_shows_rounding():
    assert fmt(0.7) == "0.7" and fmt(-34.0) == "-34" and fmt(2.5) == "2.5" and fmt(-0.0) == "0"
    assert fmt(0.7109495026250039) == "0.710950"  # rounded: trailing zero kept
    assert fmt(-0.06045580429408154) == "-0.0604558"
    assert fmt(0.8999999999999999) == "0.9"  # exact to 6 digits up to float noise
    assert fmt(1 / 3, digits=3) == "0.333"


def test_at_17_digits_a_typed_value_prints_as_typed_and_every_number_reads_back():
    """Before: --digits 17 printed example A's W0 = [[0.40000000000000002,
    0.59999999999999998], [0.69999999999999996, ...]]: 17 digits of the floats the user
    typed as 0.4, 0.6, 0.7, where the docstring promises "exact values print exactly"."""
    text = trace_preset("transfer-example", digits=17).text()
    assert "W0 = [[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]]" in text
    assert "W1 = [[-0.3], [0.5], [0.1]]" in text
    for x in (0.7, 0.1, -0.4, 2.5, 1e-5):
        assert fmt(x, 17) == repr(x)                    # Python's shortest spelling
    # every number still reads back as the float computed, to the last bit
    step = trace_preset("transfer-example").step
    for v in [*step.layers[0].z, *step.layers[0].a, *step.layers[1].delta, step.cost_new,
              0.1 + 0.2, 1 / 3]:
        assert float(fmt(v, 17)) == v
    assert fmt(0.1 + 0.2, 17) == "0.30000000000000004" and fmt(0.1 + 0.2) == "0.3"
    assert fmt(step.layers[0].z[1], 17) == repr(0.6 + 0.3)   # 0.8999999999999999: float noise


def test_fmt_leaves_no_point_without_digits_after_it_and_shows_rounding():
    """Before: fmt(123456.7) == "123457." and fmt(9.96, 1) == "1.e+01" ("#" keeps the point);
    then "123457", which reads as exact.  A rounded number with every digit before the
    point is now printed in scientific notation, so a whole number printed is exact."""
    assert fmt(123456.7) == "1.23457e+05" and fmt(-654321.2) == "-6.54321e+05"
    assert fmt(123457.0) == "123457" and fmt(2.0, 1) == "2"  # exact: as they are
    assert fmt(9.96, 1) == "1e+01" and fmt(9.96, 2) == "1.0e+01" and fmt(2.5, 1) == "3e+00"
    rng = np.random.default_rng(0)
    for x in np.concatenate([rng.normal(size=200) * 10.0 ** rng.integers(-8, 9, 200),
                             [0.7109495026250039, 99999.96, 0.00999999]]):
        for digits in (1, 2, 3, 6):
            s = fmt(x, digits)
            assert not s.endswith(".") and ".e" not in s, (x, digits, s)
            # the same number as Python's own rounding to that many significant digits
            assert float(s) == float(f"{x:.{digits}g}"), (x, digits, s)
            if "." not in s and "e" not in s:  # printed as a whole number: exact
                assert float(s) == x, (x, digits, s)


def test_trace_does_not_change_the_network_and_matches_its_own_step():
    net = cr.Network.from_transfer_matrices(
        load_spec("transfer-example")["weights"], activation="sigmoid", loss="log_loss")
    before = net.params.copy()
    t = cr.trace(net, [0, 1], [1], lr=1.0)
    np.testing.assert_array_equal(net.params, before)
    # the same step done by hand through the public API
    _, grad = net.loss_and_grad([[0, 1]], [1])
    np.testing.assert_allclose(t.step.network_after.params, before - grad, rtol=0, atol=0)
    assert "Trace(notation='transfer'" in repr(t)


@pytest.mark.parametrize("case", range(6))
def test_random_networks_agree_with_the_reference_loops(case):
    """Deltas, gradients and updates of the trace equal chainrule.reference's loops."""
    rng = np.random.default_rng(case)
    acts, loss, out = [("sigmoid", "log_loss", "sigmoid"), ("tanh", "squared_error", "identity"),
                       ("relu", "cross_entropy", "softmax")][case % 3]
    sizes = [3, 4, 3, 2] if case < 3 else [2, 3, 3]
    net = cr.mlp(sizes, hidden=acts, output=out, loss=loss, seed=case, init="ufldl",
                 bias=case % 2 == 0, weight_decay=0.1 * (case == 4))
    x = rng.uniform(size=sizes[0])
    y = rng.integers(0, sizes[-1]) if out == "softmax" else rng.uniform(size=sizes[-1])
    step = compute_step(net, x, y, lr=0.3)
    Y = net.prepare_targets(np.atleast_1d(y) if out == "softmax" else [y], 1)
    ref = reference.backprop(net, x, Y[0])
    for k, ls in enumerate(step.layers):
        np.testing.assert_allclose(ls.z, ref.forward.net[k], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(ls.a, ref.forward.out[k], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(ls.delta, ref.delta[k], rtol=1e-9, atol=1e-12)
        decay = net.weight_decay * ls.W
        np.testing.assert_allclose(ls.dW, np.array(ref.dW[k]) + decay, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ls.W_new, ls.W - 0.3 * ls.dW, rtol=1e-12)
        if ls.b is not None:
            np.testing.assert_allclose(ls.db, ref.db[k], rtol=1e-9, atol=1e-12)
    # every notation renders and its JSON round-trips the same gradient numbers
    for notation in NOTATIONS:
        doc = json.loads(cr.Trace(step, notation).to_json())
        grads = sorted(w["gradient"] for w in doc["weights"])
        np.testing.assert_allclose(grads, sorted(np.concatenate(
            [np.ravel(ls.dW) for ls in step.layers]
            + [ls.db for ls in step.layers if ls.db is not None])), rtol=1e-12)
        assert cr.Trace(step, notation).text()


def test_hidden_dE_dout_is_what_backward_received():
    """dE/d(out) of a hidden layer is delta_next @ W_next.T (recorded, not recomputed)."""
    net = cr.mlp([2, 3, 2], hidden="tanh", output="identity", seed=1)
    step = compute_step(net, [0.3, -0.2], [0.5, 0.1])
    h, o = step.layers
    np.testing.assert_allclose(h.dE_da, o.delta @ o.W.T, rtol=1e-12)
    np.testing.assert_allclose(o.dE_da, o.a - [0.5, 0.1], rtol=1e-12)


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("notation", NOTATIONS)
def test_markdown_formulas_are_well_formed_latex(notation):
    md = cr.trace(cr.mlp([2, 3, 3, 2], hidden="sigmoid", output="softmax", seed=0),
                  [0.1, 0.2], 1, notation=notation).markdown()
    formulas = re.findall(r"\$\$(.+?)\$\$", md) + re.findall(r"(?<!\$)\$([^$]+)\$(?!\$)", md)
    assert len(formulas) > 10
    for f in formulas:
        assert _balanced(f), f
        assert not re.search(r"\^\{[^{}]*\}\^", f), f"double superscript in {f}"
        assert "<-" not in f and "   " not in f, f  # text-only spellings stay out of LaTeX


def test_spec_sources_inline_json_file_and_chainrule_layout(tmp_path):
    inline = '{"weights": [[[1, 1], [2, 1]], [[2, 1], [1, 0]]], "layout": "ufldl", ' \
             '"activation": "square", "input": [1, 1], "target": [290, 14], "lr": 0.5}'
    a = trace_preset(inline, notation="netout")
    path = tmp_path / "b.json"
    path.write_text(inline)
    b = trace_preset(str(path), notation="netout")
    assert a.text() == b.text() == trace_preset("integer-example").text()
    # the same network in chainrule's own (fan_in, fan_out) orientation
    spec = load_spec({"weights": [[[1, 2], [1, 1]], [[2, 1], [1, 0]]], "layout": "chainrule",
                      "activation": "square", "input": [1, 1], "target": [290, 14]})
    net = spec_network(spec).network
    np.testing.assert_array_equal(net.to_ufldl()[0][0], [[1, 1], [2, 1]])


def test_yaml_file(tmp_path):
    pytest.importorskip("yaml")
    path = tmp_path / "a.yaml"
    path.write_text("layout: transfer\nweights: [[[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]], "
                    "[[-0.3], [0.5], [0.1]]]\nactivation: sigmoid\nloss: log_loss\n"
                    "input: [0, 1]\ntarget: [1]\n")
    assert trace_preset(str(path)).step.output_new[0] == pytest.approx(0.721874, abs=1e-6)


def test_yaml_numbers_with_an_exponent_are_numbers(tmp_path):
    """Before: PyYAML (YAML 1.1) read 1e0 and 4e-1 as strings: "lr must be a finite float > 0,
    got '1e0' (str)", "weights[0] must hold numbers, got an array of dtype <U32"."""
    pytest.importorskip("yaml")
    path = tmp_path / "a.yaml"
    path.write_text("weights: [[[4e-1, 6E-1], [7e-1, -4e-1], [-2e-1, 3e-1]], "
                    "[[-3e-1], [5e-1], [1e-1]]]\nactivation: sigmoid\nloss: log_loss\n"
                    "input: [0, 1e0]\ntarget: [1]\nlr: 1e0\ndescription: '1e-3'\n")
    spec = load_spec(str(path))
    assert spec["lr"] == 1.0 and spec["input"] == [0, 1.0] and spec["weights"][0][0] == [0.4, 0.6]
    assert spec["description"] == "1e-3"  # quoted: a string still
    # SPEC 10 A: the prediction after one step
    assert trace_preset(str(path)).step.output_new[0] == pytest.approx(0.721874, abs=1e-6)


def test_yaml_without_pyyaml_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml -> ImportError
    path = tmp_path / "a.yml"
    path.write_text("weights: []\n")
    with pytest.raises(ValueError, match=r"PyYAML.*chainrule\[yaml\]"):
        load_spec(str(path))


@pytest.mark.parametrize(("call", "words"), [
    (lambda: trace_preset("transfer-example", notation="latex"), "notation must be one of"),
    (lambda: load_spec({"weights": [[[1]]], "input": [1]}), "missing required key"),
    (lambda: load_spec({"weights": [[[1]]], "input": [1], "target": [1], "lr0": 1}),
     "unknown key"),
    (lambda: load_spec("no-such-preset"), "neither a preset"),
    (lambda: load_spec("{not json"), "inline JSON does not parse"),
    (lambda: spec_network(load_spec({"weights": [[[1]]], "input": [1], "target": [1],
                                     "layout": "columns"})), "layout must be one of"),
    (lambda: cr.trace(cr.mlp([2, 1], output="sigmoid"), [[0, 1], [1, 0]], [1]),
         "one target .* per example"),
    (lambda: cr.trace(cr.Network([cr.Dense(2, 1, "step")]), [0, 1], [1]), "no derivative"),
    (lambda: cr.trace(cr.Network([cr.Dense(2, 2), cr.Dropout(0.5), cr.Dense(2, 1)]),
                      [0, 1], [1]), "Dense layers only"),
    (lambda: cr.trace(cr.mlp([2, 1]), [0, 1], [1], lr=-1), "lr must be"),
    (lambda: cr.trace_preset(digits=0), "digits"),
])
def test_bad_input_is_refused_with_a_clear_message(call, words):
    with pytest.raises((ValueError, TypeError), match=words):
        call()


def test_trace_picture(tmp_path):
    import matplotlib.image as mpimg

    path = trace_preset("integer-example").plot(tmp_path / "b.png", "example B")
    img = mpimg.imread(path)
    # 3 x 3.3 inches at 100 dpi; 3 * 3.3 is 9.899999999999999, which matplotlib >= 3.11
    # rounds to 990 pixels and older versions (3.10 is the newest for Python 3.10) truncate
    assert abs(img.shape[1] - 3 * 3.3 * 100) < 1 and img.std() > 0.05


@pytest.mark.parametrize(("W", "y", "out"), [
    # example A: the new output 0.721874 of SPEC 10 A, 6 digits as the trace prints it
    (None, None, None),
    # a sigmoid output of 3e-08 after the step (net = 0.5 + w, w = -18 - 0.5 * 3e-08)
    ([[[0.5], [-18.0]]], [0.0], None),
])
def test_the_picture_caption_prints_the_new_output_as_the_trace_does(W, y, out, tmp_path,
                                                                      monkeypatch):
    """The caption rounded the new output to 6 decimals and printed Python's repr: a
    small output read "output [0.0]" and example B "[93813675576516.0, 19822334163984.0]"."""
    import chainrule.plots as plots

    if W is None:
        t = trace_preset("transfer-example")
        h = 1 / (1 + np.exp(-np.array([0.460456 - 0.139544, 0.610039 + 0.310039])))
        out = 1 / (1 + np.exp(-(0.188499 + 0.768593 * h[0] + 0.447298 * h[1])))  # SPEC 10 A
    else:
        net = cr.Network.from_transfer_matrices(W, activation="sigmoid", loss="log_loss")
        t = cr.trace(net, [1.0], y, lr=1.0)
        a = 1 / (1 + np.exp(-(0.5 - 18.0)))          # before; delta = a - 0, dE/dw = a, dE/db = a
        out = 1 / (1 + np.exp(-(0.5 - a - 18.0 - a)))
    captions = []
    save = plots._save

    def keep(fig, path):
        captions.extend(text.get_text() for ax in fig.axes for text in ax.texts
                        if "after one step" in text.get_text())
        return save(fig, path)

    monkeypatch.setattr(plots, "_save", keep)
    t.plot(tmp_path / "step.png")
    assert len(captions) == 1
    assert f"output [{fmt(t.step.output_new[0])}]" in captions[0]
    assert fmt(t.step.output_new[0]) == fmt(out) != "0"


@pytest.mark.parametrize(("target", "message"), [
    ([290], r"target: the network has 2 output\(s\) and the squared_error loss, so its target "
            r"is 2 value\(s\) \(\"target\": \[Y1, \.\.\., Y2\]\) or one class label 0\.\.1; got 1: "
            r"\[290\]"),
    ([290, 14, 3], r"got 3"),
])
def test_a_target_of_the_wrong_length_is_named(target, message):
    spec = load_spec({"weights": [[[1, 1], [2, 1]], [[2, 1], [1, 0]]], "layout": "ufldl",
                      "activation": "square", "input": [1, 1], "target": target})
    with pytest.raises(ValueError, match=message):
        spec_network(spec)


@pytest.mark.parametrize(("changes", "message"), [
    # two rows of input are two examples (a mini-batch), which need two targets
    ({"input": [[1], [2]]}, r"target: one target per example, 2 rows for the 2 rows of "
                            r"input \(one row of \"target\" per row of \"input\"\), "
                            r"got shape \(1,\)"),
    ({"target": [[0.5], [0.2]]}, r"target: a trace follows one example, .* shape \(2, 1\)"),
    ({"input": [[[1]]]}, r"input: a trace follows one example, .* shape \(1, 1, 1\)"),
    ({"target": [[0.5, 0.1]]}, r"target: the network has 1 output\(s\) .* got 2: \[0.5, 0.1\]"),
])
def test_an_input_or_target_of_another_shape_is_named_by_its_key(changes, message):
    """Nested lists skipped the description's checks and reached compute_step, whose
    messages name its Python arguments: "x: a trace follows one example, got 2 rows",
    "y must have shape (n_samples, 1) to match the output layer, got shape (1, 2)"."""
    desc = {"weights": [[[0.0], [1.0]]], "input": [1.0], "target": [0.5], **changes}
    with pytest.raises(ValueError, match=message):
        spec_network(load_spec(desc))
    # one row of numbers is the example itself
    row = trace_preset({**desc, "input": [[1.0]], "target": [[0.5]]}).step
    flat = trace_preset({**desc, "input": [1.0], "target": [0.5]}).step
    assert row.cost == flat.cost == pytest.approx(0.5 * (1 / (1 + np.exp(-1.0)) - 0.5) ** 2)


def test_a_one_output_network_asks_for_one_target_value():
    """Before: "(--target Y1 ... Y1)", where the input's message says "(--input X1)"; a
    description's target is named by its key, "target": [Y1]."""
    spec = load_spec({"weights": [[[0.4], [0.7], [-0.2]]], "input": [0, 1], "target": [1, 0]})
    with pytest.raises(ValueError, match=r"so its target is 1 value\(s\) \(\"target\": \[Y1\]\); "
                                         r"got 2: \[1, 0\]"):
        spec_network(spec)


def test_one_class_label_is_a_target_of_a_softmax_network():
    spec = load_spec({"weights": [[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]], "layout": "transfer",
                      "activation": "softmax", "input": [1, 2], "target": [1]})
    built = spec_network(spec)  # a label 0..k-1 is one-hot encoded, whatever the loss
    assert built.network.n_outputs == 2 and built.y == [1]
    np.testing.assert_array_equal(built.network.prepare_targets(built.y, 1), [[0.0, 1.0]])


# SPEC 10 B as transfer matrices: row 0 (biases) is zero, and the layers have no biases
B_TRANSFER = [[[0, 0], [1, 2], [1, 1]], [[0, 0], [2, 1], [1, 0]]]
B_NEW_TRANSFER = [[[0, 0], [105, 104], [105, 103]], [[0, 0], [70, -31], [154, -72]]]


def test_example_b_round_trips_through_transfer_matrices_without_biases():
    net = cr.Network.from_ufldl([[[1, 1], [2, 1]], [[2, 1], [1, 0]]], None, activation="square")
    mats, bias = net.to_transfer_matrices(return_bias=True)
    assert bias == [False, False]
    np.testing.assert_array_equal(mats[0], B_TRANSFER[0])
    back = cr.Network.from_transfer_matrices(mats, activation="square", bias=bias)
    assert back.n_params == net.n_params == 8  # 4 + 4 weights, no bias parameters
    assert [layer.b for layer in back.layers] == [None, None]
    # one step of gradient descent, lr 0.5: the SPEC's updated weights (hand-worked there)
    _, grad = back.loss_and_grad([[1, 1]], [[290, 14]])
    back.set_params(back.params - 0.5 * grad)
    np.testing.assert_array_equal(back.to_transfer_matrices(), B_NEW_TRANSFER)


def test_transfer_layout_trace_reproduces_example_b_with_biases_false():
    spec = load_spec({"layout": "transfer", "weights": B_TRANSFER, "biases": False,
                      "activation": "square", "input": [1, 1], "target": [290, 14],
                      "lr": 0.5})
    built = spec_network(spec)
    assert built.network.n_params == 8
    t = cr.trace(built.network, built.x, built.y, built.lr, "transfer")
    np.testing.assert_array_equal(t.step.network_after.to_transfer_matrices(), B_NEW_TRANSFER)
    assert trace_preset(spec, notation="netout").text() == \
        trace_preset("integer-example", notation="netout").text()
    _weights_match(json.loads(t.to_json()), B_WEIGHTS)
    # one flag per layer: only the output layer has (trainable) biases
    mixed = spec_network(load_spec({**spec, "biases": [False, True]})).network
    assert mixed.n_params == 10 and mixed.layers[0].b is None


@pytest.mark.parametrize(("biases", "words"), [
    ([[0, 0], [0, 0]], "only says which layers have them"),
    ([False], r"one true/false per layer \(2\)"),
    (0, "only says which layers have them"),
])
def test_transfer_layout_biases_must_be_flags(biases, words):
    spec = load_spec({"layout": "transfer", "weights": B_TRANSFER, "biases": biases,
                      "input": [1, 1], "target": [290, 14]})
    with pytest.raises(ValueError, match=words):
        spec_network(spec)


def test_a_bias_free_transfer_layer_needs_a_zero_first_row():
    with pytest.raises(ValueError, match=r"mats\[0\].*no biases.*must be zeros, got \[1.0, 0.0\]"):
        cr.Network.from_transfer_matrices([[[1, 0], [1, 2], [1, 1]]], bias=False)
    with pytest.raises(ValueError, match=r"one True/False per layer \(1\), got 2"):
        cr.Network.from_transfer_matrices([[[0, 0], [1, 2], [1, 1]]], bias=[True, False])
    with pytest.raises(TypeError, match=r"bias\[0\] must be True or False, got 0"):
        cr.Network.from_transfer_matrices([[[0, 0], [1, 2], [1, 1]]], bias=[0])


def test_a_python_description_may_give_the_activations_as_a_tuple():
    """As before this morning's type check of "activation" (which is for 5, not tuples)."""
    desc = {"weights": [[[0, 0], [1, 2], [1, 1]], [[0, 0], [2, 1], [1, 0]]], "biases": False,
            "input": [1, 1], "target": [290, 14], "lr": 0.5}
    t = trace_preset({**desc, "activation": ("square", "square")})
    # SPEC 10 B: o1 = [70, 154], o2 = [-31, -72]
    out = json.loads(t.to_json())["layers"][1]
    np.testing.assert_array_equal(out["matrices"][0]["new"], [[0, 0], [70, -31], [154, -72]])
    with pytest.raises(ValueError, match="activation must be an activation name"):
        trace_preset({**desc, "activation": ("square", 5)})


@pytest.mark.parametrize(("x", "message"), [
    ([1, 2, 3], r"input: the network has 2 input\(s\), so the example is 2 value\(s\) "
                r"\(\"input\": \[X1, \.\.\., X2\]\); got 3: \[1, 2, 3\]"),
    (1, r"input: the network has 2 input\(s\).*got 1: \[1\]"),
    (np.array([1, 2, 3]), r"input: the network has 2 input\(s\).*got 3: \[1, 2, 3\]"),
])
def test_an_input_of_the_wrong_length_is_named(x, message):
    """Before: "x must have 2 features (columns) to match the network's input layer, got
    shape (1, 3)", from the forward pass, naming neither --input nor the key input."""
    spec = load_spec({"weights": [[[1, 1], [2, 1]], [[2, 1], [1, 0]]], "layout": "ufldl",
                      "activation": "square", "input": x, "target": [290, 14]})
    with pytest.raises(ValueError, match=message):
        spec_network(spec)
    for good in ([1, 1], np.array([1, 1])):  # SPEC 10 B: hidden nets [2, 3], outputs [289, 16]
        spec["input"] = good
        built = spec_network(spec)
        np.testing.assert_array_equal(built.network.forward(built.x), [[289, 16]])


def test_a_target_may_be_a_numpy_array_or_a_numpy_label():
    """Before: a 2-output network refused the target np.array([0., 1.]) ("got 1:
    [array([0., 1.])]") and the label np.int64(1), while the input took arrays."""
    W = np.array([[0.3, -0.2], [0.5, 0.4]])  # UFLDL: rows = destination units
    b, x, lr = np.array([0.1, -0.3]), np.array([1.0, 2.0]), 0.5
    desc = {"layout": "ufldl", "weights": [W], "biases": [b], "activation": "sigmoid",
            "loss": "squared_error", "input": x, "target": np.array([0.0, 1.0]), "lr": lr}
    doc = trace_preset(desc, notation="ufldl").to_dict()
    a = 1 / (1 + np.exp(-(W @ x + b)))  # by hand: delta = (a - y) a (1 - a)
    delta = (a - [0.0, 1.0]) * a * (1 - a)
    np.testing.assert_allclose(doc["layers"][0]["delta"], delta, rtol=1e-12)
    np.testing.assert_allclose(doc["layers"][0]["matrices"][0]["new"],
                               W - lr * np.outer(delta, x), rtol=1e-12)
    # one NumPy integer is a class label of a softmax network: delta = softmax - one-hot
    doc = trace_preset({**desc, "activation": "softmax", "loss": "cross_entropy",
                        "target": [np.int64(1)]}).to_dict()
    p = np.exp(W @ x + b) / np.exp(W @ x + b).sum()
    assert doc["target"] == [0.0, 1.0]
    np.testing.assert_allclose(doc["layers"][0]["delta"], p - [0.0, 1.0], rtol=1e-12)


def test_a_step_that_overflows_is_refused_naming_what_to_change():
    """Before: a RuntimeWarning, then "theta contains 2 NaN or infinite value(s)", naming a
    vector the user never gave (or, with a finite cost, a printed net input of inf)."""
    net = cr.Network.from_transfer_matrices([[[1.0], [3.0]]], activation="identity")
    before = net.params.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way
        # out = 3e200 + 1: E = 1/2 (out - 1)^2 and dE/dw = 3e200 * 1e200 overflow, while
        # dE/db = 3e200 is finite: 1 of the 2 gradient entries is not
        with pytest.raises(ValueError, match=r"x, y: the step overflows float64 .* the cost is "
                                             r"inf, 0 net input\(s\) or output\(s\) and 1 of "
                                             r"the 2 gradient entries are not finite"):
            cr.trace(net, [1e200], [1.0])
        # sigmoid(3e308 + 1): the net input itself overflows although E = 0 is finite
        net_s = cr.Network.from_transfer_matrices([[[1.0], [3.0]]], activation="sigmoid")
        with pytest.raises(ValueError, match=r"the cost is 0, 1 net input\(s\) or output"):
            cr.trace(net_s, [1e308], [1.0])
        # SPEC 10 B: every gradient (-208, -208, -204, -204, -136, -306, 64, 144) is larger
        # than 1.8 in size, so each lr * gradient with lr = 1e308 overflows
        with pytest.raises(ValueError, match=r"lr: the update theta - lr \* grad overflows "
                                             r"float64 in 8 of the 8 parameters"):
            trace_preset("integer-example", lr=1e308)
    np.testing.assert_array_equal(net.params, before)


def test_a_step_whose_new_forward_pass_overflows_is_refused_naming_lr():
    """Before: the step printed "new x^(1) = [-inf]" and "new E = inf" after a NumPy
    RuntimeWarning ("overflow encountered in matmul"), exit status 0."""
    net = cr.Network.from_transfer_matrices([[[0.0], [1.0]]], activation="identity")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way
        for x, new_bad in [(1e103, 2), (1e100, 0)]:
            # out = x, delta = x - 0: b <- 0 - x, w <- 1 - x * x (finite for these x)
            b_new, w_new = -x, 1.0 - x * x
            out_new = w_new * x + b_new  # -1e309 = -inf, or -1e300 whose E = 5e599 = inf
            assert not np.isfinite(0.5 * out_new * out_new)
            with pytest.raises(ValueError, match=r"lr: after the update theta - lr \* grad with "
                                                 r"lr = 1 the forward pass overflows float64: "
                                                 rf"the new cost is inf and {new_bad} new net"):
                cr.trace(net, [x], [0.0])
        # one size smaller everything is finite, and the trace gives the hand values
        x = 1e50
        step = cr.trace(net, [x], [0.0]).step
        out_new = (1.0 - x * x) * x - x
        assert step.output_new[0] == pytest.approx(out_new, rel=1e-12)
        assert step.cost_new == pytest.approx(0.5 * out_new**2, rel=1e-12)


def _tex_arguments(md: str, command: str) -> list[str]:
    """The arguments of every ``\\command{...}`` (no nested braces) in ``md``."""
    return re.findall(rf"\\{command}\{{([^{{}}]*)\}}", md)


@pytest.mark.parametrize("notation", NOTATIONS)
def test_names_with_underscores_are_escaped_in_latex(notation):
    """Before: ``\\mathrm{leaky_relu}(s^{(1)})``, which LaTeX and MathJax set as "leaky"
    with a subscript "r" followed by "elu" (an unescaped _ is a subscript in math mode)."""
    cr.register_activation("soft_sign_t", lambda z: z / (1 + np.abs(z)),
                           lambda z: 1 / (1 + np.abs(z)) ** 2)
    try:
        net = cr.Network.from_ufldl([[[0.5, -0.2], [0.1, 0.3]], [[0.4, 0.6]]],
                                    activation=["leaky_relu", "soft_sign_t"])
        md = cr.trace(net, [1.0, 2.0], [0.5], notation=notation).markdown()
    finally:
        cr.activations.unregister_activation("soft_sign_t")
    names = _tex_arguments(md, "mathrm") + _tex_arguments(md, "text")
    assert r"leaky\_relu" in names and r"soft\_sign\_t" in names
    assert [n for n in names if re.search(r"(?<!\\)[_#%&]", n)] == []


@pytest.mark.parametrize(("changes", "words"), [
    ({"input": [float("nan"), 1]}, r"^input contains 1 NaN or infinite value"),
    ({"target": [float("inf"), 14]}, r"^target contains 1 NaN or infinite value"),
    ({"input": ["a", "b"]}, r"^input must hold numbers"),
    ({"weights": [[[1, 1], [2, float("nan")]], [[2, 1], [1, 0]]]},
     r"^weights\[0\] contains 1 NaN or infinite value"),
    ({"weights": [[[1, 1], [2, 1]], [[2, 1], [1]]]}, r"^weights\[1\] must be a numeric array"),
    ({"weights": [[[1, 1], [2, 1]], [2, 1]]}, r"^weights\[1\] must be 2-D"),
    ({"biases": [[0.1, 0.2, 0.3], None]},
     r"^biases\[0\] must hold 2 value\(s\), one per unit that weights\[0\] \(shape \(2, 2\), "
     r"ufldl layout\) feeds, got shape \(3,\)"),
    ({"biases": [None, [0.1, float("nan")]]}, r"^biases\[1\] contains 1 NaN"),
])
def test_a_description_is_refused_by_its_own_keys(changes, words):
    """Before: "x contains 1 NaN ..." for the key input (or --input), "y ..." for target,
    "Ws[0]" / "mats[0]" for weights[0] and "bs[0] ... to match Ws[0]" (ufldl) or
    "b must have shape" (chainrule layout) for biases[0]."""
    desc = {"weights": [[[1, 1], [2, 1]], [[2, 1], [1, 0]]], "layout": "ufldl",
            "activation": "square", "input": [1, 1], "target": [290, 14], **changes}
    with pytest.raises((ValueError, TypeError), match=words):
        spec_network(load_spec(desc))
    # the chainrule layout names its biases the same way: (fan_in, fan_out), 2 units
    with pytest.raises(ValueError, match=r"^biases\[0\] must hold 2 value\(s\)"):
        spec_network(load_spec({"weights": [[[1, 2]]], "layout": "chainrule", "input": [1],
                                "target": [1, 1], "biases": [[1, 2, 3]]}))


def test_ufldl_column_vector_biases_still_give_the_hand_computed_step():
    # UFLDL writes b as a column (n, 1); z = W a + b, a = sigmoid(z), squared error
    W, b, x, y = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, -1.0]), [1.0, -1.0], [1, 0]
    doc = trace_preset({"weights": [W.tolist()], "layout": "ufldl", "activation": "sigmoid",
                        "biases": [[[0.5], [-1.0]]], "input": x, "target": y}).to_dict()
    a = 1 / (1 + np.exp(-(W @ x + b)))
    np.testing.assert_allclose(doc["layers"][0]["delta"], (a - y) * a * (1 - a), rtol=1e-12)


def test_editing_a_loaded_preset_leaves_the_preset_as_the_spec_gives_it():
    """Before: load_spec copied the preset shallowly, so changing the weights or the input of
    the description it returned changed PRESETS: every later trace of "transfer-example" in
    the session printed 0.813327 instead of the SPEC's 0.721874."""
    spec = load_spec("transfer-example")
    spec["weights"][1][0][0] = 0.5
    spec["input"][0] = 1
    assert trace_preset(spec).step.output_new[0] != pytest.approx(0.721874, abs=1e-6)
    # SPEC 10 A, recomputed by hand from its weights: one step, then the new prediction
    W0 = np.array([[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]])
    W1 = np.array([[-0.3], [0.5], [0.1]])
    x = np.array([1.0, 0.0, 1.0])  # [1, input]

    def sig(z):
        return 1 / (1 + np.exp(-z))

    h = np.concatenate([[1.0], sig(x @ W0)])
    d1 = sig(h @ W1) - 1.0
    d0 = (W1[1:] @ d1) * h[1:] * (1 - h[1:])
    W0n, W1n = W0 - np.outer(x, d0), W1 - np.outer(h, d1)
    new = sig(np.concatenate([[1.0], sig(x @ W0n)]) @ W1n)
    assert trace_preset("transfer-example").step.output_new[0] == pytest.approx(new[0], rel=1e-12)
    assert new[0] == pytest.approx(0.721874, abs=1e-6)


@pytest.mark.parametrize("value", [False, 0, [], {}, "Transfer"])
def test_a_notation_that_is_no_name_is_refused(tmp_path, capsys, value):
    """A description's notation of false, 0, [] or {} was taken for the default (``notation
    or ...``) and the trace printed in the transfer notation without a word."""
    from chainrule.cli import main

    path = tmp_path / "net.json"
    path.write_text(json.dumps({**load_spec("transfer-example"), "notation": value}))
    message = (f"notation must be one of {', '.join(NOTATIONS)} (or null: the default), got "
               f"{value!r}")
    with pytest.raises(ValueError, match=re.escape(message)):
        trace_preset(str(path))
    assert main(["trace", "--network", str(path)]) == 2  # the command names the file too
    assert capsys.readouterr().err == f"chainrule: error: {path}: {message}\n"
    path.write_text(json.dumps({**load_spec("transfer-example"), "notation": None,
                                "description": 5}))
    with pytest.raises(ValueError, match=r"description must be a string \(or null\), got 5"):
        trace_preset(str(path))


def test_yaml_aliases_are_refused(tmp_path, capsys):
    """A YAML alias was expanded: a 500-byte description of seven nested lists of ten
    aliases became 10**7 weights (1.6 s and 140 MB before its shape was refused), and two
    levels more a billion.  A description has no use for aliases; they are refused."""
    pytest.importorskip("yaml")
    from chainrule.cli import main

    path = tmp_path / "net.yaml"
    path.write_text("layout: chainrule\nweights: [&w [[1.0, 0.5], [2.0, 1.0]], *w]\n"
                    "activation: identity\ninput: [1, 1]\ntarget: [3, 1]\n")
    message = (f"{path}: line 2: the alias *w is not supported in a network description; "
               "write the values out")
    with pytest.raises(ValueError, match=re.escape(message)):
        load_spec(str(path))
    assert main(["trace", "--network", str(path)]) == 2
    assert capsys.readouterr().err == f"chainrule: error: {message}\n"
    # the same network written out is traced
    path.write_text("layout: chainrule\nweights: [[[1.0, 0.5], [2.0, 1.0]], [[1.0, 0.5], "
                    "[2.0, 1.0]]]\nactivation: identity\ninput: [1, 1]\ntarget: [3, 1]\n")
    assert spec_network(load_spec(str(path))).network.n_params == 8


@pytest.mark.parametrize(("suffix", "text", "message"), [
    (".json", '{"weights": [[[0.0], [1.0]]], "input": [1], "target": [1], "lr": 0.5, "lr": 2}',
     "{path}: the key 'lr' is given twice in one object"),
    (".yaml", "weights: [[[0.0], [1.0]]]\ninput: [1]\ntarget: [1]\nlr: 0.5\nlr: 2\n",
     "{path}: line 5: the key 'lr' is given twice in one mapping"),
    ("", '{"weights": [[[0.0], [1.0]]], "input": [1], "target": [1], "lr": 0.5, "lr": 2}',
     "source: inline JSON: the key 'lr' is given twice in one object"),  # load_spec's arg
])
def test_a_key_given_twice_in_a_description_is_refused(tmp_path, suffix, text, message):
    """json.loads and PyYAML keep the last value of a key given twice: a hand-written
    description with "lr": 0.5 and, further down, "lr": 2 traced a step of 2 without a
    word."""
    if suffix == ".yaml":
        pytest.importorskip("yaml")
    source = text
    if suffix:
        source = tmp_path / f"net{suffix}"
        source.write_text(text)
    with pytest.raises(ValueError, match=re.escape(message.format(path=source))):
        load_spec(str(source))
    once = text.replace(', "lr": 2', "").replace("lr: 2\n", "")  # each key once: read
    if suffix:
        source.write_text(once)
    assert load_spec(str(source) if suffix else once)["lr"] == 0.5


@pytest.mark.parametrize(("changes", "message"), [
    ({"weights": [[[0.0, 1.0]]]}, "weights[0] must have shape (fan_in + 1, fan_out) with the "
                                  "biases in the first row (transfer layout), got shape (1, 2); "
                                  "it needs a bias row and one row per input of the network; "
                                  "written as a column, shape (2, 1), it would take 1 input(s)"),
    ({"weights": [[[0.5], [1.0]]], "biases": False},
     "weights[0]: layer 0 has no biases (biases false), so its first row (the biases) must be "
     "zeros, got [0.5]"),
])
def test_a_transfer_description_names_its_weights_key(tmp_path, capsys, changes, message):
    """A transfer-layout matrix of one row, or a first row of non-zeros where biases is false,
    was named "mats[0]", the parameter of from_transfer_matrices, not the description's key
    weights[0] (chainrule trace --network printed "error: mats[0] must have shape ...")."""
    from chainrule.cli import main

    desc = {"layout": "transfer", "activation": "sigmoid", "input": [1], "target": [1],
            **changes}
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        spec_network(load_spec(desc))
    path = tmp_path / "net.json"
    path.write_text(json.dumps(desc))
    assert main(["trace", "--network", str(path)]) == 2  # the command names the file too
    assert capsys.readouterr().err == f"chainrule: error: {path}: {message}\n"


# Example A in the three layouts a student may write it in, and what each mistake looks like
_A_TRANSFER = [[[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]], [[-0.3], [0.5], [0.1]]]


def _sigmoid_forward(weights: list, layout: str, x: np.ndarray) -> np.ndarray:
    """The network's output, by hand from the matrices as the layout writes them."""
    for m in map(np.asarray, weights):
        W, b = {"transfer": (m[1:], m[0]), "ufldl": (m.T, 0.0), "chainrule": (m, 0.0)}[layout]
        x = 1 / (1 + np.exp(-(x @ W + b)))
    return x


@pytest.mark.parametrize(("weights", "layout", "message", "fixed"), [
    # the bias row left out of both transfer matrices
    ([np.array(m)[1:].tolist() for m in _A_TRANSFER], "transfer",
     "weights[1] of shape (2, 1) takes 1 input(s), but weights[0] of shape (2, 2) gives 2 "
     "output(s); expected weights[1] of shape (3, 1): in the transfer layout each matrix has "
     "shape (fan_in + 1, fan_out), the biases in the first row; as chainrule (fan_in, fan_out) "
     "matrices they do connect: written so, they need layout chainrule (--layout on the command "
     "line)", (3, 1)),
    # transfer matrices given as UFLDL ones
    (_A_TRANSFER, "ufldl",
     "weights[1] of shape (3, 1) takes 1 input(s), but weights[0] of shape (3, 2) gives 3 "
     "output(s); expected weights[1] of shape (3, 3): in the ufldl layout each matrix has "
     "shape (fan_out, fan_in), rows = destination units; as transfer (fan_in + 1, fan_out) "
     "matrices they do connect: written so, they need layout transfer (--layout on the command "
     "line)", (3, 3)),
    # UFLDL matrices (example B) given as transfer ones
    ([[[1, 1], [2, 1]], [[2, 1], [1, 0]]], "transfer",
     "weights[1] of shape (2, 2) takes 1 input(s), but weights[0] of shape (2, 2) gives 2 "
     "output(s); expected weights[1] of shape (3, 2): in the transfer layout each matrix has "
     "shape (fan_in + 1, fan_out), the biases in the first row; as ufldl (fan_out, fan_in) or "
     "chainrule (fan_in, fan_out) matrices they do connect: written so, they need layout ufldl "
     "or chainrule (--layout on the command line)", (3, 2)),
    (_A_TRANSFER, "chainrule",
     "weights[1] of shape (3, 1) takes 3 input(s), but weights[0] of shape (3, 2) gives 2 "
     "output(s); expected weights[1] of shape (2, 1): in the chainrule layout each matrix has "
     "shape (fan_in, fan_out); as transfer (fan_in + 1, fan_out) matrices they do connect: "
     "written so, they need layout transfer (--layout on the command line)", (2, 1)),
])
def test_matrices_that_do_not_connect_are_named_in_their_layout(capsys, weights, layout,
                                                                message, fixed):
    """A bias row left out, or matrices written in another notation than --layout, was
    refused as "layers[1] expects 1 inputs but the layer before it gives 2 outputs": neither
    the matrix of the user's --weights nor the shape its layout needs."""
    from chainrule.cli import main

    W0 = np.asarray(weights[0])
    x = [1.0] * (W0.shape[1] if layout == "ufldl" else W0.shape[0] - (layout == "transfer"))
    args = ["trace", "--layout", layout, "--input", *map(str, x), "--format", "json"]
    assert main([*args, "--weights", json.dumps(weights), "--target", "1"]) == 2
    assert capsys.readouterr().err == f"chainrule: error: {message}\n"
    # a second matrix of the shape the message asks for is taken, and computes by hand
    weights = [weights[0], np.full(fixed, 0.5).tolist()]
    n_out = fixed[0] if layout == "ufldl" else fixed[1]
    target = ["0.5"] * n_out
    assert main([*args, "--weights", json.dumps(weights), "--target", *target]) == 0
    out = json.loads(capsys.readouterr().out)["output"]
    np.testing.assert_allclose(out, _sigmoid_forward(weights, layout, np.array(x)), rtol=1e-14)


def test_matrices_of_another_layout_are_named_with_it_and_taken_as_it_says(capsys):
    """Example B's UFLDL matrices given without --layout ufldl (a student's likely slip,
    copying them from the README) were refused as transfer matrices that do not connect,
    without a word of the layout they are written in.  The message now says in which
    layouts they connect; given --layout ufldl as it says, the step is example B's, by hand."""
    from chainrule.cli import main

    ufldl = [[[1, 1], [2, 1]], [[2, 1], [1, 0]]]
    args = ["trace", "--weights", json.dumps(ufldl), "--activation", "square", "--input", "1",
            "1", "--target", "290", "14", "--lr", "0.5", "--format", "json"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "as ufldl (fan_out, fan_in) or chainrule (fan_in, fan_out) matrices they do " \
           "connect: written so, they need layout ufldl or chainrule" in err
    assert main([*args, "--layout", "ufldl"]) == 0
    out = json.loads(capsys.readouterr().out)
    # by hand (SPEC 10 B): hidden nets W1 x = [2, 3], outs [4, 9]; output nets [17, 4],
    # outs [289, 16]; deltas (o - t) 2 net = [-34, 16] and (W2^T delta) 2 net = [-208, -204]
    x, t, W1, W2 = np.array([1.0, 1.0]), np.array([290.0, 14.0]), *map(np.array, ufldl)
    h = (W1 @ x) ** 2
    o = (W2 @ h) ** 2
    d2 = (o - t) * 2 * (W2 @ h)
    d1 = (W2.T @ d2) * 2 * (W1 @ x)
    assert out["output"] == o.tolist() == [289, 16]
    assert d1.tolist() == [-208, -204]
    W1_new, W2_new = W1 - 0.5 * np.outer(d1, x), W2 - 0.5 * np.outer(d2, h)
    assert W1_new.tolist() == [[105, 105], [104, 103]]
    assert W2_new.tolist() == [[70, 154], [-31, -72]]
    new = [m["new"] for layer in out["layers"] for m in layer["matrices"]]
    # the JSON's matrices are in the trace's notation (transfer, without bias rows: zeros)
    assert [np.asarray(m)[1:].T.tolist() for m in new] == [W1_new.tolist(), W2_new.tolist()]
    # matrices that connect in no layout get no such hint
    assert main(["trace", "--weights", "[[[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]], "
                 "[[-0.3], [0.5], [0.1], [0.2]]]", "--input", "0", "1", "--target", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error: weights[1] of shape (4, 1) takes 3 input(s)")
    assert "they do connect" not in err


def test_from_transfer_matrices_and_from_ufldl_name_a_matrix_that_does_not_connect():
    """The Python functions say the same in their own argument names (mats, Ws)."""
    no_bias_row = [np.array(m)[1:] for m in _A_TRANSFER]
    with pytest.raises(ValueError, match="^" + re.escape(
            "mats[1] of shape (2, 1) takes 1 input(s), but mats[0] of shape (2, 2) gives 2 "
            "output(s); expected mats[1] of shape (3, 1)")):
        cr.Network.from_transfer_matrices(no_bias_row)
    Ws = [np.array(m)[1:].T for m in _A_TRANSFER]
    with pytest.raises(ValueError, match="^" + re.escape(
            "Ws[1] of shape (2, 1) takes 1 input(s), but Ws[0] of shape (2, 2) gives 2 "
            "output(s); expected Ws[1] of shape (2, 2)")):
        cr.Network.from_ufldl([Ws[0], Ws[1].T])


def test_the_softmax_delta_formula_does_not_call_its_jacobian_j_and_holds():
    """The UFLDL trace of a softmax output printed "delta^(3) = J^T dJ/da^(3)  (J =
    da^(3)/dz^(3), the softmax Jacobian)": J stood for the cost and for the Jacobian in one
    line.  The line now writes the Jacobian out, and its formula gives the printed deltas."""
    net = cr.Network.from_ufldl([[[0.5, -0.3], [-0.4, 0.8], [0.2, 0.6]],
                                 [[0.7, -0.5, 0.3], [-0.2, 0.4, 0.9]]],
                                [[0.1, -0.2, 0.3], [0.05, -0.05]],
                                activation=["tanh", "softmax"], loss="cross_entropy")
    t = cr.trace(net, [0.5, -1.0], [0.0, 1.0], lr=0.5, notation="ufldl")
    lines = [line.strip() for line in t.text().splitlines()]
    assert ("delta^(3) = (da^(3)/dz^(3))^T dJ/da^(3) = a^(3) - y  (the softmax Jacobian: "
            "da^(3)_i/dz^(3)_j = a^(3)_i ([i = j] - a^(3)_j))") in lines
    assert not any("J^T" in line for line in lines)
    out = t.step.layers[-1]
    hidden = np.tanh(np.array([[0.5, -0.3], [-0.4, 0.8], [0.2, 0.6]]) @ [0.5, -1.0]
                     + [0.1, -0.2, 0.3])
    z = np.array([[0.7, -0.5, 0.3], [-0.2, 0.4, 0.9]]) @ hidden + [0.05, -0.05]
    a = np.exp(z) / np.exp(z).sum()
    jacobian = np.diag(a) - np.outer(a, a)           # a_i ([i = j] - a_j)
    np.testing.assert_allclose(out.a, a, rtol=1e-14)
    np.testing.assert_allclose(out.dE_da, -np.array([0.0, 1.0]) / a, rtol=1e-14)
    np.testing.assert_allclose(out.delta, jacobian.T @ out.dE_da, atol=1e-15)


@pytest.mark.parametrize("notation", ["transfer", "ufldl"])
def test_the_tanh_derivative_is_valid_latex(notation):
    """The Markdown trace of a tanh layer wrote f'(z^(2)) = 1 - a^{(2)}^2, a double
    superscript that TeX, MathJax and KaTeX refuse to typeset (Jupyter showed an error in
    its place).  matplotlib's mathtext parser, which refuses it too, reads every formula."""
    mathtext = pytest.importorskip("matplotlib.mathtext")
    parser = mathtext.MathTextParser("agg")
    net = cr.Network.from_transfer_matrices([[[0.1, -0.2], [0.5, -0.4], [-0.3, 0.8]],
                                             [[0.05], [0.7], [-0.5]]],
                                            activation=["tanh", "sigmoid"], loss="log_loss")
    md = cr.trace(net, [0.5, -1.0], [1.0], notation=notation).markdown()
    formulas = re.findall(r"\$\$(.+?)\$\$", md, re.S)
    tanh = [f for f in formulas if ") = 1 - " in f]  # the line of f'(z) of the tanh layer
    assert len(tanh) == 1
    for formula in formulas:
        if r"\begin" not in formula:  # mathtext has no matrices
            parser.parse(f"${formula}$")


def test_netout_writes_the_softmax_output_and_delta_out_with_their_numbers():
    """The net/out trace of a softmax layer printed "out_o1 = softmax(net_o1)" (the softmax
    of one number is 1) and "delta_o1 = 0.246" with no formula, where every other line of
    the notation writes its sum out: a student could not follow where the delta came from."""
    net = cr.Network.from_transfer_matrices(
        [[[0.1, -0.2, 0.3], [0.5, -0.4, 0.2], [-0.3, 0.8, 0.6]],
         [[0.05, -0.05], [0.7, -0.2], [-0.5, 0.4], [0.3, 0.9]]],
        activation=["tanh", "softmax"], loss="squared_error")
    x, y = np.array([0.5, -1.0]), np.array([0.0, 1.0])
    hidden = np.tanh(np.array([[0.5, -0.3], [-0.4, 0.8], [0.2, 0.6]]) @ x + [0.1, -0.2, 0.3])
    z = np.array([[0.7, -0.5, 0.3], [-0.2, 0.4, 0.9]]) @ hidden + [0.05, -0.05]
    a = np.exp(z) / np.exp(z).sum()
    dE_da = a - y                                         # E = 1/2 sum (a - y)^2
    delta = (np.diag(a) - np.outer(a, a)).T @ dE_da      # dout_m/dnet_j = a_m ([m = j] - a_j)
    lines = [line.strip() for line in cr.trace(net, x, y, notation="netout", digits=3)
             .text().splitlines()]
    f = functools.partial(fmt, digits=3)
    assert (f"out_o1 = exp(net_o1) / (exp(net_o1) + exp(net_o2)) = {f(a[0])}") in lines
    assert (f"out_o2 = exp(net_o2) / (exp(net_o1) + exp(net_o2)) = {f(a[1])}") in lines
    assert ("delta_o1 = dE/dout_o1*out_o1*(1 - out_o1) + dE/dout_o2*out_o2*(-out_o1) = "
            f"{f(dE_da[0])}*{f(a[0])}*(1 - {f(a[0])}) + ({f(dE_da[1])})*{f(a[1])}*(-{f(a[0])}) "
            f"= {f(delta[0])}") in lines
    assert ("delta_o2 = dE/dout_o1*out_o1*(-out_o2) + dE/dout_o2*out_o2*(1 - out_o2) = "
            f"{f(dE_da[0])}*{f(a[0])}*(-{f(a[1])}) + ({f(dE_da[1])})*{f(a[1])}*(1 - {f(a[1])}) "
            f"= {f(delta[1])}") in lines
    assert not any("softmax(net" in line for line in lines)


@pytest.mark.parametrize(("notation", "E", "J", "sumw"), [
    ("transfer", "E", "J", "W"), ("ufldl", "J(W,b; x,y)", "J(W,b)", "W"),
    ("netout", "E", "J", "w")])
@pytest.mark.parametrize("decay", ["ufldl", "per_sample"])
def test_with_weight_decay_the_loss_line_shows_the_loss_and_the_cost_is_a_line_of_its_own(
        notation, E, J, sumw, decay):
    """With weight decay the trace printed "E = -sum_k [y_k log x_k + ...] = 0.722406": the
    cost J, decay included, as the value of the loss formula, whose value is 0.670406 (a
    student checking the formula by hand could not make it come out)."""
    mats = [[[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]], [[-0.3], [0.5], [0.1]]]
    net = cr.Network.from_transfer_matrices(mats, activation="sigmoid", loss="log_loss",
                                            weight_decay=0.1, decay=decay)
    hidden = 1 / (1 + np.exp(-(np.array(mats[0]).T @ [1.0, 0.0, 1.0])))
    out = 1 / (1 + np.exp(-(np.array(mats[1]).T @ np.r_[1.0, hidden])))
    loss = -np.log(out[0])                                          # target 1
    decay_term = 0.05 * sum(np.sum(np.array(m)[1:] ** 2) for m in mats)  # no biases; m = 1
    t = cr.trace(net, [0, 1], [1], notation=notation)
    lines = [line.strip() for line in t.text().splitlines()]
    error = lines[lines.index("Error") + 2:lines.index("Error") + 4]
    assert error[0].startswith(f"{E} = -sum_") and error[0].endswith(f" = {fmt(loss)}")
    assert error[1] == (f"{J} = {E} + (lambda/2) sum {sumw}^2 = {fmt(loss)} + "
                        f"{fmt(decay_term)} = {fmt(loss + decay_term)}")
    assert t.step.cost == pytest.approx(loss + decay_term, rel=1e-14)
    assert lines[-1] == f"new {J} = {fmt(t.step.cost_new)}"
    # without weight decay the loss is the cost, named as before
    plain = cr.trace(cr.Network.from_transfer_matrices(mats, activation="sigmoid",
                                                       loss="log_loss"), [0, 1], [1],
                     notation=notation).text().splitlines()
    assert plain[plain.index("Error") + 2].strip().endswith(f" = {fmt(loss)}")
    assert plain[-1].strip().startswith("new E = " if notation != "ufldl" else "new J = ")


def test_a_single_matrix_given_for_the_list_of_matrices_is_named_as_such(capsys):
    """A one-layer network written as M rather than [M] was read as a list of rows and
    refused as "mats[0] must be 2-D, got an array of shape (2,)" (weights[0] on the command
    line): the first row, called a matrix, and no word of the list it should be in."""
    from chainrule.cli import main

    M = [[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]]          # transfer: biases, then 2 inputs
    message = ("must be a list of matrices, one per layer, got a single matrix of shape (3, 2); "
               "for a network of one layer, put it in a list: [matrix]")
    with pytest.raises(ValueError, match="^" + re.escape("mats " + message)):
        cr.Network.from_transfer_matrices(M)
    with pytest.raises(ValueError, match="^" + re.escape("Ws " + message)):
        cr.Network.from_ufldl(np.array(M))
    args = ["trace", "--input", "0", "1", "--target", "1", "0", "--format", "json"]
    assert main([*args, "--weights", json.dumps(M)]) == 2
    assert capsys.readouterr().err == f"chainrule: error: weights {message}\n"
    # put in a list, the same matrix is the one-layer network the student meant
    assert main([*args, "--weights", json.dumps([M])]) == 0
    out = json.loads(capsys.readouterr().out)["output"]
    expected = 1 / (1 + np.exp(-(np.array(M).T @ [1.0, 0.0, 1.0])))
    np.testing.assert_allclose(out, expected, rtol=1e-15)


def test_the_poisson_loss_and_the_exp_activation_have_their_formulas_in_a_trace():
    """A trace with the poisson loss printed "E = poisson(x^(2), y)" and "dE/dx^(2) = dE/do"
    (a placeholder, in a symbol of no notation), and an exp layer "exp'(net_o1)": nothing a
    student could check by hand.  The formulas are written out, and their values are the
    printed numbers."""
    W = [[[0.1, -0.2, 0.3], [0.5, -0.4, 0.2], [-0.3, 0.8, 0.6]],
         [[0.05, -0.05], [0.7, -0.2], [-0.5, 0.4], [0.3, 0.9]]]
    net = cr.Network.from_transfer_matrices(W, activation=["tanh", "exp"], loss="poisson")
    x, y = np.array([0.5, -1.0]), np.array([3.0, 0.5])
    hidden = np.tanh(np.array(W[0]).T @ np.r_[1.0, x])
    a = np.exp(np.array(W[1]).T @ np.r_[1.0, hidden])
    E = np.sum(y * np.log(y / a) - y + a)                  # half the Poisson deviance
    t = cr.trace(net, x, y)
    lines = [line.strip() for line in t.text().splitlines()]
    assert f"E = sum_k [y_k log(y_k / x^(2)_k) - y_k + x^(2)_k] = {fmt(E)}" in lines
    assert "dE/dx^(2) = 1 - y / x^(2)" in lines
    np.testing.assert_allclose(t.step.layers[-1].dE_da, 1 - y / a, rtol=1e-14)
    netout = [line.strip() for line in t.with_notation("netout").text().splitlines()]
    assert f"dE/dout_o1 = 1 - t_o1 / out_o1 = {fmt(1 - y[0] / a[0])}" in netout
    assert f"dout_o2/dnet_o2 = out_o2 = {fmt(a[1])}" in netout      # exp' = exp = out


@pytest.mark.parametrize("notation", ["transfer", "ufldl", "netout"])
def test_the_cross_entropy_note_gives_the_delta_computed_for_targets_not_summing_to_one(
        notation):
    """Cross-entropy takes targets in [0, 1] whose sum is not 1 (a typed [0.5, 0.6]), and
    its delta is then sum(y) * out - y; the note under the deltas said chainrule computes
    "delta = out - target", which the printed deltas were not."""
    W = [[[0.1, -0.2, 0.3], [0.5, -0.4, 0.2], [-0.3, 0.8, 0.6]],
         [[0.05, -0.05], [0.7, -0.2], [-0.5, 0.4], [0.3, 0.9]]]
    net = cr.Network.from_transfer_matrices(W, activation=["tanh", "softmax"],
                                            loss="cross_entropy")
    x, y = np.array([0.5, -1.0]), np.array([0.5, 0.6])
    hidden = np.tanh(np.array(W[0]).T @ np.r_[1.0, x])
    z = np.array(W[1]).T @ np.r_[1.0, hidden]
    p = np.exp(z) / np.exp(z).sum()
    t = cr.trace(net, x, y, notation=notation)
    # d/dz of -sum_j y_j log p_j, by central differences
    E = lambda z: -np.sum(y * (z - np.log(np.exp(z).sum())))  # noqa: E731
    numeric = [(E(z + h) - E(z - h)) / 2e-6 for h in np.eye(2) * 1e-6]
    np.testing.assert_allclose(t.step.layers[-1].delta, numeric, rtol=1e-8)
    np.testing.assert_allclose(t.step.layers[-1].delta, 1.1 * p - y, rtol=1e-14)
    notes = [line.strip() for line in t.text().splitlines() if "chainrule computes" in line]
    divisor = {"netout": "out", "transfer": "x^(2)", "ufldl": "a^(3)"}[notation]
    assert notes == ["(softmax output with cross_entropy: chainrule computes delta = "
                     "sum(target) * out - target (the targets sum to 1.1, not 1) directly, "
                     f"never dividing by {divisor})"]
    one_hot = cr.trace(net, x, [0.0, 1.0], notation=notation).text()
    assert "chainrule computes delta = out - target directly" in one_hot


def test_a_bias_free_transfer_layer_has_the_gradient_formula_of_its_printed_numbers():
    """For a layer without biases (example B in transfer matrices) the trace printed
    "dE/dW0 = [1; x^(0)] delta^(1)^T", whose row 0 is delta^(1)^T = [-208, -204], above a
    gradient whose row 0 is [0, 0]: the formula is now [0; x^(0)] delta^(1)^T."""
    mats = [[[0, 0], [1, 2], [1, 1]], [[0.5, 0.5], [2, 1], [1, 0]]]
    net = cr.Network.from_transfer_matrices(mats, activation="square", bias=[False, True])
    t = cr.trace(net, [1, 1], [290, 14], lr=0.5)
    lines = [line.strip() for line in t.text().splitlines()]
    assert "dE/dW0 = [0; x^(0)] delta^(1)^T,   W0 <- W0 - eta * dE/dW0" in lines
    assert "dE/dW1 = [1; x^(1)] delta^(2)^T,   W1 <- W1 - eta * dE/dW1" in lines
    # the formulas, evaluated on the printed deltas and outputs, are the printed gradients
    x0, x1 = np.array([1.0, 1.0]), t.step.layers[0].a
    d1, d2 = t.step.layers[0].delta, t.step.layers[1].delta
    grads = [np.outer(np.r_[0.0, x0], d1), np.outer(np.r_[1.0, x1], d2)]
    printed = t.to_dict()["layers"]
    for k in (0, 1):
        np.testing.assert_array_equal(printed[k]["matrices"][0]["gradient"], grads[k])
    # and by hand: hidden net [2, 3] -> out [4, 9]; output net [17.5, 4.5] -> out [306.25, 20.25]
    np.testing.assert_array_equal(d1, [2 * 2 * (2 * 16.25 * 35 + 1 * 6.25 * 9),
                                       2 * 3 * (1 * 16.25 * 35 + 0 * 6.25 * 9)])


@pytest.mark.parametrize("notation", ["transfer", "ufldl", "netout"])
def test_cross_entropy_targets_that_are_no_distribution_get_a_note_under_the_target(
        notation, capsys):
    """A typed target 0.5 0.6 for a softmax with cross_entropy was traced with no word but a
    remark on the delta's formula: the loss takes it (its gradient holds, and soft targets
    summing to 1 are legitimate), but it is no distribution and E is no log-likelihood.
    A note under the target now says so.  Reference: the minimum of -sum y log softmax(z)
    over z, found by SciPy, lies at softmax(z) = y / sum(y), as the note says."""
    from scipy.optimize import minimize
    from scipy.special import log_softmax, softmax

    from chainrule.cli import main

    W = [[[0.1, -0.2, 0.3], [0.5, -0.4, 0.2], [-0.3, 0.8, 0.6]],
         [[0.05, -0.05], [0.7, -0.2], [-0.5, 0.4], [0.3, 0.9]]]
    net = cr.Network.from_transfer_matrices(W, activation=["tanh", "softmax"],
                                            loss="cross_entropy")
    y = np.array([0.5, 0.6])
    best = softmax(minimize(lambda z: -np.sum(y * log_softmax(z)), np.zeros(2),
                            method="BFGS", options={"gtol": 1e-10}).x)
    t = cr.trace(net, [0.5, -1.0], y, notation=notation)
    notes = [line.strip() for line in t.text().splitlines() if "no log-likelihood" in line]
    assert len(notes) == 1 and "these sum to 1.1" in notes[0]
    shown = re.search(r"y / 1.1 = \[([^]]*)\]", notes[0]).group(1)
    np.testing.assert_allclose([float(v) for v in shown.split(", ")], best, atol=1e-6)
    assert "no log-likelihood" in t.markdown()
    for fine in ([0.3, 0.7], [0.0, 1.0], 1):  # a distribution, one-hot, a class label
        assert "no log-likelihood" not in cr.trace(net, [0.5, -1.0], fine,
                                                   notation=notation).text()
    sigmoid = cr.Network.from_transfer_matrices(W, activation=["tanh", "sigmoid"],
                                                loss="cross_entropy")
    assert "no log-likelihood" not in cr.trace(sigmoid, [0.5, -1.0], y,
                                               notation=notation).text()
    # the command line prints it where a student types the target
    assert main(["trace", "--weights", json.dumps(W), "--activation", "tanh", "softmax",
                 "--loss", "cross_entropy", "--input", "0.5", "-1", "--target", "0.5", "0.6",
                 "--notation", notation]) == 0
    assert "these sum to 1.1, so E is no log-likelihood" in capsys.readouterr().out


@pytest.mark.parametrize("notation", ["transfer", "ufldl"])
def test_with_weight_decay_the_gradient_formula_has_the_decay_term_its_numbers_hold(notation):
    """With weight decay the vector notations printed "dE/dW1 = [1; x^(1)] delta^(2)^T" (or
    "grad_W^(2) J = delta^(3) a^(2)^T") above a matrix that held lambda W too: a student
    multiplying out the formula got -0.268593, the trace printed -0.218593.  The formula now
    has the decay term and, in the transfer notation, names the gradient of J, not of E."""
    mats = [[[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]], [[-0.3], [0.5], [0.1]]]
    lam = 0.1
    net = cr.Network.from_transfer_matrices(mats, activation="sigmoid", loss="log_loss",
                                            weight_decay=lam)
    # by hand: sigmoid, log loss, target 1, delta_out = a - y; no decay on row 0 (biases)
    W0, W1 = np.array(mats[0]), np.array(mats[1])
    x = np.array([0.0, 1.0])
    h = 1 / (1 + np.exp(-(W0.T @ np.r_[1.0, x])))
    o = 1 / (1 + np.exp(-(W1.T @ np.r_[1.0, h])))
    d_out = o - 1.0
    d_hid = (W1[1:] @ d_out) * h * (1 - h)
    grads = [np.outer(np.r_[1.0, x], d_hid) + lam * np.vstack([0 * W0[:1], W0[1:]]),
             np.outer(np.r_[1.0, h], d_out) + lam * np.vstack([0 * W1[:1], W1[1:]])]
    lines = [line.strip() for line in cr.trace(net, x, [1], notation=notation).text()
             .splitlines()]

    def matrix(G: np.ndarray) -> str:
        return "[" + ", ".join("[" + ", ".join(fmt(v) for v in row) + "]" for row in G) + "]"

    if notation == "transfer":
        for k, (xp, d, G) in enumerate([("x^(0)", "delta^(1)", grads[0]),
                                        ("x^(1)", "delta^(2)", grads[1])]):
            assert (f"dJ/dW{k} = [1; {xp}] {d}^T + lambda [0; W{k}[1:]],   "
                    f"W{k} <- W{k} - eta * dJ/dW{k}") in lines
            assert f"dJ/dW{k} = {matrix(G)}" in lines
        assert not any(line.startswith("dE/dW") for line in lines)
    else:
        for k, (d, a, G) in enumerate([("delta^(2)", "a^(1)", grads[0]),
                                       ("delta^(3)", "a^(2)", grads[1])], start=1):
            assert (f"grad_W^({k}) J = {d} {a}^T + lambda W^({k}),   grad_b^({k}) J = {d}"
                    in lines)
            assert f"grad_W^({k}) J = {matrix(G[1:].T)}" in lines
    # the Markdown says the same
    md = cr.trace(net, x, [1], notation=notation).markdown()
    assert md.count(r"+ \lambda") == 2
    # without weight decay: no decay term, and the gradient of E
    plain = cr.trace(cr.Network.from_transfer_matrices(mats, activation="sigmoid",
                                                       loss="log_loss"), x, [1],
                     notation=notation).text()
    assert "lambda" not in plain
    if notation == "transfer":
        assert "dE/dW1 = [1; x^(1)] delta^(2)^T,   W1 <- W1 - eta * dE/dW1" in plain


def test_with_weight_decay_the_netout_gradients_are_named_dJ():
    """The net/out notation computed dJ/dw = delta*out + lambda*w and called it dE/dw,
    although with weight decay it names the cost J and the loss E apart."""
    mats = [[[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]], [[-0.3], [0.5], [0.1]]]
    net = cr.Network.from_transfer_matrices(mats, activation="sigmoid", loss="log_loss",
                                            weight_decay=0.1)
    h = 1 / (1 + np.exp(-(np.array(mats[0]).T @ [1.0, 0.0, 1.0])))
    o = 1 / (1 + np.exp(-(np.array(mats[1]).T @ np.r_[1.0, h])))
    grad = (o[0] - 1) * h[0] + 0.1 * 0.5                 # w(h1->o1) = 0.5
    lines = [line.strip() for line in cr.trace(net, [0, 1], [1], notation="netout").text()
             .splitlines()]
    assert any(line.startswith(f"dJ/dw(h1->o1) = delta_o1*out_h1 + lambda*w(h1->o1) = "
                               f"{fmt(o[0] - 1)}*{fmt(h[0])} + 0.1*0.5 = {fmt(grad)};")
               for line in lines)
    assert not any(line.startswith("dE/dw") or line.startswith("dE/db") for line in lines)


@pytest.mark.parametrize(("z", "target"), [(40.0, 0.0), (-0.3, 1.0)])
def test_the_fused_output_delta_line_shows_what_is_computed_out_minus_target(z, target):
    """A saturated sigmoid output with the log loss printed "delta_o1 = dE/dout_o1*
    dout_o1/dnet_o1 = 4.50360e+15*0 = 1": a product that is not 1.  The canonical pair's
    delta is computed as out - t (dE/dout is clipped and f'(net) = out (1 - out) is 0 in
    float64 at net = 40); the line now shows that subtraction with its numbers."""
    net = cr.Network.from_transfer_matrices([[[z], [0.0]]], activation="sigmoid",
                                            loss="log_loss")
    out = 1 / (1 + np.exp(-z))                     # net = z * 1 + 0 (first row: the bias)
    t = cr.trace(net, [1.0], [target], notation="netout")
    lines = [line.strip() for line in t.text().splitlines()]
    tgt = fmt(target) if target >= 0 else f"({fmt(target)})"
    assert (f"delta_o1 = dE/dout_o1*dout_o1/dnet_o1 = out_o1 - t_o1 = {fmt(out)} - {tgt} = "
            f"{fmt(out - target)}") in lines
    for notation, x in [("transfer", "x^(1)"), ("ufldl", "a^(2)")]:
        text = cr.trace(net, [1.0], [target], notation=notation).text()
        assert f"= {x} - y\n" in text
    # a hidden layer (not fused) keeps the product of its two factors
    net = cr.Network.from_transfer_matrices([[[0.1], [0.5]], [[0.2], [-0.7]]],
                                            activation="sigmoid", loss="log_loss")
    h = 1 / (1 + np.exp(-0.6))
    o = 1 / (1 + np.exp(-(0.2 - 0.7 * h)))
    lines = [line.strip() for line in cr.trace(net, [1.0], [1.0], notation="netout").text()
             .splitlines()]
    d_out = -0.7 * (o - 1)
    assert (f"delta_h1 = dE/dout_h1*dout_h1/dnet_h1 = {fmt(d_out)}*{fmt(h * (1 - h))} = "
            f"{fmt(d_out * h * (1 - h))}") in lines


_PRODUCT_LINE = re.compile(r"delta_o\d = dE/dout_o\d\*dout_o\d/dnet_o\d = \(?(\S+?)\)?\*"
                           r"\(?(\S+?)\)? = (\S+)")


def _sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


@pytest.mark.parametrize(("activation", "loss", "W", "y", "delta"), [
    # sigmoid + cross_entropy: delta = -y (1 - s(z)) = -y s(-z), computed from z
    ("sigmoid", "cross_entropy", [[0.0], [-800.0]], [1.0], [-_sig(800.0)]),
    ("sigmoid", "cross_entropy", [[0.0], [40.0]], [1.0], [-_sig(-40.0)]),
    ("sigmoid", "cross_entropy", [[0.0], [30.0]], [1.0], [-_sig(-30.0)]),
    # softplus + poisson: delta = s(z) (1 - y / softplus(z)) -> -y as z -> -inf (s / softplus
    # = 1 + O(e^z), s(-800) = 0 in float64)
    ("softplus", "poisson", [[0.0], [-800.0]], [2.0], [-2.0]),
    # softmax + log_loss, two units: E = 2 log(1 + e^d) with d = z1 - z2 = 80, so
    # delta = [2 s(d), -2 s(d)]
    ("softmax", "log_loss", [[0.0, 0.0], [40.0, -40.0]], [0.0, 1.0],
     [2 * _sig(80.0), -2 * _sig(80.0)]),
])
def test_a_saturated_output_delta_from_net_is_never_printed_as_a_wrong_product(
        activation, loss, W, y, delta):
    """A non-canonical pair's delta is computed from net in closed form; at saturation
    the output rounds to 0 or 1 and the printed factors lose it.  Before: "delta_o1 =
    dE/dout_o1*dout_o1/dnet_o1 = -4.49423e+307*0 = -1" (net/out) and a table row -4.49423e+307,
    0, -1 under "delta = dE/dx * phi'(s)" with no word about it."""
    net = cr.Network.from_transfer_matrices([W], activation=activation, loss=loss)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = cr.trace(net, [1.0], y)
        ls = t.step.layers[-1]
        np.testing.assert_allclose(ls.delta, delta, rtol=1e-12)
        assert ls.from_net and ls.product_differs().all()
        netout = t.with_notation("netout").text()
        texts = {n: t.with_notation(n).text() for n in ("transfer", "ufldl")}
    # net/out: no delta line whose worked product is not the value it ends on
    for line in (line.strip() for line in netout.splitlines()):
        if m := _PRODUCT_LINE.fullmatch(line):
            a, b, c = (float(v) for v in m.groups())
            assert c == pytest.approx(a * b, rel=1e-5, abs=1e-300), line
    for j, d in enumerate(ls.delta):
        assert f"delta_o{j + 1} = dE/dnet_o{j + 1} = {fmt(d)}   (from net_o{j + 1} in closed " \
               "form; " in netout
        assert f" = {fmt(ls.product[j])} in float64)" in netout
    assert f"({activation} output with {loss}: chainrule computes delta = dE/dnet" in netout
    # transfer and UFLDL: a line per unit with the float64 product, then the note
    for notation, (dout, fp, dl, E, net_sym) in {
            "transfer": ("dE/dx^(1)", "phi'(s^(1)", "delta^(1)", "E", "s^(1)"),
            "ufldl": ("dJ/da^(2)", "f'(z^(2)", "delta^(2)", "J", "z^(2)")}.items():
        text = texts[notation]
        for j, d in enumerate(ls.delta):
            u = j + 1
            if ls.fprime is not None:
                worked = (f"{dout}_{u} * {fp}_{u}) = {fmt(ls.dE_da[j])} * "
                          f"{fmt(ls.fprime[j]) if ls.fprime[j] >= 0 else f'({fmt(ls.fprime[j])})'}")
                assert ls.product[j] == ls.dE_da[j] * ls.fprime[j]
                assert f"unit {u}: {worked} = {fmt(ls.product[j])} in float64" in text
            assert f"in float64, not {dl}_{u} = {fmt(d)}" in text
        assert f"chainrule computes delta = d{E}/d{net_sym} straight from {net_sym}" in text
    # the softmax product is the Jacobian sum, by hand
    if ls.fprime is None:
        a, g = ls.a, ls.dE_da
        by_hand = [sum(g[m] * a[m] * ((m == n) - a[n]) for m in range(2)) for n in range(2)]
        np.testing.assert_allclose(ls.product, by_hand, rtol=1e-12)


def test_an_unsaturated_output_delta_from_net_keeps_its_product_line():
    net = cr.Network.from_transfer_matrices([[[0.0], [3.0]]], activation="sigmoid",
                                            loss="cross_entropy")
    t = cr.trace(net, [1.0], [1.0], notation="netout")
    o = _sig(3.0)
    assert not t.step.layers[-1].product_differs().any()
    assert (f"delta_o1 = dE/dout_o1*dout_o1/dnet_o1 = {fmt(-1 / o)}*{fmt(o * (1 - o))} = "
            f"{fmt(-_sig(-3.0))}") in [line.strip() for line in t.text().splitlines()]
    assert "closed form" not in t.text() and "closed form" not in t.with_notation("ufldl").text()
    # at net = 17, 1 - out = 4e-8 keeps 8 of its digits: a difference invisible at 6 digits
    # and so not mentioned, but printed with all 17 the product is shown apart from delta
    net.layers[0].W[0, 0] = 17.0
    ls = cr.trace(net, [1.0], [1.0]).step.layers[-1]
    assert fmt(ls.product[0]) == fmt(-_sig(-17.0))
    assert fmt(ls.product[0], 17) != fmt(ls.delta[0], 17)
    assert "closed form" not in cr.trace(net, [1.0], [1.0], notation="netout").text()
    assert (f" = {fmt(ls.product[0], 17)} in float64, not delta^(1)_1 = {fmt(ls.delta[0], 17)}"
            in cr.trace(net, [1.0], [1.0], digits=17).text())


@pytest.mark.parametrize(("z", "target"), [(400.0, [0.0, 1.0]), (0.3, [0.5, 0.6])])
def test_the_fused_softmax_delta_line_shows_what_is_computed(z, target):
    """softmax + cross_entropy in net/out printed its delta as the Jacobian sum of the
    printed factors; at net = (400, -400) those are out = (1, 0) and a clipped
    dE/dout_o2 = -4.49423e+307, so "... = 0*1*(1 - 1) + (-4.49423e+307)*0*(-1) = 1": a sum
    that is 0.  The fused delta is computed as out - t (sum(t) out - t for targets that do
    not sum to 1); the line now shows that, with its numbers, as for sigmoid + log_loss."""
    net = cr.Network.from_transfer_matrices([[[0.0, 0.0], [z, -z]]], activation="softmax",
                                            loss="cross_entropy")
    e = np.exp(np.array([z, -z]) - z)
    p = e / e.sum()                                   # softmax of (z, -z), by hand
    total = sum(target)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = cr.trace(net, [1.0], target)
        lines = [line.strip() for line in t.with_notation("netout").text().splitlines()]
        texts = {n: t.with_notation(n).text() for n in ("transfer", "ufldl")}
    np.testing.assert_allclose(t.step.layers[0].delta, total * p - target, rtol=1e-12)
    for j in range(2):
        jac = (f"dE/dout_o1*out_o1*({'1 - ' if j == 0 else '-'}out_o{j + 1}) + "
               f"dE/dout_o2*out_o2*({'1 - ' if j == 1 else '-'}out_o{j + 1})")
        tgt = fmt(target[j])
        if total == 1.0:
            worked = f"out_o{j + 1} - t_o{j + 1} = {fmt(p[j])} - {tgt}"
        else:
            worked = f"sum(t)*out_o{j + 1} - t_o{j + 1} = {fmt(total)}*{fmt(p[j])} - {tgt}"
        assert f"delta_o{j + 1} = {jac} = {worked} = {fmt(total * p[j] - target[j])}" in lines
    for notation, (x, s) in {"transfer": ("x^(1)", "s^(1)"), "ufldl": ("a^(2)", "z^(2)")}.items():
        E = "E" if notation == "transfer" else "J"
        fused = f"{x} - y" if total == 1.0 else f"sum(y) {x} - y"
        assert f"= (d{x}/d{s})^T d{E}/d{x} = {fused}  (the softmax Jacobian" in texts[notation]
    # and the Markdown of every notation typesets (matplotlib's mathtext reads it)
    parser = pytest.importorskip("matplotlib.mathtext").MathTextParser("agg")
    for notation in NOTATIONS:
        for formula in re.findall(r"\$\$(.+?)\$\$", t.with_notation(notation).markdown(), re.S):
            if r"\begin" not in formula:  # mathtext has no matrices
                parser.parse(f"${formula}$")


def test_fused_output_rows_whose_factors_lose_delta_say_so():
    """A canonical pair's output delta is computed as out - t; the transfer and UFLDL
    tables also print dE/d(out) and f' (or the softmax Jacobian), which at saturation do
    not multiply to it: sigmoid + log_loss at net = 40, t = 0 showed the row 4.50360e+15,
    0, 1 under "delta = dE/dx * phi'(s) = x - y" with no word about the product."""
    net = cr.Network.from_transfer_matrices([[[0.0], [40.0]]], activation="sigmoid",
                                            loss="log_loss")
    t = cr.trace(net, [1.0], [0.0])
    ls = t.step.layers[0]
    assert ls.fused and ls.delta[0] == pytest.approx(_sig(40.0), rel=1e-15)  # out - 0
    assert ls.fprime[0] == 0 and ls.product[0] == 0
    text = t.text()
    assert (f"unit 1: dE/dx^(1)_1 * phi'(s^(1)_1) = {fmt(ls.dE_da[0])} * 0 = 0 in float64, "
            f"not delta^(1)_1 = {fmt(_sig(40.0))}") in text
    assert "where it saturates they lose delta" in text
    assert "unit 1:" not in t.with_notation("netout").text()  # there: out - t, with numbers
    # softmax + cross_entropy at (400, -400), t = (0, 1): the Jacobian sum of the printed
    # factors is 0 for both units, the deltas out - t are (1, -1)
    net = cr.Network.from_transfer_matrices([[[0.0, 0.0], [400.0, -400.0]]],
                                            activation="softmax", loss="cross_entropy")
    text = cr.trace(net, [1.0], [0.0, 1.0], notation="ufldl").text()
    for j, d in [(1, 1.0), (2, -1.0)]:
        assert (f"unit {j}: ((da^(2)/dz^(2))^T dJ/da^(2))_{j} = 0 in float64, not "
                f"delta^(2)_{j} = {fmt(d)}") in text
    # near the optimum the Jacobian sum's terms (about 1) cancel to about 1e-13, so its
    # rounding shows at 6 digits too
    z = np.array([0.3, -0.2, 0.5])
    p = np.exp(z) / np.exp(z).sum()
    y = p + np.array([1e-13, 0.0, 0.0])
    net = cr.Network.from_transfer_matrices([[z.tolist(), [0.0] * 3]], activation="softmax",
                                            loss="cross_entropy")
    t = cr.trace(net, [1.0], y)
    ls = t.step.layers[0]
    np.testing.assert_allclose(ls.delta, y.sum() * p - y, rtol=0, atol=2e-16)
    jac = np.diag(ls.a) - np.outer(ls.a, ls.a)
    np.testing.assert_allclose(ls.product, jac.T @ (-y / ls.a), rtol=0, atol=2e-16)
    shown = [fmt(a) != fmt(b) for a, b in zip(ls.product, ls.delta, strict=True)]
    assert any(shown)
    for j in np.flatnonzero(shown):
        assert f"= {fmt(ls.product[j])} in float64, not delta^(1)_{j + 1} = " in t.text()
    assert "where the terms of their product cancel" in t.text()
    # and example A, unsaturated, has no such line
    assert "in float64, not" not in trace_preset("transfer-example").text()


@pytest.mark.parametrize(("mats", "activation", "loss", "y"), [
    # a saturated softmax hidden layer, net = (30, -30, 0), under a sigmoid + log_loss output
    ([[[0.0, 0.0, 0.0], [30.0, -30.0, 0.0]], [[0.1], [0.5], [-0.7], [0.3]]],
     ["softmax", "sigmoid"], "log_loss", [1.0]),
    # a saturated softmax output with squared_error (no closed form: the backward pass)
    ([[[0.0, 0.0, 0.0], [40.0, -40.0, 0.0]]], "softmax", "squared_error", [0.0, 1.0, 0.0]),
])
def test_a_softmax_delta_line_is_the_computation_whose_numbers_it_shows(mats, activation, loss,
                                                                       y):
    """A softmax layer's delta is computed as out (dE/dout - sum_m dE/dout_m out_m); the
    net/out trace wrote the Jacobian sum out term by term with its numbers, which at
    saturation do not come to it: "delta_h1 = -0.177172*1*(1 - 1) + 0.248041*8.75651e-27*(-1)
    + (-0.106303)*9.35762e-14*(-1) = -6.63358e-15", terms that make +9.95e-15."""
    net = cr.Network.from_transfer_matrices(mats, activation=activation, loss=loss)
    t = cr.trace(net, [1.0], y)
    k = next(i for i, ls in enumerate(t.step.layers) if ls.fprime is None)
    ls = t.step.layers[k]
    a, g = ls.a, ls.dE_da
    s = float(np.sum(g * a))
    np.testing.assert_array_equal(ls.delta, a * (g - s))         # the backward pass's formula
    expanded = (np.diag(a) - np.outer(a, a)).T @ g               # the Jacobian sum, by hand
    differs = [fmt(e) != fmt(d) for e, d in zip(expanded, ls.delta, strict=True)]
    assert differs[0] and not any(differs[1:])                   # the saturated unit only
    node = "h" if k < len(t.step.layers) - 1 else "o"
    sums = " + ".join(f"dE/dout_{node}{m}*out_{node}{m}" for m in (1, 2, 3))
    lines = [line.strip() for line in t.with_notation("netout").text().splitlines()]
    # the saturated unit: its formulas and its delta, without numbers that cannot show it
    line = next(line for line in lines if line.startswith(f"delta_{node}1 = "))
    assert line.endswith(f"(-out_{node}1) = out_{node}1*(dE/dout_{node}1 - ({sums})) = "
                         f"{fmt(ls.delta[0])}")
    assert any(line.startswith("(softmax: chainrule computes delta = out (dE/dout - sum_m")
               for line in lines)
    # units whose sum comes out the same keep the written-out sum
    assert next(line for line in lines if line.startswith(f"delta_{node}2 = ")).endswith(
        f"(1 - {fmt(a[1])}) + {fmt(g[2]) if g[2] >= 0 else f'({fmt(g[2])})'}*{fmt(a[2])}*"
        f"(-{fmt(a[1])}) = {fmt(ls.delta[1])}")
    # the vector notations give the unit's float64 Jacobian sum next to its delta
    x = f"x^({k + 1})"
    assert (f"unit 1: ((d{x}/ds^({k + 1}))^T dE/d{x})_1 = {fmt(expanded[0])} in float64, not "
            f"delta^({k + 1})_1 = {fmt(ls.delta[0])}") in t.text()


def test_ufldl_weight_labels_keep_their_indices_apart_from_10_units():
    """UFLDL's W_ij runs the two indices together: with 11 inputs, "W_111" would be
    W_{1,11} or W_{11,1}.  From 10 units on a side the label has a comma, and each label
    names exactly one weight: the (to, from) pairs are those of the matrix."""
    net = cr.mlp([11, 2, 1], hidden="sigmoid", output="sigmoid", seed=0)
    text = cr.trace(net, np.linspace(0, 1, 11), [1.0], lr=0.5,
                    notation="ufldl").render("text")
    first = set(re.findall(r"W\^\(1\)_(\d+),(\d+)", text))
    assert first == {(str(i), str(j)) for i in range(1, 3) for j in range(1, 12)}
    second = set(re.findall(r"W\^\(2\)_(\d+)\b", text))
    assert second == {"11", "12"}  # a 1 x 2 matrix keeps the course's W_ij


def test_every_layer_delta_a_student_reads_is_the_per_example_delta_over_m():
    """layer.delta holds each example's dE/dnet divided by the batch size m (the 1/m of
    SPEC 5's gradient is already in it).  Dense said so; Conv2D, BatchNorm and pooling
    docstrings did not, and reference.backprop's per-example delta did not say how it
    relates.  Reference: reference.backprop on each example, divided by m here, and the
    canonical output delta (a - y) / m."""
    rng = np.random.default_rng(0)
    m = 5
    net = cr.Network([cr.Dense(3, 4, "tanh", seed=0), cr.Dense(4, 2, "sigmoid", seed=1)],
                     loss="log_loss")
    X, Y = rng.normal(size=(m, 3)), (rng.uniform(size=(m, 2)) > 0.5).astype(float)
    net.loss_and_grad(X, Y)
    for l, layer in enumerate(net.layers):
        per_example = np.array([reference.backprop(net, X[i], Y[i]).delta[l]
                                for i in range(m)])
        np.testing.assert_allclose(layer.delta, per_example / m, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.layers[1].delta, (net.layers[1].A - Y) / m, rtol=1e-12)
    conv = cr.Network([cr.Conv2D(1, 2, 3, activation="tanh", seed=0), cr.MaxPool2D(2),
                       cr.Flatten(), cr.Dense(2, 1, "identity", seed=1)],
                      input_shape=(1, 4, 4))
    Xc, Yc = rng.normal(size=(3, 1, 4, 4)), rng.normal(size=(3, 1))
    conv.loss_and_grad(Xc, Yc)
    np.testing.assert_allclose(conv.layers[-1].delta, (conv.layers[-1].A - Yc) / 3, rtol=1e-12)
    for cls in (cr.Dense, cr.Conv2D, cr.BatchNorm, cr.MaxPool2D):
        doc = " ".join(cls.__doc__.split())
        assert "delta : ndarray" in doc and "divided by the batch size" in doc, cls.__name__
    assert "divided by m" in " ".join(reference.BackwardPass.__doc__.split())


@pytest.mark.parametrize("sizes", [(2, 3, 1), (3, 4, 2)])
def test_the_pictures_edge_labels_keep_clear_of_units_and_one_another(sizes, tmp_path,
                                                                      monkeypatch):
    """The labels of the edges into one unit sat at one fraction of the way along them, so
    from 3 hidden units on, labels of edges into different units ran into one another
    (2-3-1: the labels of i2->h2 and i1->h3), and others lay under the units' boxes
    (3-4-2).  Each label now moves along its edge to the nearest free place: no label
    overlaps another or a unit, and each still sits on its edge."""
    import chainrule.plots as plots

    net = cr.mlp(list(sizes), hidden="tanh", output="sigmoid", seed=0)
    x = np.linspace(-1.0, 1.0, sizes[0])
    t = cr.trace(net, x, np.ones(sizes[-1]), lr=0.1)
    drawn = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or save(fig, path))
    t.plot(tmp_path / "step.png")
    (fig,) = drawn
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    edges = [text for text in ax.texts if "(grad " in text.get_text() and
             text.get_fontsize() == 7]
    units = [text for text in ax.texts if text.get_fontsize() == 8]
    step = t.step
    expected = {f"{fmt(ls.W[i, j], 4)} → {fmt(ls.W_new[i, j], 4)}\n(grad {fmt(ls.dW[i, j], 4)})"
                for ls in step.layers for i in range(ls.n_in) for j in range(ls.n_out)}
    assert {text.get_text() for text in edges} == expected
    assert len(edges) == sum(ls.n_in * ls.n_out for ls in step.layers)
    boxes = [text.get_window_extent(renderer) for text in edges]
    unit_boxes = [text.get_window_extent(renderer) for text in units]
    for a, box in enumerate(boxes):
        assert not any(box.overlaps(other) for other in boxes[a + 1:] + unit_boxes)
    # on its edge: the label's centre is on one of the segments drawn between units
    segments = [line.get_xydata() for line in ax.get_lines() if line.get_linestyle() == "-"]
    for text in edges:
        px, py = text.get_position()
        assert any(abs((b[0] - a[0]) * (py - a[1]) - (b[1] - a[1]) * (px - a[0])) < 1e-9
                   and min(a[0], b[0]) < px < max(a[0], b[0]) for a, b in segments)
