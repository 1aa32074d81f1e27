"""A feature column of numbers exported with thousands separators (``"1,287"``, quoted)
or a currency sign.  Before, a column where only some cells had a separator was called
"both numbers and text" with the advice to name it categorical, and a column where every
cell had one was refused as an ID of too many categories, with the advice to leave it
out: neither says that the cells are numbers to be written plainly.  The references are
the cells formatted here with Python's ``format(v, ",")``.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.cli import main


def _write(path, sqft: list[str]) -> None:
    rng = np.random.default_rng(0)
    rows = ["sqft,x,y"] + [f"\"{s}\",{rng.normal():.3f},{'ab'[i % 2]}"
                           for i, s in enumerate(sqft)]
    path.write_text("\n".join(rows) + "\n")


@pytest.mark.parametrize("start", [500, 1000])  # some cells with a separator, or all
def test_numbers_with_thousands_separators_are_named(tmp_path, capsys, start):
    values = list(range(start, start + 150 * 7, 7))
    cells = [format(v, ",") for v in values]
    assert any("," in c for c in cells)
    _write(tmp_path / "d.csv", cells)
    assert main(["train", str(tmp_path / "d.csv"), "-q", "-o", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    first = sorted(c for c in cells if "," in c)[0]
    assert f"its cells such as {first!r} are numbers written with separators" in err
    assert "write them as plain numbers" in err
    assert "--categorical" not in err and "leave the column out" not in err
    assert "Traceback" not in err


def test_a_stray_word_among_numbers_keeps_its_advice(tmp_path, capsys):
    cells = [str(v) for v in range(1, 31)]
    cells[4] = "five"
    _write(tmp_path / "d.csv", cells)
    assert main(["train", str(tmp_path / "d.csv"), "-q", "-o", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    assert "not a number: 'five'; the column holds both numbers and text" in err
    assert "--categorical sqft" in err
