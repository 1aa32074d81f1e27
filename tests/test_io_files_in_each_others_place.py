"""A data file given where a model file goes is named for what it is, and so is the order
of MODEL and DATA when they were swapped.  Before, ``chainrule evaluate data.csv
model.npz`` said only "data.csv: not a readable chainrule file (... not an .npz archive
(it starts with b'a,b,'...))", and an .npz of X and y given as the model "not a
chainrule file (no readable '__meta__' record)", neither saying that the file is data
nor that the model file comes first."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(int)
    data = tmp_path / "data.csv"
    data.write_text("a,b,y\n" + "".join(f"{a!r},{b!r},{t}\n" for (a, b), t in zip(
        X.tolist(), y.tolist(), strict=True)))
    arrays = tmp_path / "arrays.npz"
    np.savez(arrays, X=X, y=y)
    model = tmp_path / "model.npz"
    assert main(["train", str(data), "--hidden", "3", "--epochs", "2", "-q",
                 "-o", str(model)]) == 0
    return str(data), str(arrays), str(model)


@pytest.mark.parametrize("command", ["evaluate", "predict", "importance"])
def test_swapped_model_and_data_are_said_to_be_swapped(files, capsys, command):
    data, _, model = files
    capsys.readouterr()
    assert main([command, data, model]) == 2
    err = capsys.readouterr().err
    assert f"{data}: not a readable chainrule file" in err
    assert "it holds text, its first line 'a,b,y' (a CSV file of data?)" in err
    assert (f"; the model file comes first, then the data: DATA {model} is a model file "
            f"(of chainrule train, tune -o or Network.save): chainrule {command} {model} "
            f"{data}\n") in err
    # the command it suggests runs
    assert main([command, model, data]) == 0


def test_an_archive_of_data_given_as_the_model_names_its_arrays(files, capsys):
    _, arrays, model = files
    capsys.readouterr()
    assert main(["evaluate", arrays, model]) == 2
    err = capsys.readouterr().err
    assert (f"{arrays}: not a chainrule file (no readable '__meta__' record; it holds the "
            f"arrays X, y); the model file comes first") in err


def test_a_damaged_model_is_not_taken_for_swapped_arguments(files, tmp_path, capsys):
    _, _, model = files
    cut = tmp_path / "cut.npz"
    raw = open(model, "rb").read()
    cut.write_bytes(raw[: len(raw) // 2])
    capsys.readouterr()
    assert main(["evaluate", str(cut), model]) == 2
    err = capsys.readouterr().err
    assert "not a readable chainrule file" in err and "comes first" not in err


def test_the_library_says_a_csv_file_is_text(files):
    data, _, _ = files
    with pytest.raises(ValueError, match=r"it holds text, its first line 'a,b,y' \(a CSV "):
        cr.load(data)


@pytest.mark.parametrize("command", [["evaluate", "{model}", "{model}"],
                                     ["predict", "{model}", "{model}"],
                                     ["train", "{model}", "-o", "{out}"]])
def test_a_model_file_given_as_data_is_named_as_one(files, tmp_path, capsys, command):
    """Before: "model.npz: no array named 'X' (arrays: __meta__, params)"."""
    _, _, model = files
    out = tmp_path / "other.npz"
    capsys.readouterr()
    assert main([arg.format(model=model, out=out) for arg in command]) == 2
    err = capsys.readouterr().err
    assert err == (f"chainrule: error: {model}: a model file (of chainrule train, tune -o or "
                   "Network.save), not data: DATA is a .csv file or an .npz file of arrays X "
                   "and y (evaluate, predict, importance and plot take the model file first, "
                   "then the data)\n")
    assert not out.exists()


def test_an_estimator_file_given_as_data_is_named_as_one(tmp_path):
    from chainrule.tabular import read_data

    est = cr.MLPClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0)
    with pytest.warns(Warning):
        est.fit(np.random.default_rng(0).normal(size=(20, 2)), np.arange(20) % 2)
    path = est.save(tmp_path / "est.npz")
    with pytest.raises(ValueError, match=r"est\.npz: an estimator's file \(MLPClassifier or "
                                         r"MLPRegressor \.save\), not data"):
        read_data(path)
