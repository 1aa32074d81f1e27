"""MLPClassifier / MLPRegressor with ``layers=`` and ``input_shape=`` once fitted: the
model file (saved and loaded, layers read from a JSON file or a pipe), pickling, the
command line on a CNN estimator's file, its predictions (sparse rows, log-probabilities,
the blocks of rows) and the README's CNN example.  Building and fitting such estimators
is tested in test_estimator_layers.py.

The references are computed here apart from the estimators: the estimator before saving
or pickling, the dense array for a sparse one, the log-softmax of the output layer's net
input written out, Network.predict's memory, scikit-learn's metrics.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import accuracy_score

import chainrule as cr
from chainrule import BatchNorm, Dense, Dropout, MLPClassifier, load_estimator
from chainrule.cli import main
from estimator_helpers import LAYERS_CNN as CNN
from estimator_helpers import digit_rows, one_blas_thread  # noqa: F401 (autouse)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    return digit_rows()


# --- saving -----------------------------------------------------------------------------------
def test_save_and_load_round_trip_a_cnn(tmp_path, digits):
    X, y = digits
    est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), solver="sgd", max_iter=2,
                        learning_rate_init=0.05, random_state=0).fit(X, y)
    back = load_estimator(est.save(tmp_path / "cnn.npz"))
    assert back.get_params() == est.get_params()
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    back.partial_fit(X, y)  # the training state travels too
    est.partial_fit(X, y)
    np.testing.assert_array_equal(back.network_.params, est.network_.params)


@pytest.mark.parametrize("as_path", [str, Path])
def test_a_model_file_of_layers_read_from_a_json_file_stands_alone(tmp_path, digits, as_path):
    """layers="arch.json": the model file records the layers read from it, not the path,
    so that it loads (and its check of the network against the layers passes) after the
    JSON file is gone; the loaded estimator's layers are the file's list."""
    X, y = digits
    arch = tmp_path / "arch.json"
    arch.write_text(json.dumps(CNN))
    est = MLPClassifier(layers=as_path(arch), input_shape=(1, 8, 8), solver="sgd",
                        max_iter=2, learning_rate_init=0.05, random_state=0).fit(X, y)
    path = est.save(tmp_path / "cnn.npz")
    arch.unlink()
    back = load_estimator(path)
    assert back.get_params()["layers"] == CNN
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    same = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), solver="sgd", max_iter=2,
                         learning_rate_init=0.05, random_state=0).fit(X, y)
    np.testing.assert_array_equal(back.network_.params, same.network_.params)


def test_a_json_file_of_layers_edited_after_fit_saves_the_layers_fit_read(tmp_path, digits):
    """layers="arch.json" was read again at save: after the file was edited, the model
    file held the new list, not the network's, and load_estimator refused it ("the fitted
    network's hidden layers are ... asks for ...").  Now save writes the list fit read;
    the file is read again when a new fit builds a new network."""
    X, y = digits
    arch = tmp_path / "arch.json"
    arch.write_text(json.dumps(CNN))
    est = MLPClassifier(layers=str(arch), input_shape=(1, 8, 8), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    wider = [*CNN[:3], {"type": "Dense", "fan_out": 17}]
    arch.write_text(json.dumps(wider))
    back = load_estimator(est.save(tmp_path / "cnn.npz"))
    assert back.get_params()["layers"] == CNN
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)  # a new network: the file as it is now
    assert [W.shape for W in est.coefs_] == [(36, 17), (17, 10)]
    assert load_estimator(est.save(tmp_path / "wider.npz")).get_params()["layers"] == wider


def test_a_file_without_layers_is_written_and_read_as_before_layers_existed(tmp_path, digits):
    """An estimator without layers= (nor class_weight=) writes none of these keys (its file
    is what older versions wrote and read), and such a file loads with them None."""
    X, y = digits
    est = MLPClassifier((6,), max_iter=2, random_state=0).fit(X, y)
    path = est.save(tmp_path / "new.npz")
    meta, _ = cr.io.read_file(path, "chainrule.estimator")
    assert "layers" not in meta["params"] and "input_shape" not in meta["params"]
    assert set(meta["params"]) == set(est.get_params()) - {"layers", "input_shape",
                                                           "class_weight", "clip_norm",
                                                           "max_time", "ema"}
    back = load_estimator(path)
    assert back.layers is None and back.input_shape is None and back.class_weight is None
    assert back.get_params() == est.get_params()
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))


def test_load_refuses_a_layer_list_that_is_not_the_networks(tmp_path, digits):
    X, y = digits
    est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), max_iter=1, random_state=0)
    meta, arrays = cr.io.read_file(est.fit(X, y).save(tmp_path / "a.npz"),
                                   "chainrule.estimator")
    meta["params"]["layers"][3]["fan_out"] = 17
    cr.io.write_file(tmp_path / "b.npz", meta, arrays)
    with pytest.raises(ValueError, match=r"b.npz: corrupted estimator file \(params: layers: "
                       r"the fitted network's hidden layers are .*Dense\(36, 16"):
        load_estimator(tmp_path / "b.npz")


@pytest.mark.slow
def test_the_command_line_predicts_evaluates_shows_and_plots_a_cnn_file(tmp_path, capsys,
                                                                         digits, monkeypatch):
    import chainrule.plots as plots

    X, y = digits
    est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), solver="lbfgs", max_iter=20,
                        random_state=0).fit(X, y)
    model, data = str(tmp_path / "cnn.npz"), str(tmp_path / "d.npz")
    est.save(model)
    np.savez(data, X=X, y=y)
    assert main(["predict", model, data, "--proba", "-o", str(tmp_path / "p.csv")]) == 0
    rows = np.loadtxt(tmp_path / "p.csv", delimiter=",", skiprows=1)
    np.testing.assert_array_equal(rows[:, 0], est.predict(X))
    np.testing.assert_array_equal(rows[:, 1:], est.predict_proba(X))
    capsys.readouterr()
    assert main(["evaluate", model, data, "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["accuracy"] == accuracy_score(y, est.predict(X))
    assert main(["info", "--json", model]) == 0
    info = json.loads(capsys.readouterr().out)
    assert [r["layer"] for r in info["layers"]] == [type(v).__name__
                                                    for v in est.network_.layers]
    assert info["n_params"] == est.network_.n_params == 802
    assert info["params"]["layers"] == CNN and info["params"]["input_shape"] == [1, 8, 8]
    assert main(["info", model]) == 0 and "Conv2D" in capsys.readouterr().out
    seen = {}
    monkeypatch.setattr(plots, "plot_loss", lambda h, out, title, **kw: seen.setdefault("loss", h)
                        or out)
    monkeypatch.setattr(plots, "plot_confusion_matrix",
                        lambda y, p, out, **kw: seen.setdefault("confusion", (y, p)) and out)
    assert main(["plot", "loss", model, "-o", str(tmp_path / "l.png")]) == 0
    assert seen["loss"] == {"loss": est.loss_curve_}
    assert main(["plot", "confusion", model, data, "-o", str(tmp_path / "c.png")]) == 0
    np.testing.assert_array_equal(seen["confusion"][1], est.predict(X))


def test_pickling_a_cnn_estimator_keeps_its_network(digits):
    import pickle

    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), max_iter=1,
                            random_state=0).fit(X, y)
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    assert isinstance(back.network_.layers[-2], Dense) and not isinstance(
        back.network_.layers[0], (Dense, BatchNorm, Dropout))


def test_a_cnn_estimator_predicts_a_sparse_matrix_a_block_of_rows_at_a_time(digits,
                                                                             monkeypatch):
    """A sparse X given to a convolutional estimator's predictions was made dense whole
    (60,000 x 64 at 5 %: tracemalloc's peak 53 MiB, the dense copy alone 29 MiB), where
    every other prediction densifies a block of rows at a time.  Now the blocks: the peak
    stays below a quarter of the dense copy, and the numbers are the dense array's."""
    import tracemalloc

    import scipy.sparse

    import chainrule._mlp_base as mlp_base

    X, y = digits
    est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    S = scipy.sparse.random(20_000, 64, density=0.05, format="csr", random_state=0)
    dense = S.toarray()
    monkeypatch.setattr(mlp_base, "_EVAL_BLOCK_BYTES", 2**16)
    expected_proba, expected = est.predict_proba(dense), est.predict(dense)
    tracemalloc.start()
    try:
        proba = est.predict_proba(S)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < dense.nbytes / 4
    np.testing.assert_array_equal(proba, expected_proba)
    np.testing.assert_array_equal(est.predict(S), expected)
    # one row: as the dense row alone (a block of one row may differ from a row of a block
    # of 64 in its last bit, dense or sparse alike: see _evaluate)
    np.testing.assert_array_equal(est.predict_proba(S[:1]), est.predict_proba(dense[:1]))


@pytest.mark.parametrize("binary", [False, True])
def test_predict_log_proba_of_a_cnn_is_finite_from_the_output_net_input(digits, binary,
                                                                        monkeypatch):
    """predict_log_proba with layers= (a CNN): np.log(predict_proba) where that is finite,
    and the log-softmax (or [-softplus(z), -softplus(-z)]) of the output layer's net input,
    finite, where probabilities underflow; in predict_proba's blocks of rows."""
    from scipy.special import log_softmax

    import chainrule._mlp_base as mlp_base

    monkeypatch.setattr(mlp_base, "_EVAL_BLOCK_BYTES", 1)  # blocks of one row
    X, y = digits
    y = y > 4 if binary else y
    est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), max_iter=5,
                        random_state=0).fit(X, y)
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(est.predict_proba(X)),
                               rtol=0, atol=1e-12)
    top = est.network_.layers[-1]
    top.W[...] *= 1e4
    est.network_.forward(X.reshape(-1, 1, 8, 8))  # one pass of all rows: the top's input
    Z = top.X @ top.W + top.b  # its net input, by hand
    expected = (-np.hstack([np.logaddexp(0, Z), np.logaddexp(0, -Z)]) if binary
                else log_softmax(Z, axis=1))
    with np.errstate(divide="ignore"):
        assert np.isinf(np.log(est.predict_proba(X))).any()
    log_p = est.predict_log_proba(X)
    assert log_p.shape == (300, 2 if binary else 10) and np.isfinite(log_p).all()
    np.testing.assert_allclose(log_p, expected, rtol=1e-12, atol=1e-9)


def test_info_shows_the_layers_an_estimator_used_not_the_parameters_they_replace(
        tmp_path, capsys, digits):
    """``info`` on an estimator file with layers= showed hidden_layer_sizes=[100] (and
    dropout, batch_norm), parameters the network was not built from, beside layers.  Now
    they are left out with layers, and the list is shown as JSON; an estimator without
    layers shows all of get_params() as before."""
    X, y = digits
    layers = [{"type": "Dense", "fan_out": 8}, {"type": "Dropout", "rate": 0.2}]
    est = MLPClassifier(layers=layers, max_iter=1, random_state=0)
    mlp = MLPClassifier((8,), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y).save(tmp_path / "layers.npz")
        mlp.fit(X, y).save(tmp_path / "mlp.npz")
    # class_weight=None, clip_norm=None, max_time=None and ema=None, like layers=None and
    # input_shape=None, are not written (see
    # test_a_file_without_layers_is_written_and_read_as_before_layers_existed)
    for name, model, left_out in [("layers.npz", est, {"hidden_layer_sizes", "dropout",
                                                       "batch_norm", "input_shape",
                                                       "class_weight", "clip_norm",
                                                       "max_time", "ema"}),
                                  ("mlp.npz", mlp, {"layers", "input_shape", "class_weight",
                                                    "clip_norm", "max_time", "ema"})]:
        assert main(["info", "--json", str(tmp_path / name)]) == 0
        shown = json.loads(capsys.readouterr().out)["params"]
        params = {k: v for k, v in model.get_params().items() if k not in left_out}
        assert shown == json.loads(json.dumps(params, default=list))
        assert main(["info", str(tmp_path / name)]) == 0
        line = next(s for s in capsys.readouterr().out.splitlines()
                    if s.startswith("parameters: "))
        assert line == "parameters: " + ", ".join(
            f"{k}={json.dumps(v) if k == 'layers' else list(v) if isinstance(v, tuple) else v}"
            for k, v in params.items())


def test_a_cnn_estimator_sizes_its_blocks_by_the_im2col_columns_as_network_predict(digits):
    """The estimators' blocks counted a layer's outputs only, not a convolution's im2col
    columns (here 432 values per image against 144 outputs), so a CNN estimator's blocks
    were three times Network.predict's: 20,000 digits-sized rows took 11.8 MiB beyond the
    result against Network.predict's 3.8 MiB (tracemalloc).  Now the same blocks: the same
    memory within 20 %, and the same numbers."""
    import tracemalloc

    X, y = digits
    est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    Xt = np.random.default_rng(0).random((20_000, 64))
    peaks = {}
    for name, predict in (("estimator", est.predict_proba), ("network", est.network_.predict)):
        tracemalloc.start()
        try:
            out = predict(Xt)
            peaks[name] = tracemalloc.get_traced_memory()[1] - out.nbytes
        finally:
            tracemalloc.stop()
        peaks[name, "out"] = out
    assert peaks["estimator"] < 1.2 * peaks["network"]
    np.testing.assert_array_equal(peaks["estimator", "out"], peaks["network", "out"])


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs named pipes")
def test_layers_from_a_named_pipe_are_read_once_per_fit(tmp_path):
    """layers= naming a pipe (a shell's <(cat layers.json)) was read twice by fit, by the
    parameter checks and again to build the network: the second read waited for a writer
    that had gone.  The same fit as from the list itself, reading the pipe once."""
    import os
    import threading

    X = np.random.default_rng(0).normal(size=(30, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    layers = [{"type": "Dense", "fan_out": 3, "activation": "tanh"}]
    pipe = tmp_path / "layers"
    os.mkfifo(pipe)
    writer = threading.Thread(target=lambda: pipe.write_text(json.dumps(layers)), daemon=True)
    writer.start()
    est, errors = MLPClassifier(layers=str(pipe), max_iter=5, random_state=0), []

    def fit() -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.fit(X, y)
        except ValueError as exc:
            errors.append(exc)

    fitting = threading.Thread(target=fit, daemon=True)
    fitting.start()
    fitting.join(timeout=20)
    if fitting.is_alive():  # waiting for a second writer: give it an empty one
        pipe.open("w").close()
        fitting.join(timeout=20)
    assert not errors and hasattr(est, "network_")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = MLPClassifier(layers=layers, max_iter=5, random_state=0).fit(X, y)
    for a, b in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_readme_cnn_estimator_scores_what_the_readme_says():
    """The README's CNN MLPClassifier (Glorot uniform, the estimators' default init, on its
    Conv2D too) said 0.964; since a convolution's Glorot fan_out is out_channels * kh * kw
    (467d67a) the same code scored 0.962, and with the Dense layers' biases drawn as
    scikit-learn's (bias_init="uniform") 0.960.  The figure is read from the README's line."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("cnn = cr.MLPClassifier(layers=[")
    code = readme[start:readme.index("```", start)]
    stated = re.search(r"\.score\(d\.X_test, d\.y_test\)\s+# (0\.\d+)", code)
    assert stated is not None, code
    d = cr.datasets.load_digits_split(seed=0)
    scope = {"cr": cr, "d": d}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(code.split("\ncnn.fit")[0], scope)  # the estimator as the README builds it
        cnn = scope["cnn"].fit(d.X_train, d.y_train)
    score = accuracy_score(d.y_test, cnn.predict(d.X_test))
    assert f"{score:.3f}" == stated.group(1)
