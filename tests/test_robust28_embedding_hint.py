"""``chainrule train``'s refusal of DATA cells that are no index of an Embedding first
layer (robust28).

An Embedding first layer (``--layers``) takes its columns as indices into its table,
whole numbers ``0 .. num_embeddings - 1``.  A cell of text was refused with the reader's
advice for a network of numbers ("one-hot encode a column of categories first", or
``--categorical``), both refused for an Embedding model; a fraction, a negative number or
one past the table was refused only as the run began, by the layer, at its position in a
shuffled training batch ("X must hold integer indices, got np.float64(2.5) at (19, 0)"),
after the summary was printed.  Now each is refused as DATA is read, naming the file's
line (an NPZ file's row) and column, the cell, and the indices the layer takes.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.cli import main

LAYERS = json.dumps([{"type": "Embedding", "num_embeddings": 5, "embedding_dim": 2},
                     {"type": "Dense", "fan_out": 4, "activation": "tanh"}])
TAKES = ("an Embedding first layer (--layers) takes each column's values as indices into "
         "its table, whole numbers 0 to 4 (num_embeddings 5)")


def _csv(path, bad_row, bad_cell):
    rng = np.random.default_rng(2801)
    X = rng.integers(0, 5, size=(30, 2))
    cells = [[str(v) for v in row] for row in X]
    cells[bad_row][1] = bad_cell
    path.write_text("c0,c1,y\n" + "".join(
        f"{a},{b},{t}\n" for (a, b), t in zip(cells, X[:, 0] % 2, strict=True)))
    return path


def _train(capsys, data, out):
    capsys.readouterr()
    code = main(["train", str(data), "--target", "y", "--layers", LAYERS, "--epochs", "2",
                 "-o", str(out)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_text_cell_is_told_the_indices_not_one_hot_encoding(tmp_path, capsys):
    data = _csv(tmp_path / "d.csv", 6, "red")  # row 6: line 8 (the header is line 1)
    code, out, err = _train(capsys, data, tmp_path / "m.npz")
    assert code == 2 and out == ""
    assert (f"{data} line 8, column 'c1': not a number: 'red'; {TAKES}: write the column's "
            "categories as those indices") in err
    assert "one-hot encode a column" not in err and "(--categorical c1" not in err
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize(("cell", "shown"), [("2.5", "2.5"), ("-1", "-1.0"), ("5", "5.0")])
def test_a_number_that_is_no_index_is_named_before_training(tmp_path, capsys, cell, shown):
    data = _csv(tmp_path / "d.csv", 11, cell)  # line 13
    code, out, err = _train(capsys, data, tmp_path / "m.npz")
    assert code == 2
    assert out == ""  # refused as DATA is read: no summary, no layer table
    assert err.strip() == f"chainrule: error: {data} line 13, column 'c1': {shown} is no index; " \
        f"{TAKES}"


def test_an_npz_file_names_the_row(tmp_path, capsys):
    X = np.random.default_rng(2802).integers(0, 5, size=(20, 2)).astype(float)
    X[9, 0] = 0.5
    np.savez(tmp_path / "d.npz", X=X, y=(X[:, 1] > 2).astype(int))
    code, _, err = _train(capsys, tmp_path / "d.npz", tmp_path / "m.npz")
    assert code == 2
    assert f"{tmp_path / 'd.npz'} row 9, column 'x0': 0.5 is no index; {TAKES}" in err


def test_indices_and_a_filled_gap_still_train(tmp_path, capsys):
    data = _csv(tmp_path / "d.csv", 3, "4")
    code, _, err = _train(capsys, data, tmp_path / "m.npz")
    assert code == 0 and "error" not in err
    gap = _csv(tmp_path / "gap.csv", 3, "")
    capsys.readouterr()
    assert main(["train", str(gap), "--target", "y", "--layers", LAYERS, "--epochs", "2",
                 "-q", "--impute", "most_frequent", "-o", str(tmp_path / "g.npz")]) == 0
