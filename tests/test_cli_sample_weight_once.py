"""``--sample-weight COLUMN`` of a CSV file: DATA read once.

train, cv, evaluate and importance read DATA twice: the weight column alone, then the
features.  A large file was parsed twice (a 200,000-row file: 2.0 s where the features
alone take 1.0 s), and a pipe (a shell's ``<(zcat data.csv.gz)``), which gives its bytes
once, failed: "empty file"; train's ``--val-data`` file, read for its own weight column,
did the same.  The column is now read with the features and taken out.
The references: the number of reads counted, the same command on the file and on a pipe
of its bytes, and the weights as written in the file.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from chainrule import tabular
from chainrule.cli import main
from chainrule.saved_model import SavedModel
from file_helpers import pipe_of


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    path = tmp_path_factory.mktemp("once")
    rng = np.random.default_rng(2)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    w = np.round(rng.uniform(0, 3, size=80), 2)
    lines = ["a,w,b,c,label", *(f"{x[0]:.17g},{wi},{x[1]:.17g},{x[2]:.17g},k{t}"
                                 for x, wi, t in zip(X, w, y, strict=True))]
    (path / "d.csv").write_text("\n".join(lines) + "\n")
    assert main(["train", str(path / "d.csv"), "--target", "label", "--sample-weight", "w",
                 "--hidden", "4", "--epochs", "5", "--seed", "0", "--val-fraction", "0", "-q",
                 "-o", str(path / "m.npz")]) == 0
    return path, w


def _count_reads(monkeypatch) -> list:
    calls, read = [], tabular.read_data

    def counted(*args, **kwargs):
        calls.append(args[0])
        return read(*args, **kwargs)

    monkeypatch.setattr(tabular, "read_data", counted)
    return calls


@pytest.mark.parametrize("command", [
    ["train", "{d}", "--target", "label", "--hidden", "3", "--epochs", "2", "-q",
     "-o", "{out}"],
    ["train", "{d}", "--target", "label", "--features", "c", "a", "--hidden", "3",
     "--epochs", "2", "-q", "-o", "{out}"],
    ["cv", "{d}", "--target", "label", "--hidden", "3", "--epochs", "2", "--folds", "2",
     "-q"],
    ["evaluate", "{m}", "{d}"],
    ["importance", "{m}", "{d}", "--repeats", "1", "-q"],
])
def test_data_is_read_once(files, capsys, monkeypatch, command):
    path, _ = files
    argv = [a.format(d=path / "d.csv", m=path / "m.npz", out=path / "o.npz") for a in command]
    calls = _count_reads(monkeypatch)
    assert main([*argv, "--sample-weight", "w"]) == 0
    assert calls == [str(path / "d.csv")]


def test_the_weights_read_with_the_features_are_the_file_s(files, capsys, monkeypatch):
    """The model's standardising statistics are the weighted mean of the file's columns,
    the weights as written; the weight column is no feature."""
    path, w = files
    meta = SavedModel.load(path / "m.npz").metadata
    assert meta["feature_names"] == ["a", "b", "c"]
    data = np.genfromtxt(path / "d.csv", delimiter=",", skip_header=1, usecols=(0, 2, 3))
    np.testing.assert_allclose(meta["x_mean"], np.average(data, axis=0, weights=w),
                               rtol=1e-12)


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="no /dev/fd")
def test_a_pipe_with_sample_weight(files, capsys):
    """It was refused: the weights' read took the pipe's bytes ("empty file")."""
    path, _ = files
    content = (path / "d.csv").read_bytes()
    capsys.readouterr()
    assert main(["evaluate", str(path / "m.npz"), str(path / "d.csv"), "--sample-weight", "w",
                 "--json"]) == 0
    from_file = json.loads(capsys.readouterr().out)
    assert main(["evaluate", str(path / "m.npz"), pipe_of(content), "--sample-weight", "w",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == from_file
    common = ["--target", "label", "--sample-weight", "w", "--hidden", "3", "--epochs", "3",
              "--seed", "1", "-q"]
    assert main(["train", str(path / "d.csv"), *common, "-o", str(path / "f.npz")]) == 0
    assert main(["train", pipe_of(content), *common, "-o", str(path / "p.npz")]) == 0
    np.testing.assert_array_equal(SavedModel.load(path / "f.npz").network.params,
                                  SavedModel.load(path / "p.npz").network.params)


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="no /dev/fd")
def test_a_negative_weight_of_a_pipe_is_named(files, capsys):
    """A pipe is not read again for the message: its line and value are named."""
    path, _ = files
    lines = (path / "d.csv").read_text().splitlines()
    cells = lines[3].split(",")
    cells[1] = "-2.5"
    lines[3] = ",".join(cells)
    content = ("\n".join(lines) + "\n").encode()
    capsys.readouterr()
    for argv in (["evaluate", str(path / "m.npz"), pipe_of(content)],
                 ["train", pipe_of(content), "--target", "label", "-q",
                  "-o", str(path / "x.npz")]):
        assert main([*argv, "--sample-weight", "w"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("chainrule: error: --sample-weight w: /dev/fd/")
        assert err.endswith(" line 4: the weight is -2.5; expected a finite number >= 0\n")


def test_a_features_fault_is_said_without_the_weight_column_among_them(tmp_path, capsys):
    """The weight column read with the features is not a feature: a fault of the features
    (a --categorical column left out of --features) lists the columns as the same command
    without --sample-weight lists them, not the weight column among them."""
    data = tmp_path / "cw.csv"
    data.write_text("x1,x2,x3,w,y\n1,2,a,1,0\n2,3,b,2,1\n3,1,a,1,0\n4,5,b,1,1\n")
    common = ["train", str(data), "--features", "x1", "x2", "--categorical", "x3", "-q",
              "-o", str(tmp_path / "m.npz")]
    assert main(common) == 2
    without = capsys.readouterr().err.strip().splitlines()[-1]
    assert main([*common, "--sample-weight", "w"]) == 2
    weighted = capsys.readouterr().err.strip().splitlines()[-1]
    assert "'x3'" in without and "(x1, x2)" in without
    assert weighted == without


def _val_split(path) -> tuple:
    """d.csv's first 60 rows as DATA, its last 20 as --val-data, each with its header."""
    header, *rows = (path / "d.csv").read_text().splitlines()
    (path / "t.csv").write_text("\n".join([header, *rows[:60]]) + "\n")
    (path / "v.csv").write_text("\n".join([header, *rows[60:]]) + "\n")
    return path / "t.csv", path / "v.csv"


def test_val_data_is_read_once(files, capsys, monkeypatch):
    """--val-data's weights were read apart from its features: the file read twice."""
    path, _ = files
    train, val = _val_split(path)
    calls = _count_reads(monkeypatch)
    assert main(["train", str(train), "--target", "label", "--sample-weight", "w",
                 "--val-data", str(val), "--hidden", "3", "--epochs", "2", "-q",
                 "-o", str(path / "o.npz")]) == 0
    assert calls == [str(train), str(val)]


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="no /dev/fd")
def test_val_data_of_a_pipe_with_sample_weight(files, capsys):
    """A pipe's --val-data was refused ("empty file"): the weights' read took its bytes.
    Now the run equals the file's: the same weights, the same weighted validation loss."""
    path, w = files
    train, val = _val_split(path)
    common = ["train", str(train), "--target", "label", "--sample-weight", "w", "--hidden",
              "3", "--epochs", "3", "--seed", "1", "-q"]
    assert main([*common, "--val-data", str(val), "-o", str(path / "vf.npz")]) == 0
    assert main([*common, "--val-data", pipe_of(val.read_bytes()),
                 "-o", str(path / "vp.npz")]) == 0
    from_file, from_pipe = (SavedModel.load(path / name) for name in ("vf.npz", "vp.npz"))
    np.testing.assert_array_equal(from_file.network.params, from_pipe.network.params)
    assert from_pipe.metadata["val_data_rows"] == 20
    losses = [m.metadata["history"]["val_loss"] for m in (from_file, from_pipe)]
    assert losses[0] == losses[1] and len(losses[0]) == 3
    # the last epoch's validation loss: scikit-learn's log loss of the model written,
    # weighted by the file's weights of the 20 rows
    from sklearn.metrics import log_loss

    rows = np.genfromtxt(val, delimiter=",", skip_header=1, usecols=(0, 2, 3))
    labels = [line.rsplit(",", 1)[1] for line in val.read_text().splitlines()[1:]]
    proba = from_pipe.predict_proba(rows)
    expected = log_loss(labels, proba, labels=from_pipe.labels, sample_weight=w[60:])
    assert losses[1][-1] == pytest.approx(expected, rel=1e-9)


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="no /dev/fd")
def test_a_missing_weight_of_a_val_data_pipe_is_named(files, capsys):
    """A pipe is not read again for the message: the weight's line and column are named
    as the weight's, not as a feature's (no advice to --impute it)."""
    path, _ = files
    _, val = _val_split(path)
    header, *rows = val.read_text().splitlines()
    cells = rows[2].split(",")
    cells[1] = ""
    rows[2] = ",".join(cells)
    content = ("\n".join([header, *rows]) + "\n").encode()
    capsys.readouterr()
    assert main(["train", str(path / "t.csv"), "--target", "label", "--sample-weight", "w",
                 "--val-data", pipe_of(content), "-q", "-o", str(path / "x.npz")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error: --sample-weight w: --val-data /dev/fd/")
    assert err.endswith(" line 4, column 'w': missing value; expected a number >= 0\n")
