"""The command line: the entry point run for real in a subprocess (``python -m chainrule``),
the rest through ``chainrule.cli.main`` in-process, which parses and runs the same."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys

import numpy as np
import pytest

from chainrule.plots import plot_loss


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "chainrule", *args],
        capture_output=True, text=True, cwd=cwd, timeout=300,
    )


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    """``chainrule.cli.main(args)`` in-process: its exit status (returned, or that of the
    SystemExit it raised, as the entry point exits), standard output and standard error."""
    from chainrule.cli import main

    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def run_in_process(capsys, *args: str) -> subprocess.CompletedProcess:
    """``run_main``'s result in the form ``run`` gives (returncode, stdout, stderr)."""
    code, out, err = run_main(capsys, *args)
    return subprocess.CompletedProcess(["chainrule", *args], code, out, err)


def test_demo_prints_test_accuracy_and_writes_png(tmp_path):
    png = tmp_path / "loss.png"
    proc = run("--plot", str(png), "--quiet")
    assert proc.returncode == 0, proc.stderr
    m = re.search(r"test accuracy: ([\d.]+)%", proc.stdout)
    assert m, proc.stdout
    assert float(m.group(1)) >= 97.0
    assert png.stat().st_size > 10_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_accepts_other_architectures(tmp_path, capsys):
    code, out, err = run_main(capsys, "demo", "--hidden", "32", "16", "--epochs", "3",
                              "--plot", str(tmp_path / "a.png"), "-q")
    assert code == 0, err
    assert "Dense(32, 16" in out


def test_demo_test_accuracy_is_computed_in_blocks_of_rows(tmp_path, monkeypatch, capsys):
    """The demo's test accuracy came from one forward pass over the 450 test images: with
    --hidden 1000 a net input and an output of 3.6 MB each, peak 7.3 MB after training
    (tracemalloc), 0.17 MB now with blocks of 8 rows.  Now in Network.predict's blocks."""
    import tracemalloc

    import chainrule.plots
    import chainrule.training
    from chainrule import _inference, cli
    from chainrule.datasets import load_digits_split

    nets, peaks = [], []
    train = chainrule.training.train

    def spy_train(net, *args, **kwargs):
        nets.append(net)
        history = train(net, *args, **kwargs)
        tracemalloc.start()  # from the end of training to the plot: the accuracy pass
        return history

    def spy_plot(history, path, **kwargs):
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        return path

    monkeypatch.setattr(chainrule.training, "train", spy_train)
    monkeypatch.setattr(chainrule.plots, "plot_loss", spy_plot)
    monkeypatch.setattr(_inference, "BLOCK_BYTES", 2**16)  # blocks of 8 rows
    assert cli.main(["demo", "--hidden", "1000", "--epochs", "1", "-q",
                     "--plot", str(tmp_path / "a.png")]) == 0
    out = capsys.readouterr().out
    data = load_digits_split(seed=0)
    hidden, output = nets[0].layers
    A = np.maximum(data.X_test @ hidden.W + hidden.b, 0) @ output.W + output.b  # by hand
    accuracy = np.mean(A.argmax(axis=1) == data.y_test)
    assert f"test accuracy: {accuracy:.2%} (450 held-out images)" in out
    z = 450 * 1000 * 8  # the hidden layer's net input for all the test images
    assert peaks[0] < z / 4, (peaks, z)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--epochs", "0"], "epochs"),
        (["--activation", "nope"], "unknown activation"),
        (["--lr", "-1"], "lr"),
        (["--optimizer", "sgdx"], "argument --optimizer: expected one of"),
    ],
)
def test_bad_options_give_one_line_error(args, words, tmp_path, capsys):
    code, _, err = run_main(capsys, *args, "--plot", str(tmp_path / "x.png"), "-q")
    assert code == 2
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("chainrule: error:") and words in last


def test_gradcheck_command_passes_and_reports():
    proc = run("gradcheck", "--sizes", "3", "4", "2", "--activation", "tanh",
               "--output", "sigmoid")
    assert proc.returncode == 0, proc.stderr
    rel = float(re.search(r"relative difference ([\d.e+-]+)", proc.stdout).group(1))
    assert rel < 1e-7


def test_plot_loss_writes_png_of_expected_size(tmp_path):
    import matplotlib.image

    history = {"loss": list(np.linspace(1, 0.1, 20)), "val_loss": list(np.linspace(1, 0.3, 20))}
    path = plot_loss(history, tmp_path / "sub" / "loss.png")
    image = matplotlib.image.imread(path)
    assert image.shape[:2] == (500, 800)
    assert image.std() > 0  # not a blank canvas


def test_plot_loss_refuses_empty_history(tmp_path):
    with pytest.raises(ValueError, match="history"):
        plot_loss({"loss": []}, tmp_path / "x.png")


def test_plot_tiles_writes_grid_png_of_expected_size(tmp_path):
    import matplotlib.image as mpimg

    from chainrule.plots import plot_tiles

    rng = np.random.default_rng(0)
    path = plot_tiles(rng.normal(size=(25, 8, 8)), tmp_path / "tiles.png", title="25 units")
    img = mpimg.imread(path)
    # 5 x 5 tiles of 0.8 inch at 100 dpi, plus 0.4 inch for the title
    assert img.shape[:2] == (5 * 80 + 40, 5 * 80)
    assert img.std() > 0.05  # not a blank picture


@pytest.mark.parametrize("bad, what", [
    (np.zeros((4, 4)), "shape"),
    (np.zeros((0, 4, 4)), "shape"),
    (np.full((2, 3, 3), np.nan), "NaN"),
])
def test_plot_tiles_refuses_bad_images(tmp_path, bad, what):
    from chainrule.plots import plot_tiles

    with pytest.raises(ValueError, match=what):
        plot_tiles(bad, tmp_path / "x.png")


# --- every option is checked where it is parsed (argparse types of chainrule.cli_args) --------
@pytest.mark.parametrize(("args", "message"), [
    (["train", "DATA", "--seed", "-1"], "argument --seed: expected an integer from 0 to "
     "4294967295, got '-1'"),
    (["train", "DATA", "--seed", "4294967296"], "argument --seed: expected an integer from 0 "
     "to 4294967295, got '4294967296'"),
    (["train", "DATA", "--val-fraction", "0", "--seed", "-1"], "argument --seed:"),
    (["train", "DATA", "--batch-size", "0"], "argument --batch-size: expected an integer >= 1, "
     "got '0'"),
    (["train", "DATA", "--lr", "nan"], "argument --lr: expected a finite number > 0, got 'nan'"),
    (["train", "DATA", "--val-fraction", "1"], "argument --val-fraction: expected a number in "
     "[0, 1), got '1'"),
    (["train", "DATA", "--weight-decay", "-0.1"], "argument --weight-decay: expected a finite "
     "number >= 0, got '-0.1'"),
    (["train", "DATA", "--patience", "0"], "argument --patience: expected an integer >= 1"),
    (["train", "DATA", "--hidden", "8", "0"], "argument --hidden: expected an integer >= 1, "
     "got '0'"),
    (["demo", "--hidden", "0"], "argument --hidden: expected an integer >= 1, got '0'"),
    (["demo", "--momentum", "1"], "argument --momentum: expected a number in [0, 1), got '1'"),
    (["select", "--n-jobs", "0"], "argument --n-jobs: expected a non-zero integer"),
    (["select", "--max-hidden", "0"], "argument --max-hidden: expected an integer >= 1"),
    (["select", "--n-train", "0"], "argument --n-train: expected an integer >= 1"),
    (["select", "--n-val", "0"], "argument --n-val: expected an integer >= 1"),
    (["select", "--noise", "inf"], "argument --noise: expected a finite number >= 0, got 'inf'"),
    (["gradcheck", "--samples", "0"], "argument --samples: expected an integer >= 1, got '0'"),
    (["gradcheck", "--samples", "-2"], "argument --samples: expected an integer >= 1, got '-2'"),
    (["gradcheck", "--seed", "-1"], "argument --seed: expected an integer from 0 to"),
    (["gradcheck", "--tolerance", "nan"], "argument --tolerance: expected a finite number > 0, "
     "got 'nan'"),
    (["gradcheck", "--eps", "0"], "argument --eps: expected a finite number > 0, got '0'"),
    (["trace", "--digits", "0"], "argument --digits: expected an integer from 1 to 17"),
    (["trace", "--input", "nan", "1"], "argument --input: expected a finite number, got 'nan'"),
    (["perceptron", "--n", "1"], "argument --n: expected an integer >= 2, got '1'"),
    (["perceptron", "--plot", ""], "argument --plot: empty file name ''; give a file name, "
     "such as perceptron.png"),
    (["--plot", ""], "argument --plot: empty file name ''"),
    (["trace", "--output", ""], "argument --output: empty file name ''; give a file name"),
    (["train", "DATA", "-q", "-o", ""], "argument -o/--out: empty file name ''; give a file "
     "name, such as model.npz"),
    (["experiment", "saturation", "--seed", "-1"], "argument --seed: expected an integer"),
    (["plot", "weights", "m.npz", "--max-units", "0"], "argument --max-units: expected an "
     "integer >= 1"),
    (["evaluate", "m.npz", "iris", "--seed", "x"], "argument --seed: expected an integer"),
    (["--epochs", "0"], "argument --epochs: expected an integer >= 1, got '0'"),
    (["--optimizer", "adamx"], "argument --optimizer: expected one of gd, sgd, nesterov, "
     "adagrad, rmsprop, adam, adamw, nadam, radam, adamax, got 'adamx'"),
    (["demo", "--optimizer", "bogus"], "argument --optimizer: expected one of gd, sgd, "
     "nesterov, adagrad, rmsprop, adam, adamw, nadam, radam, adamax, got 'bogus'"),
    (["train", "DATA", "--optimizer", "bogus"], "argument --optimizer: expected one of gd, "
     "sgd, nesterov, adagrad, rmsprop, adam, adamw, nadam, radam, adamax, lbfgs, newton-cg, "
     "trust-ncg, trust-krylov, got 'bogus'"),
])
def test_options_are_checked_where_they_are_parsed(args, message, tmp_path, capsys,
                                                   monkeypatch):
    from chainrule.cli import main

    data = tmp_path / "data.csv"
    data.write_text("a,b,y\n1,2,0\n3,4,1\n")
    argv = [str(data) if a == "DATA" else a for a in args]
    if argv[0] == "train" and "-o" not in argv:
        argv += ["-o", str(tmp_path / "m.npz"), "-q"]
    monkeypatch.chdir(tmp_path)  # nothing may be written here either (-o '' meant ./model.npz)
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert re.match(r"chainrule( \w+)?: error: ", last), last
    assert message in last
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]  # nothing written


def test_gradcheck_tolerance_nan_is_refused_before_any_check(capsys):
    code, out, err = run_main(capsys, "gradcheck", "--tolerance", "nan")
    assert code == 2 and out == ""
    assert err.strip().splitlines()[-1] == (
        "chainrule gradcheck: error: argument --tolerance: expected a finite number > 0, "
        "got 'nan'")


def test_gradcheck_needs_two_sizes(capsys):
    from chainrule.cli import main

    assert main(["gradcheck", "--sizes", "3"]) == 2
    assert capsys.readouterr().err.strip() == (
        "chainrule: error: --sizes: give the input width, any hidden widths and the output "
        "width (two or more), got 1")


def test_argument_types_accept_their_bounds_and_say_what_they_expect():
    import argparse

    from chainrule.cli_args import fraction, integer, nonzero_int, positive_float, seed_int

    assert seed_int("0") == 0 and seed_int("4294967295") == 2**32 - 1
    assert integer(2)("2") == 2 and integer(None, 3)("-7") == -7
    assert fraction("0") == 0.0 and fraction("0.999") == 0.999
    assert positive_float("1e-300") == 1e-300 and nonzero_int("-2") == -2
    for parse, text, expected in [
        (fraction, "-0.0001", "expected a number in [0, 1), got '-0.0001'"),
        (positive_float, "-inf", "expected a finite number > 0, got '-inf'"),
        (positive_float, "abc", "expected a finite number > 0, got 'abc'"),
        (integer(None, 3), "4", "expected an integer <= 3, got '4'"),
        (integer(), "1.5", "expected an integer, got '1.5'"),
    ]:
        with pytest.raises(argparse.ArgumentTypeError) as err:
            parse(text)
        assert str(err.value) == expected


# --- options before the command ------------------------------------------------------------
@pytest.mark.parametrize(("args", "message"), [
    (["--epochs", "1", "demo", "-q"],
     "--epochs must come after the command: chainrule demo --epochs 1 ..."),
    (["--epochs", "3", "train", "iris", "-q"],
     "--epochs must come after the command: chainrule train --epochs 3 ..."),
    (["--lr", "0.5", "train", "iris"],
     "--lr must come after the command: chainrule train --lr 0.5 ..."),
    (["--lr", "nan", "train", "iris"], "argument --lr: expected a finite number > 0, got 'nan'"),
    (["-q", "gradcheck"], "-q must come after the command: chainrule gradcheck -q ..."),
    (["--hidden", "8", "4", "--plot=x.png", "demo"],
     "--hidden must come after the command: chainrule demo --hidden 8 4 ..."),
    # --hidden takes the words after it: the command was refused as a width ("expected
    # an integer >= 1, got 'train'")
    (["--hidden", "8", "train", "iris"],
     "argument --hidden: must come after the command: chainrule train --hidden N ..."),
    (["--hid", "8", "4", "demo"],
     "argument --hidden: must come after the command: chainrule demo --hidden N ..."),
])
def test_options_before_the_command_are_refused_not_dropped(args, message, tmp_path, capsys):
    from chainrule.cli import main

    with pytest.raises(SystemExit) as stop:
        main([*args, "-o", str(tmp_path / "m.npz")] if "train" in args else args)
    assert stop.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == f"chainrule: error: {message}"
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing written


@pytest.mark.parametrize(("args", "command", "unknown"), [
    (["train", "iris", "--bogus"], "train", "--bogus"),
    (["evaluate", "m.npz", "iris", "--bogus", "3"], "evaluate", "--bogus 3"),
    (["predict", "m.npz", "x.csv", "extra"], "predict", "extra"),
    (["--bogus"], None, "--bogus"),  # no command: the top-level parser's own
    # before the command: the top-level parser's, even with the command's DATA missing
    # or another unknown after the command (it was refused with train's usage)
    (["--bogus", "train", "iris"], None, "--bogus"),
    (["--bogus", "train"], None, "--bogus"),
    (["--bogus=3", "evaluate", "m.npz", "iris"], None, "--bogus=3"),
    (["--epochs", "2", "--bogus", "train", "iris", "--bad"], None, "--bogus"),
    (["train", "iris", "--", "--bogus"], "train", "--bogus"),  # after --: a positional
    (["train", "iris", "--hid", "3", "--bogus"], "train", "--bogus"),  # --hid: --hidden
])
def test_an_unknown_argument_is_refused_by_its_command_s_parser(args, command, unknown,
                                                                 capsys):
    # argparse refused it from the top-level parser: its usage (the demo's options),
    # "chainrule: error: ...", nothing of the command's
    import argparse

    from chainrule.cli import build_parser, main

    parser = build_parser()
    if command is not None:
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = commands.choices[command]
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err == (f"{parser.format_usage()}{parser.prog}: error: unrecognized arguments: "
                   f"{unknown}\n")
    assert err.startswith(f"usage: chainrule {command} " if command else "usage: chainrule [")


@pytest.mark.parametrize("args", [
    ["train", "iris", "--lr", "-1"], ["train", "--lr", "-1", "iris"], ["--lr", "-1", "train"],
    ["--lr", "-1"], ["train", "iris", "--lr=-1"],
])
def test_a_negative_option_value_is_refused_as_a_value_not_as_an_unknown_option(args, capsys):
    from chainrule.cli import main

    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.endswith("error: argument --lr: expected a finite number > 0, got '-1'\n")


@pytest.mark.parametrize("args", [
    ["train", "iris", "--lr", "-1e-3"], ["--lr", "-1E3", "train", "iris"], ["--lr", "-1e3"],
])
def test_a_negative_value_in_e_notation_is_refused_as_a_value(args, capsys):
    # argparse before Python 3.14 took '-1e-3' for an option: "argument --lr: expected one
    # argument", as if no value had been given
    from chainrule.cli import main

    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    value = args[args.index("--lr") + 1]
    assert capsys.readouterr().err.endswith(
        f"error: argument --lr: expected a finite number > 0, got '{value}'\n")


def test_negative_numbers_in_e_notation_are_values_of_trace_input(capsys):
    # '--input 0.5 -1E2' was refused: "unrecognized arguments: -1E2"; the same numbers
    # written as decimals, which argparse always took, are the reference
    from chainrule.cli import main

    printed = []
    for numbers in (["-1e-3", "-1E2"], ["-0.001", "-100"]):
        assert main(["trace", "--input", *numbers]) == 0
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1]
    assert "-100" in printed[1]


def test_a_command_name_is_not_abbreviated(capsys):
    from chainrule.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["tra", "iris"])
    assert stop.value.code == 2
    assert "invalid choice: 'tra'" in capsys.readouterr().err


def test_options_without_a_command_run_the_demo_with_them(tmp_path, capsys):
    png = tmp_path / "loss.png"
    code, out, err = run_main(capsys, "--epochs", "2", "--hidden", "16", "-q", "--plot",
                              str(png))
    assert code == 0, err
    assert "trained 2 epochs" in out and "Dense(64, 16" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_refuses_a_picture_format_before_training(tmp_path, capsys):
    code, out, err = run_main(capsys, "--plot", str(tmp_path / "loss.txt"), "--epochs", "1",
                              "-q")
    assert code == 2 and out == ""
    assert err.strip().splitlines()[-1].startswith(
        "chainrule: error: argument --plot: cannot write 'txt' files; use one of png, pdf, svg")
    assert list(tmp_path.iterdir()) == []


def test_target_of_a_bundled_data_set_must_be_one_of_its_columns(tmp_path, capsys,
                                                                 monkeypatch):
    # --target used to be ignored for bundled data: "nope" trained on species
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(capsys, "train", "iris", "--epochs", "1", "-q", "--target",
                              "nope")
    assert code == 2, out
    assert err.count("\n") == 1, err
    assert "'nope'" in err and "--target" in err
    assert "'sepal length (cm)'" in err and "'species'" in err
    assert not list(tmp_path.iterdir())  # no model written


def test_target_column_of_a_bundled_data_set_is_trained_on(tmp_path, capsys, monkeypatch):
    from chainrule.io import load_metadata

    monkeypatch.chdir(tmp_path)
    model = tmp_path / "m.npz"
    code, _, err = run_main(capsys, "train", "iris", "--target", "sepal length (cm)",
                            "--epochs", "5", "-o", str(model), "-q")
    assert code == 0, err
    meta = load_metadata(model)
    assert meta["target_name"] == "sepal length (cm)"
    assert meta["task"] == "regression"
    assert meta["feature_names"] == ["sepal width (cm)", "petal length (cm)",
                                     "petal width (cm)"]
    code, out, err = run_main(capsys, "evaluate", str(model), "iris", "--json")
    assert code == 0, err
    assert "rmse" in out and "accuracy" not in out
    code, _, err = run_main(capsys, "evaluate", str(model), "iris", "--target", "nope")
    assert code == 2 and "'nope'" in err
    # naming the data set's own target changes nothing
    code, _, err = run_main(capsys, "train", "iris", "--target", "species", "--epochs", "1",
                            "-o", str(tmp_path / "s.npz"), "-q")
    assert code == 0, err
    assert load_metadata(tmp_path / "s.npz")["task"] == "classification"


def test_optimizer_names_of_the_command_line_are_the_library_optimizers(capsys):
    from chainrule.cli import main
    from chainrule.cli_args import OPTIMIZER_NAMES
    from chainrule.optimizers import OPTIMIZERS, get_optimizer

    assert sorted(OPTIMIZER_NAMES) == sorted([*OPTIMIZERS, "nesterov"])
    for name in OPTIMIZER_NAMES:
        get_optimizer(name)  # each one the library takes
    names = "gd, sgd, nesterov, adagrad, rmsprop, adam, adamw, nadam, radam, adamax"
    for command, said in ((["demo"], f"{names} (default: sgd)"),
                          (["train"], f"{names} (mini-batch rules), or lbfgs: full-batch")):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert f"--optimizer NAME {said}" in text, text
    assert "(default: adam)" in text


def _cost_and_rel(stdout: str) -> tuple[float, float]:
    cost = float(re.search(r"cost J = ([\d.e+-]+)", stdout).group(1))
    rel = float(re.search(r"relative difference ([\d.e+-]+)", stdout).group(1))
    return cost, rel


def _kl(rho, r):
    return rho * np.log(rho / r) + (1 - rho) * np.log((1 - rho) / (1 - r))


def test_gradcheck_sparse_autoencoder_checks_the_cost_with_its_sparsity_penalty(capsys):
    from scipy.special import expit

    from chainrule import SparseAutoencoder

    code, out, err = run_main(capsys, "gradcheck", "--sparse-autoencoder", "--sizes", "9",
                              "4", "--rho", "0.1", "--beta", "3", "--weight-decay", "0.003",
                              "--samples", "7", "--seed", "5")
    assert code == 0, err
    assert "PASS" in out
    cost, rel = _cost_and_rel(out)
    assert rel < 1e-7
    # the same inputs and initial weights (the seed's stream: inputs first), cost by hand (SPEC 9)
    rng = np.random.default_rng(5)
    X = rng.uniform(0.1, 0.9, size=(7, 9))
    W1, b1, W2, b2 = [a for lay in SparseAutoencoder(4, random_state=rng)._build(9).layers
                      for a in (lay.W, lay.b)]
    A = expit(X @ W1 + b1)
    X_hat = expit(A @ W2 + b2)
    rho_hat = A.mean(axis=0)
    expected = (0.5 * np.sum((X_hat - X) ** 2) / 7 + 0.003 / 2 * (np.sum(W1**2) + np.sum(W2**2))
                + 3 * np.sum(_kl(0.1, rho_hat)))
    assert cost == pytest.approx(expected, rel=1e-12)


def test_gradcheck_sparse_autoencoder_fails_on_a_wrong_gradient(monkeypatch, capsys):
    from chainrule import SparseAutoencoder
    from chainrule.cli import main

    right = SparseAutoencoder.cost

    def wrong(self, theta, X):  # the sparsity term's delta forgotten in one weight, say
        J, g = right(self, theta, X)
        g[0] += 1e-3
        return J, g

    monkeypatch.setattr(SparseAutoencoder, "cost", wrong)
    assert main(["gradcheck", "--sparse-autoencoder", "--sizes", "4", "2"]) == 1
    assert "FAIL: relative difference" in capsys.readouterr().out


def _saved_transfer_network(tmp_path):
    from chainrule import Network

    mats = [[[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]], [[-0.3], [0.5], [0.1]]]  # SPEC 10 A
    net = Network.from_transfer_matrices(mats, activation="sigmoid", loss="log_loss")
    return mats, net.save(tmp_path / "a.npz")


def test_gradcheck_a_saved_model_on_its_data(tmp_path, capsys):
    from scipy.special import expit

    mats, path = _saved_transfer_network(tmp_path)
    X = np.array([[0.0, 1.0], [1.0, 0.5], [-0.5, 2.0], [3.0, -1.0]])
    y = np.array([1, 0, 1, 1])
    np.savez(tmp_path / "d.npz", X=X, y=y)
    code, out, err = run_main(capsys, "gradcheck", "--model", str(path), "--data",
                              str(tmp_path / "d.npz"), "--samples", "3")
    assert code == 0, err
    assert "on the first 3 of 4 examples" in out and "PASS" in out
    cost, rel = _cost_and_rel(out)
    assert rel < 1e-7
    # mean log loss of the transfer-matrix network on the first 3 examples, by hand
    W0, W1 = (np.asarray(m) for m in mats)
    p = np.array([expit(W1.T @ np.r_[1, expit(W0.T @ np.r_[1, x])])[0] for x in X[:3]])
    t = y[:3]
    expected = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert cost == pytest.approx(expected, rel=1e-12)
    # on random data too; and the first example of SPEC 10 A is its loss 0.670406
    assert run_main(capsys, "gradcheck", "--model", str(path))[0] == 0
    np.savez(tmp_path / "a_only.npz", X=X[:1], y=y[:1])
    out = run_main(capsys, "gradcheck", "--model", str(path), "--data",
                   str(tmp_path / "a_only.npz"))[1]
    assert _cost_and_rel(out)[0] == pytest.approx(0.670406, abs=1e-6)


def _make_gradient_wrong(monkeypatch) -> None:
    """Network.cost returns a gradient 1 % too large (its cost is right)."""
    from chainrule import Network

    right = Network.cost

    def wrong(self, *args, **kwargs):
        J, g = right(self, *args, **kwargs)
        return J, g * 1.01

    monkeypatch.setattr(Network, "cost", wrong)


def test_gradcheck_a_saved_model_fails_on_a_wrong_gradient(tmp_path, monkeypatch, capsys):
    from chainrule.cli import main

    _, path = _saved_transfer_network(tmp_path)
    _make_gradient_wrong(monkeypatch)
    assert main(["gradcheck", "--model", str(path)]) == 1
    assert "FAIL: relative difference" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "message"), [
    (["--model", "m.npz", "--rho", "0.1"],
     "--rho applies only to --sparse-autoencoder, not to --model"),
    # 0 == False: a zero was taken for an option not given, and ignored
    (["--model", "m.npz", "--weight-decay", "0"],
     "--weight-decay applies only to a random MLP (no --model or --sparse-autoencoder) or "
     "--sparse-autoencoder, not to --model"),
    (["--beta", "0"],
     "--beta applies only to --sparse-autoencoder, not to a random MLP"),
    (["--sparse-autoencoder", "--data", "iris"],
     "--data applies only to --model, not to --sparse-autoencoder"),
    (["--sparse-autoencoder", "--sizes", "9", "4", "2"],
     "a sparse autoencoder takes two numbers, its inputs and its hidden units"),
    (["--sparse-autoencoder", "--sizes", "10", "3", "--patches"],
     "first number must be a square (such as 64 for 8x8), got 10"),
    (["--model", "no-such.npz"], "no such file: no-such.npz"),
    (["--model", "no-such.npz", "--target", "y"],
     "--target names the target column of --data, but no --data was given (got --target "
     "'y' alone)"),
])
def test_gradcheck_modes_refuse_options_that_do_not_apply(args, message, capsys):
    from chainrule.cli import main

    assert main(["gradcheck", *args]) == 2
    assert message in capsys.readouterr().err


def test_gradcheck_scaling_shows_the_eps_squared_truncation_error(capsys):
    from chainrule.cli import main

    assert main(["gradcheck", "--sizes", "3", "4", "2", "--activation", "tanh", "--output",
                 "sigmoid", "--scaling"]) == 0
    out = capsys.readouterr().out
    full = float(re.search(r"\(eps=0.0001\): relative difference ([\d.e+-]+)", out).group(1))
    half = float(re.search(r"eps/2 = 5e-05: relative difference ([\d.e+-]+)", out).group(1))
    # central differences: error ~ eps^2 J''' / 6, so halving eps divides it by 4
    assert 3.5 < full / half < 4.5
    assert "; ratio " in out


def test_gradcheck_poisson_loss_gets_count_targets(tmp_path, capsys):
    """The Poisson loss refuses negative targets: the random targets are counts."""
    from chainrule import MLPRegressor, mlp
    from chainrule.cli import main

    assert main(["gradcheck", "--sizes", "3", "4", "2", "--output", "exp", "--loss", "poisson",
                 "--seed", "2"]) == 0
    cost, rel = _cost_and_rel(capsys.readouterr().out)
    assert rel < 1e-7
    # the same network, inputs and targets (the seed's stream: weights, inputs, targets);
    # half the Poisson deviance by hand, 0 log 0 = 0, plus UFLDL's weight decay 0.1
    rng = np.random.default_rng(2)
    net = mlp([3, 4, 2], hidden="sigmoid", output="exp", loss="poisson", init="ufldl",
              seed=rng)
    X = rng.uniform(size=(5, 3))
    Y = rng.poisson(2.0, size=(5, 2)).astype(float)
    (W1, b1), (W2, b2) = [(lay.W, lay.b) for lay in net.layers]
    A = np.exp(1 / (1 + np.exp(-(X @ W1 + b1))) @ W2 + b2)
    ylogy = np.where(Y > 0, Y * np.log(np.where(Y > 0, Y, 1.0) / A), 0.0)
    expected = np.sum(ylogy - Y + A) / 5 + 0.1 / 2 * (np.sum(W1**2) + np.sum(W2**2))
    assert cost == pytest.approx(expected, rel=1e-12)
    # a saved MLPRegressor(loss="poisson"), checked on random inputs
    rng = np.random.default_rng(0)
    Xf = rng.normal(size=(40, 3))
    est = MLPRegressor((4,), loss="poisson", max_iter=5, random_state=0)
    with pytest.warns(Warning):  # 5 iterations: not converged
        est.fit(Xf, rng.poisson(np.exp(Xf[:, 0])))
    path = est.save(tmp_path / "poisson.npz")
    assert main(["gradcheck", "--model", str(path)]) == 0, capsys.readouterr().err
    assert "PASS" in capsys.readouterr().out


def test_gradcheck_says_when_both_gradients_are_zero(tmp_path, capsys):
    """0 / 0: a PASS that compared nothing is said so, and --scaling prints no ratio inf."""
    from chainrule import Network
    from chainrule.cli import main

    # ReLU units whose net input is <= -1 on positive inputs (dead, also at theta +- eps)
    # feed an output layer without biases: the output is 0 = the target whatever the
    # parameters, so the cost and both gradients are exactly 0
    net = Network.from_transfer_matrices(
        [[[-1.0, -1.0], [-1.0, -1.0], [-1.0, -1.0]], [[0.0], [1.0], [1.0]]],
        activation=["relu", "identity"], bias=[True, False])
    path = net.save(tmp_path / "dead.npz")
    np.savez(tmp_path / "d.npz", X=np.array([[1.0, 2.0], [0.5, 3.0]]), y=np.zeros(2))
    assert main(["gradcheck", "--model", str(path), "--data", str(tmp_path / "d.npz"),
                 "--scaling"]) == 0
    out = capsys.readouterr().out
    assert "numerical 0, analytical 0" in out
    assert "note: both gradients are exactly 0 at these parameters" in out
    assert "ratio undefined (both 0)" in out and "ratio inf" not in out
    # a gradient that is not zero gets no such note
    assert main(["gradcheck", "--sizes", "3", "2"]) == 0
    assert "note:" not in capsys.readouterr().out


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_gradcheck_takes_an_estimator_or_autoencoder_file_without_npz(tmp_path, capsys):
    """As chainrule.load_estimator / load_autoencoder (and network files here) do."""
    from chainrule import MLPClassifier, SparseAutoencoder
    from chainrule.cli import main

    rng = np.random.default_rng(0)
    X = rng.uniform(0.1, 0.9, size=(30, 4))
    MLPClassifier((3,), max_iter=3, random_state=0).fit(X, X[:, 0] > 0.5).save(
        tmp_path / "clf.npz")
    SparseAutoencoder(2, max_iter=3, random_state=0).fit(X).save(tmp_path / "ae.npz")
    for name in ("clf", "ae"):
        stem = str(tmp_path / name)
        assert main(["gradcheck", "--model", stem + ".npz"]) == 0
        full = capsys.readouterr().out
        assert main(["gradcheck", "--model", stem]) == 0, capsys.readouterr().err
        # the same check of the same model: only the file name as given differs
        assert capsys.readouterr().out.replace(stem + ":", stem + ".npz:") == full


def test_gradcheck_cross_entropy_on_one_sigmoid_output_gets_0_1_targets(capsys):
    """-y log p on one unit takes targets in [0, 1], as log loss does."""
    from chainrule import mlp
    from chainrule.cli import main

    assert main(["gradcheck", "--sizes", "4", "1", "--output", "sigmoid", "--loss",
                 "cross_entropy", "--seed", "3"]) == 0, capsys.readouterr().err
    cost, rel = _cost_and_rel(capsys.readouterr().out)
    assert rel < 1e-7
    # the seed's network, inputs and 0/1 targets; the cost by hand (UFLDL decay 0.1)
    rng = np.random.default_rng(3)
    net = mlp([4, 1], output="sigmoid", loss="cross_entropy", init="ufldl", seed=rng)
    X = rng.uniform(size=(5, 4))
    y = rng.integers(0, 2, size=(5, 1)).astype(float)
    W, b = net.layers[0].W, net.layers[0].b
    p = 1 / (1 + np.exp(-(X @ W + b)))
    expected = -np.mean(np.sum(y * np.log(p), axis=1)) + 0.1 / 2 * np.sum(W**2)
    assert cost == pytest.approx(expected, rel=1e-12)


def _saved_bn_relu_network(tmp_path):
    """An untrained Dense -> BatchNorm(relu) -> softmax file with a net input near the kink
    on the command's random examples (seed 0)."""
    from chainrule import BatchNorm, Dense, Network

    net = Network([Dense(4, 6, "identity", seed=2), BatchNorm(6, "relu"),
                   Dense(6, 3, "softmax", seed=102)], loss="cross_entropy")
    return net.save(tmp_path / "bn_relu.npz")


def test_gradcheck_reports_parameters_near_a_relu_kink_apart(tmp_path, capsys):
    """A correct gradient PASSes: the 6 parameters whose steps cross the kink are not judged.

    Judged on every parameter the central differences straddling the kink gave a
    relative difference of 1e-3 (FAIL); that figure is still printed.
    """
    from chainrule.cli import main

    path = _saved_bn_relu_network(tmp_path)
    assert main(["gradcheck", "--model", str(path)]) == 0
    out = capsys.readouterr().out
    assert "gradient check over 57 parameters" in out
    m = re.search(r"6 parameter\(s\) near a kink, not comparable: their steps of \+-eps move "
                  r"1 net input\(s\) .* \(relative difference with them: ([\d.e+-]+)\)", out)
    assert m and float(m.group(1)) > 1e-4, out
    assert float(re.search(r"PASS: relative difference ([\d.e+-]+)", out).group(1)) < 1e-8


def test_gradcheck_near_a_kink_still_fails_on_a_wrong_gradient(tmp_path, monkeypatch, capsys):
    from chainrule.cli import main

    path = _saved_bn_relu_network(tmp_path)
    _make_gradient_wrong(monkeypatch)
    assert main(["gradcheck", "--model", str(path)]) == 1
    out = capsys.readouterr().out
    assert "near a kink, not comparable" in out and "FAIL: relative difference" in out


def _exit_code(argv) -> int:
    """main's exit status, also when argparse refuses the command line (SystemExit)."""
    from chainrule.cli import main

    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize(("args", "message"), [
    (["--init", "bogus"], "argument --init: unknown initializer 'bogus'; valid names are:"),
    (["--init", "normal(eps=x)"], "argument --init: init 'normal(eps=x)': eps must be a finite "
                                  "number > 0"),
    (["--activation", "nope"], "argument --activation: unknown activation 'nope'"),
    (["--output", "nope"], "argument --output: unknown activation 'nope'"),
    (["--loss", "nope"], "argument --loss: unknown loss 'nope'"),
    (["--hidden", "3", "--activation", "relu", "tanh"],
     "--activation: give one activation, or one per hidden layer (1), got 2"),
])
def test_train_refuses_bad_options_before_reading_the_data(args, message, tmp_path, capsys,
                                                           monkeypatch):
    """A bad option that needs no data is the error, whatever the data: no file is read.

    Before, the data was read first: a missing file was reported instead of the bad
    option, and on a large file the option's error came after the whole read.
    """
    import chainrule.tabular

    missing = str(tmp_path / "missing.csv")
    assert _exit_code(["train", missing, *args, "-o", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    assert message in err and "missing.csv" not in err
    # with a file that exists, nothing of it is read either
    (tmp_path / "d.csv").write_text("a,b,y\n1,2,0\n3,4,1\n")

    def no_read(*a, **k):
        raise AssertionError("the data was read before the options were checked")

    monkeypatch.setattr(chainrule.tabular, "read_data", no_read)
    assert _exit_code(["train", str(tmp_path / "d.csv"), *args, "-o",
                       str(tmp_path / "m.npz")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "m.npz").exists()


def test_predict_and_plot_refuse_what_the_model_rules_out_before_reading_data(tmp_path, capsys):
    """--proba on a regression model, regions of a 4-feature model: said before the data."""
    from chainrule.cli import main

    reg, clf = tmp_path / "reg.npz", tmp_path / "clf.npz"
    for data, path in (("diabetes", reg), ("iris", clf)):
        assert main(["train", data, "--hidden", "2", "--epochs", "1", "-q", "-o",
                     str(path)]) == 0
    capsys.readouterr()
    missing = str(tmp_path / "missing.csv")
    assert main(["predict", str(reg), missing, "--proba"]) == 2
    err = capsys.readouterr().err
    assert "--proba: the model is a regression model; it has no classes" in err
    assert main(["plot", "regions", str(clf), missing]) == 2
    err = capsys.readouterr().err
    assert "plot regions needs a model of 2 features, this one has 4" in err
    assert "missing.csv" not in err


def test_gradcheck_on_an_exactly_fitted_model_is_inconclusive_not_fail(tmp_path, capsys):
    """A linear model fitted exactly to price = 100 + 50 a - 3 b has a gradient of rounding
    noise (about 1e-16) on its own examples: the check says so (exit 3), while on random
    examples, where the gradient is of order 1, the same model PASSes."""
    from chainrule.cli import main

    rng = np.random.default_rng(0)
    a, b = rng.uniform(0, 1, 200), rng.uniform(0, 1, 200)
    data = tmp_path / "reg.csv"
    data.write_text("a,b,price\n" + "".join(
        f"{x},{y},{100 + 50 * x - 3 * y}\n"
        for x, y in zip(a.tolist(), b.tolist(), strict=True)))
    model = tmp_path / "reg.npz"
    assert main(["train", str(data), "--hidden", "--epochs", "300", "--val-fraction", "0",
                 "-o", str(model)]) == 0
    capsys.readouterr()
    assert main(["gradcheck", "--model", str(model), "--data", str(data)]) == 3
    out = capsys.readouterr().out
    largest = float(re.search(r"largest entry ([\d.e+-]+)", out).group(1))
    assert largest < 1e-12 and "INCONCLUSIVE" in out and "FAIL" not in out
    rel = float(re.search(r"relative difference ([\d.e+-]+) >=", out).group(1))
    assert rel >= 1e-7  # what was reported as FAIL before
    assert main(["gradcheck", "--model", str(model)]) == 0
    assert "PASS" in capsys.readouterr().out


def test_gradcheck_tells_truncation_error_from_a_wrong_gradient(tmp_path, capsys, monkeypatch):
    """A correct gradient of a curved cost FAILed when eps was large: the central
    differences' truncation error goes as eps^2.  When the difference falls by about 4 at
    each of two halvings of eps, the check extrapolates the central differences to
    eps -> 0 (Richardson: (4 g(eps/2) - g(eps)) / 3) and judges that: PASS below the
    tolerance, INCONCLUSIVE while it still falls, FAIL when it stays (a wrong gradient
    hidden under the truncation error, which the series alone would take for truncation).
    References: gradient_check's own series and extrapolation on other examples, and the
    relative difference of a gradient made wrong by a factor 1 + f, f / (2 + f)."""
    import chainrule as cr
    from chainrule.cli import main
    from chainrule.gradcheck import gradient_check, relative_difference

    net = cr.Network([cr.Dense(4, 6, "tanh", seed=0), cr.Dense(6, 3, "softmax", seed=1)],
                     loss="cross_entropy")
    net.params[:] *= 8  # large weights: a strongly curved cost
    path = str(net.save(tmp_path / "curved.npz"))
    X = np.random.default_rng(0).normal(size=(5, 4))  # any examples show the same law
    Y = np.eye(3)[[0, 1, 2, 0, 1]]
    ref = [gradient_check(net, X, Y, eps=3e-3 / k) for k in (1, 2, 4)]
    assert ref[0].rel_diff > 1e-7 and all(
        3 < a.rel_diff / b.rel_diff < 5 for a, b in itertools.pairwise(ref))
    richardson = (4 * ref[2].numerical - ref[1].numerical) / 3
    assert relative_difference(richardson, ref[2].analytical) < 1e-9

    def figures(out: str) -> tuple[list[float], float]:
        shown = re.search(r"halved \(([^)]*)\)", out).group(1)
        late = float(re.search(r"eps/4\) it is ([\d.e+-]+)", out).group(1))
        return [float(d) for d in shown.split(", ")], late

    assert main(["gradcheck", "--model", path, "--eps", "3e-3"]) == 0
    out = capsys.readouterr().out
    diffs, late = figures(out)
    assert "PASS" in out and diffs[0] >= 1e-7 and late < 1e-9  # FAIL by diffs[0] before
    assert main(["gradcheck", "--model", path, "--eps", "1e-1"]) == 3  # eps^4 still shows
    out = capsys.readouterr().out
    assert "INCONCLUSIVE" in out and "try a smaller --eps" in out
    # at a very large eps the higher terms make the extrapolation fall by about 7, not 16,
    # at each halving: still falling, so inconclusive, not "the gradient is wrong"
    deep = cr.Network([cr.Dense(3, 5, "tanh", seed=29), cr.Dense(5, 5, "tanh", seed=129),
                       cr.Dense(5, 1, "sigmoid", seed=229)], loss="log_loss")
    deep.params[:] *= 4
    deep_path = str(deep.save(tmp_path / "deep.npz"))
    assert main(["gradcheck", "--model", deep_path]) == 0  # right at the default eps
    capsys.readouterr()
    assert main(["gradcheck", "--model", deep_path, "--eps", "0.8"]) == 3
    out = capsys.readouterr().out
    assert "INCONCLUSIVE" in out and "extrapolated to eps -> 0" in out
    right = cr.Network.cost
    f = 2e-6

    def slightly_wrong(self, *args, **kwargs):
        J, g = right(self, *args, **kwargs)
        return J, g * (1 + f)

    monkeypatch.setattr(cr.Network, "cost", slightly_wrong)
    assert main(["gradcheck", "--model", path, "--eps", "3e-2"]) == 1
    out = capsys.readouterr().out
    diffs, late = figures(out)
    assert "FAIL" in out and all(3 < a / b < 5 for a, b in itertools.pairwise(diffs))
    assert late == pytest.approx(f / (2 + f), rel=0.05)  # the gradient's own error
    monkeypatch.setattr(cr.Network, "cost", right)
    _make_gradient_wrong(monkeypatch)  # a 1 % error does not shrink with eps: FAIL
    assert main(["gradcheck", "--model", path, "--eps", "3e-3"]) == 1
    assert "FAIL: relative difference" in capsys.readouterr().out



@pytest.mark.slow
def test_gradcheck_of_a_trained_model_on_its_data_is_inconclusive_when_rounding_grows(
        tmp_path, capsys, monkeypatch):
    """A model trained on iris, checked on iris, FAILed at 3.6e-5 on a correct gradient:
    the difference grows as eps is halved (rounding), where a wrong gradient's stays."""
    from chainrule.cli import main

    model = str(tmp_path / "iris.npz")
    assert main(["train", "iris", "--hidden", "64", "32", "--epochs", "200", "-q",
                 "-o", model]) == 0
    capsys.readouterr()
    assert main(["gradcheck", "--model", model, "--data", "iris"]) == 3
    out = capsys.readouterr().out
    assert "INCONCLUSIVE" in out and "FAIL" not in out
    diffs = [float(d) for d in re.search(r"with eps, eps/2 and eps/4 it grew \(([^)]*)\)",
                                         out).group(1).split(", ")]
    assert diffs[0] >= 1e-7 and diffs[1] > 1.4 * diffs[0] and diffs[2] > 1.4 * diffs[1]
    assert main(["gradcheck", "--model", model]) == 0  # random examples: PASS
    _make_gradient_wrong(monkeypatch)  # a 1 % error stays the same as eps shrinks: FAIL
    assert main(["gradcheck", "--model", model, "--data", "iris"]) == 1
    assert "FAIL: relative difference" in capsys.readouterr().out


def test_demo_help_says_momentum_is_for_sgd_gd_nesterov(capsys):
    from chainrule.cli import main

    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    assert "--momentum MOMENTUM momentum of sgd/gd/nesterov (default: 0.9)" in " ".join(
        capsys.readouterr().out.split())


@pytest.mark.slow
def test_demo_momentum_applies_to_sgd_gd_nesterov_only(tmp_path, capsys):
    from chainrule.cli import main

    def scores(*options: str) -> list[str]:
        assert main(["demo", "--hidden", "5", "--epochs", "1", "-q", "--plot",
                     str(tmp_path / "loss.png"), *options]) == 0
        # the "trained ... in S s" line: its losses and accuracies, not its time
        return [line.split(": ", 1)[-1] for line in capsys.readouterr().out.splitlines()
                if "loss" in line or "accuracy" in line]

    # adam takes no momentum: given, it is refused (it was silently ignored); not given,
    # adam runs as it did
    assert main(["demo", "--optimizer", "adam", "--momentum", "0.5", "--plot",
                 str(tmp_path / "loss.png")]) == 2
    assert "--momentum: adam takes no momentum" in capsys.readouterr().err
    assert scores("--optimizer", "adam", "--lr", "0.01")
    assert scores("--momentum", "0.5") != scores("--momentum", "0")  # sgd uses it
    assert scores("--momentum", "0.9") == scores()  # and 0.9 is its default


def test_every_option_of_every_command_has_help_text():
    """gradcheck's --eps and --decay showed no help; every option now says what it does."""
    from chainrule.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    missing = [f"{name} {action.option_strings[-1]}"
               for name, sub in {"chainrule": parser, **commands}.items()
               for action in sub._actions
               if action.option_strings and action.dest != "help" and not action.help]
    assert not missing, missing


def test_gradcheck_refuses_decay_with_weight_decay_0(capsys):
    """gradcheck --weight-decay 0 --decay per_sample checked a network without weight
    decay and passed, --decay doing nothing; it is refused now, as train refuses --decay
    without --weight-decay; with the default lambda (0.1) it is taken."""
    from chainrule.cli import main

    assert main(["gradcheck", "--weight-decay", "0", "--decay", "per_sample"]) == 2
    assert capsys.readouterr().err == (
        "chainrule: error: --decay per_sample: a convention of the weight decay, but "
        "--weight-decay is 0: there is no penalty to apply it to; give --weight-decay "
        "LAMBDA > 0 (default: 0.1), or leave --decay out\n")
    assert main(["gradcheck", "--decay", "per_sample"]) == 0
    assert "PASS" in capsys.readouterr().out


def test_gradcheck_of_a_several_output_network_on_a_table_says_why_not(tmp_path, capsys):
    """A saved network of several sigmoid outputs is a multi-label classifier (under
    log_loss; a regression model under another loss: one CSV column per output);
    'gradcheck --model net.npz --data table' then failed deep inside with
    'Y must have shape (n_samples, 2)', naming neither the model nor --data.  It is now
    refused by name; on random examples the same file PASSes (checked here too)."""
    import chainrule as cr
    from chainrule.cli import main

    net = cr.Network([cr.Dense(3, 4, "tanh", seed=0), cr.Dense(4, 2, "sigmoid", seed=1)],
                     loss="log_loss")
    path = str(net.save(tmp_path / "net.npz"))
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "data.npz", X=rng.normal(size=(8, 3)), y=rng.normal(size=8))
    assert main(["gradcheck", "--model", path, "--data", str(tmp_path / "data.npz")]) == 2
    err = capsys.readouterr().err
    assert "--data: " in err and "net.npz predicts 2 values per example" in err
    assert main(["gradcheck", "--model", path]) == 0
    assert "PASS" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--optimizer", "adam", "--momentum", "0.5"],
         "--momentum: adam takes no momentum (a setting of sgd, gd, nesterov, rmsprop), "
         "got 0.5"),
        (["--optimizer", "adagrad", "--momentum", "0"],
         "--momentum: adagrad takes no momentum (a setting of sgd, gd, nesterov, rmsprop), "
         "got 0"),
        (["--optimizer", "gd", "--batch-size", "16"],
         "--batch-size: gd steps on the whole training set, got --batch-size 16; use "
         "--optimizer sgd for mini-batches"),
    ],
)
def test_a_setting_the_optimizer_does_not_use_is_refused_not_ignored(tmp_path, capsys,
                                                                     options, message):
    """--momentum with adam, adagrad or rmsprop, and --batch-size with gd, were silently
    ignored (the library refuses both); they are refused by name before any data is read."""
    from chainrule.cli import main

    model = tmp_path / "m.npz"
    assert main(["train", "moons", "--epochs", "1", "-q", "-o", str(model), *options]) == 2
    assert capsys.readouterr().err == f"chainrule: error: {message}\n"
    assert not model.exists()
    assert main(["--epochs", "1", "-q", "--plot", str(tmp_path / "l.png"), *options]) == 2
    assert message in capsys.readouterr().err


def test_the_model_file_records_the_momentum_and_batch_size_used(tmp_path, capsys):
    """The training record stored batch_size 32 for gd (which used the whole set) and no
    momentum at all; it now holds what the run used, None where the rule has none."""
    import json

    from chainrule.cli import main
    from chainrule.io import load_metadata

    runs = {"gd": ["--optimizer", "gd"], "sgd": ["--optimizer", "sgd", "--batch-size", "8"],
            "adam": []}
    recorded = {}
    for name, options in runs.items():
        model = tmp_path / f"{name}.npz"
        assert main(["train", "moons", "--epochs", "1", "-q", "-o", str(model), *options]) == 0
        training = load_metadata(model)["training"]
        recorded[name] = (training["momentum"], training["batch_size"])
        json.dumps(training)
    capsys.readouterr()
    assert recorded == {"gd": (0.9, None), "sgd": (0.9, 8), "adam": (None, 32)}


def test_train_help_names_every_activation_init_auto_starts_with_he():
    """--init's help said "He after ReLU" while "auto" gives He to elu, gelu and silu too."""
    from chainrule.cli import build_parser
    from chainrule.initializers import RELU_FAMILY, auto_init

    train = build_parser()._subparsers._group_actions[0].choices["train"]
    (init,) = [a for a in train._actions if "--init" in a.option_strings]
    he = [name for name in RELU_FAMILY if auto_init(name) == "he_normal"]
    assert he == list(RELU_FAMILY)
    assert [name for name in he if name not in init.help] == []


def test_a_size_too_large_for_memory_is_one_line_not_a_traceback(tmp_path, capsys):
    """--hidden 1000000000000 (a few zeros too many) made the initialiser raise
    MemoryError, which main let through: a 30-line traceback.  It is now one line
    that says what happened and where to look, exit status 1, and nothing is written."""
    from chainrule.cli import main

    out = tmp_path / "m.npz"
    assert main(["train", "xor", "--hidden", str(10**12), "-q", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error: not enough memory (Unable to allocate ")
    assert err.endswith("); is a size among the options (--hidden, --layers, --batch-size) "
                        "too large?\n")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_out_of_memory_advice_fits_the_command(tmp_path, monkeypatch, capsys, command):
    """predict and evaluate have no --hidden, --layers or --batch-size: their out-of-memory
    line points at their files, not at options they do not have."""
    import chainrule._cli_models_evaluate
    import chainrule.cli_models
    from chainrule._cli_failures import _SIZE_OPTIONS
    from chainrule.cli import build_parser, main

    model = tmp_path / "m.npz"
    assert main(["train", "iris", "--hidden", "3", "--epochs", "1", "-q", "-o", str(model)]) == 0

    def too_large(*args, **kwargs):
        raise MemoryError("Unable to allocate 8.00 TiB for an array")

    monkeypatch.setattr(chainrule.cli_models if command == "predict"
                        else chainrule._cli_models_evaluate, "_model_data", too_large)
    capsys.readouterr()
    assert main([command, str(model), "iris"]) == 1
    err = capsys.readouterr().err
    assert err == ("chainrule: error: not enough memory (Unable to allocate 8.00 TiB for an "
                   f"array); is {model} too large for this machine's memory?\n")
    # the options the advice names for any command are that command's own
    commands = build_parser()._subparsers._group_actions[0].choices
    for name, parser in commands.items():
        flags = {o for a in parser._actions for o in a.option_strings}
        assert set(_SIZE_OPTIONS.get(name, ())) <= flags, name
    assert not {"--hidden", "--layers", "--batch-size"} & {
        o for a in commands[command]._actions for o in a.option_strings}


def test_out_of_memory_advice_names_the_sizes_and_files_of_the_command(tmp_path, monkeypatch,
                                                                        capsys):
    """The advice of the out-of-memory line named select's --max-hidden but not --starts,
    the other factor of its runs (whose errors it keeps, and plots one by one), trace's
    --network but not --weights, which gives a network as well, and for train only its
    options: a CSV file too large to read was blamed on --hidden, --layers or --batch-size
    though none was given.  A bundled data set (iris) was named as a file too large."""
    import chainrule.cli_teaching
    import chainrule.model_selection
    import chainrule.tabular
    import chainrule.tracing
    from chainrule.cli import main

    def too_large(*args, **kwargs):
        raise MemoryError("Unable to allocate 8.00 TiB for an array")

    data = tmp_path / "big.csv"
    data.write_text("a,b,y\n1,2,0\n3,4,1\n")
    for module, name in ((chainrule.tabular, "read_data"),
                         (chainrule.model_selection, "select_hidden_units"),
                         (chainrule.tracing, "trace")):
        monkeypatch.setattr(module, name, too_large)
    start = "chainrule: error: not enough memory (Unable to allocate 8.00 TiB for an array); "
    cases = [
        (["train", str(data), "-q", "-o", str(tmp_path / "m.npz")],
         f"is a size among the options (--hidden, --layers, --batch-size), or {data}, too "
         "large?"),
        (["train", "iris", "-q", "-o", str(tmp_path / "m.npz")],
         "is a size among the options (--hidden, --layers, --batch-size) too large?"),
        (["select", "--plot", str(tmp_path / "s.png")],
         "is a size among the options (--max-hidden, --starts, --n-train, --n-val) too large?"),
        (["trace", "--weights", "[[[1], [2]]]", "--input", "1", "--target", "1"],
         "is a size among the options (--network, --weights) too large?"),
    ]
    for argv, advice in cases:
        capsys.readouterr()
        assert main(argv) == 1, argv
        assert capsys.readouterr().err == start + advice + "\n"
    assert not (tmp_path / "m.npz").exists() and not (tmp_path / "s.png").exists()


@pytest.mark.parametrize(("argv", "words"), [
    (["--activation", "step"], "activation 'step' has no useful derivative"),
    (["demo", "--activation", "sign"], "activation 'sign' has no useful derivative"),
    (["--activation", "softmax"], "activation 'softmax' is an output layer's"),
    (["demo", "--activation", "softmax"], "activation 'softmax' is an output layer's"),
])
def test_demo_refuses_an_activation_no_hidden_layer_can_have(argv, words, tmp_path, capsys):
    """The demo took --activation as any activation name, where train refuses the step and
    sign functions and softmax for its hidden layers: step failed only after the digits were
    read and the network printed, naming no option, and softmax trained and wrote a plot."""
    plot = tmp_path / "loss.png"
    assert _exit_code([*argv, "--epochs", "1", "-q", "--plot", str(plot)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and not plot.exists()
    last = captured.err.strip().splitlines()[-1]
    assert "error: argument --activation: " + words in last


@pytest.mark.parametrize("complete", [0, 1])
def test_ctrl_c_in_the_demo_exits_130(tmp_path, monkeypatch, capsys, complete):
    """A real SIGINT in the first step after ``complete`` epochs of 3: the demo reports the
    epochs it trained (none: no loss to show, where it failed with an IndexError) and exits
    with 130, not 0; the loss curve is written only when there is an epoch to draw."""
    import os
    import signal

    from chainrule.cli import main
    from chainrule.training import Trainer

    step, sent = Trainer._step, []

    def ctrl_c(self, *args, **kwargs):
        if self.epoch == complete and not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)
        return step(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "_step", ctrl_c)
    png = tmp_path / "loss.png"
    assert main(["demo", "--epochs", "3", "--plot", str(png), "-q"]) == 128 + signal.SIGINT
    out, err = capsys.readouterr()
    if complete:
        assert f"trained {complete} epochs in " in out
        assert f"chainrule: interrupted after epoch {complete} of 3" in err
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert "chainrule: interrupted during epoch 1; no epoch to report" in err
        assert "test accuracy" not in out and not png.exists()


def test_sigterm_in_the_demo_stops_it_as_ctrl_c_does_and_exits_143(tmp_path, monkeypatch,
                                                                   capsys):
    """A real SIGTERM in epoch 2 of 3 killed the demo (SIGTERM's default action: nothing
    reported, a picture being written left as a hidden temporary file).  It now does what
    Ctrl-C does, the epoch trained reported and its loss curve written, and the status is
    128 + SIGTERM; the host's SIGTERM handler never saw the signal and is back after."""
    import os
    import signal

    from chainrule.cli import main
    from chainrule.training import Trainer

    caught = []

    def host(signum, frame):
        caught.append(signum)

    old = signal.signal(signal.SIGTERM, host)
    step, sent = Trainer._step, []

    def terminated(self, *args, **kwargs):
        if self.epoch == 1 and not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGTERM)
        return step(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "_step", terminated)
    png = tmp_path / "loss.png"
    try:
        assert main(["demo", "--epochs", "3", "--hidden", "8", "--plot", str(png), "-q"]) == 143
        assert signal.getsignal(signal.SIGTERM) is host
    finally:
        signal.signal(signal.SIGTERM, old)
    assert caught == []
    out, err = capsys.readouterr()
    assert "trained 1 epochs in " in out
    assert "chainrule: stopped by SIGTERM after epoch 1 of 3" in err  # not Ctrl-C's words
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["loss.png"]


def test_an_unknown_init_lists_auto_among_the_names_the_option_takes(capsys):
    """train --init bogus listed the library's initializers alone, though --init takes
    auto too (its default, which picks He or Glorot): the list said auto was no name.
    The option's own name is now listed after the library's message."""
    from chainrule.cli_args import initializer_name
    from chainrule.initializers import get_initializer

    with pytest.raises(ValueError) as library:
        get_initializer("bogus")
    for argv in (["train", "iris", "--init", "bogus"], ["gradcheck", "--init", "bogus"]):
        assert _exit_code(argv) == 2
        assert capsys.readouterr().err.splitlines()[-1].endswith(
            f"error: argument --init: {library.value}; or auto")
    assert initializer_name("auto") == "auto"
