"""Any architecture from the command line: ``parse_layers``, ``train --layers`` and ``--dropout``.

The command line's numbers are checked against the same network built and
trained here in Python (:func:`chainrule.network_from_layers`,
:func:`chainrule.train`) and against scikit-learn's ``accuracy_score``.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from chainrule import Dropout, Network, load, mlp, network_from_layers, train
from chainrule.architecture import parse_layers
from chainrule.cli import main
from chainrule.io import load_metadata

DENSE = [{"type": "Dense", "fan_out": 4, "activation": "tanh"}]


# --- parse_layers ------------------------------------------------------------------------------
def test_parse_layers_reads_json_text_and_a_json_file(tmp_path):
    text = json.dumps(DENSE)
    assert parse_layers(text) == DENSE
    assert parse_layers("  " + text) == DENSE  # leading blanks, as a shell may leave them
    path = tmp_path / "net.json"
    path.write_text(text)
    assert parse_layers(str(path)) == DENSE
    assert parse_layers(path) == DENSE


def test_parse_layers_bad_json_names_the_source_and_the_place(tmp_path):
    with pytest.raises(ValueError, match=r"^layers: not valid JSON \(Expecting ',' delimiter: "
                                         r"line 1 column 18"):
        parse_layers('[{"type":"Dense"}')
    path = tmp_path / "bad.json"
    path.write_text('[{"type": 1,}]')
    with pytest.raises(json.JSONDecodeError) as reference:  # its words vary with the Python
        json.loads(path.read_text())
    with pytest.raises(ValueError, match="^" + re.escape(f"{path}: not valid JSON "
                                                         f"({reference.value.msg}: line 1")):
        parse_layers(str(path))


@pytest.mark.skipif(not __import__("os").path.isdir("/dev/fd"), reason="no /dev/fd")
def test_layers_from_a_pipe_are_read(tmp_path):
    """--layers <(cat net.json) (a shell's process substitution, /dev/fd/63) was refused
    with "'/dev/fd/63': no such file": only a regular file was taken as one."""
    import os
    import threading

    r, w = os.pipe()

    def feed():
        with os.fdopen(w, "w") as fh:
            fh.write(json.dumps(DENSE))

    threading.Thread(target=feed, daemon=True).start()
    try:
        assert parse_layers(f"/dev/fd/{r}") == DENSE
    finally:
        os.close(r)


def test_a_layers_file_that_is_not_utf8_text_is_named(tmp_path, capsys):
    """--layers model.npz (a binary file given by mistake) said only "argument --layers:
    'utf-8' codec can't decode byte 0x93 in position 0: invalid start byte", naming
    neither the file nor what was expected of it."""
    path = tmp_path / "model.npz"
    path.write_bytes(b"\x93NUMPY\x01\x00")
    with pytest.raises(ValueError) as err:
        parse_layers(str(path))
    assert str(err.value) == (f"{path}: not a text file of JSON (not UTF-8: invalid start "
                              "byte at byte 0)")
    out = tmp_path / "m.npz"
    with pytest.raises(SystemExit) as info:
        main(["train", "xor", "--layers", str(path), "-q", "-o", str(out)])
    assert info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"chainrule train: error: argument --layers: {path}: not a text file of JSON (not "
        "UTF-8: invalid start byte at byte 0)")
    assert not out.exists()
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(DENSE).encode())  # a BOM, as Notepad writes
    assert parse_layers(str(path)) == DENSE


def test_layers_nested_too_deeply_are_refused_in_one_line(tmp_path, capsys):
    """--layers '[[[...]]]' nested 100,000 deep (inline or in a file) made json.loads
    raise RecursionError: a 60-line traceback instead of the one line of bad JSON."""
    deep = "[" * 100_000 + "]" * 100_000
    path = tmp_path / "deep.json"
    path.write_text(deep)
    with pytest.raises(ValueError) as err:
        parse_layers(deep)
    assert str(err.value) == "layers: not valid JSON (nested too deeply)"
    out = tmp_path / "m.npz"
    with pytest.raises(SystemExit) as info:
        main(["train", "xor", "--layers", str(path), "-q", "-o", str(out)])
    assert info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"chainrule train: error: argument --layers: {path}: not valid JSON (nested too "
        "deeply)")
    assert not out.exists()


@pytest.mark.parametrize(("text", "got"), [
    ('{"type": "Dense", "fan_out": 3}', "got a JSON object"),
    ("[1, 2]", "but item 0 is a JSON number: 1"),
    ('[{"type": "Flatten"}, [1]]', r"but item 1 is a JSON list: \[1\]"),
    ('["Dense"]', 'but item 0 is a JSON string: "Dense"'),
])
def test_parse_layers_refuses_what_is_not_a_list_of_dicts(text, got):
    with pytest.raises(ValueError, match=r"^layers: expected a JSON list of layer dicts like "
                                         r"\[\{\"type\": \"Dense\", \"fan_out\": 10\}\], " + got):
        parse_layers(text)


def test_parse_layers_refuses_a_file_holding_no_list(tmp_path):
    path = tmp_path / "obj.json"
    path.write_text('{"type": "Dense"}')
    with pytest.raises(ValueError, match=rf"^{path}: expected a JSON list .* got a JSON object$"):
        parse_layers(str(path))


@pytest.mark.parametrize(("text", "what"), [
    ("nofile.json", "'nofile.json': no such file"),
    ("", "'': empty"),
    (".", "'.': a directory"),
    ("x" * 300, "'" + "x" * 57 + r"\.\.\.': no such file"),  # longer than a file name may be
])
def test_parse_layers_missing_file_says_what_it_expected_and_what_it_got(text, what):
    with pytest.raises(ValueError, match=r"^layers must be a JSON list of layer dicts \(text "
                                         r"starting with '\['\) or a \.json file holding one; "
                                         + what + "$"):
        parse_layers(text)


# --- chainrule train --layers: a small CNN on the bundled digits -------------------------------
CNN = [{"type": "Conv2D", "out_channels": 4, "kernel_size": 3, "padding": 1,
        "activation": "relu"},
       {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"},
       {"type": "Dense", "fan_out": 16, "activation": "relu"}]


def _digits_split():
    """sklearn's digits as the CLI's bundled set holds them (pixels / 16) and train's split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    n = len(y)
    train_idx, val_idx = train_test_split(np.arange(n), test_size=math.ceil(0.1 * n),
                                          random_state=0, stratify=y)
    return X, y, train_idx, val_idx


@pytest.fixture(scope="module")
def cnn_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cnn")
    layers = folder / "cnn.json"
    layers.write_text(json.dumps(CNN))
    model = folder / "cnn.npz"
    code = main(["train", "digits", "--layers", str(layers), "--input-shape", "1", "8", "8",
                 "--epochs", "3", "-q", "-o", str(model)])
    assert code == 0
    return model


@pytest.fixture(scope="module")
def python_cnn():
    """The same network built and trained in Python with the CLI's settings (seed 0)."""
    X, y, train_idx, val_idx = _digits_split()
    # one channel: its mean and deviation over every pixel of the training images
    mean, scale = X[train_idx].mean(), X[train_idx].std()
    Z = (X - mean) / scale
    net = network_from_layers([*CNN, {"type": "Dense", "fan_out": 10, "activation": "softmax"}],
                              input_shape=(1, 8, 8), seed=0)
    train(net, Z[train_idx], y[train_idx], optimizer="adam", lr=0.01, batch_size=32, epochs=3,
          seed=0, verbose=0, validation_data=(Z[val_idx], y[val_idx]))
    return net, X, Z, y, mean, scale


def test_train_layers_gives_the_network_python_builds_and_trains(cnn_file, python_cnn):
    net, _, _, _, mean, scale = python_cnn
    saved = load(cnn_file)
    assert [type(layer).__name__ for layer in saved.layers] == [
        "Conv2D", "MaxPool2D", "Flatten", "Dense", "Dense"]
    assert saved.n_inputs == (1, 8, 8)
    np.testing.assert_array_equal(saved.params, net.params)
    meta = load_metadata(cnn_file)
    np.testing.assert_array_equal(meta["x_mean"], np.full(64, mean))
    np.testing.assert_array_equal(meta["x_scale"], np.full(64, scale))
    assert meta["training"]["layers"] == CNN
    assert meta["training"]["input_shape"] == [1, 8, 8]
    assert meta["task"] == "classification" and meta["labels"] == list(range(10))


def test_evaluate_and_predict_a_cnn_agree_with_python(cnn_file, python_cnn, capsys, tmp_path):
    from sklearn.metrics import accuracy_score, log_loss

    net, _, Z, y, _, _ = python_cnn
    proba = net.forward(Z)
    capsys.readouterr()
    assert main(["evaluate", str(cnn_file), "digits", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["accuracy"] == accuracy_score(y, proba.argmax(axis=1))
    assert scores["log_loss"] == pytest.approx(log_loss(y, proba), rel=1e-12)
    out = tmp_path / "pred.csv"
    assert main(["predict", str(cnn_file), "digits", "-o", str(out), "--proba"]) == 0
    table = np.genfromtxt(out, delimiter=",", names=True)
    np.testing.assert_array_equal(table["digit"], proba.argmax(axis=1))
    np.testing.assert_array_equal(table["proba_3"], proba[:, 3])


def test_info_of_a_cnn_lists_its_layers_and_the_architecture(cnn_file, capsys):
    assert main(["info", str(cnn_file), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert [(r["layer"], r["input"], r["output"]) for r in info["layers"]] == [
        ("Conv2D", [1, 8, 8], [4, 8, 8]), ("MaxPool2D", [4, 8, 8], [4, 4, 4]),
        ("Flatten", [4, 4, 4], 64), ("Dense", 64, 16), ("Dense", 16, 10)]
    assert info["n_params"] == (4 * 9 + 4) + (64 * 16 + 16) + (16 * 10 + 10)
    assert main(["info", str(cnn_file)]) == 0
    text = capsys.readouterr().out
    assert "inputs standardised with the training mean and standard deviation of each " \
           "channel" in text
    assert f"trained: layers={json.dumps(CNN)}, input_shape=[1, 8, 8]" in text


def test_plot_a_cnn_draws_what_makes_sense_and_refuses_regions(cnn_file, tmp_path, capsys):
    for kind, extra in (("loss", []), ("weights", []), ("confusion", ["digits"])):
        out = tmp_path / f"{kind}.png"
        assert main(["plot", kind, str(cnn_file), *extra, "-o", str(out)]) == 0
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    capsys.readouterr()
    assert main(["plot", "regions", str(cnn_file), "digits", "-o",
                 str(tmp_path / "r.png")]) == 2
    assert capsys.readouterr().err == (
        "chainrule: error: plot regions draws a classifier of 2 features on the plane; this "
        "model takes images of 1x8x8 values (plot confusion shows how it classifies DATA)\n")
    assert not (tmp_path / "r.png").exists()


def test_gradcheck_of_a_cnn_model_file_passes(cnn_file, capsys):
    assert main(["gradcheck", "--model", str(cnn_file), "--data", "digits", "--samples",
                 "3"]) == 0
    assert "PASS" in capsys.readouterr().out


def test_input_shape_standardises_each_channel_as_a_whole(tmp_path):
    rng = np.random.default_rng(1)
    n = 30
    # two channels of 3x3 pixels on different scales; a pixel of channel 1 constant
    X = np.concatenate([rng.normal(5.0, 2.0, (n, 9)), rng.normal(-1.0, 0.1, (n, 9))], axis=1)
    X[:, 13] = 7.0
    y = np.arange(n) % 2
    data = tmp_path / "img.npz"
    np.savez(data, X=X, y=y)
    model = tmp_path / "m.npz"
    layers = '[{"type": "Conv2D", "out_channels": 2, "kernel_size": 2}, {"type": "Flatten"}]'
    assert main(["train", str(data), "--layers", layers, "--input-shape", "2", "3", "3",
                 "--val-fraction", "0", "--epochs", "1", "-q", "-o", str(model)]) == 0
    meta = load_metadata(model)
    images = X.reshape(n, 2, 3, 3)
    for c in range(2):
        pixels = images[:, c].ravel()
        np.testing.assert_allclose(meta["x_mean"][9 * c:9 * c + 9], pixels.mean(), rtol=1e-15)
        np.testing.assert_allclose(meta["x_scale"][9 * c:9 * c + 9], pixels.std(), rtol=1e-15)


# --- chainrule train --dropout ----------------------------------------------------------------
def test_dropout_after_each_hidden_layer_as_python_builds_it(tmp_path):
    X, y, train_idx, val_idx = _digits_split()
    model = tmp_path / "drop.npz"
    assert main(["train", "digits", "--hidden", "16", "8", "--dropout", "0.25", "--epochs", "2",
                 "-q", "-o", str(model)]) == 0
    saved = load(model)
    assert [type(layer).__name__ for layer in saved.layers] == [
        "Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert [layer.rate for layer in saved.layers if isinstance(layer, Dropout)] == [0.25, 0.25]
    # the MLP of --hidden 16 8 with Dropout(0.25) (no seed of its own: train's seed draws
    # the masks) after each hidden layer, trained with the CLI's settings
    mean, scale = X[train_idx].mean(axis=0), X[train_idx].std(axis=0)
    scale[np.ptp(X[train_idx], axis=0) == 0] = 1.0
    Z = (X - mean) / scale
    dense = mlp([64, 16, 8, 10], hidden="relu", output="softmax", seed=0).layers
    net = Network([dense[0], Dropout(0.25), dense[1], Dropout(0.25), dense[2]],
                  loss="cross_entropy")
    train(net, Z[train_idx], y[train_idx], optimizer="adam", lr=0.01, batch_size=32, epochs=2,
          seed=0, verbose=0, validation_data=(Z[val_idx], y[val_idx]))
    np.testing.assert_array_equal(saved.params, net.params)
    assert load_metadata(model)["training"]["dropout"] == 0.25
    # the masks did something: without dropout the same run ends elsewhere
    plain = mlp([64, 16, 8, 10], hidden="relu", output="softmax", seed=0)
    train(plain, Z[train_idx], y[train_idx], optimizer="adam", lr=0.01, batch_size=32,
          epochs=2, seed=0, verbose=0)
    assert not np.allclose(plain.params, net.params)


# --- refused before any work --------------------------------------------------------------------
@pytest.mark.parametrize(("args", "message"), [
    (["--hidden", "5", "--layers", "[]"], "argument --layers: not allowed with argument --hidden"),
    (["--layers", "[]", "--hidden", "5"], "argument --hidden: not allowed with argument --layers"),
    (["--activation", "tanh", "--layers", "[]"],
     "argument --layers: not allowed with argument --activation"),
    (["--layers", "[]", "--dropout", "0.2"],
     "argument --dropout: not allowed with argument --layers"),
    (["--layers", "[1]"], "argument --layers: layers: expected a JSON list of layer dicts"),
])
def test_layers_and_the_mlp_options_exclude_each_other(args, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "digits", *args, "-o", str(tmp_path / "m.npz")])
    assert exc.value.code == 2
    assert f"chainrule train: error: {message}" in capsys.readouterr().err
    assert not (tmp_path / "m.npz").exists()


CONV = '[{"type": "Conv2D", "out_channels": 2, "kernel_size": 3}]'


@pytest.mark.parametrize(("args", "message"), [
    (["--input-shape", "1", "8", "8"],
     "--input-shape: the shape of the images that --layers takes; an MLP (--hidden) takes "
     "flat rows (leave --input-shape out, or give --layers)"),
    (["--layers", CONV],
     "--layers: layers[0] (Conv2D) takes images; give --input-shape C H W (each row of the "
     "data is then an image of C*H*W values)"),
    (["--layers", CONV[:-1] + ', {"type": "Flatten"}]', "--input-shape", "1", "4", "4"],
     "--input-shape 1 4 4: images of 1*4*4 = 16 values, but digits has 64 feature columns "
     "per example"),
    (["--layers", CONV, "--input-shape", "1", "8", "8"],
     "--layers: layers[1] (the Dense output layer that chainrule train appends): the layer "
     "before it gives images of shape (2, 6, 6); put {'type': 'Flatten'} before it"),
    (["--input-shape", "1", "8", "8", "--layers", CONV[:-2] + ', "activation": "step"}]'],
     "--layers: layers[0] (Conv2D): activation 'step' has no useful derivative, so "
     "backpropagation cannot pass through it (the perceptron learning rule trains it: "
     "chainrule perceptron)"),
    (["--layers", '[{"type": "Dense", "fan_out": 16}, {"type": "Dense", "fan_out": 10, '
      '"activation": "softmax"}]'],
     "--layers: layers[1] (Dense) has a softmax activation, which is an output layer's; the "
     "list is the hidden part of the network: the command appends the output layer (its "
     "units from the task, its activation by --output), so leave it out"),
    (["--hidden", "--dropout", "0.5"],
     "--dropout 0.5: a Dropout layer goes after each hidden layer, and --hidden gives none "
     "(a linear model)"),
])
def test_architecture_errors_name_the_option(args, message, tmp_path, capsys):
    assert main(["train", "digits", *args, "-q", "-o", str(tmp_path / "m.npz")]) == 2
    assert capsys.readouterr().err == f"chainrule: error: {message}\n"
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("names", [["softmax"], ["tanh", "softmax"]])
def test_a_hidden_softmax_is_refused_by_activation_as_by_layers(names, tmp_path, capsys):
    """A softmax is the output layer's (--output): --activation refuses it in one line, as
    --layers (above) and the estimators' ``activation`` do, and nothing is written."""
    from chainrule import MLPClassifier

    with pytest.raises(ValueError, match="'softmax' cannot be a hidden activation"):
        MLPClassifier(hidden_layer_sizes=(4,), activation="softmax").fit(np.eye(3), [0, 1, 2])
    with pytest.raises(SystemExit) as exc:
        main(["train", "iris", "--hidden", "4", "4", "--activation", *names, "-q",
              "-o", str(tmp_path / "m.npz")])
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "chainrule train: error: argument --activation: activation 'softmax' is an output "
        "layer's (--output), not a hidden layer's; give a hidden activation such as relu, "
        "tanh or sigmoid")
    assert not any(tmp_path.iterdir())


def test_a_dense_dict_without_activation_gets_relu_as_hidden_layers_do(tmp_path):
    """--layers' Dense dicts default to relu, as --hidden's layers (and Conv2D) do."""
    plain, named = tmp_path / "plain.npz", tmp_path / "named.npz"
    for out, spec in ((plain, '[{"type": "Dense", "fan_out": 8}]'),
                      (named, '[{"type": "Dense", "fan_out": 8, "activation": "relu"}]')):
        assert main(["train", "iris", "--layers", spec, "--epochs", "2", "-q",
                     "-o", str(out)]) == 0
    a, b = load(plain), load(named)
    assert a.layers[0].activation.name == "relu"
    np.testing.assert_array_equal(a.params, b.params)
    assert load_metadata(plain)["training"]["layers"] == [{"type": "Dense", "fan_out": 8}]


def test_info_shows_each_window_layers_stride_padding_and_dilation(tmp_path, capsys):
    """The table's shapes do not show how a window steps: info prints the layers as built."""
    spec = ('[{"type": "Conv2D", "out_channels": 3, "kernel_size": [3, 2], "padding": "same", '
            '"dilation": [2, 1]}, {"type": "MaxPool2D", "size": 2, "stride": 1, "padding": 1}, '
            '{"type": "AvgPool2D", "size": 2}, {"type": "Flatten"}]')
    out = tmp_path / "m.npz"
    assert main(["train", "digits", "--input-shape", "1", "8", "8", "--layers", spec,
                 "--epochs", "1", "-q", "-o", str(out)]) == 0
    capsys.readouterr()
    net = load(out)
    assert main(["info", str(out)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("windows: "))
    assert line == "windows: " + "; ".join(f"#{i} {net.layers[i]!r}" for i in (0, 1, 2))
    assert "padding='same', dilation=(2, 1)" in line and "stride=1, padding=1" in line
    assert main(["info", str(out), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["layers"]
    assert [r.get("window") for r in rows] == [repr(x) for x in net.layers[:3]] + [None, None]
