"""read_data's one pass of ``float`` over a CSV file's feature cells against NumPy's cast of
the cells' text to float64, column by column (the reading it replaced), on generated files:
numbers in many spellings, quoted cells, text labels, targets among the features."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from chainrule.tabular import read_data


def _spell(v: float, rng: np.random.Generator) -> str:
    """One of the many ways a CSV file writes the number ``v``."""
    k = int(rng.integers(12))
    if k == 0:
        return repr(v)
    if k == 1:
        return f"{v:e}"
    if k == 2:
        return f"{v:.3E}"
    if k == 3:
        return str(round(v))
    if k == 4:
        return ("+" if v >= 0 else "") + f"{v:.6g}"
    if k == 5:  # ".5", "-.25": no leading zero
        text = f"{v:.4f}"
        return text.replace("0.", ".", 1) if text.lstrip("-").startswith("0.") else text
    if k == 6:
        return f"  {v:.17g}\t"
    if k == 7:
        return f"{v:.2f}".rstrip("0")  # "3." as well
    if k == 8:
        return f"{int(abs(v) * 1000):_d}"  # underscores, as float() and NumPy read them
    if k == 9:
        return f"{v:.1e}".replace("e", "E").replace("+0", "+")
    if k == 10:
        return "-0" if rng.random() < 0.5 else "0.0"
    return f"{v:.30f}"


def _reference(path) -> tuple[list[str], np.ndarray]:
    """The file's header and cells, as the csv module reads them, blank rows left out."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = [row for row in csv.reader(fh) if any(cell.strip() for cell in row)]
    return [c.strip() for c in rows[0]], np.array(rows[1:], dtype=str)


def _write(path, rng: np.random.Generator, n: int, d: int, quote: float, blank: bool) -> None:
    values = rng.normal(scale=10.0 ** rng.integers(-3, 6), size=(n, d))
    labels = ["cat", "01", "1", "1.0", " dog ", "a,b"]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator=rng.choice(["\n", "\r\n"]))
        w.writerow([*(f"x{j}" for j in range(d)), "label"])
        for i in range(n):
            cells = [_spell(float(v), rng) for v in values[i]]
            cells = [f'"{c}"' if rng.random() < quote else c for c in cells]
            label = str(rng.choice(labels))
            fh.write(",".join(cells) + "," + ('"a,b"' if label == "a,b" else label)
                     + ("\r\n" if i % 2 else "\n"))
            if blank and i == n // 2:
                fh.write(" , " + ",".join([""] * d) + "\n")


@pytest.mark.parametrize("seed", range(12))
def test_features_and_labels_equal_numpys_cast_of_each_column(tmp_path, seed):
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(1, 40)), int(rng.integers(1, 9))
    path = tmp_path / "data.csv"
    _write(path, rng, n, d, quote=0.2 * (seed % 3), blank=seed % 2 == 1)
    header, cells = _reference(path)
    table = read_data(path)
    want = np.column_stack([cells[:, j].astype(np.float64) for j in range(d)])
    assert table.X.dtype == np.float64 and table.X.shape == (n, d)
    # bit for bit: -0.0 and the last digit of long spellings alike
    assert table.X.tobytes() == want.tobytes()
    assert table.y.dtype.kind == "U"
    assert table.y.tolist() == [c.strip() for c in cells[:, -1]]
    assert table.feature_names == header[:-1] and table.target_name == "label"
    # features named out of order, the target among the columns before them
    names = [f"x{j}" for j in range(d)][::-1]
    picked = read_data(path, target="x0" if d > 1 else None, features=names[:-1] or None)
    cols = [int(n[1:]) for n in (names[:-1] or ["x0"])]
    assert picked.X.tobytes() == np.column_stack([want[:, j] for j in cols]).tobytes()


@pytest.mark.parametrize("bad", ["", "  ", "nan", "NaN", "inf", "-Infinity", "1e400", "abc",
                                 "?", "0x10", "1,5"])
def test_a_cell_that_is_no_finite_number_is_named_as_before(tmp_path, bad):
    """The first bad cell of the first column that has one (columns in the features'
    order), whatever cells of later columns come first in the file."""
    rng = np.random.default_rng(len(bad))
    rows = [[_spell(float(v), rng) for v in rng.normal(size=3)] + ["a"] for _ in range(6)]
    rows[1][2] = "zzz"  # a bad cell of a later column, on an earlier line
    rows[4][1] = bad
    path = tmp_path / "bad.csv"
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([["p", "q", "r", "t"], *rows])
    with pytest.raises(ValueError) as info:
        read_data(path)
    message = str(info.value)
    assert message.startswith(f"{path} line 6, column 'q': ")  # the header is line 1
    text = bad.strip()
    if not text:
        assert message.endswith("missing value")
    elif text == "?":
        assert "missing value (written '?')" in message
    elif text in ("0x10", "1,5", "abc"):
        assert f"not a number: {text!r}" in message
    else:
        assert message.endswith(f"not a finite number: {text!r}")


def test_text_target_and_numbers_in_one_column_of_labels(tmp_path):
    """Labels "01", "1" and "1.0" stay three texts; features with a NUL-free, BOM-led file."""
    path = tmp_path / "labels.csv"
    path.write_bytes("\ufeffa, b ,y\r\n1,2,01\r\n3,4,1\r\n5,6,1.0\r\n".encode())
    table = read_data(path)
    assert table.feature_names == ["a", "b"]
    assert table.X.tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    assert table.y.tolist() == ["01", "1", "1.0"]
    assert table.lines.tolist() == [2, 3, 4]


def test_one_long_label_does_not_widen_every_cell(tmp_path):
    """One label of 1,000 characters among 1,000 rows of 20 numbers: the reader held every
    cell as text as wide as the widest (1,000 x 21 x 4,000 bytes, 84 MB) to parse the
    numbers; their floats and the labels' column take 4 MB."""
    import tracemalloc

    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 20))
    labels = ["a"] * 999 + ["b" * 1000]
    path = tmp_path / "long.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*(f"x{j}" for j in range(20)), "label"])
        w.writerows([*map(repr, row.tolist()), t] for row, t in zip(X, labels, strict=True))
    tracemalloc.start()
    try:
        table = read_data(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert table.X.tobytes() == X.tobytes() and table.y.tolist() == labels
    assert peak < 30e6, peak


@pytest.mark.parametrize("seed", range(4))
def test_numbers_beside_a_categorical_column_take_the_one_pass(tmp_path, seed, monkeypatch):
    """A file of numbers and a categorical column: each column of numbers was made a
    string array and looked over twice for text (read_data took 3.5 times as long as
    for the same file without the column); now the numbers are read in one pass of
    ``float``, NumPy's cast of their cells bit for bit, and only the categorical column
    is text (its labels, numbers among them, categories as written)."""
    import chainrule._tabular_categories as categories

    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(2, 40)), int(rng.integers(2, 9))
    path = tmp_path / "data.csv"
    _write(path, rng, n, d, quote=0.2 * (seed % 3), blank=seed % 2 == 1)
    header, cells = _reference(path)
    looked_at = []
    kind = categories.column_kind
    monkeypatch.setattr(categories, "column_kind",
                        lambda col: looked_at.append(col.tolist()) or kind(col))
    table = read_data(path, target="x0", categorical=["label"])
    labels = np.char.strip(cells[:, -1])
    found = sorted(set(labels.tolist()))
    want = np.column_stack([*(cells[:, j].astype(np.float64) for j in range(1, d)),
                            *((labels == c).astype(np.float64) for c in found)])
    assert table.X.tobytes() == want.tobytes()
    assert table.feature_names == [*header[1:d], *(f"label={c}" for c in found)]
    assert table.categories == {"label": found}
    assert looked_at == []  # no column of numbers taken for text
