"""The teaching subcommands, run through ``chainrule.cli.main`` in-process (the ``run``
fixture gives its exit status, standard output and standard error as a subprocess's; the
entry point itself is run in a subprocess in test_cli).

The trace command runs in the default suite; perceptron, select and experiment
(whose library functions are tested in-process) are marked slow.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from chainrule.cli import main
from test_cli import run_in_process
from test_trace import SPEC_A, SPEC_B, TOKEN


@pytest.fixture
def run(capsys):
    """``run(*args)``: ``chainrule.cli.main(args)`` in-process, as a CompletedProcess."""
    return lambda *args: run_in_process(capsys, *args)


def test_trace_preset_json_parses_and_matches_spec_a(run):
    proc = run("trace", "--preset", "transfer-example", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    hidden, out = doc["layers"]
    np.testing.assert_allclose(hidden["out"], [0.549834, 0.710950], atol=1e-6)
    np.testing.assert_allclose(hidden["delta"], [-0.0604558, -0.0100387], atol=1e-6)
    np.testing.assert_allclose(np.ravel(out["matrices"][0]["new"]),
                               [0.188499, 0.768593, 0.447298], atol=1e-6)
    np.testing.assert_allclose(doc["output_after"], [0.721874], atol=1e-6)


def test_trace_inline_network_prints_every_spec_b_number(run, notation="netout"):
    proc = run("trace", "--weights", "[[[1,1],[2,1]],[[2,1],[1,0]]]", "--layout", "ufldl",
               "--activation", "square", "--loss", "squared_error", "--input", "1", "1",
               "--target", "290", "14", "--lr", "0.5", "--notation", notation)
    assert proc.returncode == 0, proc.stderr
    tokens = set(TOKEN.findall(proc.stdout))
    assert [n for n in SPEC_B if n not in tokens] == []


def test_trace_markdown_to_file_and_overrides(run, tmp_path):
    out = tmp_path / "a.md"
    proc = run("trace", "--preset", "transfer-example", "--notation", "ufldl",
               "--format", "markdown", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert text.startswith("## One step of gradient descent (UFLDL notation)")
    assert "$$" in text and r"\nabla_{W^{(1)}} J" in text
    assert [n for n in SPEC_A if n not in set(TOKEN.findall(text))] == []
    # --lr overrides the preset: half the step, so W1 bias moves by 0.244250 (= 0.488499 / 2)
    proc = run("trace", "--preset", "transfer-example", "--lr", "0.5", "--format", "json")
    doc = json.loads(proc.stdout)
    assert doc["layers"][1]["matrices"][0]["new"][0][0] == pytest.approx(-0.3 + 0.2442495,
                                                                         abs=1e-6)


@pytest.mark.parametrize(("args", "words"), [
    (["--weights", "[[1,2]"], "--weights: not valid JSON"),
    (["--weights", "[[[1, 2]]]"], "missing required key(s) ['input', 'target']"),
    (["--preset", "integer-example", "--input", "1"],
     "--preset integer-example: input: the network has 2 input(s), so the example is 2 "
     "value(s) (--input X1 ... X2); got 1: [1.0]"),
    # no network given: the default preset's, which the message names
    (["--input", "1", "2", "3"],
     "--preset transfer-example (the default: no --preset, --network or --weights given): "
     "input: the network has 2 input(s)"),
    (["--activation", "relu", "relu", "relu"],
     "--preset transfer-example (the default"),
    # the weights came from --weights, not from the preset the message blamed
    (["--preset", "integer-example",
      "--weights", "[[[1e400, 1], [1, 1], [1, 1]], [[1], [1], [1]]]"],
     "error: --weights: weights[0] contains 1 NaN or infinite value(s); all must be finite"),
    (["--preset", "integer-example", "--weights", "[[[1, 2], [3, 4]], [[1, 1]]]",
      "--layout", "ufldl"],
     "error: --preset integer-example (its network replaced by --weights): target: the "
     "network has 1 output(s)"),
])
def test_trace_bad_input_gives_one_line_error(run, args, words):
    proc = run("trace", *args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert words in proc.stderr.strip().splitlines()[-1]


@pytest.mark.slow
def test_perceptron_command_reports_convergence_cycle_and_xor_network(run, tmp_path):
    png = tmp_path / "p.png"
    proc = run("perceptron", "--plot", str(png))
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"separable data .*converged after \d+ epochs", proc.stdout)
    assert "cycles forever" in proc.stdout
    assert "network: accuracy 100%" in proc.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_select_command_prints_table_and_choice(run, tmp_path):
    png = tmp_path / "s.png"
    proc = run("select", "--max-hidden", "3", "--starts", "2", "--plot", str(png))
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"chosen: M = [123] \(start [12] of 2\)", proc.stdout)
    assert png.stat().st_size > 10_000


def test_select_refuses_more_runs_than_it_can_hold_naming_both_options(tmp_path, capsys,
                                                                       monkeypatch):
    """select --max-hidden 100000 --starts 100000 listed 10**10 jobs (memory, a hang).
    More than MAX_RUNS runs are refused before any sample is drawn, naming both options;
    --help states the bound."""
    import chainrule.datasets as ds
    import chainrule.model_selection as ms

    def no_data(*args, **kwargs):
        raise AssertionError("samples were drawn")

    monkeypatch.setattr(ds, "sinusoid", no_data)
    png = tmp_path / "s.png"
    m, s = 100_000, ms.MAX_RUNS // 100_000 + 1
    assert main(["select", "--max-hidden", str(m), "--starts", str(s), "--plot", str(png)]) == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: --max-hidden x --starts must make at most {ms.MAX_RUNS:,} runs, "
        f"got {m:,} x {s:,} = {m * s:,}; give a smaller --max-hidden or --starts\n")
    assert not png.exists()
    with pytest.raises(SystemExit):
        main(["select", "--help"])
    assert f"at most {ms.MAX_RUNS:,}" in " ".join(capsys.readouterr().out.split())


@pytest.mark.slow
def test_experiment_command_writes_picture(run, tmp_path):
    png = tmp_path / "sat.png"
    proc = run("experiment", "saturation", "--plot", str(png))
    assert proc.returncode == 0, proc.stderr
    assert "saturated sigmoid units" in proc.stdout and png.exists()


def test_trace_transfer_layout_without_biases_is_example_b(run):
    proc = run("trace", "--weights", "[[[0,0],[1,2],[1,1]],[[0,0],[2,1],[1,0]]]",
               "--biases", "false", "--activation", "square", "--input", "1", "1",
               "--target", "290", "14", "--lr", "0.5", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    hidden, out = json.loads(proc.stdout)["layers"]
    # SPEC 10 B: h1 = [105, 105], h2 = [104, 103], o1 = [70, 154], o2 = [-31, -72]
    np.testing.assert_array_equal(hidden["matrices"][0]["new"], [[0, 0], [105, 104], [105, 103]])
    np.testing.assert_array_equal(out["matrices"][0]["new"], [[0, 0], [70, -31], [154, -72]])
    bad = run("trace", "--weights", "[[[1,0],[1,2],[1,1]]]", "--biases", "false",
              "--input", "1", "1", "--target", "1", "1")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "must be zeros, got [1.0, 0.0]" in bad.stderr


@pytest.mark.parametrize("layout", ["ufldl", "chainrule"])
@pytest.mark.parametrize("biases", ["false", "true", "3"])
def test_trace_other_layouts_refuse_biases_that_are_not_a_list(run, layout, biases):
    """true/false is the transfer layout's form; the others name the layout and the form."""
    proc = run("trace", "--weights", "[[[1,1],[2,1]],[[2,1],[1,0]]]", "--layout", layout,
               "--biases", biases, "--activation", "square", "--input", "1", "1",
               "--target", "290", "14")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"chainrule: error: biases: the {layout} layout takes a list with one bias vector "
        "(or null) per layer (2), got ")
    # the list form still works: SPEC 10 B in the UFLDL layout, no biases
    if layout == "ufldl" and biases == "false":
        ok = run("trace", "--weights", "[[[1,1],[2,1]],[[2,1],[1,0]]]", "--layout", "ufldl",
                 "--biases", "[null, null]", "--activation", "square", "--input", "1", "1",
                 "--target", "290", "14", "--lr", "0.5", "--format", "json")
        assert ok.returncode == 0, ok.stderr
        out = json.loads(ok.stdout)["layers"][1]
        np.testing.assert_array_equal(out["matrices"][0]["new"], [[0, 0], [70, -31], [154, -72]])


def test_trace_reads_a_json_file_with_a_utf8_byte_order_mark(run, tmp_path):
    """UTF-8 with a BOM (as some editors save it) is UTF-8: read as without it."""
    spec = {"weights": [[[0, 0], [1, 2], [1, 1]], [[0, 0], [2, 1], [1, 0]]], "biases": False,
            "activation": "square", "input": [1, 1], "target": [290, 14], "lr": 0.5}
    path = tmp_path / "b.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(spec).encode())
    proc = run("trace", "--network", str(path), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)["layers"][1]
    # SPEC 10 B: o1 = [70, 154], o2 = [-31, -72]
    np.testing.assert_array_equal(out["matrices"][0]["new"], [[0, 0], [70, -31], [154, -72]])


_ONE = '"weights": [[[1], [2]]], "input": [1], "target": [1]'


@pytest.mark.parametrize(("network", "words"), [
    ("{" + _ONE + ', "activation": 5}',
     'activation must be an activation name (such as "sigmoid") or a list of names, one per '
     "layer (1), got 5"),
    ("{" + _ONE + ', "activation": ["sigmoid", 3]}', "or a list of names"),
    ("FILE.json", "FILE.json: not UTF-8 text (byte 0xff at offset"),
    ("FILE.yaml", "FILE.yaml: not UTF-8 text (byte 0xff at offset"),
    ("BROKEN.yaml", "BROKEN.yaml: not valid YAML"),
    # a value the description's checks refuse: named by its key, and by the file it is in
    ("TEXT.json", "TEXT.json: weights[0] must hold numbers"),
    # JSON's true / false are no weights, inputs or targets (NumPy read them as 1 / 0)
    ('{"weights": [[[1], [true]]], "input": [1], "target": [1]}',
     "--network: weights[0] must hold numbers, got true/false in it (write 1 or 0)"),
    ('{"weights": [[[1], [2]]], "input": [false], "target": [1]}',
     "--network: input must hold numbers, got true/false"),
    # the learning rate is the description's too: named with it, as its other keys are
    ('{"weights": [[[1], [2]]], "input": [1], "target": [1], "lr": -1}',
     "--network: lr must be a finite float > 0, got -1.0"),
    ("LR.json", "LR.json: lr must be a finite float > 0, got 'x' (str)"),
])
def test_trace_network_errors_name_the_argument_or_the_file(network, words, tmp_path, capsys):
    from chainrule.cli import main

    if network.endswith(".yaml"):
        pytest.importorskip("yaml")
    (tmp_path / "FILE.json").write_bytes(b'{"weights": [[[1], [2]]], "description": "\xff"}')
    (tmp_path / "FILE.yaml").write_bytes(b"weights: [[[1], [2]]]\ndescription: \xff\n")
    (tmp_path / "BROKEN.yaml").write_text("weights: [[[1], [2]]\ninput: [1]\n")
    (tmp_path / "TEXT.json").write_text('{"weights": [[[1], ["x"]]], "input": [1], '
                                        '"target": [1]}')
    (tmp_path / "LR.json").write_text('{"weights": [[[1], [2]]], "input": [1], "target": [1], '
                                      '"lr": "x"}')
    if not network.startswith("{"):
        network = str(tmp_path / network)
        words = str(tmp_path / words)
    assert main(["trace", "--network", network]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("chainrule: error: ") and words in err[0]


@pytest.mark.parametrize(("args", "words"), [
    (["--loss", "log_loss", "--target", "2"],
     "target: loss 'log_loss' needs targets in [0, 1], got 1 value(s) outside it (min 2, max 2)"),
    (["--activation", "exp", "--loss", "poisson", "--target", "-1"],
     "target: loss 'poisson' needs targets in [0, inf], got 1 value(s) outside it"),
])
def test_trace_a_target_outside_the_loss_range_is_named_target(args, words, capsys):
    """Before: 'chainrule: error: y: loss 'log_loss' needs targets in [0, 1] ...', naming
    the Python argument of cr.trace rather than --target (or the description's key)."""
    from chainrule.cli import main

    assert main(["trace", "--weights", "[[[0], [1]]]", "--input", "1", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"chainrule: error: {words}")


def test_trace_help_names_every_loss_and_the_defaults_it_applies(capsys):
    """--help listed four of the five losses (not poisson) and no defaults."""
    from chainrule.cli import main
    from chainrule.losses import LOSSES

    with pytest.raises(SystemExit):
        main(["trace", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    loss_help = text.rsplit("--loss LOSS", 1)[1].split("--weight-decay", 1)[0]
    assert all(name in loss_help for name in LOSSES), loss_help
    assert "else squared_error" in loss_help and "else sigmoid" in text and "else 1)" in text
    # and they are the defaults of --weights without a preset: sigmoid, squared error, lr 1
    assert main(["trace", "--weights", "[[[0.1], [0.2]]]", "--input", "1", "--target", "0.5",
                 "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    out = 1 / (1 + np.exp(-(0.1 + 0.2 * 1)))
    delta = (out - 0.5) * out * (1 - out)
    assert doc["loss"] == "squared_error" and doc["activations"] == ["sigmoid"]
    assert doc["learning_rate"] == 1.0
    np.testing.assert_allclose(doc["cost"], 0.5 * (out - 0.5) ** 2, rtol=1e-12)
    new_out = 1 / (1 + np.exp(-((0.1 - delta) + (0.2 - delta) * 1)))
    np.testing.assert_allclose(doc["output_after"], [new_out], rtol=1e-12)


def test_trace_output_into_a_new_folder(tmp_path, capsys):
    """``trace --output new/dir/t.txt`` ended with "No such file or directory", though
    the option's type accepts a missing folder as one to create; the file holds what
    the trace prints."""
    from chainrule.cli import main

    args = ["trace", "--preset", "integer-example", "--notation", "ufldl"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    out = tmp_path / "new" / "dir" / "t.txt"
    assert main([*args, "--output", str(out)]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out == f"trace written to {out}\n"
    assert out.read_text(encoding="utf-8") == printed
    assert [n for n in SPEC_B if n not in set(TOKEN.findall(printed))] == []


def test_trace_refuses_an_output_that_is_its_network_file(tmp_path, capsys):
    spec = tmp_path / "net.json"
    text = '{"weights": [[[0.1], [0.2]]], "input": [1], "target": [1]}\n'
    spec.write_text(text)
    assert main(["trace", "--network", str(spec), "--output", str(spec)]) == 2
    err = capsys.readouterr().err
    assert f"--output {spec}: that is the network file this command reads ({spec})" in err
    assert spec.read_text() == text
    assert main(["trace", "--network", str(spec), "--output", str(tmp_path / "t.txt")]) == 0
    assert f"trace written to {tmp_path / 't.txt'}" in capsys.readouterr().out
    assert (tmp_path / "t.txt").stat().st_size > 0


def test_trace_names_the_network_file_whose_loss_and_output_do_not_fit(tmp_path, capsys):
    spec = tmp_path / "net.json"
    spec.write_text('{"weights": [[[0.1], [0.2]]], "input": [1], "target": [1], '
                    '"activation": "relu", "loss": "log_loss"}')
    assert main(["trace", "--network", str(spec)]) == 2
    assert (f"{spec}: the loss log_loss (the network's): needs an output activation it is "
            "defined on (sigmoid, softmax), got the output relu (the network's)"
            ) in capsys.readouterr().err
    spec.write_text('{"weights": [[[0.1], [0.2]]], "input": [1], "target": [1], '
                    '"loss": "bogus"}')
    assert main(["trace", "--network", str(spec)]) == 2
    assert f"{spec}: unknown loss 'bogus'" in capsys.readouterr().err


def test_trace_inline_network_longer_than_a_file_name_writes_its_output(tmp_path, capsys):
    # the check that --output is not the --network file took the inline JSON for a path
    # and failed with "File name too long" once it passed 255 bytes
    spec = {"weights": [[[0.125 * (i + j) for j in range(4)] for i in range(7)],
                        [[0.25 * (i - j) for j in range(2)] for i in range(5)]],
            "input": [0.5, 1, 0, 1, 0.25, 0.75], "target": [1, 0], "layout": "transfer"}
    text = json.dumps(spec)
    assert len(text.encode()) > 255
    out = tmp_path / "trace.txt"
    assert main(["trace", "--network", text, "--output", str(out)]) == 0
    assert capsys.readouterr().out == f"trace written to {out}\n"
    assert main(["trace", "--network", text]) == 0
    assert out.read_text(encoding="utf-8") == capsys.readouterr().out


@pytest.mark.slow
def test_readme_sparse_gradcheck_scaling_is_rounding_as_it_says(capsys):
    """The README said halving eps divides a sparse autoencoder's relative difference by
    about 4; `gradcheck --sparse-autoencoder --patches --scaling` divides it by about 1
    there (0.95 here: rounding, not truncation), and the README now says so.  (3 s)"""
    from pathlib import Path

    assert main(["gradcheck", "--sparse-autoencoder", "--patches", "--scaling"]) == 0
    out = capsys.readouterr().out
    rel, half = (float(x) for x in re.findall(r"relative difference ([0-9.e+-]+);", out))
    assert rel < 1e-9 and 0.5 < rel / half < 2  # rounding; truncation would fall by 4
    readme = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text().split())
    # the figures themselves are rounding, so they move with the BLAS kernels
    assert re.search(r"`chainrule gradcheck --sparse-autoencoder --patches --scaling` gives "
                     r"\S+, then \S+ here \(a ratio of about 1: rounding\)", readme)
    assert "halving `eps` divides it by about 4" not in readme


@pytest.mark.parametrize("name", ["free-fall", "saturation"])
def test_experiment_checks_its_default_picture_before_the_run(name, tmp_path, monkeypatch,
                                                              capsys):
    """Without --plot, experiment ran in full (free-fall: ten architectures, five starts
    each) and only then failed on its picture, 'chainrule-NAME.png: Is a directory', where a
    --plot given, and select's default, are refused while the command line is parsed."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / f"chainrule-{name}.png").mkdir()
    assert main(["experiment", name]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing ran
    assert captured.err.strip() == (
        f"chainrule: error: --plot (default: chainrule-{name}.png): chainrule-{name}.png is "
        f"a directory; give a file name, such as chainrule-{name}.png/loss.png")


_PICTURE_COMMANDS = [["select", "--max-hidden", "1", "--starts", "1"], ["perceptron"],
                     ["experiment", "saturation"]]


@pytest.mark.parametrize("folder", ["/proc", "read-only"])
@pytest.mark.parametrize("command", _PICTURE_COMMANDS, ids=[c[0] for c in _PICTURE_COMMANDS])
def test_a_picture_folder_that_takes_no_file_is_refused_before_the_run(command, folder,
                                                                        tmp_path, monkeypatch,
                                                                        capsys):
    """--plot checked its folder with os.access, which says yes to root for /proc or /sys:
    the whole run was made, and only then did writing the picture fail ('No such file or
    directory').  The folder is now probed with a temporary file, as a model's is when it
    is written, and refused while the command line is parsed."""
    import os
    from pathlib import Path

    if folder == "/proc":
        if not Path("/proc").is_dir():
            pytest.skip("no /proc here")
        where = Path("/proc")
    else:
        if not hasattr(os, "geteuid") or os.geteuid() == 0:
            pytest.skip("root writes in a read-only folder")
        where = tmp_path / "read-only"
        where.mkdir()
        where.chmod(0o555)
    monkeypatch.chdir(tmp_path)
    try:
        with pytest.raises(SystemExit) as stop:
            main([*command, "--plot", str(where / "picture.png")])
        listed = sorted(p.name for p in where.iterdir()) if folder != "/proc" else []
    finally:
        if folder != "/proc":
            where.chmod(0o755)
    assert stop.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing ran
    errors = [line for line in captured.err.splitlines() if "error:" in line]
    assert len(errors) == 1, captured.err
    assert re.fullmatch(rf"chainrule {command[0]}: error: argument --plot: cannot create "
                        rf"files in {re.escape(str(where))} \([a-z ]+\)", errors[0]), errors
    assert not (where / "picture.png").exists() and listed == []  # nothing written
    assert sorted(p.name for p in tmp_path.iterdir()) == (["read-only"] if folder != "/proc"
                                                          else [])


def test_trace_unknown_preset_is_refused_naming_the_option(tmp_path, capsys):
    """--preset nope went to the reader of --network (which takes files and inline JSON)
    and was refused as "network: 'nope' is neither a preset ...", naming an option the user
    did not give, after the command line was parsed.  It is now refused by argparse,
    naming --preset and the presets (those of chainrule.tracing.PRESETS); a network file
    given as --preset is refused too (--network reads it)."""
    from chainrule.tracing import PRESETS

    net = tmp_path / "net.json"
    net.write_text(json.dumps({"weights": [[[0.1], [0.2]]], "input": [1], "target": [0]}))
    assert main(["trace", "--network", str(net)]) == 0
    for name in ("nope", str(net)):
        capsys.readouterr()
        with pytest.raises(SystemExit) as exc:
            main(["trace", "--preset", name])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.endswith(f"error: argument --preset: expected one of {', '.join(PRESETS)}, "
                            f"got {name!r} (--network takes a file or inline JSON)\n")
    for name in PRESETS:
        assert main(["trace", "--preset", name]) == 0


def test_trace_output_takes_its_format_from_the_suffix_unless_format_is_given(tmp_path,
                                                                            capsys):
    """``trace --output t.json`` wrote plain text into a .json file unless ``--format json``
    was given too.  Without ``--format`` the suffix chooses now (as a picture's suffix
    does): each file holds exactly what the command prints with that ``--format``, and
    the JSON parses to the trace's numbers; a ``--format`` given wins over the suffix."""
    from chainrule.cli import main

    args = ["trace", "--preset", "transfer-example"]
    printed = {}
    for fmt in ("text", "markdown", "json"):
        assert main([*args, "--format", fmt]) == 0
        printed[fmt] = capsys.readouterr().out
    assert len(set(printed.values())) == 3
    for name, fmt in (("t.json", "json"), ("t.md", "markdown"), ("t.MARKDOWN", "markdown"),
                      ("t.txt", "text"), ("t.log", "text"), ("t", "text")):
        out = tmp_path / name
        assert main([*args, "--output", str(out)]) == 0, capsys.readouterr().err
        capsys.readouterr()
        assert out.read_text(encoding="utf-8") == printed[fmt], name
    json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    forced = tmp_path / "forced.json"
    assert main([*args, "--format", "text", "--output", str(forced)]) == 0
    assert forced.read_text(encoding="utf-8") == printed["text"]


def test_select_picture_names_its_data_and_draws_the_runs(tmp_path, monkeypatch):
    """chainrule select titled its picture 'Validation error of every run', of no data; the
    title now gives the data (noise, training points) and the starts.  The search itself
    is replaced by a stand-in (its fits take seconds), whose runs must be the ones drawn."""
    from types import SimpleNamespace

    import chainrule.model_selection
    from chainrule import plots

    val = np.array([[0.30, 0.25], [0.12, 0.20]])
    seen = {}

    def search(X, y, Xv, yv, sizes, starts, n_jobs=None, seed=0):
        seen.update(n_train=len(y), n_val=len(yv), sizes=list(sizes), starts=starts)
        return SimpleNamespace(hidden_units=np.array([1, 2]), val_errors=val,
                               train_errors=val / 2, best_hidden=2, best_error=0.12,
                               summary=lambda: "stand-in")

    monkeypatch.setattr(chainrule.model_selection, "select_hidden_units", search)
    drawn = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or save(fig, path))
    assert main(["select", "--max-hidden", "2", "--starts", "2", "--n-train", "8",
                 "--n-val", "20", "--noise", "0.2", "--plot", str(tmp_path / "s.png")]) == 0
    assert seen == {"n_train": 8, "n_val": 20, "sizes": [1, 2], "starts": 2}
    ax = drawn[0].axes[0]
    assert ax.get_title() == "sin(2 pi x) + noise 0.2, 8 training points: 2 starts per M"
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["best start per size"].get_ydata(), val.min(axis=1))


def test_trace_plot_draws_the_step_and_output_refuses_a_pictures_name(tmp_path, capsys):
    """``trace`` could draw its step only from Python (``Trace.plot``), and ``--output
    step.png`` wrote text into a .png.  ``--plot FILE`` now draws the same picture as
    ``Trace.plot`` (byte for byte), its "written" line on stderr while the trace (JSON
    here) is on stdout, so the JSON still parses; ``--output`` with a picture's suffix is
    refused before any work, pointing at --plot, and writes nothing."""
    import chainrule as cr
    from chainrule.cli import main

    reference = tmp_path / "reference.png"
    cr.trace_preset("transfer-example").plot(reference)
    drawn = tmp_path / "drawn.png"
    assert main(["trace", "--format", "json", "--plot", str(drawn)]) == 0
    out, err = capsys.readouterr()
    json.loads(out)
    assert err == f"picture written to {drawn}\n"
    assert drawn.read_bytes() == reference.read_bytes()
    assert drawn.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name in ("step.png", "step.SVG", "step.pdf"):
        with pytest.raises(SystemExit) as stopped:
            main(["trace", "--output", str(tmp_path / name)])
        assert stopped.value.code == 2
        err = capsys.readouterr().err
        assert (f"{tmp_path / name} is a picture's name, but --output writes the trace as "
                f"text (.txt, .md or .json); draw the step on the network's graph with "
                f"--plot {tmp_path / name}") in err
        assert not (tmp_path / name).exists()
