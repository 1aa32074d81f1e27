"""DATA "-": predict, evaluate, plot and gradcheck --data read a CSV file from standard
input, once.

``cat new.csv | chainrule predict model.npz -`` must print what the same file given by
its path prints; the numbers are checked against the saved network's forward pass on
the standardised columns (NumPy here) and scikit-learn's ``log_loss``.  Standard input
that cannot be a CSV file (empty, an NPZ archive, not UTF-8) is refused by name (train -
is tests/test_cli_train_stdin.py's).
``predict - --keep``, which reads the data a second time, reads the text kept from the
first read of the command's run.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import numpy as np
import pytest
from sklearn.metrics import log_loss

from chainrule.cli import main
from chainrule.tabular import read_data
from file_helpers import network_outputs as _probabilities

LABELS = ["cat", "dog", "eel"]


def _run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chainrule", *args], input=stdin,
                          capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    d = tmp_path_factory.mktemp("stdin")
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    X = np.concatenate([c + 0.7 * rng.normal(size=(12, 2)) for c in centres])
    X = np.round(X * [10.0, 1.0] + [50.0, 0.0], 6)  # what the file holds, to the digit
    y = np.repeat(LABELS, 12)
    with open(d / "data.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["f1", "f2", "kind"])
        writer.writerows([[f"{a:.6f}", f"{b:.6f}", c] for (a, b), c in zip(X, y, strict=True)])
    proc = _run("train", str(d / "data.csv"), "--target", "kind", "--hidden", "6",
                "--epochs", "30", "--val-fraction", "0", "--seed", "2",
                "-o", str(d / "model.npz"), "-q")
    assert proc.returncode == 0, proc.stderr
    return d, X, y


def _stdin(monkeypatch, data: bytes) -> list[int]:
    """Standard input holding ``data``; the list counts the reads of its bytes."""
    reads: list[int] = []

    class Counted(io.BytesIO):
        def read(self, *args):
            reads.append(1)
            return super().read(*args)

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(Counted(data), encoding="utf-8"))
    return reads


def test_predict_reads_standard_input_as_the_file(trained):
    d, X, _ = trained
    data = (d / "data.csv").read_bytes()
    by_path = _run("predict", str(d / "model.npz"), str(d / "data.csv"), "--proba")
    piped = _run("predict", str(d / "model.npz"), "-", "--proba", stdin=data)
    assert by_path.returncode == 0 and piped.returncode == 0, piped.stderr
    assert piped.stdout == by_path.stdout and piped.stderr == by_path.stderr == b""
    rows = list(csv.reader(io.StringIO(piped.stdout.decode())))
    assert rows[0] == ["kind", *(f"proba_{label}" for label in LABELS)]
    P = _probabilities(d / "model.npz", X)
    assert [row[0] for row in rows[1:]] == [LABELS[k] for k in P.argmax(axis=1)]
    np.testing.assert_allclose(np.array([row[1:] for row in rows[1:]], dtype=float), P,
                               rtol=1e-12, atol=1e-15)


def test_evaluate_reads_standard_input_as_the_file(trained):
    d, X, y = trained
    data = (d / "data.csv").read_bytes()
    by_path = _run("evaluate", str(d / "model.npz"), str(d / "data.csv"))
    piped = _run("evaluate", str(d / "model.npz"), "-", stdin=data)
    assert by_path.returncode == 0 and piped.returncode == 0, piped.stderr
    first, *scores = piped.stdout.decode().splitlines()
    # the file's bytes piped are known as the training data, as the file by its path is
    assert first == ("standard input: 36 examples, the data the model was trained on (all "
                     "36 training examples; none held out: not a test score)")
    assert by_path.stdout.decode().splitlines()[1:] == scores
    P = _probabilities(d / "model.npz", X)
    accuracy = np.mean(np.array(LABELS)[P.argmax(axis=1)] == y)
    assert scores[:2] == [f"accuracy: {accuracy:.6g}",
                          f"log loss: {log_loss(y, P, labels=LABELS):.6g}"]


def test_standard_input_is_read_once_as_the_file_is(tmp_path, monkeypatch):
    text = "\ufefff1,f2,kind\r\n1.5,2,cat\r\n\r\n3,-4e-1,dog\r\n"
    (tmp_path / "d.csv").write_text(text, encoding="utf-8", newline="")
    reads = _stdin(monkeypatch, text.encode())
    piped = read_data("-")
    assert len(reads) == 1  # one read of everything; the CSV reader opens nothing
    from_file = read_data(tmp_path / "d.csv")
    np.testing.assert_array_equal(piped.X, [[1.5, 2.0], [3.0, -0.4]])
    np.testing.assert_array_equal(piped.X, from_file.X)
    assert list(piped.y) == list(from_file.y) == ["cat", "dog"]
    assert list(piped.lines) == list(from_file.lines) == [2, 4]
    assert piped.feature_names == ["f1", "f2"] and piped.source == "standard input"


@pytest.mark.parametrize(("data", "words"), [
    (b"", "standard input: empty file; expected a header row of column names"),
    (b"\n \n", "standard input: empty file; expected a header row of column names"),
    # a cell that is no number: named from the rows in memory, by its line
    (b"f1,f2,kind\n1,2,cat\n3,abc,dog\n",
     "standard input line 3, column 'f2': not a number: 'abc'"),
    (b"PK\x03\x04rest of an archive", "standard input: an .npz archive; only a CSV file "
     "can be read from standard input (-): save the archive to a file and give its path"),
    (b"f1,f2\n\xff\xfe,1\n", "standard input: not UTF-8 text; expected a CSV file"),
])
def test_unreadable_standard_input_is_refused_by_name(trained, monkeypatch, capsys, data,
                                                       words):
    d, _, _ = trained
    _stdin(monkeypatch, data)
    assert main(["evaluate", str(d / "model.npz"), "-"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error: ") and words in err and "Traceback" not in err


@pytest.mark.parametrize("kind", ["confusion", "regions"])
def test_plot_reads_standard_input_once_as_the_file(trained, monkeypatch, capsys, kind):
    """plot confusion and plot regions read DATA "-" with predict's reader, once: the
    points and labels drawn are the file's, the predictions those of the network's
    forward pass on the standardised columns."""
    import chainrule.plots as plots

    d, X, y = trained
    drawn = []
    monkeypatch.setattr(plots, "plot_confusion_matrix",
                        lambda y_true, y_pred, out, **kw: drawn.append((y_true, y_pred, kw))
                        or out)
    monkeypatch.setattr(plots, "plot_decision_regions",
                        lambda panels, out, **kw: drawn.append((panels, kw)) or out)
    reads = _stdin(monkeypatch, (d / "data.csv").read_bytes())
    assert main(["plot", kind, str(d / "model.npz"), "-", "-o", str(d / "p.png")]) == 0
    assert len(reads) == 1 and len(drawn) == 1
    assert capsys.readouterr().out.startswith(f"{kind} picture written to ")
    if kind == "confusion":
        y_true, y_pred, kw = drawn[0]
        P = _probabilities(d / "model.npz", X)
        assert list(y_true) == list(y)
        assert list(y_pred) == [LABELS[k] for k in P.argmax(axis=1)]
        assert kw["title"] == "Confusion matrix on standard input"
    else:
        [(title, _, X_drawn, y_drawn)], kw = drawn[0]
        assert title == "decision regions on standard input"
        np.testing.assert_array_equal(X_drawn, X)
        assert list(y_drawn) == list(y) and kw["feature_names"] == ["f1", "f2"]


def test_gradcheck_data_reads_standard_input_as_the_file(trained, monkeypatch, capsys):
    """gradcheck --model --data - checks the first rows of standard input as those of the
    file: the same lines but the source's name, and the cost J of the first 5 rows is the
    mean cross-entropy of the network's probabilities there (no weight decay: train's
    default)."""
    d, X, y = trained
    model = str(d / "model.npz")
    assert main(["gradcheck", "--model", model, "--data", str(d / "data.csv")]) == 0
    by_path = capsys.readouterr().out
    reads = _stdin(monkeypatch, (d / "data.csv").read_bytes())
    assert main(["gradcheck", "--model", model, "--data", "-"]) == 0
    piped = capsys.readouterr().out
    assert len(reads) == 1
    assert "on the first 5 of 36 examples of standard input\n" in piped
    assert piped == by_path.replace(str(d / "data.csv"), "standard input")
    P = _probabilities(d / "model.npz", X[:5])
    J = -np.mean(np.log(P[np.arange(5), [LABELS.index(v) for v in y[:5]]]))
    shown = float(piped.split("cost J = ")[1].split()[0])
    assert shown == pytest.approx(J, rel=1e-12)


def test_gradcheck_training_names_standard_input_holding_one_example(tmp_path, monkeypatch,
                                                                     capsys):
    """--training on DATA "-" of one row said "- has a single example"."""
    rows = "f1,f2,kind\n" + "".join(f"{i % 5},{i % 3},{'ab'[i % 2]}\n" for i in range(12))
    (tmp_path / "d.csv").write_text(rows)
    layers = '[{"type": "Dense", "fan_out": 4}, {"type": "BatchNorm"}]'
    assert main(["train", str(tmp_path / "d.csv"), "--target", "kind", "--layers", layers,
                 "--epochs", "2", "-o", str(tmp_path / "bn.npz"), "-q"]) == 0
    _stdin(monkeypatch, b"f1,f2,kind\n1,2,a\n")
    assert main(["gradcheck", "--model", str(tmp_path / "bn.npz"), "--data", "-",
                 "--training"]) == 2
    err = capsys.readouterr().err
    assert ("got 1 (a single example is normalised with the running statistics, in training "
            "too); --data - (standard input) has a single example: give a table of 2 or "
            "more") in err


@pytest.mark.parametrize(("command", "option"), [("plot", "DATA"), ("gradcheck", "--data")])
def test_help_of_plot_and_gradcheck_says_data_may_be_standard_input(capsys, command, option):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    entry = help_text.split(f" {option} ", 1)[1]
    assert "- reads a CSV file from standard input" in entry.split(" --target ")[0]


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_closed_standard_input_is_refused_by_name(trained, command):
    """DATA - with standard input closed (``<&-``: sys.stdin is None) stopped with an
    AttributeError's traceback."""
    d, _, _ = trained
    proc = subprocess.run(["sh", "-c", 'exec "$0" -m chainrule "$@" <&-', sys.executable,
                           command, str(d / "model.npz"), "-"], capture_output=True,
                          timeout=300)
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr.decode() == ("chainrule: error: standard input: closed; expected a "
                                    "CSV file piped or redirected to the command (cmd < "
                                    "data.csv)\n")


def test_predict_keep_copies_columns_of_standard_input_as_of_the_file(trained, monkeypatch,
                                                                      capsys):
    """--keep with DATA - was refused, as standard input cannot be read twice; the text of
    the first read is kept for the command's run, so the columns copied are the file's,
    cell by cell as written (the features' too), read from standard input once."""
    d, X, _ = trained
    model, data = str(d / "model.npz"), d / "data.csv"
    keep = ["--keep", "f2", "f1", "--proba"]
    by_path = _run("predict", model, str(data), *keep)
    piped = _run("predict", model, "-", *keep, stdin=data.read_bytes())
    assert by_path.returncode == piped.returncode == 0, piped.stderr
    assert piped.stdout == by_path.stdout and piped.stderr == b""
    reads = _stdin(monkeypatch, data.read_bytes())
    assert main(["predict", model, "-", *keep]) == 0
    assert len(reads) == 1  # one read of everything, for the features and the kept columns
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["f2", "f1", "kind", *(f"proba_{label}" for label in LABELS)]
    written = list(csv.reader(data.read_text().splitlines()))[1:]
    assert [row[:2] for row in rows[1:]] == [[r[1], r[0]] for r in written]
    np.testing.assert_array_equal(np.array([row[:2] for row in rows[1:]], dtype=float),
                                  X[:, ::-1])
    P = _probabilities(model, X)
    assert [row[2] for row in rows[1:]] == [LABELS[k] for k in P.argmax(axis=1)]
    np.testing.assert_allclose(np.array([row[3:] for row in rows[1:]], dtype=float), P,
                               rtol=1e-12, atol=1e-15)


def test_standard_input_is_kept_for_one_run_of_main(trained, monkeypatch, capsys):
    """Each main() call reads its own standard input: what one run kept is not what the
    next one reads (here: two tables of different rows, in one process)."""
    d, X, _ = trained
    model = str(d / "model.npz")
    lines = (d / "data.csv").read_bytes().splitlines(keepends=True)
    P = _probabilities(model, X)
    for rows in (range(0, 3), range(20, 24)):
        _stdin(monkeypatch, b"".join([lines[0], *(lines[1 + i] for i in rows)]))
        assert main(["predict", model, "-", "--keep", "f2"]) == 0
        out = list(csv.reader(io.StringIO(capsys.readouterr().out)))
        assert out[0] == ["f2", "kind"]
        assert [r[0] for r in out[1:]] == [f"{X[i, 1]:.6f}" for i in rows]
        assert [r[1] for r in out[1:]] == [LABELS[P[i].argmax()] for i in rows]


def test_read_data_outside_a_run_reads_standard_input_anew(monkeypatch):
    """From Python (no command's run), read_data("-") reads the stream each time, as a
    stream is read: a second read finds it at its end."""
    reads = _stdin(monkeypatch, b"a,b\n1,2\n")
    assert read_data("-").X.tolist() == [[1.0]]
    with pytest.raises(ValueError, match="standard input: empty file"):
        read_data("-")
    assert len(reads) == 2


def test_a_file_named_dash_is_not_standard_input(tmp_path, monkeypatch, capsys):
    """A file called "-" in the current folder (the model's training data, given as ./-)
    was taken for DATA -: evaluate said standard input of other rows was "the data the
    model was trained on ... none held out", and the NPZ helpers read that file's arrays
    for standard input's.  Standard input is no file: its scores are held-out scores."""
    from chainrule.tabular import npz_image_shape, npz_targets

    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    X = np.round(rng.normal(size=(40, 2)), 4)
    y = np.where(X[:, 0] + X[:, 1] > 0, "hi", "lo")
    rows = ["a,b,k", *(f"{p:.4f},{q:.4f},{c}" for (p, q), c in zip(X, y, strict=True))]
    (tmp_path / "-").write_text("\n".join(rows) + "\n")
    assert main(["train", "./-", "--target", "k", "--epochs", "5", "--val-fraction", "0.25",
                 "-o", "m.npz", "-q"]) == 0
    assert main(["evaluate", "m.npz", "./-"]) == 0  # the file itself: known as such
    # then accuracy, log loss, balanced accuracy, macro F1, ROC AUC, average precision,
    # Brier score, ECE and the calibration line
    assert capsys.readouterr().out.splitlines()[-10].endswith(
        "-: 40 examples, the data the model was trained on (30 training and 10 validation "
        "examples; none held out: not a test score)")
    _stdin(monkeypatch, ("\n".join(rows[:7]) + "\n").encode())
    assert main(["evaluate", "m.npz", "-"]) == 0
    first, accuracy, loss, *_ = capsys.readouterr().out.splitlines()
    assert first == "standard input: 6 examples"
    p_lo = _probabilities(tmp_path / "m.npz", X[:6])[:, 0]  # one sigmoid: the second label
    P = np.column_stack([1 - p_lo, p_lo])
    labels = np.array(["hi", "lo"])
    assert accuracy == f"accuracy: {np.mean(labels[P.argmax(axis=1)] == y[:6]):.6g}"
    assert loss == f"log loss: {log_loss(y[:6], P, labels=labels):.6g}"
    np.savez(tmp_path / "imgs.npz", X=np.zeros((3, 1, 2, 2)), Y=np.zeros((3, 2)))
    (tmp_path / "imgs.npz").replace(tmp_path / "-")
    assert npz_image_shape("-") is None and npz_targets("-", "Y") is None
    assert npz_image_shape("./-") == (1, 2, 2) and npz_targets("./-", "Y") == ["Y[0]", "Y[1]"]
