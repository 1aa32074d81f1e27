"""Matt Mazur's "A Step by Step Backpropagation Example" (examples/mazur_backprop.py):
chainrule's step, in the library and in ``chainrule trace``, is his, figure by figure.

References: his post's figures (E_total 0.298371109, w1..w8 after one update, the error
0.0000351085 after 10,000 updates, 0.291027924 after one, the outputs 0.015912196 and
0.984065734) and his equations written out here in NumPy, unit by unit as the post
derives them (dE/dw5 = -(target_o1 - out_o1) * out_o1 (1 - out_o1) * out_h1, ...)."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

from chainrule.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "mazur_backprop.py"
I = np.array([0.05, 0.10])
T = np.array([0.01, 0.99])
W = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]  # his w1..w8
PUBLISHED = {"w1": 0.149780716, "w2": 0.19956143, "w3": 0.24975114, "w4": 0.29950229,
             "w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270, "w8": 0.561370121}


@pytest.fixture(scope="module")
def mazur():
    return runpy.run_path(str(EXAMPLE))


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _forward(w, b1=(0.35, 0.35), b2=(0.60, 0.60)):
    """out_h1, out_h2, out_o1, out_o2 by his sums: net_h1 = w1 i1 + w2 i2 + b1 * 1, ...
    (a bias per unit: his shared b1 is (0.35, 0.35) while the biases stay)."""
    h1 = _sig(w[0] * I[0] + w[1] * I[1] + b1[0])
    h2 = _sig(w[2] * I[0] + w[3] * I[1] + b1[1])
    o1 = _sig(w[4] * h1 + w[5] * h2 + b2[0])
    o2 = _sig(w[6] * h1 + w[7] * h2 + b2[1])
    return h1, h2, o1, o2


def _error(w, b1=(0.35, 0.35), b2=(0.60, 0.60)):
    *_, o1, o2 = _forward(w, b1, b2)
    return 0.5 * (T[0] - o1) ** 2 + 0.5 * (T[1] - o2) ** 2


def _update(w, b1=(0.35, 0.35), b2=(0.60, 0.60), biases=False, code_order=False):
    """His update: the output deltas, the hidden ones through w5..w8 (the *updated* w5..w8
    with ``code_order``), then w <- w - 0.5 dE/dw; each unit's bias too with ``biases``."""
    h1, h2, o1, o2 = _forward(w, b1, b2)
    d_o1 = -(T[0] - o1) * o1 * (1 - o1)
    d_o2 = -(T[1] - o2) * o2 * (1 - o2)
    new = list(w)
    new[4:] = [w[4] - 0.5 * d_o1 * h1, w[5] - 0.5 * d_o1 * h2,
               w[6] - 0.5 * d_o2 * h1, w[7] - 0.5 * d_o2 * h2]
    w5, w6, w7, w8 = new[4:] if code_order else w[4:]
    d_h1 = (d_o1 * w5 + d_o2 * w7) * h1 * (1 - h1)
    d_h2 = (d_o1 * w6 + d_o2 * w8) * h2 * (1 - h2)
    new[:4] = [w[0] - 0.5 * d_h1 * I[0], w[1] - 0.5 * d_h1 * I[1],
               w[2] - 0.5 * d_h2 * I[0], w[3] - 0.5 * d_h2 * I[1]]
    if biases:
        b1 = (b1[0] - 0.5 * d_h1, b1[1] - 0.5 * d_h2)
        b2 = (b2[0] - 0.5 * d_o1, b2[1] - 0.5 * d_o2)
    return new, b1, b2


def _run(updates, **kwargs):
    """``updates`` updates from his weights: the last w, b1, b2 and E_total after each."""
    w, b1, b2, errors = W, (0.35, 0.35), (0.60, 0.60), []
    for _ in range(updates):
        w, b1, b2 = _update(w, b1, b2, **kwargs)
        errors.append(_error(w, b1, b2))
    return w, b1, b2, np.array(errors)


@pytest.fixture(scope="module")
def frozen(mazur):
    """chainrule.train's 10,000 updates of w1..w8, the biases frozen (his rule), and the
    reference's."""
    net = mazur["network"]()
    errors = mazur["train_frozen_biases"](net, 10_000)
    return net, errors, _run(10_000)


def test_the_weights_are_his_w1_to_w8_in_chainrules_orientation(mazur):
    net = mazur["network"]()
    assert mazur["named_weights"](net) == {f"w{k}": W[k - 1] for k in range(1, 9)}
    # his net_h1 = w1 i1 + w2 i2 + b1 = 0.3775, out_h1 = 0.593269992, out_o1 = 0.75136507
    net.forward(I[None])
    assert net.layers[0].Z[0, 0] == pytest.approx(0.3775, abs=1e-15)
    assert round(float(net.layers[0].A[0, 0]), 9) == 0.593269992
    assert round(float(net.layers[1].A[0, 0]), 9) == 0.751365070
    assert round(mazur["error"](net), 9) == 0.298371109 == round(_error(W), 9)


def test_chainrule_trace_of_the_description_gives_his_figures(mazur, capsys):
    """The example's description through the CLI (inline JSON): E_total and w1..w8 after
    the step, to his digits and to the NumPy reference's rounding."""
    assert main(["trace", "--network", json.dumps(mazur["DESCRIPTION"]),
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert round(out["example_loss"], 9) == 0.298371109
    assert out["example_loss"] == pytest.approx(_error(W), abs=1e-15)
    new_ref, _, _ = _update(W)
    by_name = {w["name"]: w for w in out["weights"]}
    for k, (name, published) in enumerate(PUBLISHED.items()):
        got = by_name[mazur["WEIGHT_NAMES"][name][2]]["new"]
        digits = len(str(published).split(".")[1])
        assert round(got, digits) == published, name
        assert got == pytest.approx(new_ref[k], abs=1e-15), name
    # the trace steps the biases too (chainrule trace updates every parameter)
    assert by_name["b(h1)"]["new"] != 0.35


def test_one_update_of_his_rule_keeps_the_biases(mazur):
    net = mazur["network"]()
    mazur["train_weights_only"](net, 1)
    new_ref, _, _ = _update(W)
    got = mazur["named_weights"](net)
    for k, (name, published) in enumerate(PUBLISHED.items()):
        assert round(got[name], len(str(published).split(".")[1])) == published, name
        assert got[name] == pytest.approx(new_ref[k], abs=1e-15), name
    np.testing.assert_array_equal(net.layers[0].b, [0.35, 0.35])
    np.testing.assert_array_equal(net.layers[1].b, [0.60, 0.60])


def test_ten_thousand_updates_give_his_0_0000351085(mazur, frozen):
    net, errors, (w_ref, _, _, errors_ref) = frozen
    np.testing.assert_allclose(errors, errors_ref, rtol=1e-9, atol=0)
    np.testing.assert_allclose(list(mazur["named_weights"](net).values()), w_ref, rtol=1e-12)
    assert errors.shape == (10_000,)
    # his figure is the error after 9,999 updates, to all ten published decimals ...
    assert round(errors[9_998], 10) == 0.0000351085 == round(errors_ref[9_998], 10)
    # ... and after 10,000 the same to three significant digits
    assert round(errors[-1], 7) == 0.0000351 and round(errors[-1], 10) == 0.0000351019
    assert np.all(np.diff(errors) < 0)


def test_train_with_frozen_biases_is_his_rule_written_out(mazur):
    """``chainrule.train`` with SGD(0.5) and the biases frozen takes the steps of the hand
    loop ``W -= 0.5 dW`` (the example's train_weights_only) and of the NumPy reference."""
    by_train, by_hand = mazur["network"](), mazur["network"]()
    errors = mazur["train_frozen_biases"](by_train, 50)
    np.testing.assert_array_equal(errors, mazur["train_weights_only"](by_hand, 50))
    np.testing.assert_array_equal(by_train.params, by_hand.params)
    w_ref, *_, errors_ref = _run(50)
    np.testing.assert_allclose(errors, errors_ref, rtol=1e-12, atol=0)
    np.testing.assert_allclose(list(mazur["named_weights"](by_train).values()), w_ref,
                               rtol=1e-13)
    np.testing.assert_array_equal(by_train.layers[0].b, [0.35, 0.35])
    np.testing.assert_array_equal(by_train.layers[1].b, [0.60, 0.60])


def test_his_other_figures_are_the_updated_w5_to_w8_order(mazur):
    """0.291027924 after one update and the outputs 0.015912196, 0.984065734 after 10,000:
    the hidden deltas through the already-updated w5..w8.  His text's rule (chainrule's)
    gives 0.291027774."""
    net = mazur["network"]()
    mazur["code_order_step"](net)
    assert round(mazur["error"](net), 9) == 0.291027924
    w, *_ = _update(W, code_order=True)
    assert mazur["error"](net) == pytest.approx(_error(w), abs=1e-15)
    assert mazur["named_weights"](net)["w1"] == pytest.approx(w[0], abs=1e-15)
    assert round(_error(_update(W)[0]), 9) == 0.291027774
    w, *_ = _run(10_000, code_order=True)
    _, _, o1, o2 = _forward(w)
    assert (round(o1, 9), round(o2, 9)) == (0.015912196, 0.984065734)


def test_with_the_biases_updated_the_error_falls_faster(mazur, frozen):
    net = mazur["network"]()
    updated = mazur["train_all"](net, 2_000)
    *_, errors_ref = _run(2_000, biases=True)
    np.testing.assert_allclose(updated, errors_ref, rtol=1e-9, atol=0)
    assert updated[-1] < frozen[1][1_999] / 3


def test_main_prints_his_figures(mazur, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sys, "argv", ["x", "--updates", "20", "--out", str(tmp_path / "p.png")])
    got = mazur["main"]()
    out = capsys.readouterr().out
    assert "E_total = 0.298371109 (published 0.298371109)" in out
    assert "  w5 = 0.358916480 | 0.35891648" in out
    assert got["frozen"].shape == got["updated"].shape == (20,)
    assert round(got["code_order"], 9) == 0.291027924
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
