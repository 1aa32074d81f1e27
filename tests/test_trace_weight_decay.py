"""A trace with weight decay: the example's loss E, the decay term and the cost J = E + decay,
each as computed, in every notation and format."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.tracing import NOTATIONS

# one identity unit, no bias, w = 300, lambda = 1: an example it nearly fits, so that
# E = 1/2 (300 * 0.007 - 2.10001)^2 = 5e-11 is tiny beside the decay (1/2) 300^2 = 45000
ARGS = ["trace", "--weights", "[[[0], [300]]]", "--biases", "false", "--activation",
        "identity", "--loss", "squared_error", "--input", "0.007", "--target", "2.10001",
        "--weight-decay", "1"]


def _by_hand() -> tuple[float, float]:
    E = 0.5 * (300.0 * 0.007 - 2.10001) ** 2
    return E, 0.5 * 1.0 * 300.0 ** 2


@pytest.mark.parametrize("notation", NOTATIONS)
def test_a_tiny_loss_beside_a_large_decay_is_printed_as_computed_not_as_j_minus_decay(
        notation, capsys):
    """E was printed as J - decay: 45000.00000000005 - 45000 keeps only J's rounding, and
    the trace said E = 5.09317e-11 (2% off) where E = 5.00000e-11."""
    E, decay = _by_hand()
    assert f"{E:.5e}" == "5.00000e-11" and decay == 45000.0
    assert main([*ARGS, "--notation", notation]) == 0
    text = capsys.readouterr().out
    assert "= 5.00000e-11 + 45000 = 45000" in text
    assert "5.09317e-11" not in text
    net = cr.Network([cr.Dense(1, 1, "identity", init=np.array([[300.0]]), bias=False)],
                     loss="squared_error", weight_decay=1.0)
    step = cr.trace(net, [0.007], [2.10001], notation=notation).step
    assert step.example_loss == pytest.approx(E, rel=1e-12)
    assert step.cost == pytest.approx(E + decay, rel=1e-15)


@pytest.mark.parametrize("notation", NOTATIONS)
def test_the_json_holds_the_loss_and_the_decay_term_the_text_prints(notation, capsys):
    """README: "--format json: every number, full precision"; with weight decay the text
    prints E, the decay term and J, the JSON had J ("cost") alone."""
    E, decay = _by_hand()
    assert main([*ARGS, "--notation", notation, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["example_loss"] == pytest.approx(E, rel=1e-12)
    assert doc["decay_term"] == decay
    assert doc["cost"] == pytest.approx(E + decay, rel=1e-15)
    # example A with lambda = 0.1, by hand: E = -log(sigmoid(s)), s = -0.3 + 0.5 h1 + 0.1 h2,
    # h = sigmoid([0.2, 0.9]); decay 0.05 * (0.7^2 + 0.4^2 + 0.2^2 + 0.3^2 + 0.5^2 + 0.1^2)
    h = 1 / (1 + np.exp(-np.array([0.2, 0.9])))
    E_a = float(np.log1p(np.exp(-(-0.3 + 0.5 * h[0] + 0.1 * h[1]))))
    doc = cr.trace_preset({**cr.tracing.PRESETS["transfer-example"], "weight_decay": 0.1},
                          notation=notation).to_dict()
    assert doc["example_loss"] == pytest.approx(E_a, rel=1e-14)
    assert round(E_a, 6) == 0.670406
    assert doc["decay_term"] == pytest.approx(0.052, rel=1e-14)
    assert doc["cost"] == pytest.approx(E_a + 0.052, rel=1e-14)
    # without weight decay, E is the cost and the decay term 0
    doc = cr.trace_preset("transfer-example", notation=notation).to_dict()
    assert doc["example_loss"] == doc["cost"] == pytest.approx(E_a, rel=1e-14)
    assert doc["decay_term"] == 0.0


@pytest.mark.parametrize("notation", NOTATIONS)
@pytest.mark.parametrize("digits, shown", [(9, "0.123456789"), (3, "0.123"), (17, "0.123456789")])
def test_the_lambda_notes_follow_digits_as_the_other_numbers_do(notation, digits, shown, capsys):
    """The notes naming lambda formatted it with :g, 6 digits whatever --digits said:
    lambda = 0.123456789 printed as 0.123457 beside numbers printed to 9 digits."""
    argv = ["trace", "--weight-decay", "0.123456789", "--digits", str(digits), "--notation",
            notation]
    assert main(argv) == 0
    out = capsys.readouterr().out
    notes = [line for line in out.splitlines() if "lambda = " in line]
    assert notes, out
    for line in notes:
        assert f"lambda = {shown}" in line and f"lambda = {shown}" + "0" not in line
        assert "0.123457" not in line
    # the gradient lines of the net/out notation print lambda itself as a number
    if notation == "netout":
        assert f" + {shown}*" in out


@pytest.mark.parametrize("notation", NOTATIONS)
def test_the_readme_names_every_key_of_the_json(notation, capsys):
    """The README said the JSON holds every number of the step but named none of its keys,
    example_loss and decay_term (0d62a33) among them: each top-level key of every
    notation, and each key of a layer, is named there in backquotes."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert main(["trace", "--preset", "transfer-example", "--notation", notation,
                 "--weight-decay", "0.1", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    keys = set(doc) | {k for layer in doc.get("layers", []) for k in layer
                       if k not in ("layer", "activation", "fused_output_delta",
                                    "delta_from_net")}
    assert sorted(k for k in keys if f"`{k}`" not in readme) == []
    assert doc["cost"] == pytest.approx(doc["example_loss"] + doc["decay_term"], rel=1e-15)
