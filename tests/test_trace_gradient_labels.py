"""A trace names each gradient one way: the weight table's column says what the formulas
above it say (dE/dw or dJ/dw, as the notation's symbols give), in one-example and
mini-batch traces alike; it said "gradient" in a one-example trace, "dJ/dw" in a batch."""

from __future__ import annotations

import re

import pytest

from chainrule.cli import main
from chainrule.tracing._vector_layout import _NAMES

ONE = ["trace", "--preset", "transfer-example"]
BATCH = [*ONE, "--input", "0", "1", "--input", "1", "0", "--target", "1", "--target", "0"]
DECAY = ["--weight-decay", "0.1"]


def _text(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(args) == 0
    return capsys.readouterr().out


def _columns(text: str) -> list[list[str]]:
    """The weight tables' headers, split at runs of two or more spaces."""
    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()
            if line.strip().startswith("weight ")]


@pytest.mark.parametrize("notation", ["transfer", "ufldl"])
@pytest.mark.parametrize("decay", [False, True])
@pytest.mark.parametrize("batch", [False, True])
def test_the_weight_table_names_the_gradient_as_the_formulas_do(notation, decay, batch,
                                                                 capsys):
    args = [*(BATCH if batch else ONE), "--notation", notation, *(DECAY if decay else [])]
    text = _text(args, capsys)
    # the symbols: one example's loss is the notation's E (UFLDL calls it J); what the
    # step descends is the cost J when a decay is added, and a batch's mean is J too
    g = "J" if decay or batch else _NAMES[notation].E
    label = f"d{g}/dw"
    headers = _columns(text)
    assert len(headers) == 2  # one table per layer
    for header in headers:
        assert header == ["weight", "value", label, f"new value (value - 1 * {label})"]
    if notation == "transfer":  # the matrix formula names the same derivative
        assert re.search(rf"^  d{g}/dW0 = ", text, re.M)
        assert re.search(rf"^  d{g}/dW1 = ", text, re.M)
    md = _text([*args, "--format", "markdown"], capsys)
    assert rf"\partial {g} / \partial w" in md and r"\text{gradient}" not in md


def test_a_ufldl_batch_writes_every_gradient_as_grad_like_its_one_example_trace(capsys):
    """The UFLDL batch trace headed a layer "grad_W^(1) E_i = delta^(2) a^(1)^T" and then
    printed "dE_1/dW^(1) = ...", "dJ/dW^(1) = (1/m) sum_i dE_i/dW^(1) ...": two notations
    for one array.  UFLDL writes grad_W^(l) J, as its one-example trace does."""
    args = [*BATCH, "--notation", "ufldl", *DECAY]
    text = _text(args, capsys)
    gradients = text.split("\nGradients")[1].split("\nAfter the update")[0]
    m = 2
    # the arrays' names, as the one-example UFLDL trace writes its gradients of J
    one = _text([*ONE, "--notation", "ufldl", *DECAY], capsys)
    names = re.findall(r"^  grad_(\S+) J = \[", one, re.M)
    assert names == ["W^(1)", "b^(1)", "W^(2)", "b^(2)"]
    for name in names:
        for i in range(1, m + 1):
            assert re.search(rf"^  grad_{re.escape(name)} E_{i} = \[", gradients, re.M), name
        mean = f"(1/m) sum_i grad_{name} E_i"
        assert f"  {mean} = [" in gradients or f"  grad_{name} J = {mean} = [" in gradients
        assert f"  grad_{name} J = {mean}" in gradients
        assert f"  new {name} = {name} - alpha * grad_{name} J = [" in gradients
    # no d.../d<array> spelling is left (the weight table's dJ/dw is per entry, as UFLDL's
    # partial derivatives of J are)
    assert not re.search(r"d(E_\w+|J)/d[Wb]\^", gradients), gradients
    md = _text([*args, "--format", "markdown"], capsys)
    assert r"\nabla_{W^{(1)}} E_{1}" in md and r"\nabla_{b^{(2)}} J" in md
    assert r"\frac{\partial E_{1}}{\partial W^{(1)}}" not in md
