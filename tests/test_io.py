"""Save / load (.npz + JSON, never pickle) and checkpoint / resume.

References: the original network's own predictions and parameters (a loaded copy must
match them exactly), ``numpy.load(allow_pickle=False)`` reading every array, the zip
structure of the file, and an uninterrupted training run (a resumed run must end with
exactly the same parameters, float64, same seed).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

import chainrule
from chainrule import BatchNorm, Callback, Dense, Dropout, Network
from chainrule.activations import unregister_activation

W_TRUE = np.array([1.0, -2.0, 0.5])


def regression(m: int = 40, seed: int = 1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    return X, np.sin(X @ W_TRUE)[:, None]


def dense_net(dtype=np.float64) -> Network:
    return chainrule.mlp([3, 6, 4, 2], hidden=["tanh", "relu"], output="softmax", seed=0,
                         weight_decay=0.01, decay="per_sample", dtype=dtype)


def dropout_net() -> Network:
    return Network([Dense(3, 8, "tanh", init="glorot_uniform", seed=0), Dropout(0.3, seed=1),
                    Dense(8, 1, "identity", init="glorot_uniform", seed=2)])


def batchnorm_net() -> Network:
    return Network([Dense(3, 8, "identity", init="glorot_uniform", seed=0),
                    BatchNorm(8, activation="tanh", momentum=0.8, eps=1e-4),
                    Dense(8, 1, "identity", init="glorot_uniform", seed=2)])


def all_layers_net() -> Network:
    return Network([Dense(3, 8, "identity", init="glorot_uniform", seed=0),
                    BatchNorm(8, activation="relu"), Dropout(0.25, seed=4),
                    Dense(8, 1, "identity", init="glorot_uniform", seed=2)])


def _assert_no_pickle(path: Path) -> dict[str, np.ndarray]:
    """Every array of the file loads with allow_pickle=False and none holds objects."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    assert arrays
    for key, value in arrays.items():
        assert value.dtype != object, key
    with zipfile.ZipFile(path) as zf:  # nothing in the archive besides those arrays
        assert sorted(zf.namelist()) == sorted(f"{k}.npy" for k in arrays)
    meta = json.loads(str(arrays["__meta__"]))
    assert isinstance(meta, dict) and "format" in meta
    return arrays


# --------------------------------------------------------------------------------------------
# save -> load
# --------------------------------------------------------------------------------------------
def test_dense_round_trip(tmp_path):
    net = dense_net()
    X = np.random.default_rng(3).normal(size=(9, 3))
    path = net.save(tmp_path / "model.npz")
    assert Path(path) == tmp_path / "model.npz" and Path(path).is_file()
    loaded = chainrule.load(path)
    np.testing.assert_array_equal(loaded.params, net.params)
    np.testing.assert_array_equal(loaded.forward(X), net.forward(X))
    assert loaded.loss.name == net.loss.name == "cross_entropy"
    assert loaded.weight_decay == 0.01 and loaded.decay == "per_sample"
    assert [repr(a) for a in loaded.layers] == [repr(b) for b in net.layers]
    y = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1])
    assert loaded.loss_value(X, y) == net.loss_value(X, y)
    # the loaded network is independent of the original
    loaded.params[...] = 0.0
    assert np.any(net.params != 0.0)


def test_suffix_is_added_and_found(tmp_path):
    net = dense_net()
    path = net.save(tmp_path / "model")
    assert Path(path).name == "model.npz"
    np.testing.assert_array_equal(chainrule.load(tmp_path / "model").params, net.params)
    np.testing.assert_array_equal(chainrule.load(str(path)).params, net.params)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("bad", ["", ".", "..", "out/", os.path.join("out", "..")])
def test_a_save_path_that_names_no_file_is_refused_by_name(tmp_path, monkeypatch, bad):
    """net.save(".."), est.save("..") and train(checkpoint="..") wrote "...npz" in the
    current folder (".." with ".npz" appended, by pathlib's with_name); save("out/") wrote
    "out.npz" next to the folder, and save(".") / save("") failed with pathlib's
    "PosixPath('.') has an empty name", naming no argument.  Each is now refused, naming
    the argument and the path given, and nothing is written."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    X, Y = regression(m=10)
    net = chainrule.mlp([3, 4, 1], output="identity", seed=0)
    est = chainrule.MLPRegressor((2,), solver="lbfgs", max_iter=3).fit(X, Y[:, 0])
    message = f"must be a file path, got {bad!r} (no file name in it)"
    for save in (net.save, est.save, lambda p: chainrule.io.save(net, p)):
        with pytest.raises(ValueError) as err:
            save(bad)
        assert str(err.value) == f"path {message}"
    with pytest.raises(ValueError) as err:
        chainrule.train(net, X, Y, epochs=1, checkpoint=bad, verbose=0)
    assert str(err.value) == f"checkpoint {message}"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["out"]  # nothing written
    with pytest.raises(TypeError, match=r"^path must be a file path \(str or os\.PathLike\), "
                                        r"got 3 \(int\)$"):
        net.save(3)


def test_float32_round_trip(tmp_path):
    net = dense_net(np.float32)
    X = np.random.default_rng(3).normal(size=(9, 3)).astype(np.float32)
    loaded = chainrule.load(net.save(tmp_path / "f32.npz"))
    assert loaded.dtype == np.float32 and loaded.params.dtype == np.float32
    np.testing.assert_array_equal(loaded.params, net.params)
    out = loaded.forward(X)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, net.forward(X))


def test_dropout_round_trip_including_its_generator(tmp_path):
    net = dropout_net()
    X, Y = regression()
    chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=8, epochs=2, seed=0)
    loaded = chainrule.load(net.save(tmp_path / "drop.npz"))
    np.testing.assert_array_equal(loaded.forward(X), net.forward(X))
    # the dropout generator's state travels too: the next training passes draw the same masks
    np.testing.assert_array_equal(loaded.forward(X, training=True), net.forward(X, training=True))
    np.testing.assert_array_equal(loaded.forward(X, training=True), net.forward(X, training=True))
    assert loaded.layers[1].rate == 0.3


@pytest.mark.parametrize("seed", [None, 7])
def test_a_loaded_network_trains_as_the_saved_one_under_trains_seed(tmp_path, seed):
    """A Dropout built without a seed (its masks drawn from train's seed) came back from a
    file marked as seeded, so train(load(path), seed=11) kept the layer's fresh-entropy
    stream: parameters other than those of train(net, seed=11) on the network saved.
    Reference: the training run of the network in memory, with and without a seed of the
    Dropout's own."""
    X, Y = regression(m=30)
    kwargs = dict(optimizer="sgd", lr=0.05, batch_size=10, epochs=3, seed=11)
    net = Network([Dense(3, 8, "tanh", seed=0), Dropout(0.5, seed=seed),
                   Dense(8, 1, "identity", seed=2)])
    loaded = chainrule.load(net.save(tmp_path / "drop.npz"))
    assert loaded.layers[1].own_seed == net.layers[1].own_seed == (seed is not None)
    chainrule.train(net, X, Y, **kwargs)
    chainrule.train(loaded, X, Y, **kwargs)
    np.testing.assert_array_equal(loaded.params, net.params)


def test_a_file_without_the_dropout_seed_mark_loads_as_seeded(tmp_path):
    """Files written before the mark was recorded: the layer keeps the saved stream, as
    they did (train's seed does not replace it)."""
    net = Network([Dense(3, 8, "tanh", seed=0), Dropout(0.5), Dense(8, 1, seed=2)])
    path = net.save(tmp_path / "old.npz")
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    del meta["states"][1]["own_seed"]
    with open(path, "wb") as fh:
        np.savez(fh, __meta__=np.array(json.dumps(meta)), **arrays)
    layer = chainrule.load(path).layers[1]
    assert layer.own_seed is True
    assert layer.rng.bit_generator.state == net.layers[1].rng.bit_generator.state


def test_batchnorm_round_trip_keeps_running_statistics(tmp_path):
    net = batchnorm_net()
    X, Y = regression()
    chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=8, epochs=3, seed=0)
    bn = net.layers[1]
    assert not np.allclose(bn.running_mean, 0.0)  # training moved them
    loaded = chainrule.load(net.save(tmp_path / "bn.npz"))
    lbn = loaded.layers[1]
    np.testing.assert_array_equal(lbn.running_mean, bn.running_mean)
    np.testing.assert_array_equal(lbn.running_var, bn.running_var)
    assert (lbn.momentum, lbn.eps, lbn.activation.name) == (0.8, 1e-4, "tanh")
    np.testing.assert_array_equal(loaded.forward(X), net.forward(X))


def test_all_layer_kinds_round_trip(tmp_path):
    net = all_layers_net()
    X, Y = regression()
    chainrule.train(net, X, Y, optimizer="adam", lr=0.01, batch_size=8, epochs=2, seed=0)
    path = net.save(tmp_path / "all.npz")
    loaded = chainrule.load(path)
    np.testing.assert_array_equal(loaded.forward(X), net.forward(X))
    np.testing.assert_array_equal(loaded.forward(X, training=True), net.forward(X, training=True))


@pytest.mark.parametrize("make", [dense_net, dropout_net, batchnorm_net, all_layers_net])
def test_files_hold_no_pickled_objects(tmp_path, make):
    net = make()
    arrays = _assert_no_pickle(net.save(tmp_path / "m.npz"))
    np.testing.assert_array_equal(arrays["params"], net.params)


def test_checkpoint_holds_no_pickled_objects(tmp_path):
    X, Y = regression()
    chainrule.train(all_layers_net(), X, Y, optimizer="adam", lr=0.01, batch_size=8, epochs=2,
                    seed=0, patience=5, checkpoint=tmp_path / "ck.npz")
    _assert_no_pickle(tmp_path / "ck.npz")


# --------------------------------------------------------------------------------------------
# custom activations
# --------------------------------------------------------------------------------------------
def test_custom_activation_must_be_registered_again(tmp_path):
    name = "test_io_softsign"

    def f(z):
        return z / (1.0 + np.abs(z))

    def df(z):
        return 1.0 / (1.0 + np.abs(z)) ** 2

    chainrule.register_activation(name, f, df)
    try:
        net = Network([Dense(3, 4, name, init="glorot_uniform", seed=0),
                       Dense(4, 1, "identity", init="glorot_uniform", seed=1)])
        X = np.random.default_rng(0).normal(size=(5, 3))
        expected = net.forward(X)
        path = net.save(tmp_path / "custom.npz")
        # saved by name only: the functions are not in the file
        meta = json.loads(str(_assert_no_pickle(path)["__meta__"]))
        assert name in json.dumps(meta)
    finally:
        unregister_activation(name)
    with pytest.raises(ValueError, match="register_activation") as info:
        chainrule.load(path)
    assert name in str(info.value)
    chainrule.register_activation(name, f, df)
    try:
        loaded = chainrule.load(path)
        np.testing.assert_array_equal(loaded.forward(X), expected)
        # independent check of the forward pass through the custom function
        d0, d1 = net.layers
        np.testing.assert_allclose(expected, f(X @ d0.W + d0.b) @ d1.W + d1.b, rtol=1e-14)
    finally:
        unregister_activation(name)


def test_a_registered_name_that_became_a_builtin_warns_on_load(tmp_path, monkeypatch):
    """A file records the user-registered activations its network uses, so that a later
    chainrule with a built-in of that name (as elu, gelu and silu became) can tell that
    the network was trained with another formula: simulated here by marking the name
    built-in after saving.  A network of built-ins only writes no such record."""
    import dataclasses
    import warnings

    from chainrule.activations import ACTIVATIONS

    name = "test_io_clash"
    chainrule.register_activation(name, np.tanh, lambda z: 1.0 - np.tanh(z) ** 2)
    try:
        net = Network([Dense(3, 4, name, init="glorot_uniform", seed=0),
                       Dense(4, 1, "relu", init="glorot_uniform", seed=1)])
        path = net.save(tmp_path / "clash.npz")
        meta = json.loads(str(_assert_no_pickle(path)["__meta__"]))
        assert meta["network"]["registered_activations"] == [name]
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # still registered, not a built-in: no warning
            chainrule.load(path)
        monkeypatch.setitem(ACTIVATIONS, name,
                            dataclasses.replace(ACTIVATIONS[name], builtin=True))
        with pytest.warns(UserWarning, match=f"used a user-registered activation '{name}', "
                          f"but '{name}' is now chainrule's built-in") as caught:
            loaded = chainrule.load(path)
        assert caught[0].filename == __file__  # the user's call, not chainrule's inside
        np.testing.assert_array_equal(loaded.params, net.params)
    finally:
        monkeypatch.undo()
        unregister_activation(name)
    plain = Network([Dense(3, 4, "gelu", seed=0), Dense(4, 1, "identity", seed=1)])
    meta = json.loads(str(_assert_no_pickle(plain.save(tmp_path / "plain.npz"))["__meta__"]))
    assert "registered_activations" not in meta["network"]


# --------------------------------------------------------------------------------------------
# refusals
# --------------------------------------------------------------------------------------------
def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        chainrule.load(tmp_path / "nope.npz")
    with pytest.raises(FileNotFoundError):
        chainrule.resume(tmp_path / "nope.npz", *regression())


def test_directory_is_not_a_model_file(tmp_path):
    from chainrule.estimators import load_estimator
    from chainrule.io import load_metadata

    (tmp_path / "adir.npz").mkdir()
    (tmp_path / "bdir").mkdir()
    (tmp_path / "bdir.npz").mkdir()  # "bdir" may also be read as "bdir.npz"
    for name in ("adir.npz", "bdir"):
        path = tmp_path / name
        for load in (chainrule.load, load_metadata, load_estimator):
            with pytest.raises(IsADirectoryError) as err:
                load(path)
            assert str(err.value) == f"{path} is a directory, not a model file"
        with pytest.raises(IsADirectoryError, match="is a directory, not a model file"):
            chainrule.resume(path, *regression())


@pytest.fixture
def saved(tmp_path) -> tuple[Path, bytes, Network]:
    net = all_layers_net()
    path = net.save(tmp_path / "good.npz")
    return path, path.read_bytes(), net


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.3, 0.5, 0.9, 0.99])
def test_truncated_file(tmp_path, saved, fraction):
    _, raw, _ = saved
    bad = tmp_path / "truncated.npz"
    bad.write_bytes(raw[: int(len(raw) * fraction)])
    with pytest.raises(ValueError, match=r"truncated\.npz"):
        chainrule.load(bad)


def _central_directory_offset(raw: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        return min(zf.start_dir, len(raw))


def test_corrupted_members_never_load_silently(tmp_path, saved):
    """Flip a byte anywhere in the stored members: either a ValueError, or (a header field
    nobody reads) the very same network; never a different network."""
    _, raw, net = saved
    X = np.random.default_rng(0).normal(size=(6, 3))
    expected = net.forward(X)
    bad = tmp_path / "corrupt.npz"
    errors = 0
    for pos in range(0, _central_directory_offset(raw), 3):
        data = bytearray(raw)
        data[pos] ^= 0xFF
        bad.write_bytes(bytes(data))
        try:
            loaded = chainrule.load(bad)
        except ValueError:
            errors += 1
            continue
        np.testing.assert_array_equal(loaded.params, net.params, err_msg=f"byte {pos}")
        np.testing.assert_array_equal(loaded.forward(X), expected, err_msg=f"byte {pos}")
    assert errors > 0.8 * (_central_directory_offset(raw) / 3)


def test_corrupted_central_directory_is_a_value_error(tmp_path, saved):
    _, raw, _ = saved
    cd = _central_directory_offset(raw)
    assert raw[cd:cd + 4] == b"PK\x01\x02"
    data = bytearray(raw)
    data[cd + 10] ^= 0xFF  # compression method of the first entry
    bad = tmp_path / "corrupt_cd.npz"
    bad.write_bytes(bytes(data))
    with pytest.raises(ValueError):
        chainrule.load(bad)


def test_random_npz_is_refused(tmp_path):
    path = tmp_path / "other.npz"
    rng = np.random.default_rng(0)
    np.savez(path, params=rng.normal(size=10), W=rng.normal(size=(3, 3)))
    with pytest.raises(ValueError, match=r"other\.npz"):
        chainrule.load(path)


def test_text_file_is_refused(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("these are not the weights you are looking for\n")
    with pytest.raises(ValueError, match=r"notes\.npz"):
        chainrule.load(path)


def test_json_meta_of_another_format_is_refused(tmp_path):
    path = tmp_path / "meta.npz"
    np.savez(path, __meta__=np.array(json.dumps({"format": "keras.model", "version": 1})),
             params=np.zeros(3))
    with pytest.raises(ValueError, match=r"keras\.model"):
        chainrule.load(path)
    np.savez(path, __meta__=np.array("{not json"), params=np.zeros(3))
    with pytest.raises(ValueError, match="meta"):
        chainrule.load(path)


@pytest.mark.parametrize("record", [
    "[" * 100_000 + "]" * 100_000,
    '{"format": "chainrule.network", "version": 1, "network": ' + "[" * 100_000
    + "]" * 100_000 + "}",
])
def test_json_meta_nested_too_deeply_is_refused_as_unreadable(tmp_path, capsys, record):
    """A damaged '__meta__' of JSON nested 100,000 deep made json.loads raise
    RecursionError, which load, load_estimator, load_autoencoder, resume and every
    command on a model file showed as a 40-line traceback.  It is now the unreadable
    record it is, and the file is left as it was."""
    from chainrule.cli import main

    path = tmp_path / "deep.npz"
    np.savez(path, __meta__=np.array(record), params=np.zeros(3))
    before = path.read_bytes()
    expected = f"{path}: not a chainrule file (no readable '__meta__' record)"
    for read in (chainrule.load, chainrule.load_estimator, chainrule.load_autoencoder,
                 lambda p: chainrule.resume(p, np.zeros((2, 3)), np.zeros(2))):
        with pytest.raises(ValueError) as err:
            read(path)
        assert str(err.value) == expected
    capsys.readouterr()
    assert main(["info", str(path)]) == 2
    assert capsys.readouterr().err == f"chainrule: error: {expected}\n"
    assert path.read_bytes() == before


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="no /dev/fd")
def test_a_model_given_through_a_pipe_is_not_called_missing(tmp_path, capsys):
    """chainrule info <(cat model.npz) said "no such file: /dev/fd/63", of a path that is
    there: it is a pipe, which an .npz archive cannot be read from (zip seeks)."""
    from chainrule.cli import main

    r, w = os.pipe()
    os.close(w)
    path = f"/dev/fd/{r}"
    try:
        expected = (f"{path}: not a regular file (a pipe or a device); an .npz archive is "
                    "read by seeking: give the file itself")
        with pytest.raises(ValueError) as err:
            chainrule.load(path)
        assert str(err.value) == expected
        assert main(["info", path]) == 2
        assert capsys.readouterr().err == f"chainrule: error: {expected}\n"
    finally:
        os.close(r)


def test_npy_file_is_refused(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.arange(5.0))
    with pytest.raises(ValueError):
        chainrule.load(path)


def _rewrite(raw: bytes, dest: Path, edit) -> None:
    """Copy a saved network with its JSON record or arrays edited."""
    with np.load(io.BytesIO(raw), allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    edit(meta, arrays)
    np.savez(dest, __meta__=np.array(json.dumps(meta)), **arrays)


@pytest.mark.parametrize(
    "edit",
    [
        lambda meta, arrays: meta.update(version=999),
        lambda meta, arrays: arrays.update(params=arrays["params"][:-1]),
        lambda meta, arrays: arrays.pop("params"),
        lambda meta, arrays: meta["network"]["layers"][0].update(type="Conv3D"),
        lambda meta, arrays: meta["network"]["layers"][0].update(fan_in="three"),
        lambda meta, arrays: meta["network"].pop("layers"),
        lambda meta, arrays: meta.pop("states"),
        lambda meta, arrays: arrays.pop("buffer/1/running_var"),
    ],
    ids=["version", "short-params", "no-params", "layer-type", "fan-in", "no-layers",
         "no-states", "no-buffer"],
)
def test_inconsistent_content_is_refused(tmp_path, saved, edit):
    _, raw, _ = saved
    bad = tmp_path / "edited.npz"
    _rewrite(raw, bad, edit)
    with pytest.raises(ValueError, match=r"edited\.npz"):
        chainrule.load(bad)


def test_checkpoint_and_model_files_are_not_interchangeable(tmp_path):
    net = dense_net()
    ck = tmp_path / "ck.npz"
    Xc, yc = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20) % 2
    chainrule.train(net, Xc, yc, epochs=2, checkpoint=ck)
    with pytest.raises(ValueError, match=r"chainrule\.network"):
        chainrule.load(ck)
    model = net.save(tmp_path / "model.npz")
    with pytest.raises(ValueError, match=r"chainrule\.checkpoint"):
        chainrule.resume(model, Xc, yc)


# --------------------------------------------------------------------------------------------
# checkpoint / resume == uninterrupted
# --------------------------------------------------------------------------------------------
def early_stopping_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    Y = np.sin(X @ W_TRUE)[:, None]
    Xv = rng.normal(size=(20, 3))
    Yv = 0.3 * np.sin(Xv @ W_TRUE)[:, None]  # the validation loss falls, then rises
    return X, Y, Xv, Yv


def plain_net() -> Network:
    return chainrule.mlp([3, 8, 1], hidden="tanh", seed=0)


RESUME_CASES = {
    "sgd-momentum": (plain_net, dict(optimizer="sgd", lr=0.05, momentum=0.9, batch_size=7)),
    "nesterov-clip": (plain_net, dict(optimizer="nesterov", lr=0.05, batch_size=8,
                                      clip_norm=0.5)),
    "adagrad": (plain_net, dict(optimizer="adagrad", lr=0.05, batch_size=8)),
    "rmsprop": (plain_net, dict(optimizer="rmsprop", lr=0.01, batch_size=8)),
    "adam": (plain_net, dict(optimizer="adam", lr=0.01, batch_size=8)),
    "adam-decay-object": (plain_net, dict(optimizer=chainrule.Adam(lr=0.01, weight_decay=1e-3),
                                          batch_size=8)),
    "dropout": (dropout_net, dict(optimizer="adam", lr=0.01, batch_size=8)),
    "batchnorm": (batchnorm_net, dict(optimizer="sgd", lr=0.05, batch_size=8)),
    "all-layers": (all_layers_net, dict(optimizer="adam", lr=0.01, batch_size=8)),
    "step-schedule": (plain_net, dict(optimizer="sgd", lr=0.1, batch_size=8,
                                      schedule={"name": "step", "step_size": 3, "gamma": 0.5})),
    "plateau-schedule": (plain_net, dict(optimizer="sgd", lr=0.1, batch_size=8,
                                         schedule={"name": "plateau", "patience": 1})),
    # stopped after T_max = 4 epochs: the checkpoint holds the rate 0 (eta_min) of epoch 5
    "cosine-schedule": (plain_net, dict(optimizer="sgd", lr=0.1, batch_size=8,
                                        schedule={"name": "cosine", "T_max": 4})),
    "validation-fraction": (plain_net, dict(optimizer="sgd", lr=0.05, batch_size=8,
                                            validation_fraction=0.25)),
    "gd-momentum": (plain_net, dict(optimizer="gd", lr=0.1, momentum=0.5)),
    "diagnostics": (plain_net, dict(optimizer="sgd", lr=0.05, batch_size=8, diagnostics=True,
                                    grad_norm_threshold=1e-9)),
}


def _fresh_optimizer(kwargs: dict) -> dict:
    opt = kwargs.get("optimizer")
    if isinstance(opt, chainrule.Optimizer):  # an object carries state: one per run
        return {**kwargs, "optimizer": chainrule.Optimizer.from_config(opt.get_config())}
    return dict(kwargs)


def _run_pair(tmp_path, make, kwargs, k, n, data, **first_run):
    X, Y, Xv, Yv = data
    val = None if "validation_fraction" in kwargs else (Xv, Yv)
    full = make()
    h_full = chainrule.train(full, X, Y, epochs=n, seed=3, validation_data=val,
                             **_fresh_optimizer(kwargs))
    part = make()
    path = tmp_path / "run.ckpt.npz"
    h_part = chainrule.train(part, X, Y, epochs=k, seed=3, validation_data=val, checkpoint=path,
                             **_fresh_optimizer(kwargs), **first_run)
    schedule = kwargs.get("schedule")
    past_t_max = (isinstance(schedule, dict) and schedule.get("name") == "cosine"
                  and k == schedule["T_max"] < n)
    # a run that ended its annealing, extended past it: resume warns (and goes on as asked)
    with (pytest.warns(UserWarning, match="past the cosine schedule's T_max")
          if past_t_max else contextlib.nullcontext()):
        resumed, h_res = chainrule.resume(path, X, Y, validation_data=val, epochs=n)
    return (full, h_full), (part, h_part), (resumed, h_res)


def _assert_same_run(full, h_full, resumed, h_res):
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)  # every metric of every epoch, earlier ones included
    assert h_res.stop_reason == h_full.stop_reason
    assert h_res.best_epoch == h_full.best_epoch
    for a, b in zip(resumed.layers, full.layers, strict=True):
        for key, value in b.buffers().items():
            np.testing.assert_array_equal(a.buffers()[key], value)
    X = np.random.default_rng(8).normal(size=(5, 3))
    np.testing.assert_array_equal(resumed.forward(X), full.forward(X))


@pytest.mark.parametrize("case", list(RESUME_CASES))
def test_resume_equals_uninterrupted_run(tmp_path, case):
    make, kwargs = RESUME_CASES[case]
    data = (*regression(), *regression(m=20, seed=7))
    (full, h_full), (part, h_part), (resumed, h_res) = _run_pair(tmp_path, make, kwargs, 4, 9,
                                                                 data)
    assert h_part.epochs == 4 and h_full.epochs == 9 and h_res.epochs == 9
    assert not np.array_equal(part.params, full.params)  # the resumed part did real work
    _assert_same_run(full, h_full, resumed, h_res)


@pytest.mark.parametrize("make", [plain_net, batchnorm_net])
def test_resume_with_early_stopping_state(tmp_path, make):
    """Stop the first run in the middle of a patience window: the resumed run must stop
    at the same epoch and restore the same best parameters (and, with BatchNorm, the
    running statistics of the best epoch, which the checkpoint carries)."""
    data = early_stopping_data()
    kwargs = dict(optimizer="sgd", lr=0.05, batch_size=10, patience=4)
    (full, h_full), (_, h_part), (resumed, h_res) = _run_pair(tmp_path, make, kwargs,
                                                              6, 100, data)
    assert h_full.stop_reason == "early_stopping" and h_full.epochs < 100
    assert h_full.best_epoch < 6 < h_full.epochs  # checkpoint taken while waiting
    assert h_part.stop_reason == "epochs"
    _assert_same_run(full, h_full, resumed, h_res)


def test_resume_from_checkpoint_every(tmp_path):
    X, Y = regression()
    kwargs = dict(optimizer="adam", lr=0.01, batch_size=8, seed=3)
    full = dropout_net()
    h_full = chainrule.train(full, X, Y, epochs=9, **kwargs)
    path = tmp_path / "every2.npz"
    chainrule.train(dropout_net(), X, Y, epochs=5, checkpoint=path, checkpoint_every=2,
                    **kwargs)
    resumed, h_res = chainrule.resume(path, X, Y, epochs=9)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)


def test_checkpoint_every_also_writes_the_last_epoch(tmp_path):
    """With epochs=5 and checkpoint_every=2 the checkpoint held epoch 4: the run's end was
    not saved (a run stopped by any other rule was), and resuming the finished run trained
    its fifth epoch again."""
    X, Y = regression()
    kwargs = dict(optimizer="adam", lr=0.01, batch_size=8, seed=3)
    path = tmp_path / "every2.npz"
    net = dropout_net()
    history = chainrule.train(net, X, Y, epochs=5, checkpoint=path, checkpoint_every=2,
                              **kwargs)
    trainer = chainrule.Trainer.from_checkpoint(path)
    assert trainer.epoch == 5 and trainer.history.epochs == 5
    np.testing.assert_array_equal(trainer.net.params, net.params)
    assert trainer.history["loss"] == history["loss"]
    batches = []
    done, h_done = chainrule.resume(path, X, Y, callbacks=[_BatchCounter(batches)])
    assert batches == [] and h_done.epochs == 5  # nothing left to train
    np.testing.assert_array_equal(done.params, net.params)


class _BatchCounter(chainrule.Callback):
    def __init__(self, seen: list) -> None:
        self.seen = seen

    def on_batch_end(self, state) -> None:
        self.seen.append((state.epoch, state.batch))


def test_resume_after_interrupt_at_epoch_end(tmp_path):
    X, Y = regression()
    kwargs = dict(optimizer="adam", lr=0.01, batch_size=8, seed=3)
    full = all_layers_net()
    h_full = chainrule.train(full, X, Y, epochs=8, **kwargs)

    def interrupt(state):
        if state.epoch == 3:
            raise KeyboardInterrupt

    path = tmp_path / "int.npz"
    h_int = chainrule.train(all_layers_net(), X, Y, epochs=8, checkpoint=path,
                            callbacks=[interrupt], **kwargs)
    assert h_int.stop_reason == "interrupted" and h_int.epochs == 3
    resumed, h_res = chainrule.resume(path, X, Y)
    assert h_res.epochs == 8
    _assert_same_run(full, h_full, resumed, h_res)


def test_resume_after_interrupt_during_an_epoch(tmp_path):
    X, Y = regression()
    kwargs = dict(optimizer="sgd", lr=0.05, momentum=0.9, batch_size=8, seed=3)
    full = plain_net()
    h_full = chainrule.train(full, X, Y, epochs=8, **kwargs)

    class Interrupt(Callback):
        def on_batch_end(self, state):
            if state.epoch == 4 and state.batch == 2:
                raise KeyboardInterrupt

    path = tmp_path / "int.npz"
    h_int = chainrule.train(plain_net(), X, Y, epochs=8, checkpoint=path,
                            callbacks=[Interrupt()], **kwargs)
    assert h_int.stop_reason == "interrupted" and h_int.epochs == 3
    resumed, h_res = chainrule.resume(path, X, Y)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)


def test_resume_twice_and_callbacks(tmp_path):
    """Chained resumes (each writing the checkpoint again) still give the same run."""
    X, Y = regression()
    kwargs = dict(optimizer="rmsprop", lr=0.01, batch_size=8, seed=3)
    full = batchnorm_net()
    h_full = chainrule.train(full, X, Y, epochs=9, **kwargs)
    path = tmp_path / "chain.npz"
    chainrule.train(batchnorm_net(), X, Y, epochs=3, checkpoint=path, **kwargs)
    chainrule.resume(path, X, Y, epochs=6)
    seen = []
    resumed, h_res = chainrule.resume(path, X, Y, epochs=9,
                                      callbacks=[lambda state: seen.append(state.epoch)])
    assert seen == [7, 8, 9]
    _assert_same_run(full, h_full, resumed, h_res)


# --------------------------------------------------------------------------------------------
# a run that stopped itself is finished: resuming it trains nothing
# --------------------------------------------------------------------------------------------
STOP_KW = dict(optimizer="sgd", lr=0.05, batch_size=10, seed=3)


def _stop_at_epoch_3(state) -> None:
    if state.epoch == 3:
        state.stop = True


class _StopDuringEpoch3(Callback):
    def on_batch_end(self, state) -> None:
        if state.epoch == 3 and state.batch == 1:
            state.stop = True


def _self_stopping_run(reason: str) -> tuple[dict, dict]:
    """The settings of a run that ``reason`` ends before its 30 epochs, and of its data."""
    X, Y, Xv, Yv = early_stopping_data()
    if reason == "early_stopping":
        return dict(patience=4), dict(validation_data=(Xv, Yv))
    if reason in ("loss_threshold", "grad_norm_threshold"):
        metric = "loss" if reason == "loss_threshold" else "grad_norm"
        probe = chainrule.train(plain_net(), X, Y, epochs=6, grad_norm_threshold=0.0,
                                **STOP_KW)
        return {reason: probe[metric][3]}, {}  # reached at epoch 4 at the latest
    if reason == "callback":
        return dict(callbacks=[_stop_at_epoch_3]), {}
    return dict(callbacks=[_StopDuringEpoch3()]), {}  # "callback during an epoch"


@pytest.mark.parametrize("reason", ["early_stopping", "loss_threshold", "grad_norm_threshold",
                                    "callback", "callback during an epoch"])
def test_resuming_a_run_that_stopped_itself_trains_nothing(tmp_path, reason, capsys):
    """resume of a run that early stopping (or a threshold, or a callback) had ended trained
    more epochs (up to the run's epochs, or until the rule fired again), whereas a run that
    had reached its epochs resumed to nothing: the run is finished."""
    X, Y, _, _ = early_stopping_data()
    options, data = _self_stopping_run(reason)
    path = tmp_path / "stopped.npz"
    net = plain_net()
    history = chainrule.train(net, X, Y, epochs=30, checkpoint=path, **data, **options,
                              **STOP_KW)
    assert history.stop_reason == reason.split()[0] and history.epochs < 30
    before = path.read_bytes()
    if reason == "callback during an epoch":
        # the history holds the 2 complete epochs, the checkpoint the network as the run
        # ended (after batch 1 of epoch 3), which resume gives back: not a run of 2 epochs
        assert history.epochs == 2
        two = plain_net()
        chainrule.train(two, X, Y, epochs=2, **STOP_KW)
        assert not np.array_equal(two.params, net.params)
    for epochs in (None, 40):
        batches = []
        resumed, h_res = chainrule.resume(path, X, Y, epochs=epochs, verbose=1,
                                          callbacks=[_BatchCounter(batches)], **data)
        assert batches == []
        np.testing.assert_array_equal(resumed.params, net.params)  # best ones if restored
        assert dict(h_res) == dict(history)
        assert (h_res.stop_reason, h_res.best_epoch) == (history.stop_reason,
                                                         history.best_epoch)
        assert path.read_bytes() == before
        err = capsys.readouterr().err
        assert (f"the checkpoint {path} holds a run that stopped itself after epoch "
                f"{history.epochs} ({history.stop_reason}); it is finished") in err
    # a copy of the checkpoint, written before its fit, holds a finished run too
    copy = chainrule.Trainer.from_checkpoint(path).save_checkpoint(tmp_path / "copy.npz")
    trainer = chainrule.Trainer.from_checkpoint(copy, epochs=40)
    assert trainer.fit(X, Y, **data).epochs == history.epochs


def test_a_checkpoint_without_the_stopped_record_resumes_as_before(tmp_path):
    """Checkpoints written before "stopped" existed continue training after their stop, as
    a Trainer's second fit did before a live run that stopped itself counted as finished
    (its ``_stopped`` cleared here): one more epoch, where the threshold fires again."""
    X, Y, _, _ = early_stopping_data()
    options, _ = _self_stopping_run("loss_threshold")
    path = tmp_path / "old.npz"
    history = chainrule.train(plain_net(), X, Y, epochs=30, checkpoint=path, **options,
                              **STOP_KW)
    meta, arrays = chainrule.io.read_file(path, "chainrule.checkpoint")
    assert meta.pop("stopped") == "loss_threshold"
    chainrule.io.write_file(path, meta, arrays)
    resumed, h_res = chainrule.resume(path, X, Y)
    trainer = chainrule.Trainer(plain_net(), epochs=30, **options, **STOP_KW)
    trainer.fit(X, Y)
    trainer._stopped = None  # what a checkpoint without the record gives back
    h_again = trainer.fit(X, Y)  # continues, as the old resume did
    assert h_res.epochs == h_again.epochs == history.epochs + 1
    np.testing.assert_array_equal(resumed.params, trainer.net.params)
    assert dict(h_res) == dict(h_again)


# --------------------------------------------------------------------------------------------
# weighted runs: the checkpoint records the weighting, resume takes the weights
# --------------------------------------------------------------------------------------------
def _weighted_net() -> Network:
    return chainrule.mlp([3, 8, 1], hidden="tanh", seed=0, weight_decay=0.05,
                         decay="per_sample")


WEIGHTED_KW = dict(optimizer="adam", lr=0.01, batch_size=7, seed=3)  # shuffled, short last batch


def _weights(m: int = 40) -> np.ndarray:
    return np.random.default_rng(5).uniform(0.0, 3.0, size=m)


@pytest.mark.parametrize("interrupt", [False, True])
def test_resumed_weighted_run_equals_uninterrupted_weighted_run(tmp_path, interrupt):
    X, Y = regression()
    w = _weights()
    full = _weighted_net()
    h_full = chainrule.train(full, X, Y, epochs=8, sample_weight=w, **WEIGHTED_KW)
    unweighted = _weighted_net()
    chainrule.train(unweighted, X, Y, epochs=8, **WEIGHTED_KW)
    assert np.abs(unweighted.params - full.params).max() > 1e-3  # the weights do matter

    class Interrupt(Callback):  # stop in the middle of epoch 4: the checkpoint has epoch 3
        def on_batch_end(self, state):
            if state.epoch == 4 and state.batch == 2:
                raise KeyboardInterrupt

    path = tmp_path / "weighted.npz"
    part = _weighted_net()
    chainrule.train(part, X, Y, epochs=8 if interrupt else 3, sample_weight=w, checkpoint=path,
                    callbacks=[Interrupt()] if interrupt else [], **WEIGHTED_KW)
    resumed, h_res = chainrule.resume(path, X, Y, epochs=8, sample_weight=w)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)


def test_resuming_a_weighted_run_without_weights_is_refused(tmp_path):
    X, Y = regression()
    w = _weights()
    path = tmp_path / "weighted.npz"
    chainrule.train(_weighted_net(), X, Y, epochs=2, sample_weight=w, checkpoint=path,
                    **WEIGHTED_KW)
    before = path.read_bytes()
    with pytest.raises(ValueError, match=r"sample_weight: the checkpoint .*weighted\.npz holds "
                                         r"a run trained with sample weights \(up to epoch 2\)"):
        chainrule.resume(path, X, Y, epochs=4)
    trainer = chainrule.Trainer.from_checkpoint(path, epochs=4)
    with pytest.raises(ValueError, match="trained with sample weights"):
        trainer.fit(X, Y)
    with pytest.raises(ValueError, match="trained with sample weights"):  # all 1: no weights
        chainrule.resume(path, X, Y, epochs=4, sample_weight=np.ones(40))
    assert path.read_bytes() == before  # nothing ran, the checkpoint is untouched
    # and a Trainer kept in memory refuses the same way on its second fit
    trainer = chainrule.Trainer(_weighted_net(), epochs=4, **WEIGHTED_KW)
    trainer.epochs = 2
    trainer.fit(X, Y, sample_weight=w)
    trainer.epochs = 4
    with pytest.raises(ValueError, match="this Trainer's earlier fit holds a run trained with"):
        trainer.fit(X, Y)


def test_resuming_an_unweighted_run_with_weights_is_refused(tmp_path):
    X, Y = regression()
    full = _weighted_net()
    chainrule.train(full, X, Y, epochs=4, **WEIGHTED_KW)
    path = tmp_path / "plain.npz"
    chainrule.train(_weighted_net(), X, Y, epochs=2, checkpoint=path, **WEIGHTED_KW)
    with pytest.raises(ValueError, match=r"sample_weight: .* trained without sample weights"
                                         r".*got weights from 0\.5 to 2"):
        chainrule.resume(path, X, Y, epochs=4, sample_weight=np.tile([0.5, 2.0], 20))
    # weights that are all 1 are the unweighted run
    resumed, _ = chainrule.resume(path, X, Y, epochs=4, sample_weight=np.ones(40))
    np.testing.assert_array_equal(resumed.params, full.params)


def test_checkpoint_without_the_weighting_record_still_resumes(tmp_path):
    # checkpoints written before "sample_weighted" existed: missing means not recorded, so
    # they resume without weights (unweighted) as before, and with weights too
    X, Y = regression()
    w = _weights()
    for weights in (None, w):
        full = _weighted_net()
        chainrule.train(full, X, Y, epochs=4, sample_weight=weights, **WEIGHTED_KW)
        path = tmp_path / "old.npz"
        chainrule.train(_weighted_net(), X, Y, epochs=2, sample_weight=weights,
                        checkpoint=path, **WEIGHTED_KW)
        meta, arrays = chainrule.io.read_file(path, "chainrule.checkpoint")
        assert meta.pop("sample_weighted") is (weights is not None)
        chainrule.io.write_file(path, meta, arrays)
        resumed, _ = chainrule.resume(path, X, Y, epochs=4, sample_weight=weights)
        np.testing.assert_array_equal(resumed.params, full.params)


# --------------------------------------------------------------------------------------------
# slow: a real data set
# --------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_digits_adam_dropout_early_stopping():
    split = chainrule.datasets.load_digits_split(seed=0)
    net = Network([Dense(64, 256, "relu", init="he_normal", seed=0), Dropout(0.2, seed=0),
                   Dense(256, 10, "softmax", seed=1)], loss="cross_entropy")
    snapshots: dict[int, np.ndarray] = {}

    def record(state):
        snapshots[state.epoch] = state.net.params.copy()

    history = chainrule.train(net, split.X_train, split.y_train, optimizer="adam", lr=1e-3,
                              batch_size=32, epochs=200, seed=0,
                              validation_data=(split.X_val, split.y_val), patience=20,
                              callbacks=[record])
    assert history.stop_reason == "early_stopping"
    assert history.epochs < 200
    assert history.best_epoch == int(np.argmin(history["val_loss"])) + 1
    assert history.epochs == history.best_epoch + 20
    np.testing.assert_array_equal(net.params, snapshots[history.best_epoch])
    # test accuracy by a plain numpy forward pass of the restored parameters
    d0, d1 = net.layers[0], net.layers[2]
    logits = np.maximum(split.X_test @ d0.W + d0.b, 0.0) @ d1.W + d1.b
    correct = int(np.sum(np.argmax(logits, axis=1) == split.y_test))
    assert 100 * correct >= 98 * len(split.y_test), f"{correct}/{len(split.y_test)}"


def _strict_loads(text: str) -> object:
    """json.loads that refuses NaN / Infinity, as strict (RFC 8259) JSON readers do."""
    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_records_are_strict_json_and_keep_non_finite_numbers(tmp_path):
    """n_iter_no_change=np.inf (scikit-learn's "never stop on tol") was written as the bare
    word Infinity, which Python reads but strict JSON readers refuse.  Non-finite floats
    are now written as {"__float__": ...} objects and read back as the same floats."""
    import warnings

    from chainrule.io import read_file, write_file

    meta = {"format": "test", "a": [1.5, float("inf"), {"b": -np.inf, "c": float("nan")}]}
    path = write_file(tmp_path / "m.npz", meta, {"x": np.arange(3.0)})
    with np.load(path) as npz:
        raw = _strict_loads(str(npz["__meta__"]))
    assert raw["a"][1] == {"__float__": "inf"} and raw["a"][2]["b"] == {"__float__": "-inf"}
    back, arrays = read_file(path, "test")
    assert back["a"][0] == 1.5 and back["a"][1] == np.inf and back["a"][2]["b"] == -np.inf
    assert np.isnan(back["a"][2]["c"]) and np.array_equal(arrays["x"], np.arange(3.0))

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), np.arange(30) % 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        est = chainrule.MLPClassifier((4,), n_iter_no_change=np.inf, max_iter=3,
                                      random_state=0).fit(X, y)
    path = est.save(tmp_path / "est.npz")
    with np.load(path) as npz:
        _strict_loads(str(npz["__meta__"]))
    loaded = chainrule.load_estimator(path)
    assert loaded.n_iter_no_change == np.inf
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))


def test_atomic_text_writes_through_links_and_into_pipes(tmp_path):
    """``chainrule predict -o`` writes through :func:`chainrule.io.atomic_text`: a file
    renamed into place, but only where a regular file is (or none).  A symbolic link
    keeps pointing at its file, which gets the text, and a named pipe (as
    ``/dev/stdout`` or ``/dev/null``) is written to, not replaced by a file."""
    import os
    import threading

    from chainrule.io import atomic_text

    (tmp_path / "target.csv").write_text("old\n")
    (tmp_path / "link.csv").symlink_to("target.csv")
    with atomic_text(tmp_path / "link.csv") as fh:
        fh.write("a,b\n1,2\n")
    assert (tmp_path / "link.csv").is_symlink()
    assert (tmp_path / "target.csv").read_text() == "a,b\n1,2\n"
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    with atomic_text(fifo) as fh:
        fh.write("x\n" * 3)
    reader.join(timeout=10)
    assert received == ["x\nx\nx\n"] and fifo.is_fifo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "pipe", "target.csv"]


@pytest.mark.parametrize("length", [242, 255])
def test_a_file_name_of_up_to_255_bytes_is_written(tmp_path, length):
    """predict -o and trace --output wrote with open(path, "w") until atomic_text, whose
    temporary file is named ".NAME.xxxxxxxx.tmp": 14 bytes longer than NAME, so a name of
    242 to 255 bytes, which the file system takes, failed with "File name too long"
    (naming the temporary).  Such a name now gets a short temporary; the text, the model
    and the CSV of predict -o arrive whole under the name given."""
    from chainrule import cli
    from chainrule.io import atomic_text

    name = "p" * (length - 4) + ".csv"
    with atomic_text(tmp_path / name) as fh:
        fh.write("a,b\n1,2\n")
    assert (tmp_path / name).read_text() == "a,b\n1,2\n"
    net = chainrule.mlp([2, 3, 1], output="sigmoid", seed=0)
    model = "m" * (length - 4) + ".npz"
    chainrule.io.save(net, tmp_path / model)
    np.testing.assert_array_equal(chainrule.io.load(tmp_path / model).params, net.params)
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    np.savetxt(tmp_path / "x.csv", X, delimiter=",", header="a,b", comments="")
    assert cli.main(["predict", str(tmp_path / model), str(tmp_path / "x.csv"),
                     "-o", str(tmp_path / name)]) == 0
    rows = (tmp_path / name).read_text().splitlines()
    hidden, out = net.layers
    p = 1 / (1 + np.exp(-(np.maximum(X @ hidden.W + hidden.b, 0) @ out.W + out.b)[:, 0]))
    assert rows[0] == "prediction" and rows[1:] == [str(int(v > 0.5)) for v in p]
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted([name, model, "x.csv"])


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_atomic_text_names_the_file_asked_for_when_it_cannot_be_created():
    """A file that cannot be created (here in /proc, where no file can be) was reported by
    the name of atomic_text's hidden temporary ("/proc/.x.csv.1a2b3c4d.tmp: No such file
    or directory"), a file the user never named; predict -o said "/proc/x.csv: ..." when
    it opened the file itself.  The error names the path given, and nothing is left."""
    from chainrule.io import atomic_text

    target = "/proc/chainrule-no-such-file.csv"
    with pytest.raises(OSError) as info, atomic_text(target) as fh:
        fh.write("never written\n")
    assert info.value.filename == target and info.value.strerror
    assert ".tmp" not in str(info.value)
    assert not any(p.name.startswith(".chainrule-no-such-file") for p in Path("/proc").iterdir())


def test_a_full_disk_is_named_by_the_file_being_written_and_keeps_the_old_one(
        tmp_path, monkeypatch, capsys):
    """A write that runs out of space (``write()``'s ENOSPC, which names no file) was
    reported as "[Errno 28] No space left on device", by the library and by the command
    line alike ("chainrule: error: [Errno 28] No space left on device" after a whole
    training run): which of the files the command writes was not said.  The error names
    the file asked for; the file there before stays as it was, and no temporary is left."""
    import errno

    from chainrule.cli import main
    from chainrule.io import atomic_text

    net = Network([Dense(3, 2, "tanh", seed=0), Dense(2, 1, "identity", seed=1)])
    path = net.save(tmp_path / "model.npz")
    before = path.read_bytes()
    savez = np.savez

    def full_disk(fh, *args, **kwargs):
        fh.write(b"PK\x03\x04 the first bytes")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(np, "savez", full_disk)
    with pytest.raises(OSError) as info:
        net.save(path)
    assert (info.value.errno, info.value.filename) == (errno.ENOSPC, str(path))
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.npz"]
    assert main(["train", "xor", "--hidden", "2", "--epochs", "1", "-q", "-o", str(path)]) == 2
    assert capsys.readouterr().err == (f"chainrule: error: {path}: "
                                       f"{os.strerror(errno.ENOSPC)}\n")
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.npz"]
    monkeypatch.setattr(np, "savez", savez)
    text = tmp_path / "predictions.csv"
    text.write_text("kept\n")
    with pytest.raises(OSError) as info, atomic_text(text) as fh:
        fh.write("x\n")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as a flush that fails
    assert info.value.filename == str(text) and text.read_text() == "kept\n"
    assert sorted(os.listdir(tmp_path)) == ["model.npz", "predictions.csv"]


def test_a_file_that_may_not_be_read_is_a_permission_error_not_a_corrupted_one(
        tmp_path, monkeypatch, capsys):
    """A model file without read permission was reported as "not a readable chainrule file
    (truncated, corrupted or another format: [Errno 13] Permission denied ...)": a sound
    file called corrupted.  It is the PermissionError that names the file, in the library
    and on the command line ("chainrule: error: PATH: Permission denied", exit 2).  (The
    tests may run as root, whom no permission stops: open is made to refuse as it would.)"""
    import builtins
    import errno

    import chainrule._io_npz as npz
    from chainrule.cli import main

    path = Network([Dense(3, 2, "tanh", seed=0)]).save(tmp_path / "model.npz")

    def refusing(file, *args, **kwargs):
        if os.fspath(file) == str(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(file))
        return builtins.open(file, *args, **kwargs)

    monkeypatch.setattr(npz, "open", refusing, raising=False)
    with pytest.raises(PermissionError) as info:
        chainrule.load(path)
    assert info.value.filename == str(path) and info.value.errno == errno.EACCES
    assert main(["info", str(path)]) == 2
    assert capsys.readouterr().err == (f"chainrule: error: {path}: "
                                       f"{os.strerror(errno.EACCES)}\n")


def test_a_checkpoint_that_may_not_be_read_is_a_permission_error_not_another_file(
        tmp_path, monkeypatch, capsys):
    """Training with a checkpoint path checks that the file there is a checkpoint (its runs
    would overwrite it).  A sound checkpoint without read permission was called "exists and
    is not a chainrule checkpoint (... Permission denied ...)" by Trainer.fit and by train
    --checkpoint (with --resume too, "give another file name"): the PermissionError goes
    through now, as every reader's does ("chainrule: error: PATH: Permission denied", exit
    2).  (open is made to refuse, as the tests may run as root.)"""
    import builtins
    import errno

    import chainrule._io_npz as npz
    from chainrule import Trainer, mlp
    from chainrule.cli import main

    X, Y = np.linspace(-1, 1, 12).reshape(4, 3), np.zeros((4, 1))
    path = tmp_path / "ck.npz"
    Trainer(mlp([3, 2, 1], seed=0), epochs=1, checkpoint=path).fit(X, Y)
    before = path.read_bytes()

    def refusing(file, *args, **kwargs):
        if os.fspath(file) == str(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(file))
        return builtins.open(file, *args, **kwargs)

    monkeypatch.setattr(npz, "open", refusing, raising=False)
    with pytest.raises(PermissionError) as info:
        Trainer(mlp([3, 2, 1], seed=0), epochs=1, checkpoint=path).fit(X, Y)
    assert info.value.filename == str(path) and info.value.errno == errno.EACCES
    for resume in ([], ["--resume"]):
        assert main(["train", "iris", "--epochs", "1", "--checkpoint", str(path), *resume,
                     "-o", str(tmp_path / "m.npz"), "-q"]) == 2
        assert capsys.readouterr().err == (f"chainrule: error: {path}: "
                                           f"{os.strerror(errno.EACCES)}\n")
    assert path.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["ck.npz"]


@pytest.mark.parametrize(("spoil", "name", "count"), [
    # the parameters' values are named by layer and parameter (robust23): 2 of W's 12
    (lambda net: net.params.__setitem__(slice(0, 2), np.nan), "net.layers[0].W (Dense)", 2),
    (lambda net: net.layers[1].running_var.__setitem__(0, np.inf),
     "net.layers[1].running_var (BatchNorm)", 1),
])
def test_save_refuses_values_no_reader_takes_back_and_keeps_the_old_file(tmp_path, spoil,
                                                                         name, count):
    """A network whose parameters (or running statistics) hold NaN or inf, set by hand,
    was written, over the model file there before: chainrule.load then refused the new file
    as "corrupted or incomplete" (theta contains NaN), and the old model was gone.  save
    refuses it by the file and the array before anything is written."""
    net = Network([Dense(3, 4, "tanh", seed=0), BatchNorm(4), Dense(4, 1, "identity", seed=1)])
    path = net.save(tmp_path / "model.npz")
    before, X = path.read_bytes(), np.linspace(-1, 1, 6).reshape(2, 3)
    expected = net.predict(X)
    spoil(net)
    finite = np.isfinite(np.concatenate([net.params, net.layers[1].running_var]))
    assert np.count_nonzero(~finite) == count
    with pytest.raises(ValueError, match=re.escape(
            f"{path}: not written: {name} holds {count} NaN or infinite value(s)")):
        net.save(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.npz"]
    assert np.array_equal(chainrule.load(path).predict(X), expected)  # the old model


def test_a_model_that_cannot_be_created_is_named_as_asked_and_the_old_one_kept(
        tmp_path, monkeypatch):
    """Network.save (an estimator's, a checkpoint: every writer of the .npz format) into
    a folder that takes no new file reported the hidden temporary it writes first,
    "[Errno 13] Permission denied: '.../.model.npz.1a2b3c4d.tmp'", a file the user never
    named (as atomic_text did before it was fixed).  It names the model file; the one
    there before is kept.  A read-only folder is made by os.open refusing, as it would for
    a user without write permission (the tests may run as root)."""
    import errno

    net = Network([Dense(3, 2, "tanh", seed=0), Dense(2, 1, "identity", seed=1)])
    path = net.save(tmp_path / "model.npz")
    before, real_open = path.read_bytes(), os.open

    def read_only_folder(file, flags, *args, **kwargs):
        if flags & os.O_CREAT and os.path.dirname(os.fspath(file)) == str(tmp_path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(file))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only_folder)
    with pytest.raises(PermissionError) as info:
        net.save(path)
    assert info.value.filename == str(path) and ".tmp" not in str(info.value)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.npz"]
    monkeypatch.setattr(os, "open", real_open)
    if Path("/proc/self").is_dir():  # no file can be created there, not even by root
        with pytest.raises(OSError) as info:
            net.save("/proc/chainrule-no-such-model.npz")
        assert info.value.filename == "/proc/chainrule-no-such-model.npz"


def test_a_file_of_another_format_names_the_function_that_reads_it(tmp_path):
    """``chainrule.load`` on an estimator file said only "found format
    'chainrule.estimator'".  Each loader now names the one that reads the file it
    refuses; the reference is that call itself: run as written, it reads the file.
    """
    X, Y = regression()
    net = chainrule.mlp([3, 4, 1], output="identity", loss="squared_error", seed=0)
    files = {"network": chainrule.io.save(net, tmp_path / "net.npz")}
    with pytest.warns(Warning):  # two epochs: not converged
        est = chainrule.MLPRegressor((4,), max_iter=2, random_state=0).fit(X, Y.ravel())
    files["estimator"] = est.save(tmp_path / "est.npz")
    with pytest.warns(Warning):
        files["autoencoder"] = chainrule.autoencoder.SparseAutoencoder(
            2, output="identity", max_iter=2, random_state=0).fit(X).save(tmp_path / "ae.npz")
    files["checkpoint"] = tmp_path / "run.npz"
    chainrule.train(chainrule.mlp([3, 4, 1], output="identity", loss="squared_error", seed=0),
                    X, Y, optimizer="sgd", epochs=1, checkpoint=files["checkpoint"])
    loaders = {"network": chainrule.load, "estimator": chainrule.load_estimator,
               "autoencoder": chainrule.load_autoencoder,
               "checkpoint": chainrule.Trainer.from_checkpoint}
    expected = {"network": ["load"], "estimator": ["load_estimator"],
                "autoencoder": ["load_autoencoder"],
                "checkpoint": ["resume", "Trainer.from_checkpoint"]}
    saved = {"network": net.params, "estimator": est.network_.params}
    for kind, path in files.items():
        for other, loader in loaders.items():
            if other == kind:
                continue
            with pytest.raises(ValueError, match=f"found format 'chainrule.{kind}'; read it "
                               "with chainrule") as info:
                loader(str(path))
            calls = re.findall(r"chainrule\.([\w.]+)\(('[^']*')(?:, X, Y)?\)", str(info.value))
            assert [name for name, _ in calls] == expected[kind]
            for name, arg in calls:
                assert arg == repr(str(path))
                call = f"chainrule.{name}({arg}{', X, Y' if name == 'resume' else ''})"
                loaded = eval(call, {"chainrule": chainrule, "X": X, "Y": Y})
                if kind in saved:  # the saved parameters, read back
                    got = loaded if kind == "network" else loaded.network_
                    np.testing.assert_array_equal(got.params, saved[kind])
    with pytest.raises(ValueError, match=r"its network is the estimator's \.network_"):
        chainrule.load(files["estimator"])



def test_a_damaged_registered_activations_record_is_refused(tmp_path):
    net = Network([Dense(3, 4, "tanh", seed=0), Dense(4, 1, "identity", seed=1)])
    path = net.save(tmp_path / "net.npz")
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    meta["network"]["registered_activations"] = "tanh"
    with open(path, "wb") as fh:
        np.savez(fh, __meta__=np.array(json.dumps(meta)), **arrays)
    with pytest.raises((TypeError, ValueError),
                       match="registered_activations: expected a list of names, found 'tanh'"):
        chainrule.load(path)


def test_atomic_text_names_a_loop_of_links_as_an_os_error(tmp_path, capsys):
    """Writing through a loop of links (predict -o out.csv, out.csv -> b.csv -> out.csv)
    ended in a traceback: Path.resolve raises RuntimeError("Symlink loop") before Python
    3.13.  It is now the OSError that opening the file would give (ELOOP), which the
    command line prints as its one line; the links stay as they were."""
    import errno

    from chainrule.cli import main
    from chainrule.io import atomic_text

    out, other = tmp_path / "out.csv", tmp_path / "b.csv"
    out.symlink_to(other)
    other.symlink_to(out)
    with pytest.raises(OSError) as err:
        with atomic_text(out) as fh:
            fh.write("x")
    with pytest.raises(OSError) as reference:
        open(out, "w")  # the reference: what opening it says
    assert err.value.errno == reference.value.errno == errno.ELOOP
    assert err.value.filename == str(out)
    net = chainrule.mlp([2, 3, 1], seed=0)
    net.save(tmp_path / "m.npz")
    np.savez(tmp_path / "d.npz", X=np.zeros((2, 2)))
    # the command line refuses it as it parses -o, before any work
    with pytest.raises(SystemExit) as exc:
        main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "d.npz"), "-o", str(out)])
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"chainrule predict: error: argument -o/--out: {out} is a symbolic link in a loop "
        "of links, which leads to no file or folder; give another name (or remove the link)")
    assert os.readlink(out) == str(other) and os.readlink(other) == str(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.csv", "d.npz", "m.npz",
                                                         "out.csv"]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_wide_text_labels_keep_their_fitted_dtype_through_a_file(tmp_path, rng):
    """'<U50' labels that are all short came back '<U2': predictions of another dtype than
    the fitted model's, into which a longer label no longer fits."""
    from sklearn.preprocessing import LabelEncoder

    from chainrule import SoftmaxRegression, load_autoencoder

    X = rng.normal(size=(30, 3))
    y = np.where(X[:, 0] > 0, "a", "bb").astype("<U50")
    est = SoftmaxRegression(max_iter=3, random_state=0).fit(X, y)
    assert est.classes_.dtype == LabelEncoder().fit(y).classes_.dtype == np.dtype("<U50")
    loaded = load_autoencoder(est.save(tmp_path / "soft.npz"))
    assert loaded.classes_.dtype == est.classes_.dtype
    assert loaded.classes_.tolist() == est.classes_.tolist()
    pred = loaded.predict(X)
    assert pred.dtype == est.predict(X).dtype
    np.testing.assert_array_equal(pred, est.predict(X))
