"""``chainrule hessian MODEL DATA`` (hessian2): a trained model's curvature from the command line.

The references are independent of the command: the full Hessian stacked from ``H e_i`` and
``np.linalg.eigvalsh`` (whose products the hessian tests check against NumPy and PyTorch),
the cost written out in NumPy from the model file's weights and scaling, and
``chainrule evaluate``'s log loss, which means the same as ``J`` without weight decay.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule
from chainrule.hessian import hessian_vector_products
from chainrule.saved_model import SavedModel
from file_helpers import cli_fails, cli_out, fresh_python, write_rows_csv


def _data(tmp_path, regression=False):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 2))
    y = (2.0 * X[:, 0] - X[:, 1] + 0.5) if regression else (X[:, 0] - X[:, 1] > 0).astype(int)
    return write_rows_csv(tmp_path / "d.csv", ["a", "b", "t"], X, y), X, y


def _train(capsys, tmp_path, data, *extra):
    model = tmp_path / "m.npz"
    cli_out(capsys, ["train", data, "--target", "t", "--hidden", "3", "--activation", "tanh",
                     "--epochs", "3", "-q", "-o", model, *extra])
    return str(model)


def _scaled(model_path, X):
    """The model's inputs, scaled in NumPy from the file's recorded mean and scale."""
    meta = SavedModel.load(model_path).metadata
    return (X - np.asarray(meta["x_mean"])) / np.asarray(meta["x_scale"])


def _full_hessian(net, X, Y):
    n = net.n_params
    H = hessian_vector_products(net, X, Y, np.eye(n))
    return 0.5 * (H + H.T)


@pytest.fixture
def classifier(tmp_path, capsys):
    data, X, y = _data(tmp_path)
    model = _train(capsys, tmp_path, data, "--weight-decay", "0.05")
    return model, data, X, y


def test_eigenvalues_and_J_equal_independent_references(classifier, capsys):
    model, data, X, y = classifier
    f = json.loads(cli_out(capsys, ["hessian", model, data, "--k", "3", "--json"]))
    net = SavedModel.load(model).network
    Xs, Y = _scaled(model, X), y.astype(float)[:, None]
    exact = np.linalg.eigvalsh(_full_hessian(net, Xs, Y))[::-1][:3]  # largest first
    np.testing.assert_allclose(f["eigenvalues"], exact, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(f["eigenvalues"], chainrule.hessian_eigenvalues(net, Xs, Y, k=3),
                               rtol=1e-12)
    assert f["lr_bound"] == pytest.approx(2.0 / exact[0], rel=1e-7)
    # J in NumPy: mean log loss of the sigmoid output + (0.05 / 2) sum W^2 (ufldl's decay)
    (W1, b1), (W2, b2) = [(layer.W, layer.b) for layer in net.layers]
    p = 1.0 / (1.0 + np.exp(-(np.tanh(Xs @ W1 + b1) @ W2 + b2)))[:, 0]
    J = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) + 0.025 * (
        np.sum(W1**2) + np.sum(W2**2))
    assert f["J"] == pytest.approx(J, rel=1e-10)
    assert f["samples"] == 30 and f["n_params"] == net.n_params == 13
    assert f["optimizer"] == "adam" and f["weight_decay"] == 0.05


def test_J_without_decay_is_evaluates_log_loss(tmp_path, capsys):
    data, _, _ = _data(tmp_path)
    model = _train(capsys, tmp_path, data)
    f = json.loads(cli_out(capsys, ["hessian", model, data, "--json"]))
    text = cli_out(capsys, ["evaluate", model, data, "--target", "t", "--json"])
    assert f["J"] == pytest.approx(json.loads(text)["log_loss"], rel=1e-9)


def test_regression_J_is_half_the_mse_of_the_standardised_targets(tmp_path, capsys):
    data, X, y = _data(tmp_path, regression=True)
    model = _train(capsys, tmp_path, data)
    f = json.loads(cli_out(capsys, ["hessian", model, data, "--json", "--which", "SA"]))
    mse = json.loads(cli_out(capsys, ["evaluate", model, data, "--json"]))["mse"]
    scale = SavedModel.load(model).metadata["y_scale"]
    scale = float(np.ravel(scale)[0])
    # squared_error is sum (a - y)^2 / 2 per example, on targets divided by y_scale
    assert f["J"] == pytest.approx(0.5 * mse / scale**2, rel=1e-9)
    net = SavedModel.load(model).network
    meta = SavedModel.load(model).metadata
    Ys = ((y - float(np.ravel(meta["y_mean"])[0])) / scale)[:, None]
    lam = np.linalg.eigvalsh(_full_hessian(net, _scaled(model, X), Ys))
    assert f["eigenvalues"][0] == pytest.approx(lam[0], rel=1e-7, abs=1e-10)  # smallest
    assert f["lambda_max"] == pytest.approx(lam[-1], rel=1e-7)


def test_text_report_and_trace(classifier, capsys):
    model, data, X, y = classifier
    out = cli_out(capsys, ["hessian", model, data, "--k", "2", "--trace", "--probes", "50"])
    net = SavedModel.load(model).network
    Xs, Y = _scaled(model, X), y.astype(float)[:, None]
    H = _full_hessian(net, Xs, Y)
    lam = np.linalg.eigvalsh(H)[::-1]
    assert f"Hessian eigenvalues, largest: {lam[0]:.6g}, {lam[1]:.6g}" in out
    assert f"2/lambda_max: {2.0 / lam[0]:.6g}; the model was trained with adam at lr" in out
    assert "full-batch gradient descent near a minimum" in out
    f = json.loads(cli_out(capsys, ["hessian", model, data, "--trace", "--probes", "50",
                                    "--json"]))
    t = chainrule.hessian_trace(net, Xs, Y, n_probes=50)
    assert f["trace"] == {"estimate": pytest.approx(t.trace, rel=1e-12),
                          "stderr": pytest.approx(t.stderr, rel=1e-12), "probes": 50}
    assert abs(f["trace"]["estimate"] - np.trace(H)) < 4 * f["trace"]["stderr"]


def test_bad_input_is_refused_with_exit_2(classifier, tmp_path, capsys):
    from chainrule.cli import main

    model, data, X, y = classifier
    err = cli_fails(capsys, ["hessian", model, data, "--k", "13"])
    assert "--k: expected an integer from 1 to 12" in err
    write_rows_csv(tmp_path / "no_t.csv", ["a", "b", "u"], X, y)
    assert main(["hessian", model, str(tmp_path / "no_t.csv")]) == 2
    assert "'t'" in capsys.readouterr().err
    # a model whose loss has no second-order path: the hessian module's own message
    # (a BatchNorm model is taken: tests/test_hessian4_batchnorm.py)
    huber = tmp_path / "huber.npz"
    write_rows_csv(tmp_path / "r.csv", ["a", "b", "t"], X, X[:, 0] - X[:, 1])
    cli_out(capsys, ["train", tmp_path / "r.csv", "--target", "t", "--hidden", "3",
                     "--loss", "huber", "--epochs", "1", "-q", "-o", huber])
    assert main(["hessian", str(huber), str(tmp_path / "r.csv")]) == 2
    err = capsys.readouterr().err
    assert "chainrule: error: hessian: the output 'identity' with loss 'huber' has no" in err


def test_help_imports_neither_scipy_sparse_linalg_nor_the_hessian_module():
    code = ("import contextlib, io, sys\n"
            "from chainrule.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            "    try:\n"
            "        main(['--help'])\n"
            "    except SystemExit:\n"
            "        pass\n"
            "names = ('scipy.sparse.linalg', 'chainrule.hessian', 'chainrule._hessian_rop')\n"
            "print(sorted(n for n in names if n in sys.modules), 'hessian' in out.getvalue())\n")
    assert fresh_python(code) == ["[] True"]
