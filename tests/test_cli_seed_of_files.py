"""evaluate's, predict's and plot's --seed, importance's --data-seed: of a generated DATA.

They seed a generated data set (moons, circles, sinusoid) alone.  Given with a file,
standard input or a bundled set of fixed rows (iris), they were taken and ignored:
``evaluate model.npz test.csv --seed 5`` scored test.csv as without it, though a user
may have meant another split or draw.  They are now refused, naming the option and
DATA, as plot refuses an option of another picture; with a generated set they draw
it as before (the scores those of scikit-learn's make_moons of that seed).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_moons
from sklearn.metrics import accuracy_score

import chainrule as cr
from chainrule.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    path = tmp_path_factory.mktemp("seed_of_files")
    X, y = make_moons(60, noise=0.2, random_state=0)
    pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "class": y}).to_csv(path / "d.csv", index=False)
    assert main(["train", "moons", "--hidden", "4", "--epochs", "3", "--seed", "2", "-q",
                 "-o", str(path / "m.npz")]) == 0
    return path


@pytest.mark.parametrize("argv, option", [
    (["evaluate", "M", "D", "--seed", "5"], "--seed"),
    (["predict", "M", "D", "--seed", "5"], "--seed"),
    (["plot", "confusion", "M", "D", "--seed", "5", "-o", "P"], "--seed"),
    (["plot", "regions", "M", "D", "--seed", "5", "-o", "P"], "--seed"),
    (["importance", "M", "D", "--data-seed", "5", "-q"], "--data-seed"),
])
@pytest.mark.parametrize("data", ["file", "iris"])
def test_a_seed_of_data_no_seed_draws_is_refused(files, capsys, argv, option, data):
    given = str(files / "d.csv") if data == "file" else data
    words = {"M": str(files / "m.npz"), "D": given, "P": str(files / "p.png")}
    code = main([words.get(w, w) for w in argv])
    err = capsys.readouterr().err
    assert code == 2
    what = "a file" if data == "file" else "a bundled data set of fixed rows"
    assert f"{option} 5: DATA {given} is {what}, the same whatever the seed" in err
    assert "leave it out" in err
    assert not (files / "p.png").exists()


def test_without_the_seed_a_file_is_scored_as_before(files, capsys):
    capsys.readouterr()
    assert main(["evaluate", str(files / "m.npz"), str(files / "d.csv"), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)["accuracy"]
    d = pd.read_csv(files / "d.csv")
    model = cr.load_model(files / "m.npz")
    want = accuracy_score(d["class"], np.asarray(model.predict(d[["x1", "x2"]])).astype(int))
    assert got == pytest.approx(want, abs=1e-15)


def test_a_generated_set_is_drawn_from_the_seed_given(files, capsys):
    capsys.readouterr()
    assert main(["evaluate", str(files / "m.npz"), "moons", "--seed", "5", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)["accuracy"]
    X, y = make_moons(200, noise=0.2, random_state=5)
    model = cr.load_model(files / "m.npz")
    assert got == pytest.approx(accuracy_score(y, np.asarray(model.predict(X)).astype(int)),
                                abs=1e-15)
