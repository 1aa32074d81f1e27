"""``chainrule train DATA --val-data FILE``: validation examples of the user's own.

The references are written here in NumPy: the validation file prepared by hand with the
mean and standard deviation of the training file (features, and a regression's target),
the network's forward pass from its saved weights, and the loss formulas (mean cross
entropy of a softmax; mean of 1/2 (a - t)^2 for squared_error).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main


def _as_written(a):
    """The values as a CSV file of ``_write`` holds them (6 decimals)."""
    return np.vectorize(lambda v: float(f"{v:.6f}"))(a)


def _write(path, X, y, names=("a", "b", "c"), target="t"):
    path.write_text(",".join([*names, target]) + "\n" + "".join(
        ",".join(f"{v:.6f}" for v in row) + f",{t}\n" for row, t in zip(X, y, strict=True)))
    return path


def _classes(X):
    return np.array(["x", "y", "z"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)]


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(3)
    X = _as_written(rng.normal(size=(60, 3)))
    Xv = _as_written(rng.normal(size=(25, 3)) * 1.5 + 0.3)
    return (_write(tmp_path / "train.csv", X, _classes(X)),
            _write(tmp_path / "valid.csv", Xv, _classes(Xv)), X, Xv, _classes(Xv))


def _forward(model, Z):
    """The saved network's outputs on prepared inputs Z: Dense layers, A = f(A W + b)."""
    A = Z
    for layer in model.network.layers:
        A = A @ layer.W + layer.b
        name = layer.activation.name
        if name == "relu":
            A = np.maximum(A, 0.0)
        elif name == "tanh":
            A = np.tanh(A)
        elif name == "softmax":
            E = np.exp(A - A.max(axis=1, keepdims=True))
            A = E / E.sum(axis=1, keepdims=True)
        else:
            assert name == "identity"
    return A


def _cross_entropy(model, X_train, X_val, labels_val):
    mu, sd = X_train.mean(axis=0), X_train.std(axis=0)  # of the training file only
    P = _forward(model, (X_val - mu) / sd)
    index = np.searchsorted(np.array(["x", "y", "z"]), labels_val)
    return float(np.mean(-np.log(P[np.arange(len(P)), index])))


def _train(args, capsys):
    capsys.readouterr()
    assert main(["train", *map(str, args), "-q"]) == 0
    return capsys.readouterr().out


def test_val_loss_is_the_loss_on_the_file_prepared_with_training_statistics(
        files, tmp_path, capsys):
    train, valid, X, Xv, yv = files
    runs = {}
    for epochs in (2, 6):  # the same seed: a run of 2 epochs is the first 2 of 6
        out = tmp_path / f"m{epochs}.npz"
        printed = _train([train, "--val-data", valid, "--hidden", "5", "--epochs", epochs,
                          "-o", out], capsys)
        runs[epochs] = cr.load_model(out)
    assert "60 for training, 25 for validation" in printed  # all of DATA trains
    meta = runs[6].metadata
    np.testing.assert_allclose(meta["x_mean"], X.mean(axis=0), atol=1e-12)  # DATA's 60 rows
    np.testing.assert_allclose(meta["x_scale"], X.std(axis=0), rtol=1e-12)
    history = meta["history"]["val_loss"]
    assert len(history) == 6
    for epochs in (2, 6):
        expected = _cross_entropy(runs[epochs], X, Xv, yv)
        assert history[epochs - 1] == pytest.approx(expected, rel=1e-9)
    assert meta["training"]["val_fraction"] == 0.0
    # the printed validation scores are the file's: accuracy by hand
    mu, sd = X.mean(axis=0), X.std(axis=0)
    predicted = np.array(["x", "y", "z"])[_forward(runs[6], (Xv - mu) / sd).argmax(axis=1)]
    assert f"validation accuracy {np.mean(predicted == yv):.4g}," in printed


def test_patience_keeps_the_network_of_the_best_epoch_of_the_files_loss(tmp_path, capsys):
    rng = np.random.default_rng(8)  # a small noisy regression that overfits
    X, Xv = _as_written(rng.normal(size=(24, 3))), _as_written(rng.normal(size=(40, 3)))
    y = _as_written(X @ [1.0, -2.0, 0.5] + rng.normal(size=24) * 1.5 + 10)
    yv = _as_written(Xv @ [1.0, -2.0, 0.5] + 10)
    train, valid = _write(tmp_path / "r.csv", X, y), _write(tmp_path / "rv.csv", Xv, yv)
    common = ["--hidden", "40", "--lr", "0.05", "--batch-size", "8"]
    out = tmp_path / "best.npz"
    _train([train, "--val-data", valid, *common, "--epochs", "300", "--patience", "5",
            "-o", out], capsys)
    best_model = cr.load_model(out)
    history = best_model.metadata["history"]["val_loss"]
    best = int(np.argmin(history)) + 1
    assert best < len(history) < 300  # stopped early, after a later worse epoch
    mu, sd = X.mean(axis=0), X.std(axis=0)
    y_mu, y_sd = y.mean(), y.std()  # the training target's, not the file's

    def loss(model):
        a = _forward(model, (Xv - mu) / sd)[:, 0]
        return float(np.mean(0.5 * (a - (yv - y_mu) / y_sd) ** 2))

    assert history[best - 1] == pytest.approx(loss(best_model), rel=1e-9)
    for epochs in (best, len(history)):  # the network at that epoch's end, by a shorter run
        at = tmp_path / f"e{epochs}.npz"
        _train([train, "--val-data", valid, *common, "--epochs", epochs, "-o", at], capsys)
        model = cr.load_model(at)
        assert history[epochs - 1] == pytest.approx(loss(model), rel=1e-9)
        if epochs == best:  # the kept weights are that epoch's
            for kept, then in zip(best_model.network.layers, model.network.layers,
                                  strict=True):
                np.testing.assert_array_equal(kept.W, then.W)
                np.testing.assert_array_equal(kept.b, then.b)


def test_lbfgs_records_the_files_loss_of_each_iterate(tmp_path, capsys):
    rng = np.random.default_rng(2)
    X, Xv = _as_written(rng.normal(size=(30, 3))), _as_written(rng.normal(size=(12, 3)))
    y, yv = _as_written(np.sin(X[:, 0]) + X[:, 1]), _as_written(np.sin(Xv[:, 0]) + Xv[:, 1])
    train, valid = _write(tmp_path / "r.csv", X, y), _write(tmp_path / "rv.csv", Xv, yv)
    out = tmp_path / "l.npz"
    _train([train, "--val-data", valid, "--optimizer", "lbfgs", "--hidden", "4",
            "--activation", "tanh", "--epochs", "15", "-o", out], capsys)
    model = cr.load_model(out)
    a = _forward(model, (Xv - X.mean(axis=0)) / X.std(axis=0))[:, 0]
    expected = np.mean(0.5 * (a - (yv - y.mean()) / y.std()) ** 2)
    assert model.metadata["history"]["val_loss"][-1] == pytest.approx(expected, rel=1e-9)


def test_columns_are_taken_by_name_extra_ones_left_out(files, tmp_path, capsys):
    train, valid, _X, Xv, yv = files
    shuffled = tmp_path / "shuffled.csv"  # other order, an extra column
    shuffled.write_text("t,c,extra,a,b\n" + "".join(
        f"{t},{r[2]:.6f},9,{r[0]:.6f},{r[1]:.6f}\n" for r, t in zip(Xv, yv, strict=True)))
    losses = []
    for path in (valid, shuffled):
        out = tmp_path / "m.npz"
        _train([train, "--val-data", path, "--hidden", "3", "--epochs", "3", "-o", out],
               capsys)
        losses.append(cr.load_model(out).metadata["history"]["val_loss"])
    assert losses[0] == losses[1]
    missing = tmp_path / "missing.csv"
    missing.write_text("a,b,t\n1,2,x\n")
    assert main(["train", str(train), "--val-data", str(missing), "-q",
                 "-o", str(tmp_path / "x.npz")]) == 2
    assert "missing column 'c'" in capsys.readouterr().err


def test_a_label_only_in_validation_is_refused_a_missing_class_is_not(files, tmp_path,
                                                                       capsys):
    train, _valid, _X, Xv, yv = files
    other = _write(tmp_path / "other.csv", Xv, np.where(yv == "z", "w", yv))
    assert main(["train", str(train), "--val-data", str(other), "-q",
                 "-o", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    assert "'w'" in err and str(other) in err and "lacks" in err
    fewer = _write(tmp_path / "fewer.csv", Xv[yv != "z"], yv[yv != "z"])
    out = tmp_path / "m.npz"
    _train([train, "--val-data", fewer, "--hidden", "3", "--epochs", "2", "-o", out], capsys)
    assert cr.load_model(out).labels == ["x", "y", "z"]


@pytest.mark.parametrize("extra, words", [
    (["--val-fraction", "0.2", "-o", "m.npz"], ["--val-fraction 0.2", "--val-data"]),
    (["--find-lr"], ["--find-lr", "--val-data"]),
])
def test_options_val_data_cannot_go_with_are_refused(files, tmp_path, capsys, extra, words,
                                                     monkeypatch):
    train, valid, *_ = files
    monkeypatch.chdir(tmp_path)
    assert main(["train", str(train), "--val-data", str(valid), *extra, "-q"]) == 2
    err = capsys.readouterr().err
    assert all(w in err for w in words), err


def test_a_bundled_name_is_refused(files, tmp_path, capsys, monkeypatch):
    train, *_ = files
    monkeypatch.chdir(tmp_path)
    assert main(["train", str(train), "--val-data", "iris", "-q"]) == 2
    assert "--val-data iris: the name of a bundled data set" in capsys.readouterr().err


def test_resume_with_a_changed_validation_file_is_refused(files, tmp_path, capsys):
    train, valid, _X, Xv, yv = files
    ckpt, out = tmp_path / "run.ckpt.npz", tmp_path / "m.npz"
    command = [train, "--val-data", valid, "--hidden", "3", "--checkpoint", ckpt, "-o", out]
    _train([*command, "--epochs", "2"], capsys)
    valid.write_text(valid.read_text() + "0.1,0.2,0.3,x\n")
    assert main(["train", *map(str, command), "--epochs", "4", "--resume", "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error: --val-data:") and "valid.csv" in err
    assert main(["train", str(train), "--hidden", "3", "--checkpoint", str(ckpt), "-o",
                 str(out), "--epochs", "4", "--resume", "--val-fraction", "0", "-q"]) == 2
    assert "--val-data" in capsys.readouterr().err  # started with one, continued without
    _write(valid, Xv, yv)  # the same bytes again: the run goes on
    printed = _train([*command, "--epochs", "4", "--resume"], capsys)
    assert "resuming the run" in printed
    assert len(cr.load_model(out).metadata["history"]["val_loss"]) == 4


def test_info_and_evaluate_name_the_validation_file(files, tmp_path, capsys):
    train, valid, _X, _Xv, _yv = files
    out = tmp_path / "m.npz"
    _train([train, "--val-data", valid, "--hidden", "3", "--epochs", "2", "-o", out], capsys)
    assert main(["info", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    digest = hashlib.sha256(valid.read_bytes()).hexdigest()
    assert f"validation data: {valid} (25 rows, SHA-256 {digest[:16]}...)" in lines
    assert any(line.startswith(f"data: {train} (60 rows") for line in lines)
    assert main(["evaluate", str(out), str(valid)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"{valid}: 25 examples, the model's validation data")
    assert "not a held-out test score" in first
    assert main(["evaluate", str(out), str(train)]) == 0
    assert "(all 60 training examples;" in capsys.readouterr().out.splitlines()[0]


def test_images_and_several_targets(tmp_path, capsys):
    rng = np.random.default_rng(4)
    images = rng.normal(size=(30, 1, 4, 4))
    np.savez(tmp_path / "im.npz", X=images, y=(images.mean(axis=(1, 2, 3)) > 0).astype(int))
    np.savez(tmp_path / "imv.npz", X=rng.normal(size=(10, 1, 4, 4)), y=rng.integers(0, 2, 10))
    np.savez(tmp_path / "bad.npz", X=rng.normal(size=(10, 1, 3, 3)), y=rng.integers(0, 2, 10))
    layers = '[{"type": "Conv2D", "out_channels": 2, "kernel_size": 3}, {"type": "Flatten"}]'
    printed = _train([tmp_path / "im.npz", "--val-data", tmp_path / "imv.npz", "--layers",
                      layers, "--epochs", "2", "-o", tmp_path / "c.npz"], capsys)
    assert "30 for training, 10 for validation" in printed
    assert main(["train", str(tmp_path / "im.npz"), "--val-data", str(tmp_path / "bad.npz"),
                 "--layers", layers, "-q", "-o", str(tmp_path / "c.npz")]) == 2
    assert "images of shape 1 x 3 x 3" in capsys.readouterr().err
    X, Xv = rng.normal(size=(40, 3)), rng.normal(size=(15, 3))
    for name, rows in (("ml.csv", X), ("mlv.csv", Xv)):
        (tmp_path / name).write_text("a,b,c,p,q\n" + "".join(
            f"{r[0]},{r[1]},{r[2]},{int(r[0] > 0)},{int(r[1] > 0)}\n" for r in rows))
    printed = _train([tmp_path / "ml.csv", "--target", "p", "q", "--val-data",
                      tmp_path / "mlv.csv", "--epochs", "2", "-o", tmp_path / "l.npz"], capsys)
    assert "40 for training, 15 for validation" in printed
    (tmp_path / "mlv.csv").write_text("a,b,c,p,q\n0,0,0,1,2\n")
    assert main(["train", str(tmp_path / "ml.csv"), "--target", "p", "q", "--val-data",
                 str(tmp_path / "mlv.csv"), "-q", "-o", str(tmp_path / "l.npz")]) == 2
    assert "the target 'q' holds the label '2'" in capsys.readouterr().err


def test_class_weight_leaves_the_validation_cost_unweighted(files, tmp_path, capsys):
    train, valid, X, Xv, yv = files  # as with --val-fraction: the plain mean cross entropy
    out = tmp_path / "w.npz"
    _train([train, "--val-data", valid, "--hidden", "4", "--epochs", "3",
            "--class-weight", '{"z": 5}', "-o", out], capsys)
    model = cr.load_model(out)
    expected = _cross_entropy(model, X, Xv, yv)
    assert model.metadata["history"]["val_loss"][-1] == pytest.approx(expected, rel=1e-9)


def test_a_bad_cell_of_the_file_is_blamed_on_the_file(tmp_path, capsys):
    rng = np.random.default_rng(6)
    X = rng.normal(size=(30, 3))
    train = _write(tmp_path / "r.csv", X, X[:, 0] * 2.5)
    valid = tmp_path / "rv.csv"
    valid.write_text("a,b,c,t\n0,0,0,1.5\n1,1,1,NA\n")  # line 3: a regression target missing
    assert main(["train", str(train), "--val-data", str(valid), "-q",
                 "-o", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    assert f"{valid} line 3, target 't': missing value" in err and str(train) not in err
    assert main(["train", str(train), "--val-data", str(tmp_path / "none.csv"), "-q",
                 "-o", str(tmp_path / "m.npz")]) == 2
    assert "--val-data " in capsys.readouterr().err


def test_data_given_as_its_own_validation_file_is_warned_and_said_trained_on(
        files, tmp_path, capsys):
    train, valid, X, _, _ = files
    copy = tmp_path / "copy.csv"
    copy.write_bytes(train.read_bytes())
    labels = _classes(X)
    for given in (train, copy):  # the same file, or a copy of its bytes
        out = tmp_path / f"{given.stem}.npz"
        assert main(["train", str(train), "--val-data", str(given), "--hidden", "5",
                     "--epochs", "3", "-q", "-o", str(out)]) == 0
        err = capsys.readouterr().err
        assert f"warning: --val-data {given} holds the same bytes as DATA {train}" in err
        model = cr.load_model(out)
        # the "validation" loss is the training file's own cross entropy
        assert model.metadata["history"]["val_loss"][-1] == pytest.approx(
            _cross_entropy(model, X, X, labels), rel=1e-9)
        assert main(["evaluate", str(out), str(given)]) == 0
        said = capsys.readouterr().out
        assert "the bytes of its training data too (DATA: trained on" in said
        assert "not trained on" not in said
    _train([train, "--val-data", valid, "--epochs", "1", "-o", tmp_path / "v.npz"], capsys)
    assert "warning" not in capsys.readouterr().err


def test_several_regression_targets_from_a_crlf_file_of_its_own_column_order(tmp_path,
                                                                              capsys):
    """Two regression targets; the validation file has a BOM, CRLF line ends, quoted
    names and its columns in another order: val_loss is the mean over its rows of
    1/2 sum_k (a_k - t_k)^2 on targets standardised with the training rows' statistics."""
    rng = np.random.default_rng(5)
    X, Xv = _as_written(rng.normal(size=(50, 3))), _as_written(rng.normal(size=(12, 3)))
    Y = _as_written(np.column_stack([X @ [1.0, -2.0, 0.5], 3.0 * X[:, 0] + 10.0]))
    Yv = _as_written(np.column_stack([Xv @ [1.0, -2.0, 0.5], 3.0 * Xv[:, 0] + 10.0]))
    (tmp_path / "tr.csv").write_text("a,b,c,u,v\n" + "".join(
        ",".join(f"{v:.6f}" for v in [*x, *y]) + "\n" for x, y in zip(X, Y, strict=True)))
    order = [4, 2, 0, 3, 1]  # v, c, a, u, b
    header = ",".join(f'"{["a", "b", "c", "u", "v"][j]}"' for j in order)
    rows = [[*x, *y] for x, y in zip(Xv, Yv, strict=True)]
    (tmp_path / "va.csv").write_bytes(("\ufeff" + header + "\r\n" + "".join(
        ",".join(f"{row[j]:.6f}" for j in order) + "\r\n" for row in rows)).encode("utf-8"))
    out = tmp_path / "m.npz"
    printed = _train([tmp_path / "tr.csv", "--target", "u", "v", "--val-data",
                      tmp_path / "va.csv", "--hidden", "4", "--epochs", "3", "-o", out], capsys)
    assert "50 for training, 12 for validation" in printed
    model = cr.load_model(out)
    A = _forward(model, (Xv - X.mean(axis=0)) / X.std(axis=0))
    T = (Yv - Y.mean(axis=0)) / Y.std(axis=0)
    expected = np.mean(0.5 * np.sum((A - T) ** 2, axis=1))
    assert model.metadata["history"]["val_loss"][-1] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("extra, bad, words", [
    (["--loss", "poisson"], -3, "the exp output (the default for --loss poisson) lies in "
     "[0, inf], but the file's target 't' runs from -3 to 2"),
    (["--output", "sigmoid"], 1.5, "--output sigmoid lies in [0, 1], but the file's target "
     "'t' runs from 0.25 to 1.5")])
def test_validation_targets_outside_a_bounded_output_are_refused_naming_the_file(
        tmp_path, capsys, extra, bad, words):
    rng = np.random.default_rng(6)
    X = rng.normal(size=(30, 2))
    y = rng.integers(0, 2, size=30) if extra[0] == "--loss" else rng.uniform(size=30)
    (tmp_path / "tr.csv").write_text("a,b,t\n" + "".join(
        f"{r[0]:.6f},{r[1]:.6f},{t}\n" for r, t in zip(X, y, strict=True)))
    good = 2 if extra[0] == "--loss" else 0.25
    (tmp_path / "va.csv").write_text(f"a,b,t\n0.1,0.2,{bad}\n0.3,0.1,{good}\n")
    assert main(["train", str(tmp_path / "tr.csv"), "--task", "regression", *extra,
                 "--val-data", str(tmp_path / "va.csv"), "-q",
                 "-o", str(tmp_path / "m.npz")]) == 2
    assert f"--val-data {tmp_path / 'va.csv'}: {words}" in capsys.readouterr().err
    assert not (tmp_path / "m.npz").exists()


def test_a_validation_file_without_the_target_is_refused_naming_the_option(files, tmp_path,
                                                                          capsys):
    """A --val-data file that lacks DATA's target column (CSV) or array (NPZ) is refused
    naming --val-data, the option given, not as if DATA lacked it; nothing written."""
    train, _, _, Xv, _ = files
    unlabelled = tmp_path / "nolab.csv"
    unlabelled.write_text("a,b,c\n" + "".join(",".join(f"{v:.6f}" for v in row) + "\n"
                                              for row in Xv))
    npz = tmp_path / "nolab.npz"
    np.savez(npz, X=Xv)
    out = tmp_path / "m.npz"
    for given, words in [(unlabelled, "missing column 't' (the target)"),
                         (npz, "no array named 't' for the target (arrays: X)")]:
        assert main(["train", str(train), "--val-data", str(given), "-q", "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"error: --val-data {given}: {words}" in err, err
        assert not out.exists()
