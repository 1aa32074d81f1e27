"""A CSV written by pandas' ``DataFrame.to_csv()`` (``index=True``, its default) starts
with the row index under an empty header cell.  ``predict``, ``evaluate`` and
``importance`` refused such a file although the model names its columns and never needs
that one, and so did ``train --features``, which the README's advice ("leave it out with
--features") relied on.  An unnamed column is now refused only where it would be taken
(train's default features, every column but the target) and otherwise left out as any
column not named is.

Reference: the same frame written with ``index=False``, which every command read before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chainrule.cli import main


@pytest.fixture
def frames(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 3))
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["y"] = (X[:, 0] - X[:, 2] + 0.3 * rng.normal(size=120) > 0).astype(int)
    frame.index = np.arange(1000, 1120)  # an index that is no row number
    clean, indexed = tmp_path / "clean.csv", tmp_path / "indexed.csv"
    frame.to_csv(clean, index=False)
    frame.to_csv(indexed)
    assert indexed.read_text().startswith(",a,b,c,y\n")  # pandas' unnamed index column
    model = tmp_path / "m.npz"
    assert main(["train", str(clean), "--hidden", "5", "--epochs", "5", "-q",
                 "-o", str(model)]) == 0
    return clean, indexed, model


def _out(capsys, argv):
    capsys.readouterr()
    assert main(argv) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_predict_evaluate_importance_leave_the_index_out(frames, tmp_path, capsys):
    clean, indexed, model = frames
    for command in (["predict", "--proba"], ["evaluate"], ["importance"]):
        want = _out(capsys, [command[0], str(model), str(clean), *command[1:]])
        got = _out(capsys, [command[0], str(model), str(indexed), *command[1:]])
        # all but the first line, which names the file (and the clean one, by its bytes, as
        # the training data)
        assert got.splitlines()[1:] == want.splitlines()[1:] and len(want) > 100, command
    # the index with no target column either: predict's usual new data
    pd.read_csv(indexed, index_col=0).drop(columns="y").to_csv(tmp_path / "new.csv")
    assert (_out(capsys, ["predict", str(model), str(tmp_path / "new.csv")])
            == _out(capsys, ["predict", str(model), str(clean)]))


def test_train_takes_it_with_features_named_and_refuses_it_as_a_feature(frames, tmp_path,
                                                                       capsys):
    clean, indexed, _ = frames
    runs = {}
    for name, path in (("clean", clean), ("indexed", indexed)):
        out = tmp_path / f"{name}.npz"
        assert main(["train", str(path), "--features", "a", "b", "--target", "y",
                     "--hidden", "4", "--epochs", "5", "-q", "-o", str(out)]) == 0
        runs[name] = _out(capsys, ["predict", str(out), str(clean), "--proba"])
    assert runs["indexed"] == runs["clean"]  # the same rows, the same seed: the same model
    # every column but the target would make the index a feature named "": refused
    capsys.readouterr()
    assert main(["train", str(indexed), "-q", "-o", str(tmp_path / "x.npz")]) == 2
    err = capsys.readouterr().err
    assert "column 1 has no name (pandas' DataFrame.to_csv" in err
    # both ways out: index=False (the clean file) and --features (the runs above)
    assert "write the file with index=False, or leave the column out" in err
    assert "naming the features to take with --features" in err
    assert not (tmp_path / "x.npz").exists()


def test_two_unnamed_columns_are_left_out_too(frames, tmp_path, capsys):
    clean, _, model = frames
    frame = pd.read_csv(clean)
    frame.index = pd.MultiIndex.from_arrays([np.arange(120) // 10, np.arange(120) % 10])
    frame.to_csv(tmp_path / "two.csv")
    assert (tmp_path / "two.csv").read_text().startswith(",,a,b,c,y\n")
    assert (_out(capsys, ["evaluate", str(model), str(tmp_path / "two.csv")]).splitlines()[1:]
            == _out(capsys, ["evaluate", str(model), str(clean)]).splitlines()[1:])
