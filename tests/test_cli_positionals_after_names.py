"""DATA (and evaluate's MODEL) after the names of ``--target`` or ``--features``.

argparse gives an option of several names every word up to the next option, so
``train --features a b DATA`` gave DATA to --features ("the following arguments are
required: DATA").  The command lines are read here by the CLI's own parser and checked
against the words they were written with; the trained models against the same run
written with DATA first.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import _parse, main
from chainrule.io import load_metadata
from test_cli_checkpoint import _status


@pytest.fixture
def csv(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    Y = np.column_stack([X @ [1.0, -2.0, 0.5], X[:, 0] * X[:, 1]])
    rows = [",".join(repr(float(v)) for v in row) for row in np.column_stack([X, Y])]
    path = tmp_path / "data.csv"
    path.write_text("a,b,c,t1,t2\n" + "\n".join(rows) + "\n")
    return str(path)


def _read(argv: list[str]) -> dict:
    args = _parse(argv)
    return {k: getattr(args, k, None) for k in ("model", "data", "target", "features")}


def test_the_lines_that_worked_before_read_as_they_did(csv):
    """The lines of tests/test_cli_multi_target.py's parsing tests, and others of one
    list option, read with the words where they were written."""
    M, D = "model.npz", csv
    cases = [
        (["evaluate", M, "--json", D], (M, D, None, None)),
        (["evaluate", M, "--seed", "1", D], (M, D, None, None)),
        (["evaluate", M, "--target", "t1", "t2", "--json", D], (M, D, ["t1", "t2"], None)),
        (["evaluate", "--target", "t1", "t2", M, "--json", D], (M, D, ["t1", "t2"], None)),
        (["evaluate", "--json", M, "--target", "t1", "t2", D], (M, D, ["t1", "t2"], None)),
        (["evaluate", "--target", "t1", "t2", M, D, "--json"], (M, D, ["t1", "t2"], None)),
        (["evaluate", M, "--target", "t1", "t2"], (M, "t2", ["t1"], None)),
        (["train", "--target", "t1", "t2", D, "--hidden", "8"], (None, D, ["t1", "t2"], None)),
        (["train", D, "--target", "t1", "t2", "--features", "a", "b"],
         (None, D, ["t1", "t2"], ["a", "b"])),
        (["train", "--target", "t1", "t2", D, "--features", "a", "b"],
         (None, D, ["t1", "t2"], ["a", "b"])),
        (["train", "--features", "a", "b", "--target", "t1", D],
         (None, D, ["t1"], ["a", "b"])),
        (["train", "--features", "a", "b", "--target", "t1", "t2", D],
         (None, D, ["t1", "t2"], ["a", "b"])),
        (["train", D, "--features", "a", "b"], (None, D, None, ["a", "b"])),
    ]
    for argv, (model, data, target, features) in cases:
        got = _read(argv)
        assert got == {"model": model if argv[0] == "evaluate" else None, "data": data,
                       "target": target, "features": features}, argv


def test_data_after_the_features_names(csv):
    D = csv
    cases = [
        (["train", "--features", "a", "b", D], (D, None, ["a", "b"])),
        (["train", "--features", "a", "b", D, "-q"], (D, None, ["a", "b"])),
        (["train", "--features", "a", "b", D, "--target", "t1"], (D, ["t1"], ["a", "b"])),
        (["train", "--target", "t1", "--features", "a", "b", D], (D, ["t1"], ["a", "b"])),
        (["train", "--features", "a", D, "--target", "t1"], (D, ["t1"], ["a"])),
        # both lists of several names: the one whose last name is a file gives it back
        (["train", "--target", "t1", "t2", "--features", "a", "b", D],
         (D, ["t1", "t2"], ["a", "b"])),
        (["train", "--features", "a", "b", D, "--target", "t1", "t2"],
         (D, ["t1", "t2"], ["a", "b"])),
        (["train", "--features", "a", "b", "iris"], ("iris", None, ["a", "b"])),
        (["train", "--features", "a", "b", "-"], ("-", None, ["a", "b"])),
    ]
    for argv, (data, target, features) in cases:
        assert _read(argv) == {"model": None, "data": data, "target": target,
                               "features": features}, argv


def test_a_run_with_data_after_the_features_is_the_run_with_data_first(csv, tmp_path):
    run = ["--hidden", "4", "--epochs", "5", "--val-fraction", "0", "-q"]
    first, after = tmp_path / "first.npz", tmp_path / "after.npz"
    assert main(["train", csv, "--target", "t1", "t2", "--features", "a", "c", *run,
                 "-o", str(first)]) == 0
    assert main(["train", "--target", "t1", "t2", "--features", "a", "c", csv, *run,
                 "-o", str(after)]) == 0
    meta = load_metadata(after)
    assert meta["feature_names"] == ["a", "c"] and meta["target_names"] == ["t1", "t2"]
    assert cr.load(after).n_inputs == 2
    np.testing.assert_array_equal(cr.load(after).params, cr.load(first).params)


def test_without_data(capsys):
    """The last name is taken for DATA, as --target's was: no such file, said of it; one
    name stays the option's, and then DATA is missing."""
    assert _status(["train", "--features", "a", "b"]) == 2
    assert "no such file or bundled data set: b" in capsys.readouterr().err
    assert _status(["train", "--features", "a"]) == 2
    assert "the following arguments are required: DATA" in capsys.readouterr().err
    assert _status(["train", "--target", "t", "--features", "a"]) == 2
    assert "the following arguments are required: DATA" in capsys.readouterr().err


def test_predict_takes_model_and_data_after_the_keep_names(csv, tmp_path, capsys):
    """``predict --keep id MODEL DATA`` and ``predict MODEL --keep id DATA`` were refused
    ("the following arguments are required"): --keep took them.  The output is that of
    ``predict MODEL DATA --keep id``; a missing MODEL or DATA is still refused by predict's
    parser in argparse's words."""
    model = tmp_path / "m.npz"
    assert main(["train", csv, "--target", "t1", "--hidden", "3", "--epochs", "2", "-q",
                 "-o", str(model)]) == 0
    M = str(model)
    capsys.readouterr()
    assert main(["predict", M, csv, "--keep", "a", "b"]) == 0
    want = capsys.readouterr().out
    assert want.splitlines()[0] == "a,b,t1" and len(want.splitlines()) == 61
    one = ["--unknown-categories", "error"]  # an option of one value, between the words
    for argv in ([M, csv, "--keep", "a", "b"], ["--keep", "a", "b", M, csv],
                 [M, "--keep", "a", "b", csv], ["--keep", "a", "b", M, *one, csv],
                 [M, *one, "--keep", "a", "b", csv]):
        assert main(["predict", *argv]) == 0, argv
        assert capsys.readouterr().out == want, argv
        assert _read(["predict", *argv])["model"] == M
    for argv, missing in (([], "MODEL, DATA"), ([M], "DATA"), (["--keep", "a"], "MODEL, DATA"),
                          (["--keep", "a", M], "DATA")):  # --keep keeps a name, gives M
        assert _status(["predict", *argv]) == 2
        err = capsys.readouterr().err
        assert err.startswith("usage: chainrule predict")
        assert err.splitlines()[-1] == ("chainrule predict: error: the following arguments "
                                        f"are required: {missing}")
    assert _status(["predict", M, csv, "extra"]) == 2
    assert "chainrule predict: error: unrecognized arguments: extra" in capsys.readouterr().err


def test_a_model_after_the_names_without_data_is_read_and_data_alone_is_missing(csv, tmp_path,
                                                                                capsys):
    """``evaluate --target t1 MODEL``: MODEL is read and DATA alone is missing, as when
    --target took one name (``the following arguments are required: DATA``); the names
    gave nothing back unless they had both MODEL and DATA, and the message named MODEL
    missing too.  The same for predict's --keep."""
    model = tmp_path / "m.npz"
    assert main(["train", csv, "--target", "t1", "--hidden", "3", "--epochs", "2", "-q",
                 "-o", str(model)]) == 0
    M = str(model)
    capsys.readouterr()
    assert _read(["evaluate", "--target", "t1", "t2", M])["model"] == "t2"  # two back
    for argv in (["evaluate", "--target", "t1", M], ["evaluate", "--json", "--target", "t1", M],
                 ["predict", "--keep", "a", M], ["predict", "--seed", "0", "--keep", "a", M]):
        assert _status(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.splitlines()[-1].endswith("the following arguments are required: DATA"), argv


@pytest.mark.parametrize("command, words", [("train", ["DATA"]), ("evaluate", ["MODEL", "DATA"]),
                                            ("predict", ["MODEL", "DATA"])])
def test_usage_shows_the_positionals_as_required(command, words, capsys):
    """argparse wrote the positionals that may follow a list option's names (optional to it,
    nargs="?") as ``[MODEL] [DATA]``, saying they may be left out, where the command refuses
    a line without them; the usage says ``MODEL DATA``, as before they could follow the
    names.  plot's DATA, which may be left out, keeps its brackets."""
    assert _status([command, "--help"]) == 0
    usage = capsys.readouterr().out.split("\n\n")[0].split()
    assert usage[-len(words):] == words
    assert not any(w.strip("[]") in words for w in usage if w.startswith("["))
    assert _status(["plot", "--help"]) == 0
    assert capsys.readouterr().out.split("\n\n")[0].split()[-2:] == ["MODEL", "[DATA]"]


def test_data_that_starts_with_a_minus_after_another_option(capsys):
    """DATA after another option that starts with a minus as a value does (``-1.csv``, a
    number to chainrule's parser) or after ``--`` (``-- -x.csv``) was left over as an
    unrecognized argument (or the ``--`` was), where 6878cb1 read it as DATA."""
    M = "model.npz"
    for command in ("evaluate", "predict"):
        for rest, data in ((["--seed", "0", "-1.csv"], "-1.csv"), (["--seed", "0", "-.5"], "-.5"),
                           (["--seed", "0", "--", "-x.csv"], "-x.csv"),
                           (["--seed", "0", "--", "data.csv"], "data.csv"),
                           (["--seed", "0", "--", "-"], "-"), (["--", "-x.csv"], "-x.csv")):
            got = _read([command, M, *rest])
            assert (got["model"], got["data"]) == (M, data), (command, rest)
        assert _status([command, M, "--seed", "0", "--", "d.csv", "extra"]) == 2
        assert capsys.readouterr().err.splitlines()[-1] == (
            f"chainrule {command}: error: unrecognized arguments: extra")
    assert _read(["evaluate", "--target", "t", M, "--json", "--", "-x.csv"])["data"] == "-x.csv"
    assert _read(["train", "--epochs", "2", "--", "-x.csv"])["data"] == "-x.csv"
    assert _status(["evaluate", M, "--json", "--bogus", "d.csv"]) == 2  # an option is no DATA
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


@pytest.mark.parametrize("argv, missing", [
    (["train"], "DATA"), (["train", "--target", "t1", "-q"], "DATA"),
    (["train", "--features", "a", "--target", "t1"], "DATA"),
    (["evaluate"], "MODEL, DATA"), (["evaluate", "m.npz"], "DATA"),
    (["evaluate", "--target", "t1", "m.npz"], "DATA"), (["evaluate", "--json", "m.npz"], "DATA")])
def test_train_and_evaluate_refuse_a_missing_positional_with_their_usage(argv, missing, capsys):
    """A missing DATA (or MODEL) was refused by the handlers as ``chainrule: error: the
    following arguments are required: DATA``, without the command's name or usage, where
    6878cb1 (and predict still) said it in argparse's words: the usage of the command,
    then ``chainrule train: error: ...``."""
    assert _status(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: chainrule {argv[0]} ")
    assert err.splitlines()[-1] == (f"chainrule {argv[0]}: error: the following arguments "
                                    f"are required: {missing}")


def test_plot_reads_data_after_another_option(capsys):
    """``plot regions MODEL --target y DATA`` (DATA after another option) was refused as
    "unrecognized arguments: DATA": argparse gives the optional DATA the first run of free
    words only, evaluate's defect before 8cfe3e8.  DATA may still be left out."""
    def read(argv):
        args = _parse(["plot", *argv])
        return args.kind, args.model, args.data

    M = "model.npz"
    assert read(["regions", M, "--target", "y", "d.csv"]) == ("regions", M, "d.csv")
    assert read(["confusion", M, "-o", "c.png", "--", "-x.csv"]) == ("confusion", M, "-x.csv")
    assert read(["regions", M, "--seed", "3", "moons"]) == ("regions", M, "moons")
    assert read(["regions", "--target", "y", M, "d.csv"]) == ("regions", M, "d.csv")
    assert read(["loss", M]) == ("loss", M, None)
    assert read(["weights", "--max-units", "3", M]) == ("weights", M, None)
    assert _status(["plot", "regions", M, "--target", "y", "d.csv", "extra"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "chainrule plot: error: unrecognized arguments: extra")
    assert _status(["plot", "loss"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "chainrule plot: error: the following arguments are required: MODEL")


def test_data_after_the_categorical_names(csv):
    # --categorical (train's and cv's) took DATA as one more column name: "the following
    # arguments are required: DATA", as --features did before it gave DATA back
    D = csv
    cases = [
        (["train", "--categorical", "c", D], (D, None, None, ["c"])),
        (["train", "--target", "t1", "--categorical", "a", "c", D, "-q"],
         (D, ["t1"], None, ["a", "c"])),
        (["cv", "--features", "a", "c", "--categorical", "c", D], (D, None, ["a", "c"], ["c"])),
        (["train", "--categorical", "c", D, "--target", "t1", "t2"],
         (D, ["t1", "t2"], None, ["c"])),
    ]
    for argv, (data, target, features, categorical) in cases:
        args = _parse(argv)
        assert (args.data, args.target, args.features, args.categorical) == (
            data, target, features, categorical), argv
