"""A value beyond float32's range in the data of a ``--dtype float32`` model: predict and
evaluate name the cell by the file's line (the header is line 1, blank lines and the lines
of a quoted cell counted), or an NPZ file's row, as train does; not as an X row from 0."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.cli import main

LIMIT = f"{float(np.finfo(np.float32).max):.7g}"  # 3.402823e+38


@pytest.fixture
def float32_model(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 2))
    rows = "".join(f"note,{a},{b},{a + b}\n" for a, b in X)
    data = tmp_path / "train.csv"
    data.write_text("note,a,b,y\n" + rows)
    model = tmp_path / "m.npz"
    assert main(["train", str(data), "--target", "y", "--features", "a", "b", "--dtype",
                 "float32", "--hidden", "2", "--epochs", "1", "-q", "-o", str(model)]) == 0
    return model


# a quoted cell over three lines, a blank line, then the row of the cell beyond float32
TEXT = 'note,a,b,y\n"two\nlines",1,2,3\n\n,4,5,6\n"p\n\nq",7,1e39,8\n'


def _line_of_row(text: str, start: str) -> int:
    """The line (from 1) on which the row beginning ``start`` begins: counted by hand."""
    return text[:text.index(start)].count("\n") + 1


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_beyond_float32_names_the_files_line(float32_model, tmp_path, capsys, command):
    data = tmp_path / "new.csv"
    data.write_text(TEXT)
    line = _line_of_row(TEXT, '"p\n')
    assert line == 6  # header 1, quoted cell 2-3, blank 4, row 5; the row's cell 6-8
    capsys.readouterr()
    assert main([command, str(float32_model), str(data)]) != 0
    err = capsys.readouterr().err
    assert (f"new.csv line {line}, column 'b': 1e+39 is beyond the range of float32 "
            f"(magnitudes up to {LIMIT}), in which this model computes (trained with "
            "--dtype float32)") in err
    assert "from 0" not in err
    # train names the same line
    assert main(["train", str(data), "--target", "y", "--features", "a", "b", "--dtype",
                 "float32", "-q", "-o", str(tmp_path / "m2.npz")]) != 0
    assert f"new.csv line {line}, column 'b': 1e+39 is beyond" in capsys.readouterr().err


def test_beyond_float32_names_the_npz_files_row(float32_model, tmp_path, capsys):
    X = np.array([[1.0, 2.0], [3.0, -2e39], [0.0, 0.0]])
    data = tmp_path / "new.npz"
    np.savez(data, X=X, feature_names=np.array(["a", "b"]))
    capsys.readouterr()
    assert main(["predict", str(float32_model), str(data)]) != 0
    err = capsys.readouterr().err
    assert "new.npz row 1, column 'b': -2e+39 is beyond the range of float32" in err
