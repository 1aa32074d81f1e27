"""An .npz DATA file without a feature_names array gives a model of named features (a
CSV file's columns) its X by position.  X in another column order was scored silently
as other features (iris: accuracy 0.33 instead of 0.96, with nothing said); evaluate,
predict and importance now say on stderr that the columns are taken by position and as
which features.  An .npz that names its columns (feature_names) is read by name, with
no note: its scores equal those of the CSV file."""

import json

import numpy as np
import pytest

from chainrule.cli import main

_NAMES = ["a", "b", "c"]


@pytest.fixture
def trained(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)) * [1.0, 3.0, 0.1]
    y = (X[:, 0] - 0.3 * X[:, 1] > 0).astype(int)
    data = tmp_path / "d.csv"
    data.write_text("a,b,c,y\n" + "".join(
        f"{a!r},{b!r},{c!r},{t}\n" for (a, b, c), t in zip(X.tolist(), y.tolist(),
                                                             strict=True)))
    model = tmp_path / "m.npz"
    assert main(["train", str(data), "--hidden", "4", "--epochs", "30", "-q",
                 "-o", str(model)]) == 0
    return str(model), str(data), X, y


def test_unnamed_columns_are_said_to_be_taken_by_position(trained, tmp_path, capsys):
    model, data, X, y = trained
    reordered = tmp_path / "reordered.npz"
    np.savez(reordered, X=X[:, ::-1], y=y)
    named = tmp_path / "named.npz"
    np.savez(named, X=X[:, ::-1], y=y, feature_names=np.array(_NAMES[::-1]))
    capsys.readouterr()
    note = (f"note: {reordered} names no columns (no feature_names array): the 3 columns "
            "of its X are taken by position as the model's features a, b, c, in that order")
    for command in (["evaluate", model, str(reordered)],
                    ["predict", model, str(reordered), "-o", str(tmp_path / "p.csv")],
                    ["importance", model, str(reordered), "--repeats", "1", "-q"]):
        assert main(command) == 0
        assert capsys.readouterr().err == f"chainrule {command[0]}: {note}\n"
    # by name: the CSV file's scores, and no note
    scores = []
    for path in (data, str(named)):
        assert main(["evaluate", model, path, "--json"]) == 0
        out = capsys.readouterr()
        assert out.err == ""
        scores.append(json.loads(out.out))
    assert scores[0]["accuracy"] == scores[1]["accuracy"]
    assert scores[0]["log_loss"] == pytest.approx(scores[1]["log_loss"], rel=1e-12)
