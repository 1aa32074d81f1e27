"""``chainrule train``'s data options with an Embedding first layer (robust27).

An Embedding first layer (``--layers``) takes its columns as indices into its table.
``--impute mean`` filled a missing index with the column's mean, a fraction, which the
layer refused only as the run began ("X must hold integer indices"); ``--categorical``
one-hot encoded an index column into 0/1 columns, read as the indices 0 and 1 at
positions of their own, and trained without a word (as did a column of text, encoded
so by default).  Now each is refused before DATA is read, naming the option and why;
``--impute most_frequent`` and ``constant`` (an index) still fill with an index.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule.io as cr_io
import chainrule.tabular as tabular
from chainrule.cli import main

LAYERS = json.dumps([{"type": "Embedding", "num_embeddings": 5, "embedding_dim": 3},
                     {"type": "Dense", "fan_out": 8, "activation": "tanh"}])


def _write(path, X, y, missing=None):
    with open(path, "w") as fh:
        fh.write("c0,c1,c2,next\n")
        for i, (row, target) in enumerate(zip(X, y, strict=True)):
            cells = [str(v) for v in row]
            if missing is not None and i == missing[0]:
                cells[missing[1]] = ""
            fh.write(",".join(cells) + f",{target}\n")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("embedding")
    rng = np.random.default_rng(2703)
    X = rng.integers(0, 5, size=(60, 3))
    y = (X[:, 0] + X[:, 2]) % 3
    _write(folder / "full.csv", X, y)
    _write(folder / "gap.csv", X, y, missing=(5, 1))
    return folder, X, y


def _train(folder, data_file, *options):
    return main(["train", str(folder / data_file), "--target", "next", "--layers", LAYERS,
                 "--epochs", "3", "-q", "-o", str(folder / "m.npz"), *options])


@pytest.mark.parametrize(("options", "words"), [
    (["--impute", "mean"], "--impute mean: an Embedding first layer (--layers) takes its "
     "columns as indices into its table of 5 rows, 0 to 4; a missing cell filled with the "
     "column's mean is no index of it; use --impute most_frequent"),
    (["--impute", "median"], "--impute median: an Embedding first layer"),
    (["--impute", "most_frequent", "--missing-indicator"],
     "--missing-indicator: an Embedding first layer"),
    (["--impute", "constant", "--fill-value", "2.5"], "--fill-value 2.5: an Embedding"),
    (["--impute", "constant", "--fill-value", "5"], "--fill-value 5: an Embedding"),
])
def test_impute_options_that_give_no_index_are_refused_before_reading(data, capsys, monkeypatch,
                                                                       options, words):
    folder, _, _ = data
    read = []
    real = tabular.read_data
    monkeypatch.setattr(tabular, "read_data", lambda *a, **k: read.append(1) or real(*a, **k))
    capsys.readouterr()
    assert _train(folder, "gap.csv", *options) == 2
    err = capsys.readouterr().err
    assert words in err
    assert read == []  # before DATA was read, so before any training
    assert not (folder / "m.npz").exists()


@pytest.mark.parametrize(("options", "fill"), [
    (["--impute", "most_frequent"], None), (["--impute", "constant", "--fill-value", "4"], 4)])
def test_most_frequent_and_constant_fill_an_index(data, options, fill):
    folder, X, _ = data
    assert _train(folder, "gap.csv", *options) == 0
    record = cr_io.load_metadata(folder / "m.npz")["impute"]["fill"]["c1"]
    if fill is None:  # the index the training rows hold most often (ties: the smallest)
        values, counts = np.unique(np.delete(X[:, 1], 5), return_counts=True)
        fill = values[counts == counts.max()].min()
    assert record == fill
    (folder / "m.npz").unlink()


def test_categorical_is_refused_and_text_not_one_hot_encoded(data, capsys, tmp_path):
    folder, X, y = data
    capsys.readouterr()
    assert _train(folder, "full.csv", "--categorical", "c1") == 2
    assert ("--categorical c1: an Embedding first layer (--layers) takes its columns as "
            "indices into its table; one-hot encoded") in capsys.readouterr().err
    assert not (folder / "m.npz").exists()
    text = tmp_path / "text.csv"  # a column of text: refused by name, not one-hot encoded
    text.write_text("c0,c1,c2,next\n" + "".join(
        f"{'abcde'[a]},{b},{c},{t}\n" for (a, b, c), t in zip(X, y, strict=True)))
    assert main(["train", str(text), "--target", "next", "--layers", LAYERS, "--epochs", "3",
                 "-q", "-o", str(tmp_path / "m.npz")]) == 2
    assert "column 'c0': not a number" in capsys.readouterr().err
