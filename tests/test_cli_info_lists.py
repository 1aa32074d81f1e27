"""``chainrule info`` lists class labels, columns and categories joined by commas; a
category that holds a comma itself (``"South, West"``, a quoted CSV field) must not read
as two.  The reference is the CSV module's reading of the file written here.
"""

from __future__ import annotations

import ast
import csv
import io

from chainrule.cli import main


def _write_regions(path) -> list[str]:
    """A CSV file of a region column (one category with a comma, quoted), x and y; returns
    the region's distinct categories as the csv module reads them, sorted."""
    regions = ["Central", "North East", "South, West"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["region", "x", "y"])
    for i in range(30):
        writer.writerow([regions[i % 3], i / 10, "ab"[(i // 3) % 2]])
    path.write_text(buf.getvalue())
    with open(path, newline="") as f:
        return sorted({row["region"] for row in csv.DictReader(f)})


def test_info_quotes_categories_holding_a_comma(tmp_path, capsys):
    expected = _write_regions(tmp_path / "train.csv")
    assert main(["train", str(tmp_path / "train.csv"), "--target", "y", "--hidden", "4",
                 "--epochs", "2", "--val-fraction", "0", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    capsys.readouterr()
    assert main(["info", str(tmp_path / "m.npz")]) == 0
    (line,) = [s for s in capsys.readouterr().out.splitlines()
               if s.startswith("categorical column 'region'")]
    listed = line.split(": ", 1)[1]
    # the list reads back as exactly the file's three categories, not four texts
    assert list(ast.literal_eval(f"[{listed}]")) == expected
    assert len(expected) == 3


def test_info_leaves_plain_categories_unquoted(tmp_path, capsys):
    rows = ["color,x,y"] + [f"{'rgb'[i % 3]},{i},{'ab'[i % 2]}" for i in range(30)]
    (tmp_path / "train.csv").write_text("\n".join(rows) + "\n")
    assert main(["train", str(tmp_path / "train.csv"), "--target", "y", "--hidden", "4",
                 "--epochs", "2", "--val-fraction", "0", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    capsys.readouterr()
    assert main(["info", str(tmp_path / "m.npz")]) == 0
    assert "categorical column 'color' (one-hot, 3 categories): b, g, r" in (
        capsys.readouterr().out)
