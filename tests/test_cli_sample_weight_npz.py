"""``--sample-weight NAME`` of an NPZ data file: a name the file lacks is refused naming
the argument and the arrays the file holds; a NaN weight naming the argument, the row
(from 0, an NPZ file's rows) and what a weight must be; in train, cv and evaluate alike."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.cli import main


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 2))
    w = np.ones(30)
    bad = w.copy()
    bad[7] = np.nan
    path = tmp_path / "d.npz"
    np.savez(path, X=X, y=X.sum(axis=1), w=w, bad=bad)
    model = tmp_path / "m.npz"
    assert main(["train", str(path), "--sample-weight", "w", "--epochs", "1", "-q", "-o",
                 str(model)]) == 0
    return path, model


def _argv(command: str, path, model, name: str) -> list[str]:
    tail = ["--sample-weight", name]
    if command == "evaluate":
        return ["evaluate", str(model), str(path), *tail]
    more = ["--epochs", "1", "-q"] + (["--folds", "2"] if command == "cv" else
                                      ["-o", str(model.with_name("out.npz"))])
    return [command, str(path), *tail, *more]


@pytest.mark.parametrize("command", ["train", "cv", "evaluate"])
def test_npz_weight_missing_or_nan_is_refused_naming_it(data, capsys, command):
    path, model = data
    capsys.readouterr()
    assert main(_argv(command, path, model, "nope")) == 2
    err = capsys.readouterr().err
    assert "--sample-weight nope: " in err
    assert f"{path}: no array named 'nope' (arrays: X, y, w, bad)" in err
    assert main(_argv(command, path, model, "bad")) == 2
    err = capsys.readouterr().err
    row = int(np.flatnonzero(np.isnan(np.load(path)["bad"]))[0])  # 7
    assert (f"--sample-weight bad: {path} row {row}: the weight is nan; expected a finite "
            "number >= 0") in err
    assert "Traceback" not in err
