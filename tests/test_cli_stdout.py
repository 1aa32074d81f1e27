"""An output option given "-": the standard output for text, refused for binary files.

``chainrule predict model.npz data.csv -o - | head`` must print the CSV that ``-o out.csv``
writes, byte for byte, and nothing else on the standard output; the predictions are
checked against the saved network's forward pass on the standardised columns (NumPy
here).  ``./-`` still names a file called ``-``.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import numpy as np
import pytest

from chainrule.cli import main
from file_helpers import network_outputs as _probabilities

LABELS = ["cat", "dog", "eel"]


def _run(*args: str, cwd, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chainrule", *args], input=stdin, cwd=cwd,
                          capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    d = tmp_path_factory.mktemp("stdout")
    rng = np.random.default_rng(5)
    centres = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    X = np.round(np.concatenate([c + 0.8 * rng.normal(size=(10, 2)) for c in centres]), 6)
    y = np.repeat(LABELS, 10)
    with open(d / "data.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "f1", "f2", "kind"])
        writer.writerows([[f"r{i:02d}", f"{a:.6f}", f"{b:.6f}", c]
                          for i, ((a, b), c) in enumerate(zip(X, y, strict=True))])
    assert main(["train", str(d / "data.csv"), "--target", "kind", "--features", "f1", "f2",
                 "--hidden", "5", "--epochs", "20", "--val-fraction", "0", "--seed", "1",
                 "-o", str(d / "model.npz"), "-q"]) == 0
    return d, X, y


@pytest.mark.parametrize("option", ["-o", "--out"])
def test_predict_dash_writes_the_csv_alone_on_standard_output(trained, tmp_path, option):
    d, X, _ = trained
    model, data = str(d / "model.npz"), str(d / "data.csv")
    to_file = _run("predict", model, data, "--proba", option, str(tmp_path / "out.csv"),
                   cwd=tmp_path)
    assert to_file.returncode == 0, to_file.stderr
    piped = _run("predict", model, data, "--proba", option, "-", cwd=tmp_path)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == (tmp_path / "out.csv").read_bytes() and piped.stderr == b""
    assert sorted(os.listdir(tmp_path)) == ["out.csv"]  # no file named "-"
    rows = list(csv.reader(io.StringIO(piped.stdout.decode())))
    assert rows[0] == ["kind", *(f"proba_{label}" for label in LABELS)]
    P = _probabilities(d / "model.npz", X)
    assert [row[0] for row in rows[1:]] == [LABELS[k] for k in P.argmax(axis=1)]
    np.testing.assert_allclose(np.array([row[1:] for row in rows[1:]], dtype=float), P,
                               rtol=1e-12, atol=1e-15)


def test_predict_dash_reads_and_writes_the_standard_streams(trained, tmp_path):
    """DATA - and -o -: the options before MODEL and DATA, as the words may come."""
    d, _, _ = trained
    model, data = str(d / "model.npz"), d / "data.csv"
    by_path = _run("predict", model, str(data), cwd=tmp_path)
    piped = _run("predict", "-o", "-", model, "-", cwd=tmp_path, stdin=data.read_bytes())
    assert by_path.returncode == piped.returncode == 0, piped.stderr
    assert piped.stdout == by_path.stdout and piped.stderr == b""
    assert os.listdir(tmp_path) == []


def test_predict_dash_in_process_prints_no_written_line(trained, tmp_path, capsys):
    d, X, _ = trained
    assert main(["predict", str(d / "model.npz"), str(d / "data.csv"), "-o", "-"]) == 0
    out, err = capsys.readouterr()
    P = _probabilities(d / "model.npz", X)
    assert out == "kind\n" + "".join(f"{LABELS[k]}\n" for k in P.argmax(axis=1))
    assert err == ""


def test_predict_dot_slash_dash_is_a_file_named_dash(trained, tmp_path):
    """./- names a file; read as DATA it is no standard input, and -o - does not
    overwrite it (standard output is no file)."""
    d, X, _ = trained
    model = str(d / "model.npz")
    (tmp_path / "-").write_bytes((d / "data.csv").read_bytes())
    piped = _run("predict", model, "./-", "-o", "-", cwd=tmp_path)
    assert piped.returncode == 0, piped.stderr
    P = _probabilities(d / "model.npz", X)
    assert piped.stdout.decode() == "kind\n" + "".join(f"{LABELS[k]}\n"
                                                       for k in P.argmax(axis=1))
    assert (tmp_path / "-").read_bytes() == (d / "data.csv").read_bytes()
    written = _run("predict", model, str(d / "data.csv"), "-o", "./-", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert (tmp_path / "-").read_bytes() == piped.stdout
    assert written.stdout.decode() == "30 predictions written to ./-\n"


def test_predict_help_says_dash_is_standard_output(capsys):
    with pytest.raises(SystemExit):
        main(["predict", "--help"])
    entry = " ".join(capsys.readouterr().out.split()).split(" -o CSV, --out CSV ", 1)[1]
    assert "default, and -: standard output, which then holds the CSV alone" in entry


@pytest.mark.parametrize(("fmt", "name"), [("text", "trace.txt"), ("json", "trace.json")])
def test_trace_output_dash_prints_the_file_alone(tmp_path, fmt, name):
    to_file = _run("trace", "--format", fmt, "--output", str(tmp_path / name), cwd=tmp_path)
    piped = _run("trace", "--format", fmt, "--output", "-", "--plot", "step.png",
                 cwd=tmp_path)
    assert to_file.returncode == piped.returncode == 0, piped.stderr
    assert piped.stdout == (tmp_path / name).read_bytes()
    # the picture's line beside the printed trace, on the standard error
    assert piped.stderr == b"picture written to step.png\n"
    assert sorted(os.listdir(tmp_path)) == sorted([name, "step.png"])
    if fmt == "json":  # transfer-example: the example's log loss from its matrices, in NumPy
        import json

        step = json.loads(piped.stdout)
        W0, W1 = (np.array(layer["matrices"][0]["value"]) for layer in step["layers"])
        h = 1 / (1 + np.exp(-(np.r_[1.0, step["input"]] @ W0)))
        out = 1 / (1 + np.exp(-(np.r_[1.0, h] @ W1)))
        assert step["target"] == [1.0] and step["loss"] == "log_loss"
        assert step["example_loss"] == pytest.approx(-np.log(out[0]), rel=1e-14)


def test_trace_help_says_dash_is_standard_output(capsys):
    with pytest.raises(SystemExit):
        main(["trace", "--help"])
    entry = " ".join(capsys.readouterr().out.split()).split(" --output FILE ", 1)[1]
    assert "-: standard output, as without --output" in entry


@pytest.mark.parametrize(("args", "option", "example", "why"), [
    (["plot", "loss", "MODEL", "-o", "-"], "-o/--out", "picture.png", "a picture is binary"),
    (["train", "DATA", "-q", "--epochs", "1", "-o", "-"], "-o/--out", "model.npz",
     "a model is an NPZ archive written to a file of its own"),
    (["train", "DATA", "-q", "--epochs", "1", "-o", "OUT", "--plot", "-"], "--plot",
     "loss.png", "a picture is binary"),
    (["train", "DATA", "-q", "--epochs", "1", "-o", "OUT", "--checkpoint", "-"],
     "--checkpoint", "run.ckpt.npz", "a checkpoint is an NPZ archive"),
    (["demo", "--epochs", "1", "--plot", "-"], "--plot", "loss.png", "a picture is binary"),
    (["--epochs", "1", "--plot", "-"], "--plot", "loss.png", "a picture is binary"),
    (["trace", "--plot", "-"], "--plot", "trace.png", "a picture is binary"),
    (["perceptron", "--plot", "-"], "--plot", "perceptron.png", "a picture is binary"),
    (["select", "--plot", "-"], "--plot", "model-selection.png", "a picture is binary"),
    (["experiment", "saturation", "--plot", "-"], "--plot", "experiment.png",
     "a picture is binary"),
])
def test_binary_outputs_refuse_dash_naming_the_option(trained, tmp_path, monkeypatch, capsys,
                                                      args, option, example, why):
    """A picture, a model or a checkpoint given "-" wrote -.png or -.npz in the current
    folder; it is refused before any work, naming the option, what it takes and why."""
    d, _, _ = trained
    names = {"MODEL": str(d / "model.npz"), "DATA": str(d / "data.csv"),
             "OUT": str(tmp_path / "never.npz")}
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main([names.get(a, a) for a in args])
    assert exc.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert (f"error: argument {option}: expected a file name such as {example}, got - "
            "(standard output, which takes text: predict's CSV, trace's --output), and "
            f"{why}") in err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_predict_writes_utf8_on_standard_output_whatever_the_locale(tmp_path, encoding):
    """The CSV file is UTF-8 (DATA - is read as UTF-8 too); on standard output it was
    written in the locale's encoding: other bytes (Latin-1), or "chainrule: error: 'ascii'
    codec can't encode character '\\xe8'" for a label or a column name that is no ASCII."""
    rows = ["nom,x1,x2,espèce", *(f"bête n°{i},{i % 5},{(3 * i) % 7},"
                                  f"{['chat', 'chien', 'éléphant'][i % 3]}"
                                  for i in range(12))]
    (tmp_path / "u.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["train", str(tmp_path / "u.csv"), "--features", "x1", "x2", "--epochs", "2",
                 "-o", str(tmp_path / "u.npz"), "-q"]) == 0
    args = ["predict", str(tmp_path / "u.npz"), str(tmp_path / "u.csv"), "--keep", "nom",
            "--proba"]
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    run = [sys.executable, "-m", "chainrule", *args]
    assert subprocess.run([*run, "-o", str(tmp_path / "p.csv")], env=env,
                          capture_output=True, timeout=300).returncode == 0
    piped = subprocess.run([*run, "-o", "-"], env=env, capture_output=True, timeout=300)
    assert piped.returncode == 0 and piped.stderr == b""
    assert piped.stdout == (tmp_path / "p.csv").read_bytes()
    lines = piped.stdout.decode("utf-8").splitlines()
    assert lines[0] == "nom,espèce,proba_chat,proba_chien,proba_éléphant"
    assert [line.split(",")[0] for line in lines[1:]] == [f"bête n°{i}" for i in range(12)]


@pytest.mark.parametrize(("errors", "text"), [("backslashreplace", "café"),
                                             ("replace", "café"),
                                             ("surrogateescape", "caf\udce9")])
def test_predict_gives_standard_output_its_error_handler_back(trained, monkeypatch, errors,
                                                              text):
    """The CSV on an ASCII standard output is UTF-8 for the block, then the encoding is
    given back, but reconfigure(encoding=...) alone reset the stream's error handler to
    "strict": after predict, a host's print("café") on a stream made with
    errors="backslashreplace" raised UnicodeEncodeError instead of writing caf\\xe9 (and
    a surrogate-escaped byte, as a C locale's stream writes it, the same)."""
    d, _, _ = trained
    assert main(["predict", str(d / "model.npz"), str(d / "data.csv"), "-o",
                 str(d / "p-errors.csv")]) == 0
    table = (d / "p-errors.csv").read_bytes()
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii", errors=errors, newline="\n")
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["predict", str(d / "model.npz"), str(d / "data.csv"), "-o", "-"]) == 0
    assert (out.encoding, out.errors) == ("ascii", errors)
    print(text, end="")
    out.flush()
    # the table as the file holds it, then the text as Python's codec writes it with
    # the handler (b"caf\\xe9", b"caf?", b"caf\xe9")
    assert raw.getvalue() == table + text.encode("ascii", errors)


@pytest.mark.parametrize("command", ["predict", "trace"])
def test_a_translating_standard_output_gets_the_files_bytes(trained, tmp_path, monkeypatch,
                                                            command):
    """A standard output that translates "\\n" to "\\r\\n" (Windows's console and pipes)
    got the CSV (the trace) with CRLF line ends, while ``-o file`` writes "\\n": README's
    "byte for byte" did not hold there.  The file's bytes now go to the stream's byte
    buffer as they are; text printed before and after keeps the stream's own translation."""
    d, _, _ = trained
    if command == "predict":
        args = ["predict", str(d / "model.npz"), str(d / "data.csv"), "-o"]
    else:
        args = ["trace", "--format", "json", "--output"]
    assert main([*args, str(tmp_path / "out")]) == 0
    table = (tmp_path / "out").read_bytes()
    assert b"\r" not in table and table.count(b"\n") > 5
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", newline="\r\n")
    monkeypatch.setattr(sys, "stdout", out)
    print("before")
    assert main([*args, "-"]) == 0
    print("after")
    out.flush()
    assert raw.getvalue() == b"before\r\n" + table + b"after\r\n"
    assert (out.encoding, out.errors) == ("utf-8", "strict")


@pytest.mark.parametrize("command", ["predict", "trace"])
def test_a_standard_output_without_a_byte_buffer_gets_the_files_text(trained, tmp_path,
                                                                     monkeypatch, command):
    """An ``io.StringIO`` put in place of ``sys.stdout`` (a host capturing main()'s
    output) has no byte buffer: the file's text is written to it as it is.  main()'s
    pipe guard offered a byte buffer whatever the stream, and writing to it raised
    AttributeError ('_io.StringIO' object has no attribute 'buffer')."""
    d, _, _ = trained
    if command == "predict":
        args = ["predict", str(d / "model.npz"), str(d / "data.csv"), "-o"]
    else:
        args = ["trace", "--format", "json", "--output"]
    assert main([*args, str(tmp_path / "out")]) == 0
    table = (tmp_path / "out").read_bytes().decode("utf-8")
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    print("before")
    assert main([*args, "-"]) == 0
    print("after")
    assert out.getvalue() == "before\n" + table + "after\n"
