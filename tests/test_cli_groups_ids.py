"""``--groups COLUMN``'s IDs compared as pandas groups them: a column of numbers as
numbers (``1``, ``1.0`` and `` 1`` one group), a column of text as stripped text."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest

from chainrule.cli import _parse, main


def _write(path, groups: list[str], seed: int = 0) -> str:
    """A CSV file of the groups' cells as given, a feature and a target."""
    rng = np.random.default_rng(seed)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["g", "a", "y"])
        for cell in groups:
            writer.writerow([cell, repr(float(rng.normal())), repr(float(rng.normal()))])
    return str(path)


NUMBERS = ["1", "1.0", " 1", "2", "2.00", "1e0", "3", " 3 ", "-0", "0.0", "10", "10.5"]
TEXT = ["a", " a", "a ", "b", "B", "b1", " b1 ", "c", "1", "1.0"]


def _pandas_codes(path: str) -> np.ndarray:
    """pandas' groups of the column g: its numbers as read, text stripped."""
    g = pd.read_csv(path)["g"]
    if not pd.api.types.is_numeric_dtype(g):
        g = g.str.strip()
    return g.groupby(g, sort=True).ngroup().to_numpy()


@pytest.mark.parametrize("cells", [NUMBERS, TEXT], ids=["numbers", "text"])
def test_groups_of_a_csv_column_are_pandas_groups(tmp_path, capsys, cells):
    cells = cells * 3
    data = _write(tmp_path / "d.csv", cells)
    from chainrule._cli_models_cv import setup

    table = setup(_parse(["cv", data, "--groups", "g", "--target", "y", "--folds", "3"]))[0]
    _, codes = np.unique(table.groups, return_inverse=True)
    expected = _pandas_codes(data)
    assert np.array_equal(codes, expected)
    capsys.readouterr()
    assert main(["cv", data, "--groups", "g", "--target", "y", "--folds", "3",
                 "--hidden", "3", "--epochs", "2", "--json", "-q"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["groups"]["count"] == int(expected.max()) + 1


def test_integer_ids_past_float_precision_stay_apart():
    """IDs past 2**53 (and past int64) that one float would merge: pandas' groups."""
    from chainrule._cli_groups import group_ids

    cells = np.array(["9007199254740993", "9007199254740992", "12345678901234567890",
                      "12345678901234567891", " 9007199254740993"])
    g = pd.read_csv(io.StringIO("g\n" + "\n".join(cells)))["g"]
    expected = g.groupby(g, sort=True).ngroup().to_numpy()
    _, codes = np.unique(group_ids(cells), return_inverse=True)
    assert np.array_equal(codes, expected)


def test_an_npz_array_of_numbers_is_compared_as_numbers(tmp_path, capsys):
    rng = np.random.default_rng(1)
    groups = np.tile([1.0, 2.0, 3.0, 4.0], 6)
    np.savez(tmp_path / "d.npz", X=rng.normal(size=(24, 2)), y=rng.normal(size=24),
             g=groups)
    capsys.readouterr()
    assert main(["cv", str(tmp_path / "d.npz"), "--groups", "g", "--folds", "2",
                 "--hidden", "3", "--epochs", "2", "--json", "-q"]) == 0
    assert json.loads(capsys.readouterr().out)["groups"]["count"] == len(np.unique(groups))
