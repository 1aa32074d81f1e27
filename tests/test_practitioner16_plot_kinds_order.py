"""``chainrule plot --help`` lists the kinds of picture in the README's order: the
model's own pictures (loss, weights), then those drawn on DATA (confusion, regions,
misclassified, predicted, pr), as README's "## Command line" lists them."""

from __future__ import annotations

import re
from pathlib import Path

from test_cli import run_main


def _readme_kinds() -> list[str]:
    text = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    line = next(s for s in text.splitlines() if "chainrule plot loss" in s and "also:" in s)
    also = line.split("also:", 1)[1]
    return ["loss"] + [part.split()[0] for part in also.split(",")]


def test_help_and_readme_list_the_kinds_in_one_order(capsys):
    code, out, _ = run_main(capsys, "plot", "--help")
    assert code == 0
    choices = re.search(r"\{(loss,[a-z,]+)\}", out).group(1).split(",")
    assert choices == _readme_kinds() == ["loss", "weights", "confusion", "regions",
                                          "misclassified", "predicted", "pr",
                                          "calibration"]
    described = [k for k in re.findall(r"\b([a-z]+): ", " ".join(out.split())) if k in choices]
    assert described[:8] == choices  # the description says them in that order too
