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
