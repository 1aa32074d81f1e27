"""Convolutional networks as a whole: gradient check, training, save/load, network_from_layers."""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule
from chainrule import (
    AvgPool2D,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    Network,
    network_from_layers,
)
from chainrule.io import network_config
from cnn_helpers import draw_away_from_ties, windows_gap

SPECS = [
    {"type": "Conv2D", "out_channels": 4, "kernel_size": 3, "padding": 1, "activation": "relu"},
    {"type": "MaxPool2D", "size": 2},
    {"type": "Flatten"},
    {"type": "Dense", "fan_out": 3, "activation": "softmax"},
]


def _small_cnn(dtype=np.float64) -> Network:
    """Stride, padding, both poolings, two convolutions, weight decay."""
    layers = [
        Conv2D(2, 4, 3, stride=2, padding=1, activation="tanh", seed=1, dtype=dtype),  # 9 -> 5
        MaxPool2D(2, stride=1),  # 5 -> 4
        Conv2D(4, 3, 2, padding=1, activation="sigmoid", seed=2, dtype=dtype),  # 4 -> 5
        AvgPool2D(3, stride=2, padding=1),  # 5 -> 3
        Flatten(),
        Dense(27, 5, "softmax", init="glorot_uniform", seed=3, dtype=dtype),
    ]
    return Network(layers, loss="cross_entropy", weight_decay=1e-3, input_shape=(2, 9, 9))


def test_gradient_check_of_a_whole_small_cnn(rng):
    net = _small_cnn()
    net.params[...] += rng.normal(scale=0.1, size=net.n_params)  # biases away from zero too
    first = net.layers[0]
    X = draw_away_from_ties(rng, (4, 2, 9, 9), first.forward, 2, 1, 0)
    assert windows_gap(first.forward(X), 2, 1, 0) > 2e-3  # max pooling away from ties
    y = rng.integers(0, 5, size=4)
    check = chainrule.gradient_check(net, X, y)
    assert check.rel_diff < 1e-8, str(check)
    assert net.n_params == (4 * 2 * 9 + 4) + (3 * 4 * 4 + 3) + (27 * 5 + 5)


def test_gradient_check_with_dropout_and_batchnorm_in_training_mode(rng):
    conv = Conv2D(1, 3, 3, padding=1, activation="tanh", seed=0)
    drop = Dropout(0.3, seed=0)
    net = Network([conv, drop, Flatten(), Dense(48, 6, "identity", init="glorot_uniform", seed=1),
                   BatchNorm(6, "tanh"), Dense(6, 2, "identity", seed=2)], input_shape=(1, 4, 4))
    X, Y = rng.normal(size=(5, 1, 4, 4)), rng.normal(size=(5, 2))
    drop.fix_mask(rng.random((5, 3, 4, 4)) > 0.3)  # a 4-D mask over the conv's feature maps
    check = chainrule.gradient_check(net, X, Y, training=True)
    assert check.rel_diff < 1e-8, str(check)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_on_images_and_on_flat_rows_gives_the_same_network(rng, dtype):
    X = rng.random((40, 1, 6, 6)).astype(dtype)
    y = (X[:, 0, :3].sum(axis=(1, 2)) > X[:, 0, 3:].sum(axis=(1, 2))).astype(int)  # top vs bottom
    a = network_from_layers(SPECS, input_shape=(1, 6, 6), seed=0, dtype=dtype)
    b = a.copy()
    assert a.dtype == dtype
    ha = chainrule.train(a, X, y, optimizer="adam", lr=0.01, batch_size=8, epochs=15, seed=3)
    hb = chainrule.train(b, X.reshape(40, 36), y, optimizer="adam", lr=0.01, batch_size=8,
                         epochs=15, seed=3, validation_data=(X[:5].reshape(5, 36), y[:5]))
    assert a.params.dtype == dtype and a.forward(X).dtype == dtype
    np.testing.assert_array_equal(a.params, b.params)
    assert ha["loss"][-1] < 0.5 * ha["loss"][0]
    assert hb["val_accuracy"][-1] >= 0.6


@pytest.mark.parametrize("validation", ["fraction", "data"])
def test_training_on_sparse_rows_of_pixels_gives_the_network_of_the_images(rng, validation):
    """train takes a sparse X (README); for a CNN its rows are the images' pixels.

    The check of a sparse X compared its columns with the image shape (1, 6, 6), and
    refused every sparse X ("must have (1, 6, 6) features"); the densified mini-batches
    and validation rows also stayed flat rows, which Conv2D does not take.
    """
    sp = pytest.importorskip("scipy.sparse")
    X = rng.random((30, 1, 6, 6))
    X[X < 0.5] = 0.0
    y = rng.integers(0, 3, size=30)
    rows = sp.csr_matrix(X.reshape(30, 36))
    a = network_from_layers(SPECS, input_shape=(1, 6, 6), seed=0)
    b = a.copy()
    if validation == "fraction":
        dense, sparse = {"validation_fraction": 0.2}, {"validation_fraction": 0.2}
    else:
        dense = {"validation_data": (X[:5], y[:5])}
        sparse = {"validation_data": (rows[:5], y[:5])}
    ha = chainrule.train(a, X, y, optimizer="sgd", batch_size=8, epochs=3, seed=3, **dense)
    hb = chainrule.train(b, rows, y, optimizer="sgd", batch_size=8, epochs=3, seed=3, **sparse)
    np.testing.assert_array_equal(a.params, b.params)
    assert ha["val_loss"] == hb["val_loss"]
    with pytest.raises(ValueError, match=r"X must have rows of 36 pixel values \(images of "
                       r"shape \(1, 6, 6\)\) to match the network's input layer, got shape "
                       r"\(30, 35\)"):
        chainrule.train(b, rows[:, :35], y, epochs=1)


def test_forward_accepts_images_one_image_and_rows(rng):
    net = network_from_layers(SPECS, input_shape=(1, 6, 6), seed=0)
    X = rng.random((3, 1, 6, 6))
    out = net.forward(X)
    np.testing.assert_array_equal(net.forward(X.reshape(3, 36)), out)
    np.testing.assert_allclose(net.forward(X[1]), out[1:2], rtol=1e-13)  # one image
    # one row of 36 pixels, 1-D: one example, as a 1-D array is for a Dense input
    np.testing.assert_allclose(net.forward(X[1].ravel()), out[1:2], rtol=1e-13)
    assert out.shape == (3, 3) and np.allclose(out.sum(axis=1), 1)


@pytest.mark.parametrize(
    ("shape", "where"),
    [((3, 6, 6), "X"), ((3, 2, 6, 6), "X"), ((3, 35), "X"), ((3, 1, 6, 6, 1), "X")],
)
def test_wrong_input_shape_is_refused(shape, where):
    net = network_from_layers(SPECS, input_shape=(1, 6, 6), seed=0)
    with pytest.raises(ValueError, match=rf"{where} must hold images of shape \(n_samples, 1, 6, "
                                         rf"6\).*or rows of 36 pixel values, got shape"):
        net.forward(np.zeros(shape))
    with pytest.raises(ValueError, match=r"validation_data\[0\] must hold images"):
        chainrule.train(net, np.zeros((4, 1, 6, 6)), [0, 1, 2, 0], epochs=1,
                        validation_data=(np.zeros(shape), [0] * shape[0]))



@pytest.mark.parametrize("layout", ["no channel axis", "channels last"])
def test_images_in_another_layout_are_refused_with_the_way_to_fix_them(rng, layout):
    """(n, h, w) grayscale images and (n, h, w, c) channels-last ones are common mistakes.

    The message gave the shapes only; it now says how to get (n, c, h, w), and the
    array it suggests is taken and gives the network's output for the images.
    """
    net = network_from_layers(SPECS, input_shape=(1, 6, 5), seed=0)
    images = rng.random((4, 1, 6, 5))
    if layout == "no channel axis":
        X, fixed = images[:, 0], lambda X: X[:, None]
        message = r"these look like images without their channel axis: pass X\[:, None\]"
    else:
        X, fixed = images.transpose(0, 2, 3, 1), lambda X: X.transpose(0, 3, 1, 2)
        message = (r"these look like images with their channels last: pass "
                   r"X\.transpose\(0, 3, 1, 2\)")
    shape = re.escape(str(X.shape))
    with pytest.raises(ValueError, match=rf"or rows of 30 pixel values, got shape {shape}; "
                                         rf"{message}$"):
        net.forward(X)
    np.testing.assert_array_equal(net.forward(fixed(X)), net.forward(images))
    rgb = network_from_layers(SPECS, input_shape=(3, 6, 5), seed=0)
    with pytest.raises(ValueError, match=r"got shape \(4, 6, 5, 3\); these look like images "
                                         r"with their channels last"):
        rgb.forward(np.zeros((4, 6, 5, 3)))
    with pytest.raises(ValueError, match=r"got shape \(4, 6, 5\)$"):  # 3 channels: no guess
        rgb.forward(np.zeros((4, 6, 5)))

def test_save_and_load_a_cnn(tmp_path, rng):
    net = _small_cnn()
    net.params[...] = rng.normal(scale=0.3, size=net.n_params)
    X = rng.normal(size=(3, 2, 9, 9))
    path = net.save(tmp_path / "cnn")
    loaded = chainrule.load(path)
    assert loaded.n_inputs == (2, 9, 9) and repr(loaded) == repr(net)
    np.testing.assert_array_equal(loaded.params, net.params)
    np.testing.assert_array_equal(loaded.forward(X), net.forward(X))
    config = network_config(loaded)
    assert config["input_shape"] == [2, 9, 9]
    assert [c["type"] for c in config["layers"]] == [
        "Conv2D", "MaxPool2D", "Conv2D", "AvgPool2D", "Flatten", "Dense"]


# padding "same" (an even kernel: the odd zero row and column after) and dilation
SAME_DILATED = [
    {"type": "Conv2D", "out_channels": 3, "kernel_size": 2, "padding": "same", "dilation": 2,
     "activation": "tanh"},
    {"type": "MaxPool2D", "size": 2, "stride": 1, "dilation": 2},
    {"type": "Conv2D", "out_channels": 2, "kernel_size": [3, 2], "stride": 2,
     "padding": "valid", "dilation": [1, 2], "activation": "sigmoid"},
    {"type": "Flatten"},
    {"type": "Dense", "fan_out": 3, "activation": "softmax"},
]


def test_save_and_load_a_cnn_with_same_padding_and_dilation(tmp_path, rng):
    net = network_from_layers(SAME_DILATED, input_shape=(2, 8, 9), seed=0)
    net.params[...] = rng.normal(scale=0.3, size=net.n_params)
    loaded = chainrule.load(net.save(tmp_path / "cnn"))
    assert repr(loaded) == repr(net) and loaded.summary() == net.summary()
    # the layer records round-trip: what was written is what network_from_layers was given
    layers = network_config(loaded)["layers"]
    for written, given in zip(layers, SAME_DILATED, strict=True):
        assert {k: written[k] for k in given} == given
    assert [la.padding_sides for la in loaded.layers[0:3:2]] == [((1, 1), (1, 1)),
                                                                   ((0, 0), (0, 0))]
    X = rng.normal(size=(3, 2, 8, 9))
    np.testing.assert_array_equal(loaded.forward(X), net.forward(X))
    # by hand: "same" keeps 8x9; pooling windows dilated by 2 span 3: 6x7; then a (3, 2)
    # kernel dilated (1, 2) spans 3x3, stride 2
    assert [shape for _, shape in loaded.layer_shapes()] == [
        (3, 8, 9), (3, 6, 7), (2, (6 - 3) // 2 + 1, (7 - 3) // 2 + 1), 2 * 2 * 3, 3]


def test_files_written_before_dilation_load_with_dilation_1(tmp_path, rng):
    from test_corrupt_files import _edit_meta

    net = _small_cnn()
    net.params[...] = rng.normal(scale=0.3, size=net.n_params)
    path = net.save(tmp_path / "old.npz")
    # what the code before this option wrote: no "dilation" key in the layer records
    _edit_meta(path, lambda meta: [rec.pop("dilation") for rec in meta["network"]["layers"]
                                   if rec["type"] in ("Conv2D", "MaxPool2D")])
    loaded = chainrule.load(path)
    assert [la.dilation for la in loaded.layers if isinstance(la, (Conv2D, MaxPool2D))] == [
        (1, 1), (1, 1), (1, 1)]
    X = rng.normal(size=(3, 2, 9, 9))
    np.testing.assert_array_equal(loaded.forward(X), net.forward(X))


@pytest.mark.parametrize(("key", "value", "match"), [
    ("dilation", 0, r"dilation must be an int >= 1 or a pair of them \(height, width\), got 0"),
    ("dilation", "2", r"dilation must be an int >= 1 .*got '2'"),
    ("dilation", None, r"dilation must be an int >= 1 .*got None"),
    ("dilation", True, r"dilation must be an int >= 1 .*got True"),
    ("dilation", [1, 2, 3], r"dilation must be an int >= 1 .*got \[1, 2, 3\]"),
    ("padding", "Same", r"padding must be 'same', 'valid', an int >= 0 .*got 'Same'"),
    ("padding", None, r"padding must be 'same', 'valid', an int >= 0 .*got None"),
    ("padding", True, r"padding must be 'same', 'valid', an int >= 0 .*got True"),
    ("stride", 2, r"padding='same' needs stride 1 .*got stride=2"),
    ("pool dilation", -1, r"dilation must be an int >= 1 .*got -1"),
])
def test_load_refuses_a_damaged_padding_or_dilation(tmp_path, key, value, match):
    from test_corrupt_files import _edit_meta, _set_meta

    net = network_from_layers(SAME_DILATED, input_shape=(2, 8, 9), seed=0)
    path = net.save(tmp_path / "cnn.npz")
    index, key = (1, "dilation") if key == "pool dilation" else (0, key)  # MaxPool2D's
    _edit_meta(path, _set_meta("network", "layers", index, key, value=value))
    with pytest.raises(ValueError, match=match) as err:
        chainrule.load(path)
    assert str(err.value).startswith(f"{path}: corrupted")


def test_gradcheck_passes_on_a_saved_cnn_with_same_padding_and_dilation(tmp_path, capsys):
    from chainrule.cli import main

    net = network_from_layers(SAME_DILATED, input_shape=(2, 8, 9), seed=0)
    assert chainrule.gradient_check(net, np.ones((2, 2, 8, 9)), np.array([0, 2])).rel_diff < 1e-8
    path = net.save(tmp_path / "cnn.npz")
    assert main(["gradcheck", "--model", str(path)]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "padding='same', dilation=2" in out and "PASS: relative difference" in out


def test_checkpoint_and_resume_a_cnn_exactly(tmp_path, rng):
    X = rng.random((24, 1, 6, 6))
    y = rng.integers(0, 3, size=24)
    straight = network_from_layers(SPECS, input_shape=(1, 6, 6), seed=4)
    resumed = straight.copy()
    chainrule.train(straight, X, y, optimizer="adam", lr=0.01, batch_size=8, epochs=4, seed=1)
    chainrule.train(resumed, X, y, optimizer="adam", lr=0.01, batch_size=8, epochs=2, seed=1,
                    checkpoint=tmp_path / "ck")
    net, history = chainrule.resume(tmp_path / "ck.npz", X, y, epochs=4)
    assert history.epochs == 4
    np.testing.assert_array_equal(net.params, straight.params)


def test_summary_shows_image_shapes():
    net = network_from_layers(SPECS, input_shape=(1, 8, 8), seed=0)
    text = net.summary()
    assert "4x8x8" in text and "4x4x4" in text and f"{net.n_params} parameters" in text
    assert net.n_params == 4 * 9 + 4 + 64 * 3 + 3


def test_summary_and_info_show_each_layers_real_output_shape(tmp_path, capsys):
    from test_cli import run_in_process

    specs = [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3, "activation": "identity"},
             {"type": "BatchNorm", "activation": "relu"}, {"type": "Dropout", "rate": 0.2},
             {"type": "AvgPool2D", "size": 2}, {"type": "Flatten"},
             {"type": "Dense", "fan_out": 5}, {"type": "Dropout", "rate": 0.5},
             {"type": "Dense", "fan_out": 3, "activation": "softmax"}]
    net = network_from_layers(specs, input_shape=(1, 6, 6), seed=0)
    # by hand: a 3x3 kernel on 6x6 gives 4x4 (2 channels); pooling by 2 gives 2x2; 8 flat
    expected = ["2x4x4", "2x4x4", "2x4x4", "2x2x2", "8", "5", "5", "3"]
    rows = net.summary().splitlines()[1:-1]
    assert [row.split()[-2] for row in rows] == expected
    assert len({len(row) for row in rows}) == 1  # right-aligned columns line up
    assert net.layer_shapes()[1] == ((2, 4, 4), (2, 4, 4))
    proc = run_in_process(capsys, "info", str(net.save(tmp_path / "c.npz")))
    assert proc.returncode == 0, proc.stderr
    info = [line.split() for line in proc.stdout.splitlines() if line[:3].strip().isdigit()]
    assert [(r[1], r[2], r[3]) for r in info] == [
        ("Conv2D", "1x6x6", "2x4x4"), ("BatchNorm", "2x4x4", "2x4x4"),
        ("Dropout", "2x4x4", "2x4x4"), ("AvgPool2D", "2x4x4", "2x2x2"),
        ("Flatten", "2x2x2", "8"), ("Dense", "8", "5"), ("Dropout", "5", "5"),
        ("Dense", "5", "3")]


# --- network_from_layers --------------------------------------------------------------------


def test_network_from_layers_infers_sizes_and_is_reproducible():
    specs = [
        {"type": "Conv2D", "out_channels": 6, "kernel_size": 3, "stride": 2, "padding": 1},
        {"type": "Dropout", "rate": 0.2},
        {"type": "AvgPool2D", "size": 2},
        {"type": "Flatten"},
        {"type": "Dense", "fan_out": 16, "activation": "identity"},
        {"type": "BatchNorm", "activation": "relu"},
        {"type": "Dense", "fan_out": 4, "activation": "sigmoid"},
    ]
    net = network_from_layers(specs, input_shape=(3, 10, 10), seed=5, weight_decay=0.1)
    conv, _, _, _, dense, bn, out = net.layers
    assert conv.in_channels == 3 and conv.n_out == (6, 5, 5)
    assert dense.n_in == 6 * 2 * 2 and bn.n_in == 16 and out.n_in == 16
    assert net.loss.name == "log_loss" and net.weight_decay == 0.1  # canonical for sigmoid
    again = network_from_layers(specs, input_shape=(3, 10, 10), seed=5)
    np.testing.assert_array_equal(again.params, net.params)
    other = network_from_layers(specs, input_shape=(3, 10, 10), seed=6)
    assert not np.array_equal(other.params, net.params)


def test_layer_configs_of_a_network_rebuild_it():
    net = _small_cnn()
    config = network_config(net)
    twin = network_from_layers(config["layers"], input_shape=config["input_shape"],
                               loss=config["loss"], seed=0)
    assert repr(twin) == repr(net) and twin.n_params == net.n_params
    twin.set_params(net.params)
    X = np.linspace(-1, 1, 2 * 2 * 81).reshape(2, 2, 9, 9)
    np.testing.assert_array_equal(twin.forward(X), net.forward(X))


def test_network_from_layers_for_an_mlp_and_layer_objects():
    net = network_from_layers([{"type": "Dense", "fan_out": 5, "activation": "relu"},
                               Dense(5, 2, "identity")], input_shape=3, seed=0)
    assert net.n_inputs == 3 and net.loss.name == "squared_error"
    w = net.layers[0].W  # He initialisation after ReLU: std about sqrt(2 / 3)
    assert w.shape == (3, 5)


@pytest.mark.parametrize(
    ("specs", "input_shape", "exc", "match"),
    [
        ([{"type": "Pool"}], (1, 4, 4), ValueError, r"layers\[0\]: 'type' must be one of"),
        # JSON's "type": ["Dense"] raised Python's "unhashable type: 'list'"
        ([{"type": ["Dense"], "fan_out": 2}], 4, ValueError,
         r"^layers\[0\]: 'type' must be one of \['AvgPool2D', .*'MaxPool2D'\], got \['Dense'\]$"),
        ([{"type": {"name": "Dense"}, "fan_out": 2}], 4, ValueError,
         r"^layers\[0\]: 'type' must be one of .*, got \{'name': 'Dense'\}$"),
        ([{"type": "Dense", "fan_out": 2, "units": 3}], 4, ValueError,
         r"layers\[0\] \(Dense\): unknown key\(s\) \['units'\]; valid keys are"),
        # keys of two types could not be sorted: "'<' not supported between 'str' and 'int'"
        ([{"type": "Dense", "fan_out": 2, "units": 3, 5: 1}], 4, ValueError,
         r"layers\[0\] \(Dense\): unknown key\(s\) \['units', 5\]; valid keys are"),
        ([{"type": "Dense", "activation": "relu"}], 4, TypeError,
         r"layers\[0\] \(Dense\): needs the key 'fan_out' \(the layer's keys are \['fan_in', "
         r"'fan_out', 'activation', 'init', 'bias'\]\)$"),
        # not Python's "Conv2D.__init__() missing 2 required positional arguments"
        ([{"type": "Conv2D", "padding": 1}], (1, 5, 5), TypeError,
         r"layers\[0\] \(Conv2D\): needs the keys 'out_channels', 'kernel_size' \("),
        ([{"type": "Conv2D", "out_channels": 2, "kernel_size": 3}, {"type": "Dense",
                                                                   "fan_out": 2}],
         (1, 5, 5), ValueError, r"layers\[1\] \(Dense\): the layer before it gives images of "
                                r"shape \(2, 3, 3\); put \{'type': 'Flatten'\} before it"),
        ([{"type": "Conv2D", "out_channels": 2, "kernel_size": 7}, {"type": "Flatten"},
          {"type": "Dense", "fan_out": 2}], (1, 5, 5), ValueError,
         r"layers\[0\] Conv2D\(1, 2, kernel_size=7.*window is larger than the padded input"),
        ([{"type": "Dense", "fan_out": 2}], None, ValueError,
         r"layers\[0\] \(Dense\): give 'fan_in', or input_shape"),
        ([{"type": "Conv2D", "out_channels": 2, "kernel_size": 0}], (1, 5, 5), ValueError,
         r"layers\[0\] \(Conv2D\): kernel_size must be"),
        (["Dense"], 4, TypeError, r"layers\[0\] must be a dict"),
        ({"type": "Dense"}, 4, TypeError, r"layers must be a list of layer dicts"),
        ([], 4, ValueError, r"layers is empty"),
        ([{"type": "Flatten"}], (1, 0, 4), ValueError, r"input_shape\[1\] must be an int >= 1"),
    ],
)
def test_network_from_layers_errors(specs, input_shape, exc, match):
    with pytest.raises(exc, match=match):
        network_from_layers(specs, input_shape=input_shape)


@pytest.mark.parametrize(("dtype", "exc", "given"), [
    ("nonsense", TypeError, "'nonsense', which is not a NumPy dtype"),
    (5, TypeError, "5, which is not a NumPy dtype"),
    ("float16", ValueError, "float16"),
    (np.int32, ValueError, "int32"),
])
@pytest.mark.parametrize("layers", [
    [{"type": "Dense", "fan_out": 2}],
    [Dense(3, 2)],  # a list of Layer objects, which take no dtype: float16 was ignored
])
def test_network_from_layers_checks_dtype_by_its_name(layers, dtype, exc, given):
    """A dtype NumPy does not know gave NumPy's "data type 'nonsense' not understood" (no
    argument named), float16 was blamed on the first dict ("layers[0] (Dense): dtype ...")
    and, with Layer objects only, silently ignored."""
    with pytest.raises(exc, match=rf"^dtype must be float32 or float64, got {given}$"):
        network_from_layers(layers, input_shape=3, seed=0, dtype=dtype)
    net = network_from_layers([{"type": "Dense", "fan_out": 2}], input_shape=3, seed=0,
                              dtype="float32")
    assert net.dtype == np.float32 and net.layers[0].W.dtype == np.float32


def test_network_input_shape_argument_for_dense_networks():
    net = Network([Dense(4, 2)], input_shape=4)
    assert net.n_inputs == 4
    with pytest.raises(ValueError, match=r"^input_shape: layers\[0\] expects 4 inputs but "
                                         r"input_shape gives 5 outputs"):  # robust33: named
        Network([Dense(4, 2)], input_shape=(5,))


def test_float32_dropout_network_stays_float32():
    net = Network([Dense(3, 4, dtype=np.float32), Dropout(0.5), Dense(4, 1, dtype=np.float32)])
    assert net.dtype == np.float32


def test_batchnorm_per_channel_after_a_convolution(rng):
    net = network_from_layers(
        [{"type": "Conv2D", "out_channels": 3, "kernel_size": 3, "padding": 1,
          "activation": "identity"},
         {"type": "BatchNorm", "activation": "tanh"},
         {"type": "Flatten"}, {"type": "Dense", "fan_out": 2, "activation": "identity"}],
        input_shape=(2, 4, 4), seed=0)
    bn = net.layers[1]
    assert bn.n_in == 3 and bn.output_shape((3, 4, 4)) == (3, 4, 4)
    net.params[...] += rng.normal(scale=0.2, size=net.n_params)
    X, Y = rng.normal(size=(5, 2, 4, 4)), rng.normal(size=(5, 2))
    check = chainrule.gradient_check(net, X, Y, training=True)
    assert check.rel_diff < 1e-8, str(check)
    net.forward(X, training=True)  # batch statistics: each channel has mean 0, variance 1
    Xhat = bn.Xhat.reshape(5, 4, 4, 3)
    np.testing.assert_allclose(Xhat.mean(axis=(0, 1, 2)), 0, atol=1e-12)
    np.testing.assert_allclose(Xhat.var(axis=(0, 1, 2)), 1, atol=1e-3)  # eps = 1e-5
    # the channel counts disagree: the message says so (it said "put a Flatten() layer
    # before it", which would not help)
    with pytest.raises(ValueError) as err:
        Network([Conv2D(2, 3, 3, padding=1), BatchNorm(4), Flatten(), Dense(48, 1)],
                input_shape=(2, 4, 4))
    assert str(err.value) == (
        "layers[1] BatchNorm(4): expects images with 4 channel(s) (or vectors of 4 features), "
        "got images of shape (3, 4, 4) with 3 channel(s): use BatchNorm(3)")
    with pytest.raises(ValueError, match=r"use BatchNorm\(3\), or put a Flatten\(\) layer "
                                         r"before it to normalise the 48 values as features"):
        Network([Conv2D(2, 3, 3, padding=1), BatchNorm(48), Flatten(), Dense(48, 1)],
                input_shape=(2, 4, 4))


def test_lbfgs_and_diagnostics_on_a_cnn(rng):
    X = rng.random((30, 1, 6, 6))
    y = rng.integers(0, 3, size=30)
    net = network_from_layers(SPECS, input_shape=(1, 6, 6), seed=0)
    J0 = net.loss_value(X, y)
    result = chainrule.minimize(net, X, y, maxiter=30)
    assert result.fun < 0.5 * J0 and net.loss_value(X, y) == pytest.approx(result.fun)
    history = chainrule.train(net, X, y, optimizer="sgd", lr=0.01, batch_size=10, epochs=2,
                              seed=0, diagnostics=True)
    norms, saturated = history["grad_norms"][-1], history["saturation"][-1]
    assert len(norms) == 2 and all(v > 0 for v in norms)  # the conv and the Dense layer
    assert len(saturated) == 1 and 0 <= saturated[0] <= 1  # the conv's ReLU units
    relu_off = float(np.mean(net.layers[0].Z <= 0))  # ReLU' = 0 where z <= 0
    assert saturated[0] == pytest.approx(relu_off)


def test_parse_layers_from_json_text_and_file(tmp_path):
    from chainrule.architecture import parse_layers

    text = '[{"type": "Conv2D", "out_channels": 4, "kernel_size": 3, "padding": 1}, ' \
           '{"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}, ' \
           '{"type": "Dense", "fan_out": 3, "activation": "softmax"}]'
    layers = parse_layers(text)
    assert layers[1] == {"type": "MaxPool2D", "size": 2}
    (tmp_path / "arch.json").write_text(text)
    assert parse_layers(tmp_path / "arch.json") == layers == parse_layers(
        str(tmp_path / "arch.json"))
    a = network_from_layers(layers, input_shape=(1, 8, 8), seed=0)
    b = network_from_layers(SPECS, input_shape=(1, 8, 8), seed=0)
    assert repr(a) == repr(b) and np.array_equal(a.params, b.params)
    with pytest.raises(ValueError, match=r"layers: not valid JSON"):
        parse_layers('[{"type": }]')
    with pytest.raises(ValueError,
                       match=r"or a .json file holding one; .no-such-file.json.: no such file$"):
        parse_layers("no-such-file.json")
    with pytest.raises(ValueError, match=r"expected a JSON list of layer dicts"):
        parse_layers('[1, 2]')


@pytest.mark.parametrize(("given", "kind"), [
    (5, "int"), (None, "NoneType"), (b'[{"type": "Flatten"}]', "bytes"),
    ([{"type": "Flatten"}], "list"),
])
def test_parse_layers_refuses_what_is_no_text_nor_path_by_name(given, kind):
    """An int or None reached pathlib.Path, whose "expected str, bytes or os.PathLike
    object, not int" names no argument; bytes and an already parsed list were read as the
    path of a file named after their repr ("no such file")."""
    from chainrule.architecture import parse_layers

    with pytest.raises(TypeError, match=rf"^layers must be JSON text \(a str\) or the path of "
                                        rf"a .json file, got {kind}$"):
        parse_layers(given)


@pytest.mark.parametrize("returned, match", [
    (np.full((12, 2), np.inf), "init.*(finite|inf)"),
    (np.ones((2, 12)), r"shape \(2, 12\), expected .* = \(12, 2\)"),
    (np.ones((2, 3, 2, 2)), "init must be 2-D"),
    (1.0, "init must be 2-D"),
])
def test_conv_callable_init_result_is_checked(returned, match):
    with pytest.raises((ValueError, TypeError), match=match):
        Conv2D(3, 2, 2, init=lambda rng, fan_in, fan_out: returned)


def test_conv_callable_init_values_become_kernels():
    """The callable gives (fan_in, fan_out) = (c * kh * kw, out); kernel k is column k."""
    cols = np.arange(24.0).reshape(12, 2)
    conv = Conv2D(3, 2, 2, init=lambda rng, fan_in, fan_out: cols)
    for k in range(2):
        np.testing.assert_array_equal(conv.W[k], cols[:, k].reshape(3, 2, 2))


def test_batchnorm_as_the_first_layer_normalises_the_input_images(tmp_path, rng):
    """A BatchNorm first knows its channels, not the image size: the network keeps input_shape.

    Reference: each channel standardised with NumPy over examples and pixels, then
    the convolution by the loop version and the Dense layer by hand.
    """
    from chainrule.reference import conv2d_forward

    net = Network([BatchNorm(3), Conv2D(3, 2, 3, activation="identity", seed=0), Flatten(),
                   Dense(32, 2, "identity", seed=1)], input_shape=(3, 6, 6))
    assert net.n_inputs == (3, 6, 6) and "3x6x6" in net.summary()
    X = rng.normal(2.0, 3.0, size=(4, 3, 6, 6))
    mean, var = X.mean(axis=(0, 2, 3)), X.var(axis=(0, 2, 3))
    Xhat = (X - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5)
    conv, dense = net.layers[1], net.layers[3]
    Z = conv2d_forward(Xhat, conv.W, conv.b).reshape(4, -1)
    np.testing.assert_allclose(net.forward(X, training=True), Z @ dense.W + dense.b,
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(net.forward(X.reshape(4, -1)), net.forward(X))  # rows too
    loaded = chainrule.load(net.save(tmp_path / "bn_first"))
    assert loaded.n_inputs == (3, 6, 6)
    np.testing.assert_array_equal(loaded.forward(X), net.forward(X))


def test_steps_that_change_a_max_pooling_winner_are_left_out_of_the_gradient_check():
    """Max pooling has kinks too: where a window's largest pixel changes.

    One 1x1 convolution over 2 channels (identity: no ReLU kink), then 2x2 max
    pooling of a 2x4 image.  In the first window pixel (0, 1) beats pixel (0, 0)
    by 1e-6 only, and the steps +-1e-4 of either kernel weight swap them: a
    central difference straddling that corner is no derivative.  Which
    parameters swap a winner is worked out by hand with NumPy below.
    """
    X = np.zeros((1, 2, 2, 4))
    X[0, :, 0, 0] = [1.0, 0.0]  # conv output W0 * 1 + W1 * 0 = 1
    X[0, :, 0, 1] = [0.0, 1.0 + 1e-6]  # 1 + 1e-6: the winner, by 1e-6
    X[0, :, 1, 2:] = [[3.0, 0.0], [0.0, 0.5]]  # second window: 3 wins clearly
    W = np.array([1.0, 1.0])
    net = Network([Conv2D(2, 1, 1, activation="identity", init=W.reshape(1, 2, 1, 1)),
                   MaxPool2D(2), Flatten(), Dense(2, 2, "softmax", seed=0)],
                  loss="cross_entropy", input_shape=(2, 2, 4))
    Y, eps = np.array([1]), 1e-4

    def winners(w):  # argmax of each 2x2 window of the convolution, by hand
        z = np.tensordot(w, X[0], axes=1)  # (2, 4)
        return [int(np.argmax(z[:, 2 * k : 2 * k + 2].ravel())) for k in range(2)]

    expected = np.zeros(net.n_params, dtype=bool)  # kernels W0, W1, bias, Dense(2, 2)
    for i in range(2):
        for step in (eps, -eps):
            w = W.copy()
            w[i] += step
            expected[i] |= winners(w) != winners(W)
    assert expected.tolist()[:2] == [True, True] and not expected[2:].any()
    gc = chainrule.gradient_check(net, X, Y, eps=eps, exclude_kinks=True)
    np.testing.assert_array_equal(gc.near_kink, expected)
    assert gc.kink_units == 1  # one window
    assert gc.rel_diff_all > 1e-5 and gc.rel_diff < 1e-9, str(gc)  # 1e-7: the CLI tolerance
    assert "or change the largest pixel of a max-pooling window" in str(gc)


def test_a_layer_of_a_network_pickles_on_its_own(rng):
    """Each layer of a trained network pickles alone (the weak reference to its network,
    which pickle refused, is left behind) and computes as it did, with arrays of its own."""
    import pickle

    net = network_from_layers([
        {"type": "Conv2D", "out_channels": 3, "kernel_size": 3, "padding": 1},
        {"type": "BatchNorm"}, {"type": "MaxPool2D"}, {"type": "Dropout", "rate": 0.2},
        {"type": "Flatten"}, {"type": "Dense", "fan_out": 2, "activation": "softmax"},
    ], input_shape=(1, 4, 4), seed=0)
    X, y = rng.normal(size=(6, 1, 4, 4)), np.arange(6) % 2
    chainrule.train(net, X, y, optimizer="sgd", epochs=2, batch_size=3, seed=0)
    A = X
    for layer in net.layers:
        copy = pickle.loads(pickle.dumps(layer))
        assert type(copy) is type(layer)
        np.testing.assert_array_equal(copy.forward(A), layer.forward(A))
        A = layer.forward(A)
    conv = pickle.loads(pickle.dumps(net.layers[0]))
    before = net.params.copy()
    conv.W = np.zeros_like(conv.W)  # its own array: the network's parameters stay
    np.testing.assert_array_equal(net.params, before)
    expected = np.broadcast_to(np.maximum(conv.b, 0)[None, :, None, None], (1, 3, 4, 4))
    np.testing.assert_array_equal(conv.forward(X[:1]), expected)  # relu(0 * X + b)
