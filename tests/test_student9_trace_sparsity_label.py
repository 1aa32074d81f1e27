"""`chainrule trace --rho R --beta B`: the hidden layer's column held ``dE_i/da^(2)`` plus the
sparsity term under the bare label ``dE_i/da^(2)``; it is now labelled ``dE_i/da^(2) +
sparsity`` (text and Markdown), and the JSON gives both: ``dE_dout`` the reconstruction
error's own ``W^(2)^T delta^(3)``, ``dE_dout_plus_sparsity`` the sum that ``f'`` multiplies.
The numbers are UFLDL's sparseAutoencoderCost written out in NumPy
(tests/test_trace_sparsity.py); without ``--rho`` nothing changes."""

from __future__ import annotations

import json
import re

import numpy as np

from chainrule.cli import main
from chainrule.tracing.render import fmt
from test_trace_sparsity import ARGS, REF, SPARSE, W2


def _out(args, capsys):
    assert main(args) == 0
    return capsys.readouterr().out


def _header(text: str, after: str) -> str:
    """The table header line that follows the line starting with ``after``."""
    lines = text.splitlines()
    i = next(n for n, line in enumerate(lines) if line.strip().startswith(after))
    return next(line for line in lines[i + 1:] if line.strip().startswith(("example", "|")))


def test_the_text_trace_labels_the_hidden_column_with_its_sparsity_term(capsys):
    text = _out([*SPARSE, "--notation", "ufldl"], capsys)
    assert ("dE_i/da^(2) + sparsity = W^(2)^T delta^(3) + beta (-rho / rho_hat + (1 - rho) / "
            "(1 - rho_hat))") in text
    assert "delta^(2) = (dE_i/da^(2) + sparsity) * f'(z^(2))" in text
    header = _header(text, "f'(z^(2)) =")
    assert re.split(r"\s{2,}", header.strip()) == [
        "example", "dE_i/da^(2) + sparsity", "f'(z^(2))", "delta^(2)"]
    # that column's values: W^(2)^T delta^(3) + the sparsity term, example by example
    held = W2.T @ REF["delta3"] + REF["sparsity_delta"][:, None]
    for i in range(held.shape[1]):
        assert f"[{', '.join(fmt(v, 6) for v in held[:, i])}]" in text
    transfer = _out([*SPARSE, "--notation", "transfer"], capsys)
    assert "example  dE_i/dx^(1) + sparsity" in transfer
    assert "delta^(1) = (dE_i/dx^(1) + sparsity) * phi'(s^(1))" in transfer


def test_the_markdown_trace_labels_it_too(capsys):
    md = _out([*SPARSE, "--notation", "ufldl", "--format", "markdown"], capsys)
    label = r"\frac{\partial E_i}{\partial a^{(2)}} + \text{sparsity}"
    assert f"| ${label}$ |" in md
    assert rf"\left({label}\right) \odot f'(z^{{(2)}})" in md
    assert r"| $\frac{\partial E_i}{\partial a^{(2)}}$ |" not in md


def test_the_json_trace_separates_the_two(capsys):
    doc = json.loads(_out([*SPARSE, "--notation", "ufldl", "--format", "json"], capsys))
    backprop = W2.T @ REF["delta3"]
    for i, e in enumerate(doc["examples"]):
        hidden, output = e["layers"]
        np.testing.assert_allclose(hidden["dE_dout"], backprop[:, i], rtol=1e-12)
        np.testing.assert_allclose(hidden["dE_dout_plus_sparsity"],
                                   backprop[:, i] + REF["sparsity_delta"], rtol=1e-12)
        np.testing.assert_allclose(np.multiply(hidden["dE_dout_plus_sparsity"],
                                               hidden["fprime"]), hidden["delta"], rtol=1e-14)
        assert "dE_dout_plus_sparsity" not in output
    assert list(doc["examples"][0]["layers"][0])[:6] == [
        "layer", "input", "net", "out", "dE_dout", "dE_dout_plus_sparsity"]


def test_without_rho_the_hidden_column_keeps_its_plain_label(capsys):
    text = _out([*ARGS, "--notation", "ufldl"], capsys)
    assert "sparsity" not in text
    assert re.split(r"\s{2,}", _header(text, "f'(z^(2)) =").strip())[1] == "dE_i/da^(2)"
    assert "delta^(2) = dE_i/da^(2) * f'(z^(2))" in text
    doc = json.loads(_out([*ARGS, "--notation", "ufldl", "--format", "json"], capsys))
    assert all("dE_dout_plus_sparsity" not in layer and "dE_dout" in layer
               for e in doc["examples"] for layer in e["layers"])
