"""A model trained on an NPZ file's X without feature_names (its features named by
position, x0 to x{n-1}) given a CSV file whose header names the columns otherwise: the
refusal says what to do, and doing it predicts as the NPZ file of the same rows does."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.cli import main


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    d = tmp_path_factory.mktemp("positional")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    np.savez(d / "train.npz", X=X, y=y)
    assert main(["train", str(d / "train.npz"), "--hidden", "3", "--epochs", "2", "-q",
                 "-o", str(d / "m.npz")]) == 0
    return d, X


def _csv(path, header, X):
    with open(path, "w") as fh:
        fh.write(",".join(header) + "\n")
        for row in X:
            fh.write(",".join(repr(float(v)) for v in row) + "\n")


def test_a_header_of_other_names_is_refused_saying_how_to_name_the_columns(model, capsys):
    d, X = model
    _csv(d / "pixels.csv", [f"p{i}" for i in range(4)], X[:5])
    assert main(["predict", str(d / "m.npz"), str(d / "pixels.csv")]) == 2
    err = capsys.readouterr().err
    # the old message named the missing columns x0 ... and stopped there
    assert "missing columns 'x0', 'x1', 'x2', 'x3'" in err
    assert "named by position, x0 to x3" in err
    assert "give the CSV header those names" in err


def test_the_header_named_as_said_predicts_as_the_npz_file_of_the_same_rows(model, capsys):
    d, X = model
    _csv(d / "named.csv", [f"x{i}" for i in range(4)], X[:7])
    np.savez(d / "rows.npz", X=X[:7])
    capsys.readouterr()
    assert main(["predict", str(d / "m.npz"), str(d / "named.csv"), "--proba"]) == 0
    from_csv = capsys.readouterr().out
    assert main(["predict", str(d / "m.npz"), str(d / "rows.npz"), "--proba"]) == 0
    from_npz = capsys.readouterr().out
    assert from_csv == from_npz and len(from_csv.splitlines()) == 8


def test_a_model_of_named_columns_keeps_its_message(tmp_path, capsys):
    """Columns named by the user (a CSV's header) get no positional advice."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 2))
    _csv(tmp_path / "a.csv", ["u", "v"], X)
    rows = (tmp_path / "a.csv").read_text().splitlines()
    lines = [rows[0] + ",t"] + [r + f",{i % 2}" for i, r in enumerate(rows[1:])]
    (tmp_path / "a.csv").write_text("\n".join(lines) + "\n")
    assert main(["train", str(tmp_path / "a.csv"), "--hidden", "2", "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    _csv(tmp_path / "b.csv", ["p", "q"], X[:3])
    assert main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "b.csv")]) == 2
    err = capsys.readouterr().err
    assert "missing columns 'u', 'v'" in err and "by position" not in err
