"""Edited or damaged files: one clear error that names the file and what is wrong."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from sklearn.datasets import load_iris

from chainrule import Adam
from chainrule.estimators import MLPClassifier, MLPRegressor, load_estimator
from file_helpers import edit_saved_meta as _edit_meta


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, y


@pytest.fixture
def saved_classifier(tmp_path, iris):
    X, y = iris
    clf = MLPClassifier((4,), max_iter=5, random_state=0).fit(X, np.array(["a", "b", "c"])[y])
    return clf.save(tmp_path / "clf.npz")


def _set_fitted(key, value):
    def edit(meta):
        meta["fitted"][key] = value
    return edit


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(("edit", "match"), [
    (_set_fitted("classes_", ["a", "b", "c", "d"]), r"classes_: expected 3 labels"),
    (_set_fitted("classes_", ["a", "b"]), r"classes_: expected 3 labels"),
    (_set_fitted("classes_", ["a", "a", "b"]), r"classes_: expected distinct"),
    (_set_fitted("y_type_", "multilabel-indicator"), r"y_type_: 'multilabel-indicator'"),
    (_set_fitted("y_type_", 5), r"y_type_: expected one of"),
    (_set_fitted("classes_dtype", "int64"), r"classes_dtype: 'int64' cannot hold"),
    (_set_fitted("predict", 1), r"unknown key\(s\) \['predict'\]"),
    (_set_fitted("network_", None), r"unknown key\(s\) \['network_'\]"),
    (_set_fitted("n_features_in_", "4"), r"n_features_in_: expected 4"),
    (_set_fitted("n_features_in_", 5), r"n_features_in_: expected 4"),
    (_set_fitted("n_iter_", -1), r"n_iter_: expected a non-negative integer"),
    (_set_fitted("loss_curve_", [float("nan")]), r"loss_curve_: expected a list of finite"),
    (_set_fitted("out_activation_", "identity"), r"out_activation_: expected 'softmax'"),
    (lambda meta: meta["fitted"].pop("t_"), r"missing key\(s\) \['t_'\]"),
    (lambda meta: meta.update(estimator="MLPRegressor"), r"estimator: 'MLPRegressor' needs"),
    (lambda meta: meta.update(estimator="SVC"), r"estimator: expected one of"),
    (lambda meta: meta["params"].update(random_state=-1), r"random_state: expected null or"),
    (lambda meta: meta["params"].update(bogus=1), r"params: unknown parameter"),
    (lambda meta: meta.update(fitted=[1]), r"fitted: expected a JSON object"),
])
def test_load_estimator_refuses_an_edited_record(saved_classifier, edit, match):
    _edit_meta(saved_classifier, edit)
    with pytest.raises(ValueError, match=match) as err:
        load_estimator(saved_classifier)
    assert str(saved_classifier) in str(err.value)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_load_estimator_checks_binary_classes_and_regressor_kind(tmp_path, iris):
    X, y = iris
    clf = MLPClassifier((3,), max_iter=5, random_state=0).fit(X, y == 0)
    path = clf.save(tmp_path / "binary.npz")
    assert load_estimator(path).classes_.tolist() == [False, True]  # one sigmoid = 2 classes
    _edit_meta(path, _set_fitted("classes_", [False, True, 3]))
    with pytest.raises(ValueError, match=r"classes_: expected 2 labels"):
        load_estimator(path)
    reg = MLPRegressor((3,), max_iter=5, random_state=0).fit(X[:, :3], X[:, 3])
    path = reg.save(tmp_path / "reg.npz")
    _edit_meta(path, lambda meta: meta.update(estimator="MLPClassifier"))
    with pytest.raises(ValueError, match=r"reg\.npz.*estimator: .MLPClassifier. needs"):
        load_estimator(path)
    path = reg.save(tmp_path / "reg.npz")
    _edit_meta(path, _set_fitted("classes_", [0, 1]))
    with pytest.raises(ValueError, match=r"reg\.npz.*unknown key\(s\) \['classes_'\]"):
        load_estimator(path)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", ["MLPClassifier", "SoftmaxRegression"])
@pytest.mark.parametrize(("labels", "dtype", "damaged", "rebuilt"), [
    ([0, 1, 2], "<i8", [True, 1, 2], [1, 1, 2]),  # true == 1: the "<i8" labels 1, 1, 2
    ([False, True], "|b1", [False, 0], [False, False]),  # 0 == false
])
def test_labels_that_are_one_label_in_their_dtype_are_refused(tmp_path, iris, kind, labels,
                                                              dtype, damaged, rebuilt):
    """[true, 1, 2] are three distinct JSON values but, as the "<i8" labels they were saved
    as, the labels 1, 1, 2: such a record loaded, and two outputs predicted one class
    (SoftmaxRegression silently; MLPClassifier's predict failed inside scikit-learn)."""
    from chainrule import SoftmaxRegression, load_autoencoder

    X, y = iris
    y = np.array(labels)[y if len(labels) == 3 else (y == 0).astype(int)]
    est = (MLPClassifier((3,), max_iter=5, random_state=0) if kind == "MLPClassifier"
           else SoftmaxRegression(max_iter=5, random_state=0)).fit(X, y)
    path = est.save(tmp_path / "clf.npz")
    record = {}
    _edit_meta(path, lambda meta: record.update(meta["fitted"]))
    assert record["classes_dtype"] == dtype and record["classes_"] == labels
    assert np.array(damaged, dtype=dtype).tolist() == rebuilt == damaged  # equal, not distinct
    _edit_meta(path, _set_fitted("classes_", damaged))
    loader = load_estimator if kind == "MLPClassifier" else load_autoencoder
    with pytest.raises(ValueError, match=re.escape(
            f"classes_: the labels {damaged!r} are not distinct as {dtype!r}")) as err:
        loader(path)
    assert str(path) in str(err.value)


# --- training checkpoints -------------------------------------------------------------------
def _edit_arrays(path, edit) -> None:
    """Rewrite the arrays of a saved file with ``edit(arrays)`` (record untouched)."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    edit(arrays)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _regression_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    return X, np.sin(X @ np.array([1.0, -2.0, 0.5]))[:, None]


@pytest.fixture
def adam_checkpoint(tmp_path):
    from chainrule import Dense, Network, train

    X, Y = _regression_data()
    net = Network([Dense(3, 5, "tanh", seed=0), Dense(5, 1, "identity", seed=1)])
    path = tmp_path / "ck.npz"
    train(net, X, Y, optimizer="adam", lr=0.01, batch_size=8, epochs=3, seed=0, patience=50,
          checkpoint=path)
    return path, net.n_params


def _set_array(key, make):
    def edit(arrays):
        arrays[key] = make(arrays[key])
    return edit


def _set_meta(*keys, value):
    def edit(meta):
        record = meta
        for key in keys[:-1]:
            record = record[key]
        record[keys[-1]] = value
    return edit


@pytest.mark.parametrize(("edit_arrays", "edit_meta", "match"), [
    (_set_array("optimizer/m", lambda a: a[:-1]), None, r"optimizer/m: expected shape \(\d+,\)"),
    (_set_array("optimizer/v", lambda a: a.astype(np.float32)), None, r"optimizer/v: .*dtype"),
    (_set_array("optimizer/m", lambda a: a * np.nan), None, r"optimizer/m: expected finite"),
    (_set_array("optimizer/m", lambda a: a + np.inf), None, r"optimizer/m: expected finite"),
    (_set_array("optimizer/v", lambda a: a * np.nan), None, r"optimizer/v: expected values >= 0"),
    (_set_array("optimizer/v", lambda a: -a - 1), None, r"optimizer/v: expected values >= 0"),
    (lambda arrays: arrays.pop("optimizer/v"), None, r"optimizer state: expected the arrays"),
    (lambda arrays: arrays.update({"optimizer/extra": arrays["optimizer/m"]}), None,
     r"optimizer state: expected the arrays \['m', 'v'\]"),
    (_set_array("best_params", lambda a: a * np.nan), None, r"best_params"),
    (_set_array("best_params", lambda a: a[:3]), None, r"best_params must be a flat vector"),
    (None, _set_meta("optimizer", "t", value="3"), r"optimizer\.t: expected a non-negative"),
    (None, _set_meta("optimizer", "t", value=-5), r"optimizer\.t: expected a non-negative"),
    (None, _set_meta("epoch", value=-3), r"epoch: expected a non-negative integer"),
    (None, _set_meta("epoch", value="2"), r"epoch: expected a non-negative integer"),
    (None, _set_meta("early", "wait", value="1"), r"early\.wait: expected a non-negative"),
    (None, _set_meta("early", "best_value", value="x"), r"early\.best_value: expected"),
    (None, _set_meta("optimizer", "lr0", value="0.1"), r"optimizer\.lr0: expected a finite number"),
    (None, _set_meta("trainer", "batch_size", value=0), r"the 'trainer' record: batch_size"),
    (None, _set_meta("stopped", value="epochs"), r"stopped: expected null or one of "
                                                 r"\['early_stopping', .*'callback'\], found "
                                                 r"'epochs'"),
    (None, _set_meta("stopped", value=1), r"stopped: expected null or one of .*, found 1"),
    (None, _set_meta("rng", value={"bit_generator": "MT19937", "state": {"key": [1], "pos": 0}}),
     r"rng: expected the state of a PCG64 generator, found 'MT19937'"),
])
def test_from_checkpoint_refuses_a_damaged_state(adam_checkpoint, edit_arrays, edit_meta, match):
    from chainrule import Trainer, resume

    path, _ = adam_checkpoint
    if edit_arrays is not None:
        _edit_arrays(path, edit_arrays)
    if edit_meta is not None:
        _edit_meta(path, edit_meta)
    with pytest.raises(ValueError, match=match) as err:
        Trainer.from_checkpoint(path)
    assert str(err.value).startswith(f"{path}: corrupted checkpoint")
    with pytest.raises(ValueError, match=match):
        resume(path, *_regression_data(), epochs=5)


@pytest.mark.parametrize(("optimizer", "key"), [
    ("adagrad", "sum_sq"), ("rmsprop", "mean_sq"), ("adam", "v"),
])
def test_a_run_whose_squared_gradients_overflowed_resumes_as_it_would_have_gone_on(
        tmp_path, optimizer, key):
    """float32 gradients from 1.8e19 on square past the float range: AdaGrad's sum and
    Adam's second moment of them are inf there (RMSProp's for gradients past the range
    itself, as here), and those parameters' steps g / (sqrt(inf) + eps) are 0 while the
    run goes on.  Its own checkpoint was then refused as corrupted ("expected finite
    values, found NaN or inf"): it resumes now, to the parameters of the run that was not
    interrupted."""
    from chainrule import Trainer, mlp

    def run(checkpoint, epochs):
        trainer = Trainer(mlp([3, 2, 1], seed=0, dtype=np.float32), optimizer=optimizer,
                          lr=0.1, batch_size=4, epochs=epochs, seed=0, checkpoint=checkpoint)
        trainer.fit(X, Y)
        return trainer

    X = np.full((4, 3), 1e19, dtype=np.float32)  # gradients of the first layer's weights
    Y = np.zeros((4, 1), dtype=np.float32)  # past the float range itself
    whole = run(None, 4)
    path = tmp_path / "ck.npz"
    stopped = run(path, 2)
    state = stopped.optimizer.state[key]
    assert np.isinf(state).any() and np.isfinite(stopped.net.params).all()
    resumed = Trainer.from_checkpoint(path, epochs=4)
    assert np.array_equal(resumed.optimizer.state[key], state)
    resumed.fit(X, Y)
    assert np.isfinite(whole.net.params).all()
    assert np.array_equal(resumed.net.params, whole.net.params)


def test_from_checkpoint_still_resumes_an_intact_run(adam_checkpoint):
    from chainrule import Trainer

    path, n_params = adam_checkpoint
    trainer = Trainer.from_checkpoint(path, epochs=5)
    assert sorted(trainer.optimizer.state) == ["m", "v"]
    assert trainer.optimizer.state["m"].shape == (n_params,)
    assert trainer.epoch == 3 and trainer.best_params.shape == (n_params,)


@pytest.mark.parametrize(("states", "shown"), [
    ([{}], "[{}]"), ([{}, {}, {}], "[{}, {}, {}]"), ({"0": {}}, "{'0': {}}"), (5, "5"),
])
def test_load_names_a_list_of_states_of_the_wrong_length(saved_net, states, shown):
    """A list of layer states shorter or longer than the layers was refused as
    "corrupted or incomplete chainrule file (ValueError('zip() argument 2 is shorter
    than argument 1'))", and a number as "'int' object is not iterable": Python's
    words, not the file's.  Both now say what the record should hold."""
    import chainrule

    _edit_meta(saved_net, _set_meta("states", value=states))
    with pytest.raises(ValueError) as err:
        chainrule.load(saved_net)
    said = TypeError(f"states: expected a list of 2 layer states (one per layer), found {shown}")
    assert str(err.value) == f"{saved_net}: corrupted or incomplete chainrule file ({said!r})"


# --- io: model files ------------------------------------------------------------------------
@pytest.fixture
def saved_net(tmp_path):
    from chainrule import Dense, Network

    net = Network([Dense(3, 4, "tanh", seed=0), Dense(4, 1, "identity", seed=1)])
    return net.save(tmp_path / "net.npz")


@pytest.mark.parametrize(("layers", "match"), [
    ({"0": {}}, r"network\.layers: expected a non-empty list"),
    ("Dense", r"network\.layers: expected a non-empty list"),
    ([5], r"network\.layers\[0\]: expected a JSON object, found int"),
    ([{"type": "Flatten"}, "Dense"], r"network\.layers\[1\]: expected a JSON object, found str"),
])
def test_load_names_a_layer_record_that_is_not_an_object(saved_net, layers, match):
    import chainrule

    _edit_meta(saved_net, _set_meta("network", "layers", value=layers))
    with pytest.raises(ValueError, match=match) as err:
        chainrule.load(saved_net)
    assert str(err.value).startswith(f"{saved_net}: corrupted")


def _set_encrypted_bit(path) -> None:
    """Set bit 0 (encrypted) of the flags of every local and central header of a zip file."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.find(signature)
        while start != -1:
            data[start + offset] |= 0x1
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))


def _forged_npz(path, shape) -> None:
    """An archive whose one member's .npy header claims ``shape`` but holds 10 float64s."""
    import io as stdio
    import zipfile

    buf = stdio.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": "<f8", "fortran_order": False, "shape": shape})
    buf.write(np.zeros(10).tobytes())
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("X.npy", buf.getvalue())
        zf.writestr("__meta__.npy", buf.getvalue())


def _read_errors(path):
    """What each reader of .npz files says of ``path`` (all must be ValueErrors)."""
    import chainrule
    from chainrule.io import load_metadata

    messages = []
    for load in (chainrule.load, load_metadata, load_estimator):
        with pytest.raises(ValueError) as err:
            load(path)
        messages.append(str(err.value))
    return messages


def test_an_encrypted_member_is_a_clear_error(saved_net):
    _set_encrypted_bit(saved_net)
    for message in _read_errors(saved_net):
        assert message.startswith(f"{saved_net}: not a readable chainrule file")
        assert "is encrypted" in message


def test_an_encrypted_stored_member_is_named_as_encrypted(saved_net):
    """zip -e stores a member it cannot compress (random floats) encrypted: its data is the
    12 bytes of the encryption header, then the member, so the zip directory gives it 12
    bytes more than its size.  ad07e68's check of the sizes came first and said "the
    member '__meta__.npy' is stored uncompressed but claims 1620 bytes from 1632",
    where the readers said "is encrypted" before.  Built here as zip -e builds it: every member
    stored behind 12 bytes, flagged encrypted, its size the member's own."""
    import struct
    import zipfile

    with zipfile.ZipFile(saved_net) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    with zipfile.ZipFile(saved_net, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, bytes(12) + data)
    raw = bytearray(saved_net.read_bytes())
    # local headers: flags at 6, sizes at 18 and 22; central ones: flags at 8, sizes at 20, 24
    for signature, flags, size in ((b"PK\x03\x04", 6, 22), (b"PK\x01\x02", 8, 24)):
        start = raw.find(signature)
        while start != -1:
            raw[start + flags] |= 0x1
            packed = struct.unpack_from("<I", raw, start + size - 4)[0]
            struct.pack_into("<I", raw, start + size, packed - 12)
            start = raw.find(signature, start + 4)
    saved_net.write_bytes(bytes(raw))
    with zipfile.ZipFile(saved_net) as zf:  # as zip -e writes it
        assert all(i.flag_bits & 0x1 and i.compress_size == i.file_size + 12
                   for i in zf.infolist())
    for message in _read_errors(saved_net):
        assert message.startswith(f"{saved_net}: not a readable chainrule file")
        assert "the member '__meta__.npy' is encrypted" in message


def test_a_forged_array_header_is_refused_before_reading(tmp_path):
    path = tmp_path / "forged.npz"
    _forged_npz(path, (10**15,))
    for message in _read_errors(path):
        assert message.startswith(f"{path}: not a readable chainrule file")
        assert "claims shape (1000000000000000,) of float64" in message
        assert "holds 80 bytes" in message


@pytest.mark.parametrize("content", [b"x", b"hello, world\n1,2,3\n", b"\x93NUMPY"])
def test_a_file_that_is_not_a_zip_archive_says_so(tmp_path, content):
    path = tmp_path / "model.npz"
    path.write_bytes(content)
    for message in _read_errors(path):
        assert message.startswith(f"{path}: not a readable chainrule file")
        assert "not an .npz archive" in message
        assert "pickle" not in message


# --- tabular: .npz data files of the command line -------------------------------------------
def _data_npz(path):
    rng = np.random.default_rng(0)
    np.savez_compressed(path, X=rng.normal(size=(200, 3)), y=np.arange(200) % 2)
    return path


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _break_header(path):
    data = bytearray(path.read_bytes())
    for i in range(200, 400, 7):  # the compressed .npy header of X
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _break_deflate(path):
    data = bytearray(path.read_bytes())
    for i in range(400, 500, 7):  # inside the compressed data of X: a zlib.error
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _break_crc(path):
    data = bytearray(path.read_bytes())
    for i in range(1000, 1100, 7):  # later in X's deflate stream: a bad CRC
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_truncate, _break_header, _break_deflate, _break_crc,
                                    _set_encrypted_bit])
def test_a_damaged_data_file_is_one_clear_error(tmp_path, capsys, damage):
    from chainrule.cli import main
    from chainrule.tabular import read_data

    path = _data_npz(tmp_path / "data.npz")
    damage(path)
    with pytest.raises(ValueError, match=r"not a readable \.npz file") as err:
        read_data(str(path))
    assert str(err.value).startswith(f"{path}: ")
    assert main(["train", str(path), "-o", str(tmp_path / "m.npz"), "-q"]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(f"chainrule: error: {path}: not a readable .npz file"), last
    assert not (tmp_path / "m.npz").exists()



@pytest.mark.parametrize(("names", "match"), [
    (np.array("a"), r"'feature_names' must be a 1-D array of column names, got shape \(\)"),
    (np.array([["a", "b", "c"]]), r"'feature_names' must be a 1-D array .* shape \(1, 3\)"),
    (np.array(["a", "a", "b"]), r"duplicate column name\(s\) 'a' in 'feature_names'"),
    (np.array([b"a", b"\xff", b"c"]), r"'feature_names' holds bytes that are not UTF-8 text"),
])
def test_an_npz_data_files_feature_names_are_checked(tmp_path, capsys, names, match):
    """A 0-d feature_names failed with a bare "TypeError: iteration over a 0-d array", and
    duplicate names trained a model that chainrule then refused to load ("feature_names:
    'a' appears 2 times"): the run was lost."""
    from chainrule.cli import main
    from chainrule.tabular import read_data

    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 3))
    path = tmp_path / "data.npz"
    np.savez(path, X=X, y=np.arange(12) % 2, feature_names=names)
    with pytest.raises(ValueError, match=match) as err:
        read_data(str(path))
    assert str(err.value).startswith(f"{path}: ")
    assert main(["train", str(path), "--epochs", "1", "-o", str(tmp_path / "m.npz"), "-q"]) == 2
    assert not (tmp_path / "m.npz").exists()
    # byte strings name the columns as text does
    np.savez(path, X=X, y=np.arange(12) % 2, feature_names=np.array([b"age", b"h", b"w"]))
    assert read_data(str(path)).feature_names == ["age", "h", "w"]


# --- images: MNIST files --------------------------------------------------------------------
def _idx_bytes(arr: np.ndarray, code: int = 0x08) -> bytes:
    dims = np.array(arr.shape, dtype=">i4").tobytes()
    return bytes([0, 0, code, arr.ndim]) + dims + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def _mnist_npz(path, images, labels):
    np.savez(path, x_train=images, y_train=labels, x_test=images, y_test=labels)
    return path


_PIXELS = np.zeros((2, 4, 4), dtype=np.uint8)


@pytest.mark.parametrize(("images", "labels", "match"), [
    (_PIXELS, np.array([[1, 2], [3, 4]]), r"y_train must have shape \(2,\), one label per "
                                          r"image, got shape \(2, 2\)"),
    (_PIXELS, np.array([1, 2, 3]), r"y_train must have shape \(2,\)"),
    (_PIXELS, np.array([1.5, 2.0]), r"y_train\[0\] is 1\.5; expected integer labels"),
    (_PIXELS, np.array([1, -3]), r"y_train\[1\] is -3; expected labels >= 0"),
    (_PIXELS, np.array(["a", "b"]), r"y_train has dtype <U1; expected integer labels"),
    (np.full((2, 4, 4), np.inf), np.array([1, 2]), r"x_train\[0, 0, 0\] is inf; expected finite"),
    (np.array([[0.0, np.nan], [0.0, 0.0]]), np.array([1, 2]), r"x_train\[0, 1\] is nan"),
    (np.zeros(2), np.array([1, 2]), r"x_train must be a 2-D or 3-D numeric array"),
])
def test_load_mnist_checks_the_arrays_of_an_npz(tmp_path, images, labels, match):
    from chainrule.images import load_mnist

    path = _mnist_npz(tmp_path / "mnist.npz", images, labels)
    with pytest.raises(ValueError, match=match) as err:
        load_mnist(path)
    assert str(path) in str(err.value)


def test_load_mnist_keeps_whole_float_labels(tmp_path):
    from chainrule.images import load_mnist

    path = _mnist_npz(tmp_path / "mnist.npz", _PIXELS, np.array([3.0, 0.0]))
    X, y = load_mnist(path)
    assert X.shape == (2, 16) and y.dtype == np.int64 and y.tolist() == [3, 0]


@pytest.mark.parametrize("damage", [_truncate, _break_crc, _set_encrypted_bit])
def test_load_mnist_names_a_damaged_npz(tmp_path, damage):
    from chainrule.images import load_mnist

    rng = np.random.default_rng(0)
    path = tmp_path / "mnist.npz"
    np.savez_compressed(path, x_train=rng.normal(size=(200, 3, 3)), y_train=np.arange(200),
                        x_test=np.zeros((1, 3, 3)), y_test=np.zeros(1, int))
    damage(path)
    with pytest.raises(ValueError, match=r"is not a readable \.npz file") as err:
        load_mnist(path)
    assert str(path) in str(err.value)


def _gz(data: bytes) -> bytes:
    import gzip

    return gzip.compress(data, mtime=0)


@pytest.mark.parametrize(("content", "match"), [
    (_gz(_idx_bytes(_PIXELS))[:-12], r"could not be read \(truncated or corrupted"),
    (_gz(_idx_bytes(_PIXELS))[:-8] + b"\0\0\0\0" + _gz(b"")[-4:], r"could not be read"),
    (bytes([0, 0, 8, 3]) + np.array([2, 4], ">i4").tobytes(),
     r"announces 3 dimensions, whose sizes need 16 header bytes, but holds only 12"),
    (bytes([0, 0, 8, 1]) + np.array([-2], ">i4").tobytes(), r"negative shape \(-2,\)"),
])
def test_read_idx_names_a_damaged_file(tmp_path, content, match):
    from chainrule.images import read_idx

    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match) as err:
        read_idx(path)
    assert str(path) in str(err.value)


# --- io: the initialiser names survive a save ------------------------------------------------
def test_load_keeps_each_layers_init_name(tmp_path):
    import chainrule
    from chainrule import Dense, Network

    net = Network([Dense(3, 4, "relu", init="he_normal", seed=0),
                   Dense(4, 2, "identity", init=np.ones((4, 2)))])
    back = chainrule.load(net.save(tmp_path / "net.npz"))
    assert [layer.init for layer in back.layers] == ["he_normal", "explicit"]
    path = net.save(tmp_path / "edited.npz")
    _edit_meta(path, _set_meta("network", "inits", value=["he_normal"]))
    with pytest.raises(ValueError, match=r"edited\.npz: corrupted.*network\.inits: expected"):
        chainrule.load(path)
    _edit_meta(path, lambda meta: meta["network"].pop("inits"))  # older files: as before
    assert [layer.init for layer in chainrule.load(path).layers] == ["zeros", "zeros"]


@pytest.mark.parametrize(("edit", "match"), [
    (_set_meta("network", "layers", 0, "bias", value="x"), r"Dense bias: expected true or false"),
    (_set_meta("network", "layers", 1, "bias", value=-1), r"Dense bias: expected true or false"),
    (_set_meta("states", value=[[], {}]), r"states\[0\]: expected an object with the keys \[\]"),
    (_set_meta("network", "dtype", value=None), r"network\.dtype: expected 'float32' or"),
    # not a name: a damaged record, not an activation to register (as the message said)
    (_set_meta("network", "layers", 0, "activation", value=5),
     r"Dense activation: expected an activation name, found 5"),
    (_set_meta("network", "layers", 1, "activation", value=["tanh"]),
     r"Dense activation: expected an activation name, found \['tanh'\]"),
    (_set_meta("states", value=[{"rng": 1}, {}]), r"states\[0\]: expected an object with the keys"),
])
def test_load_refuses_layer_records_that_bool_or_set_state_would_take(saved_net, edit, match):
    """A reviewer's fuzzing found these loaded without a word: bias "x" or -1 (taken by
    bool() as yes), states that a layer without state ignored, and a dtype of null
    (NumPy's float64)."""
    import chainrule

    _edit_meta(saved_net, edit)
    with pytest.raises(ValueError, match=match) as err:
        chainrule.load(saved_net)
    assert str(err.value).startswith(f"{saved_net}: corrupted")


def test_load_refuses_a_version_of_true(saved_net):
    """JSON true equals 1 in Python, the format version: it is no version all the same."""
    import chainrule

    _edit_meta(saved_net, _set_meta("version", value=True))
    with pytest.raises(ValueError, match=r"file format version True; this chainrule reads "
                                         r"version 1"):
        chainrule.load(saved_net)
    _edit_meta(saved_net, _set_meta("version", value=1))
    assert chainrule.load(saved_net).n_params == 21  # the intact record loads


# --- io: damage found by fuzzing every reader (a reviewer's scratch fuzzer) ------------------
@pytest.mark.parametrize(("key", "value"), [
    ("state", -1), ("inc", 2**130),
])
def test_load_names_a_dropout_generator_state_out_of_range(tmp_path, key, value):
    """An integer out of range in Dropout's saved generator state raised NumPy's own
    OverflowError ("Python integer -1 out of bounds for uint64"), naming no file."""
    import chainrule
    from chainrule import Dense, Dropout, Network

    net = Network([Dense(3, 4, "tanh", seed=0), Dropout(0.5, seed=1), Dense(4, 1, seed=2)])
    path = net.save(tmp_path / "net.npz")
    _edit_meta(path, _set_meta("states", 1, "rng", "state", key, value=value))
    with pytest.raises(ValueError, match=r"corrupted or incomplete chainrule file .*Dropout "
                                         r"rng: not a valid PCG64 state") as err:
        chainrule.load(path)
    assert str(err.value).startswith(f"{path}: corrupted")


@pytest.mark.parametrize(("layers", "key"), [
    ([{"type": "Dense", "fan_in": 10**12, "fan_out": 4, "activation": "tanh", "bias": True},
      {"type": "Dense", "fan_in": 4, "fan_out": 1, "activation": "identity", "bias": True}],
     "fan_in"),
    ([{"type": "Conv2D", "in_channels": 1, "out_channels": 10**12, "kernel_size": 3,
       "stride": 1, "padding": 0, "activation": "relu", "bias": True}], "out_channels"),
    ([{"type": "BatchNorm", "n_features": 2**40, "activation": "identity", "momentum": 0.9,
       "eps": 1e-5}], "n_features"),
])
def test_load_refuses_a_huge_layer_size_before_allocating(saved_net, layers, key):
    """A damaged size (fan_in 10**12) made the layer allocate its weights first: a
    MemoryError ("Unable to allocate 29.1 TiB"), naming no file."""
    import chainrule

    n_params = chainrule.load(saved_net).n_params
    _edit_meta(saved_net, _set_meta("network", "layers", value=layers))
    with pytest.raises(ValueError, match=rf"network\.layers\[0\]\.{key}: {layers[0][key]} is "
                                         rf"more than the {n_params} parameters") as err:
        chainrule.load(saved_net)
    assert str(err.value).startswith(f"{saved_net}: corrupted")


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int64, np.bool_])
def test_load_refuses_parameters_of_another_dtype(tmp_path, dtype):
    """A parameter vector or BatchNorm buffer of another dtype was cast by set_params /
    set_buffers without a word: float16 or int64 weights loaded as a different model."""
    import chainrule
    from chainrule import BatchNorm, Dense, Network

    net = Network([Dense(3, 4, "tanh", seed=0), BatchNorm(4), Dense(4, 1, seed=1)])
    path = net.save(tmp_path / "net.npz")
    for key, match in (("params", rf"parameter vector has shape \(29,\) and dtype "
                                  rf"{np.dtype(dtype)}, the architecture needs \(29,\) and "
                                  r"float64"),
                       ("buffer/1/running_var", rf"buffer/1/running_var: expected dtype "
                                                rf"float64, found {np.dtype(dtype)}")):
        saved = path.read_bytes()
        _edit_arrays(path, _set_array(key, lambda a: a.astype(dtype)))
        with pytest.raises(ValueError, match=match) as err:
            chainrule.load(path)
        assert str(err.value).startswith(f"{path}: corrupted")
        path.write_bytes(saved)
    X = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_array_equal(chainrule.load(path).forward(X), net.forward(X))
    net32 = Network([Dense(3, 2, "tanh", seed=0, dtype=np.float32)])  # its own dtype loads
    assert chainrule.load(net32.save(tmp_path / "n32.npz")).params.dtype == np.float32


def test_from_checkpoint_refuses_best_params_of_another_dtype(adam_checkpoint):
    from chainrule import Trainer

    path, _ = adam_checkpoint
    _edit_arrays(path, _set_array("best_params", lambda a: a.astype(np.float16)))
    with pytest.raises(ValueError, match=r"best_params: expected dtype float64, found "
                                         r"float16") as err:
        Trainer.from_checkpoint(path)
    assert str(err.value).startswith(f"{path}: corrupted checkpoint")


@pytest.mark.parametrize(("edit", "match"), [
    (_set_meta("history", "metrics", "loss", value=None),
     r"history\.metrics\.loss: expected a list of 3 finite numbers \(one per epoch trained\), "
     r"found None"),
    (_set_meta("history", "metrics", "loss", value=[0.5]), r"history\.metrics\.loss: expected "
                                                           r"a list of 3 finite numbers"),
    (_set_meta("history", "metrics", "lr", 1, value="x"), r"history\.metrics\.lr: expected"),
    (_set_meta("history", "metrics", "lr", 1, value=float("nan")), r"history\.metrics\.lr"),
    (lambda meta: meta["history"]["metrics"].pop("loss"),
     r"history\.metrics: expected 'loss' after 3 epochs"),
    (_set_meta("history", "metrics", value=[]), r"history: expected an object with a "
                                                r"'metrics' object"),
    (_set_meta("history", "best_epoch", value=7), r"history\.best_epoch: expected null or an "
                                                  r"epoch 1\.\.3, found 7"),
    (_set_meta("epoch", value=1), r"history\.metrics\.loss: expected a list of 1 finite"),
])
def test_from_checkpoint_refuses_a_damaged_history(adam_checkpoint, edit, match):
    """The history was taken as it was: a loss of null failed at resume with a bare
    "TypeError: object of type 'NoneType' has no len()", and a shortened list, or an
    epoch count edited below the history's, resumed a run whose history no longer
    matched its epochs (resume counts epochs by the history)."""
    from chainrule import Trainer, resume

    path, _ = adam_checkpoint
    _edit_meta(path, edit)
    with pytest.raises(ValueError, match=match) as err:
        Trainer.from_checkpoint(path)
    assert str(err.value).startswith(f"{path}: corrupted checkpoint")
    with pytest.raises(ValueError, match=match):
        resume(path, *_regression_data(), epochs=5)


@pytest.mark.parametrize(("edit", "match"), [
    (lambda meta: meta["trainer"].pop("seed"), "trainer: missing setting(s) ['seed']"),
    (lambda meta: meta["trainer"].pop("patience"), "trainer: missing setting(s) ['patience']"),
    (lambda meta: meta["optimizer"]["config"].pop("lr"), "optimizer.config: expected the keys "
     f"{sorted(Adam().get_config())}, found {sorted(set(Adam().get_config()) - {'lr'})}"),
])
def test_from_checkpoint_refuses_a_missing_setting(adam_checkpoint, edit, match):
    """A setting missing from the record took its default: without "seed" the run resumed
    with another validation split, without "patience" with no early stopping, without the
    optimizer's "lr" with Adam's default rate.  (``match`` is the literal text.)"""
    from chainrule import Trainer
    from chainrule.checkpoints import _TRAINER_KEYS

    path, _ = adam_checkpoint
    with np.load(path, allow_pickle=False) as data:  # the record save writes: every setting
        assert set(json.loads(str(data["__meta__"]))["trainer"]) == set(_TRAINER_KEYS)
    _edit_meta(path, edit)
    with pytest.raises(ValueError, match=re.escape(match)) as err:
        Trainer.from_checkpoint(path)
    assert str(err.value).startswith(f"{path}: corrupted checkpoint")


@pytest.mark.parametrize(("value", "shown"), [
    ("3", "'3' (str)"), (0, "0"), (-2, "-2"), (None, "None (NoneType)"), (2.5, "2.5 (float)"),
])
@pytest.mark.parametrize("epochs", [None, 5])
def test_a_damaged_epochs_record_is_refused_whatever_epochs_the_caller_gives(
        adam_checkpoint, value, shown, epochs):
    """trainer.epochs of "3", 0 or null was refused by from_checkpoint(path) and resume(path,
    X, Y), but read without a word by from_checkpoint(path, epochs=5) and resume(...,
    epochs=5) (the CLI's --resume gives its --epochs): the same damaged file was refused or
    not by the caller's argument."""
    from chainrule import Trainer

    path, _ = adam_checkpoint
    assert Trainer.from_checkpoint(path, epochs=epochs).epochs == (epochs or 3)
    _edit_meta(path, lambda meta: meta["trainer"].update(epochs=value))
    with pytest.raises(ValueError, match=re.escape(
            f"{path}: corrupted checkpoint (trainer.epochs must be an int >= 1, got {shown})")):
        Trainer.from_checkpoint(path, epochs=epochs)


@pytest.mark.parametrize(("key", "value"), [
    ("has_uint32", -1), ("has_uint32", 1.5), ("has_uint32", True), ("uinteger", 2.0),
    (("state", "state"), 1.5), (("state", "inc"), True),
])
def test_a_generator_state_numpy_would_coerce_is_refused(tmp_path, adam_checkpoint, key, value):
    """NumPy's setter took 1.5 or true for 1 and kept a has_uint32 of -1: a checkpoint or
    a Dropout layer so edited resumed with another random stream, without a word."""
    import chainrule
    from chainrule import Dense, Dropout, Network, Trainer

    keys = key if isinstance(key, tuple) else (key,)
    path, _ = adam_checkpoint
    _edit_meta(path, _set_meta("rng", *keys, value=value))
    with pytest.raises(ValueError, match=r"rng: not a valid PCG64 state") as err:
        Trainer.from_checkpoint(path)
    assert str(err.value).startswith(f"{path}: corrupted checkpoint")
    layer = Dropout(0.5, seed=1)
    net = Network([Dense(3, 4, "tanh", seed=0), layer, Dense(4, 1, seed=2)])
    path = net.save(tmp_path / "net.npz")
    _edit_meta(path, _set_meta("states", 1, "rng", *keys, value=value))
    with pytest.raises(ValueError, match=r"Dropout rng: not a valid PCG64 state"):
        chainrule.load(path)
    before = layer.get_state()  # set_state on a live layer: refused, the state kept
    bad = json.loads(json.dumps(before))
    record = bad["rng"]
    for k in keys[:-1]:
        record = record[k]
    record[keys[-1]] = value
    with pytest.raises(ValueError, match=r"Dropout rng: not a valid PCG64 state"):
        layer.set_state(bad)
    assert layer.get_state() == before


def _set_param(key, value):
    def edit(meta):
        meta["params"][key] = value
    return edit


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(("edit", "match"), [
    (_set_param("alpha", "x"), r"params: The 'alpha' parameter of MLPClassifier must be a "
                               r"finite float in the range \[0\.0, inf\)\. Got 'x' instead\."),
    (_set_param("solver", None), r"params: The 'solver' parameter of MLPClassifier must be "),
    (_set_param("shuffle", 1), r"params: The 'shuffle' parameter .* Got 1 instead\."),
    (_set_param("init", "nonsense"), r"params: init: .*nonsense"),
    (_set_param("init", 5), r"params: init: init must be a name"),
    (_set_param("hidden_layer_sizes", [7]), r"params: hidden_layer_sizes: \(7,\) asks for "
                                            r"\(7,\); the network has \(4,\)"),
    (_set_param("activation", "tanh"), r"params: activation: 'tanh' asks for \['tanh'\]; the "
                                       r"network has \['relu'\]"),
    (_set_param("batch_norm", True), r"params: batch_norm: True asks for True"),
    (_set_param("dtype", "float32"), r"params: dtype: 'float32'; the network is float64"),
    (lambda meta: meta["params"].pop("max_iter"),
     r"params: missing parameter\(s\) \['max_iter'\] for MLPClassifier"),
])
def test_load_estimator_refuses_settings_no_fit_takes(saved_classifier, edit, match):
    """The saved parameters were set as they were: alpha "x", a solver of null or a
    hidden_layer_sizes other than the network's loaded without a word (get_params then
    described another model, and a refit failed or built another network), and a missing
    one took its default."""
    _edit_meta(saved_classifier, edit)
    with pytest.raises(ValueError, match=match) as err:
        load_estimator(saved_classifier)
    assert str(err.value).startswith(f"{saved_classifier}: corrupted estimator file")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("verbose", ["x", [], None, -1, 2.5])
def test_a_verbose_no_fit_takes_is_refused_by_fit_and_by_load_estimator(saved_classifier, iris,
                                                                         verbose):
    """verbose was the one parameter fit did not check: verbose="x" failed later in fit with
    Python's "invalid literal for int() with base 10: 'x'", [] with "int() argument must
    be ...", and -1 and 2.5 were taken (2.5 as 2).  load_estimator, which refuses what fit
    refuses, loaded a record of any of them, whose partial_fit then failed so.
    scikit-learn's MLPClassifier refuses all five (an int >= 0 or a bool)."""
    from sklearn.neural_network import MLPClassifier as SkMLPClassifier
    from sklearn.utils._param_validation import InvalidParameterError

    X, y = iris
    with pytest.raises(InvalidParameterError, match="'verbose' parameter"):
        SkMLPClassifier((3,), verbose=verbose, max_iter=1).fit(X, y)
    match = re.escape(f"The 'verbose' parameter of MLPClassifier must be an int in the range "
                      f"[0, inf), an instance of 'bool' or an instance of 'numpy.bool'. Got "
                      f"{verbose!r} instead.")  # scikit-learn's words
    with pytest.raises((ValueError, TypeError), match=match):
        MLPClassifier((3,), verbose=verbose, max_iter=1).fit(X, y)
    _edit_meta(saved_classifier, _set_param("verbose", verbose))
    with pytest.raises(ValueError, match=f"^{re.escape(str(saved_classifier))}: corrupted "
                                         f"estimator file \\(params: {match}\\)$"):
        load_estimator(saved_classifier)
    for accepted in (True, 0, 2, np.int64(1)):  # taken, as scikit-learn takes them
        assert MLPClassifier((3,), verbose=accepted, max_iter=1).fit(X, y).n_iter_ == 1


@pytest.fixture
def plateau_checkpoint(tmp_path):
    from chainrule import Dense, Network, train
    from chainrule.schedules import ReduceOnPlateau

    X, Y = _regression_data()
    net = Network([Dense(3, 5, "tanh", seed=0), Dense(5, 1, "identity", seed=1)])
    path = tmp_path / "ck.npz"
    train(net, X, Y, optimizer="sgd", momentum=0.9, lr=0.05, batch_size=8, epochs=3, seed=0,
          schedule=ReduceOnPlateau(patience=0), checkpoint=path)
    return path


@pytest.mark.parametrize(("edit", "match"), [
    (_set_meta("schedule", "state", "_best", value="x"),
     "schedule.state._best: expected a number, found 'x'"),
    (_set_meta("schedule", "state", "_wait", value=None),
     "schedule.state._wait: expected a non-negative integer, found None"),
    (_set_meta("schedule", "state", "_wait", value=-1),
     "schedule.state._wait: expected a non-negative integer, found -1"),
    (_set_meta("schedule", "state", "_scale", value=0), "schedule.state._scale: expected a "
                                                        "number in (0, 1], found 0"),
    (_set_meta("schedule", "state", value={"factor": 0.9}),
     "schedule.state: expected an object with the keys ['_best', '_cooldown_left', '_scale', "
     "'_wait'], found {'factor': 0.9}"),
    (lambda meta: meta["schedule"]["state"].pop("_scale"),
     "schedule.state: expected an object with the keys ['_best', '_cooldown_left', '_scale', "
     "'_wait']"),
    # an unknown metric was refused only at the end of the first resumed epoch, naming no file
    (_set_meta("schedule", "config", "monitor", value="val_x"),
     "schedule.config.monitor: ReduceOnPlateau monitor 'val_x' is not a metric of this run"),
    (lambda meta: meta["schedule"]["config"].pop("patience"),
     "schedule.config: expected the keys ['cooldown', 'eps', 'factor', 'min_delta', 'min_lr', "
     "'mode', 'monitor', 'name', 'patience', 'threshold_mode'], found ['cooldown', 'eps', "
     "'factor', 'min_delta', 'min_lr', 'mode', 'monitor', 'name', 'threshold_mode']"),
])
def test_from_checkpoint_checks_the_schedules_record(plateau_checkpoint, edit, match):
    """set_state took any dict: a _best of "x" or a _wait of null failed at resume with a bare
    TypeError from the schedule, a _scale of 0 or a _wait of -1 resumed another run, a state
    of {"factor": 0.9} overwrote a setting, and a setting missing from the config took its
    default.  (``match`` is the literal text.)"""
    from chainrule import Trainer, resume

    path = plateau_checkpoint
    with np.load(path, allow_pickle=False) as data:  # the intact record is taken as it is
        saved = json.loads(str(data["__meta__"]))["schedule"]["state"]
    assert Trainer.from_checkpoint(path).schedule.get_state() == saved
    _edit_meta(path, edit)
    with pytest.raises(ValueError, match=re.escape(match)) as err:
        Trainer.from_checkpoint(path)
    assert str(err.value).startswith(f"{path}: corrupted checkpoint")
    with pytest.raises(ValueError, match=re.escape(match)):
        resume(path, *_regression_data(), epochs=5)


@pytest.mark.parametrize("state", [{}, {"rng_": 1}])
def test_load_refuses_a_dropout_state_without_its_generator(tmp_path, state):
    """A Dropout layer's state of {} was taken (its keys were a subset of the layer's), and
    the loaded layer dropped units with the seed it was built with, not the saved stream:
    training on (a warm start, a resumed run) went another way without a word."""
    import chainrule
    from chainrule import Dense, Dropout, Network

    net = Network([Dense(3, 4, "tanh", seed=0), Dropout(0.5, seed=1), Dense(4, 1, seed=2)])
    path = net.save(tmp_path / "net.npz")
    back = chainrule.load(path)
    assert back.layers[1].get_state() == net.layers[1].get_state()  # the intact file
    _edit_meta(path, _set_meta("states", 1, value=state))
    with pytest.raises(ValueError, match=r"states\[1\]: expected an object with the keys "
                                         r"\['rng'\]") as err:
        chainrule.load(path)
    assert str(err.value).startswith(f"{path}: corrupted")


@pytest.mark.parametrize("value", ["yes", 1, None, [False]])
def test_load_names_a_damaged_dropout_seed_mark(tmp_path, value):
    """A Dropout state's own_seed that is not true or false: refused, naming the key (1
    would otherwise pass for true, "yes" and [False] too)."""
    import chainrule
    from chainrule import Dense, Dropout, Network

    net = Network([Dense(3, 4, "tanh", seed=0), Dropout(0.5), Dense(4, 1, seed=2)])
    path = net.save(tmp_path / "net.npz")
    _edit_meta(path, _set_meta("states", 1, "own_seed", value=value))
    with pytest.raises(ValueError, match=r"Dropout own_seed: expected true or false, found") \
            as err:
        chainrule.load(path)
    assert str(err.value).startswith(f"{path}: corrupted")
    layer = net.layers[1]  # set_state on a live layer: refused, its state kept
    before = layer.get_state()
    bad = json.loads(json.dumps(before))
    bad["rng"]["state"]["state"] += 1
    bad["own_seed"] = value
    with pytest.raises(TypeError, match=r"Dropout own_seed: expected true or false"):
        layer.set_state(bad)
    assert layer.get_state() == before


# --- JSON integers past int64 in number records -------------------------------------------
@pytest.fixture
def saved_model(tmp_path):
    from chainrule import Dense, Network
    from chainrule.saved_model import SavedModel

    net = Network([Dense(2, 3, "tanh", seed=0), Dense(3, 1, "identity", seed=1)])
    meta = {"task": "regression", "x_mean": [0.5, -1.0], "x_scale": [2.0, 4.0]}
    return SavedModel(net, meta).save(tmp_path / "m.npz")


@pytest.mark.parametrize(("edit", "match"), [
    (lambda meta: meta["metadata"]["x_scale"].__setitem__(0, 10**400),
     r"x_scale: expected a list of finite numbers"),
    (lambda meta: meta["metadata"].update(y_mean=10**400, y_scale=1.0),
     r"y_mean: expected a finite number"),
    (lambda meta: meta["metadata"].update(task="classification", labels=[10**400, 1]),
     r"labels: expected a list of strings or numbers"),
])
def test_a_model_record_with_an_int_too_large_for_a_float_is_named(saved_model, edit, match):
    """``np.isfinite(10**400)`` (of any int past int64) raised numpy's "ufunc 'isfinite' not
    supported for the input types", a TypeError naming neither the file nor the record."""
    from chainrule.saved_model import SavedModel

    _edit_meta(saved_model, edit)
    with pytest.raises(ValueError, match=match) as err:
        SavedModel.load(saved_model)
    assert str(err.value).startswith(f"{saved_model}: corrupted chainrule model file")


def test_a_model_record_with_a_large_json_int_is_used_as_its_float(saved_model):
    """An x_mean of 10**30 written as a JSON int was refused by the same TypeError, then made
    an array of objects ("X must hold numbers"); it is the number 1e30."""
    from chainrule.saved_model import SavedModel

    _edit_meta(saved_model, lambda meta: meta["metadata"]["x_mean"].__setitem__(0, 10**30))
    model = SavedModel.load(saved_model)
    X = np.array([[1e30, 3.0], [2e30, -5.0]])
    expected = model.network.forward((X - np.array([1e30, -1.0])) / np.array([2.0, 4.0]))
    np.testing.assert_array_equal(model.predict(X), expected[:, 0])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_an_estimator_record_with_an_int_too_large_for_a_float_is_named(saved_classifier):
    _edit_meta(saved_classifier, _set_fitted("best_loss_", 10**400))
    with pytest.raises(ValueError, match=r"best_loss_: expected a finite number or null") as err:
        load_estimator(saved_classifier)
    assert str(err.value).startswith(f"{saved_classifier}: corrupted estimator file")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_an_autoencoder_record_with_an_int_too_large_for_a_float_is_named(tmp_path):
    from chainrule import SparseAutoencoder, load_autoencoder

    X = np.random.default_rng(0).uniform(0.1, 0.9, size=(20, 4))
    path = SparseAutoencoder(n_hidden=2, max_iter=2, random_state=0).fit(X).save(
        tmp_path / "ae.npz")
    _edit_meta(path, lambda meta: meta["params"].update(beta=10**400))
    with pytest.raises(ValueError, match=r"beta: expected a finite number") as err:
        load_autoencoder(path)
    assert str(err.value).startswith(f"{path}: corrupted autoencoder file")


@pytest.mark.parametrize("mark", [[], {}, ["inf"]])
def test_a_non_finite_mark_of_another_json_type_is_an_object_like_any_other(saved_model, mark):
    """``{"__float__": []}`` (the mark of a non-finite float, damaged) stopped the JSON
    reader with "unhashable type: 'list'", a TypeError naming neither the file nor the
    record.  It is now an object as any other, which the record's check names."""
    from chainrule.io import read_file
    from chainrule.saved_model import SavedModel

    _edit_meta(saved_model, lambda meta: meta["metadata"].update(y_mean={"__float__": mark},
                                                                 y_scale=1.0))
    meta, _ = read_file(saved_model, "chainrule.network")
    assert meta["metadata"]["y_mean"] == {"__float__": mark}
    with pytest.raises(ValueError, match=r"y_mean: expected a finite number") as err:
        SavedModel.load(saved_model)
    assert str(err.value).startswith(f"{saved_model}: corrupted chainrule model file")


def _add_member(path, name, array) -> None:
    """Append the member ``name`` holding ``array`` to the archive at ``path``."""
    import io as stdio
    import warnings
    import zipfile

    buf = stdio.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile's "Duplicate name"
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr(name, buf.getvalue())


@pytest.mark.parametrize("name", ["params.npy", "params"])
def test_an_array_that_is_in_the_archive_twice_is_refused(saved_net, name):
    """A second member holding the parameters (params.npy again, or params, which np.load
    also names 'params') was read in place of the first without a word: the network
    loaded with the other member's values."""
    import chainrule

    with np.load(saved_net) as data:
        params = data["params"]
    _add_member(saved_net, name, params + 1.0)
    with pytest.raises(ValueError) as err:
        chainrule.load(saved_net)
    message = str(err.value)
    assert message.startswith(f"{saved_net}: not a readable chainrule file")
    assert f"the array 'params' is in the archive twice (the members 'params.npy' and " \
           f"{name!r})" in message


def _forged_directory(path, n, method) -> None:
    """An archive with 'X' whose .npy header and zip sizes all claim ``n`` float64s; it holds
    ten (a forged size: every claim agrees but the file is a few hundred bytes)."""
    import io as stdio
    import struct
    import zipfile

    header = stdio.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (n,)})
    with zipfile.ZipFile(path, "w", method) as zf:
        zf.writestr("X.npy", header.getvalue() + np.zeros(10).tobytes())
    raw = bytearray(path.read_bytes())
    size = len(header.getvalue()) + 8 * n
    packed = size if method == zipfile.ZIP_STORED else struct.unpack_from("<I", raw, 18)[0]
    struct.pack_into("<II", raw, 18, packed, size)  # the local header's sizes
    central = raw.find(b"PK\x01\x02")
    struct.pack_into("<II", raw, central + 20, packed, size)  # the directory's
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize(("method", "claim"), [
    (0, r"the member 'X.npy' claims 4000000128 bytes of data from byte 0 on, past the end of "
        r"the archive \(\d+ bytes\)"),
    (8, r"the member 'X.npy' claims 4000000128 bytes from \d+ compressed ones; deflate gives "
        r"at most 1032 times as many"),
])
def test_zip_sizes_larger_than_the_archive_can_hold_are_refused(tmp_path, capsys, method, claim):
    """Sizes that agree with each other (the .npy header, the zip directory) but not with
    the file were read: np.load set aside the 4 GB its header claimed, then failed on an
    EOFError without a message ("data.npz: not a readable .npz file ()")."""
    from chainrule.cli import main
    from chainrule.tabular import read_data

    path = tmp_path / "data.npz"
    _forged_directory(path, 500_000_000, method)
    with pytest.raises(ValueError, match=rf"^{re.escape(str(path))}: not a readable \.npz "
                                         rf"file \({claim}\)$"):
        read_data(str(path))
    for message in _read_errors(path):
        assert re.search(claim, message), message
    model = tmp_path / "m.npz"
    assert main(["train", str(path), "-o", str(model), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and re.search(claim, err), err
    assert not model.exists()


def test_a_checkpoint_history_of_json_ints_resumes_to_a_written_model(tmp_path, capsys):
    """A history loss written as the JSON int 10**30 passed the checkpoint's check, trained
    the rest of the run, then failed while writing the model ("ufunc 'isfinite' not
    supported for the input types"): the run was lost.  The history holds it as the float
    1e30; an int no float holds (10**400) is named as damaged."""
    from chainrule import Trainer
    from chainrule.cli import main

    rng = np.random.default_rng(0)
    data = tmp_path / "d.npz"
    np.savez(data, X=rng.normal(size=(20, 2)), y=rng.normal(size=20))
    ckpt, model = tmp_path / "ck.npz", tmp_path / "m.npz"
    argv = ["train", str(data), "-o", str(model), "--hidden", "3", "--epochs", "2", "-q",
            "--checkpoint", str(ckpt), "--task", "regression"]
    assert main(argv) == 0, capsys.readouterr().err
    model.unlink()
    _edit_meta(ckpt, _set_meta("history", "metrics", "loss", 0, value=10**30))
    trainer = Trainer.from_checkpoint(ckpt)
    assert [type(v) for v in trainer.history["loss"]] == [float, float]
    assert trainer.history["loss"][0] == 1e30
    argv[argv.index("--epochs") + 1] = "3"
    assert main([*argv, "--resume"]) == 0, capsys.readouterr().err
    from chainrule.io import load_metadata

    assert load_metadata(model)["history"]["loss"][0] == 1e30
    _edit_meta(ckpt, _set_meta("history", "metrics", "loss", 0, value=10**400))
    with pytest.raises(ValueError, match=r"history\.metrics\.loss: expected a list of 3 finite"):
        Trainer.from_checkpoint(ckpt)


@pytest.mark.parametrize("kind", ["loop", "dangling"])
def test_a_symbolic_link_to_no_file_is_named_as_one(tmp_path, capsys, kind):
    """A loop of links, or a link to a missing file, was "no such file: m.npz" while ``ls``
    lists m.npz; the message now says what m.npz is."""
    import chainrule
    from chainrule.cli import main
    from chainrule.tabular import read_data

    link = tmp_path / "m.npz"
    if kind == "loop":
        (tmp_path / "other.npz").symlink_to(link)
        said = "it is a symbolic link in a loop of links"
    else:
        said = f"it is a symbolic link to {tmp_path / 'gone.npz'}, which does not exist"
    link.symlink_to(tmp_path / ("other.npz" if kind == "loop" else "gone.npz"))
    with pytest.raises(FileNotFoundError) as err:
        chainrule.load(link)
    assert str(err.value) == f"no such file: {link}; {said}"
    with pytest.raises(FileNotFoundError, match=re.escape(f"{link}; {said} (bundled: ")):
        read_data(link)
    data = tmp_path / "d.npz"
    np.savez(data, X=np.zeros((3, 2)))
    assert main(["predict", str(link), str(data)]) == 2
    assert capsys.readouterr().err == f"chainrule: error: no such file: {link}; {said}\n"


@pytest.mark.parametrize(("content", "line"), [
    (b"\0" * 1000, 1),  # a file of zeros, as a crash can leave one
    (b"a,b,y\n1,2,0\n\0\0\0\0,4,1\n5,6,1\n", 3),
    (b"a,b,y\n1,2,c1\0\n3,4,c1\n5,6,c2\n", 2),
    (b"a,b,y\n1,2\0,0\n3,4,1\n", 2),
])
def test_a_csv_file_with_a_nul_byte_is_refused(tmp_path, capsys, content, line):
    """A NUL byte passed the CSV reader (Python >= 3.11) and numpy's strings dropped it at
    the end of a cell: 'c1\\0' was the class 'c1', '2\\0' the number 2, a row of zeros a
    "missing value", and a file of zeros "no rows of data after the header".  Python 3.10's
    reader refused it with its own words and no line ("malformed CSV: line contains NUL"):
    the lines are now checked before the reader sees them, the same on every Python."""
    from chainrule.cli import main
    from chainrule.tabular import read_data

    path = tmp_path / "d.csv"
    path.write_bytes(content)
    said = f"{path} line {line}: a NUL byte (\\x00); expected a text (CSV) file"
    with pytest.raises(ValueError) as err:
        read_data(path)
    assert str(err.value) == said
    assert main(["train", str(path), "-o", str(tmp_path / "m.npz"), "-q"]) == 2
    assert capsys.readouterr().err == f"chainrule: error: {said}\n"
    assert not (tmp_path / "m.npz").exists()


def test_an_archive_of_no_arrays_is_named_as_one(tmp_path):
    """np.savez with no arrays writes a zip archive that starts with the signature of its
    (empty) directory, which was taken for another format: "not an .npz archive (it starts
    with b'PK\\x05\\x06' ...)".  It is read as the archive it is: one without X, or without
    the record of a chainrule file."""
    import chainrule
    from chainrule.tabular import read_data

    path = tmp_path / "empty.npz"
    np.savez(path)
    with np.load(path) as data:  # the reference: NumPy's own reader
        assert data.files == []
    with pytest.raises(ValueError) as err:
        read_data(path)
    assert str(err.value) == f"{path}: no array named 'X' (arrays: none)"
    for message in _read_errors(path):
        assert message == f"{path}: not a chainrule file (no readable '__meta__' record)"
    with pytest.raises(ValueError, match="not a chainrule file"):
        chainrule.load_autoencoder(path)


def test_an_empty_string_target_of_an_npz_file_is_a_missing_value(tmp_path, capsys):
    """An NPZ file's target of strings with an empty one trained a class "" (written back
    by predict as an empty cell), where the same table as CSV is refused ("missing
    value"); the NPZ file is now refused the same way.  Prediction, which needs no
    target, still reads it."""
    from chainrule.cli import main
    from chainrule.tabular import read_data

    X = np.random.default_rng(0).normal(size=(6, 2))
    y = np.array(["a", "b", " ", "a", "b", "a"])
    npz, csv = tmp_path / "d.npz", tmp_path / "d.csv"
    np.savez(npz, X=X, y=y)
    rows = "".join(f"{r[0]},{r[1]},{t}\n" for r, t in zip(X, y, strict=True))
    csv.write_text("x0,x1,y\n" + rows)
    with pytest.raises(ValueError, match=r"d\.csv line 4, target 'y': missing value"):
        read_data(csv)  # the reference: the same table as CSV
    with pytest.raises(ValueError) as err:
        read_data(npz)
    assert str(err.value) == f"{npz} row 2, target 'y': missing value (an empty string)"
    assert read_data(npz, need_target=False).y.tolist() == y.tolist()
    assert main(["train", str(npz), "-o", str(tmp_path / "m.npz"), "-q"]) == 2
    assert capsys.readouterr().err == f"chainrule: error: {err.value}\n"
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("name", ["", "  "])
def test_an_npz_feature_name_that_is_empty_is_refused_as_in_a_csv_header(tmp_path, capsys,
                                                                          name):
    """An empty name in an NPZ file's feature_names trained a model with a column "", which
    no CSV file can give (its reader refuses a header cell without a name): the model
    could predict on NPZ files only.  The NPZ file is now refused as the CSV header is."""
    from chainrule.cli import main
    from chainrule.tabular import read_data

    csv = tmp_path / "d.csv"
    csv.write_text(f"a,{name},y\n1,2,0\n3,4,1\n")
    with pytest.raises(ValueError, match=r"d\.csv line 1: column 2 has no name"):
        read_data(csv)  # the reference: the same columns as CSV
    path = tmp_path / "d.npz"
    np.savez(path, X=np.arange(4.0).reshape(2, 2), y=np.arange(2),
             feature_names=np.array(["a", name]))
    with pytest.raises(ValueError) as err:
        read_data(path)
    assert str(err.value) == f"{path}: 'feature_names' gives column 2 no name (got {name!r})"
    assert main(["train", str(path), "-o", str(tmp_path / "m.npz"), "-q"]) == 2
    assert capsys.readouterr().err.startswith(
        f"chainrule: error: {path}: 'feature_names' gives column 2 no name")
    assert not (tmp_path / "m.npz").exists()


def test_wide_tables_are_read_in_time_linear_in_their_columns(tmp_path):
    """The checks of column names (duplicates, the model's columns among the file's, the
    model file's feature_names and labels) compared every name with every other: a CSV
    file of 20,000 columns took 11 s to read, 23 s with a model's features, and predict on
    it 20 s.  They are linear now; the columns taken are still the named ones, in the
    model's order.  The growth is what is checked, not a time: 8 times the columns take
    about 8 times as long when linear, 64 times when quadratic (the least of 3 runs of
    each, alternating, so that a busy machine slows both alike)."""
    import time

    from chainrule import Dense, Network
    from chainrule._saved_model_file import _metadata_problem
    from chainrule.saved_model import SavedModel
    from chainrule.tabular import read_data

    def case(n):
        names = [f"f{i}" for i in range(n)]
        X = np.arange(3 * n, dtype=float).reshape(3, n)
        path = tmp_path / f"wide{n}.csv"
        path.write_text(",".join([*names, "y"]) + "\n"
                        + "".join(",".join([*map(str, row), "a"]) + "\n" for row in X))
        return names, X, path, Network([Dense(n, 1, "identity")])

    def run(names, X, path, net):
        wanted = names[::-1]  # a model's columns, in another order
        start = time.perf_counter()
        table = read_data(path, features=wanted)
        problem = _metadata_problem(SavedModel(net, {"task": "regression",
                                                     "feature_names": names}))
        elapsed = time.perf_counter() - start
        assert problem is None
        np.testing.assert_array_equal(table.X, X[:, ::-1])
        assert table.feature_names == wanted
        return elapsed

    small, big = case(2_500), case(20_000)
    times = {2_500: [], 20_000: []}
    for _ in range(3):
        times[2_500].append(run(*small))
        times[20_000].append(run(*big))
    growth = min(times[20_000]) / min(times[2_500])
    assert growth < 24, f"8 x the columns took {growth:.1f} x as long (64 when quadratic)"
    names, _, _, net = big
    dup = SavedModel(net, {"task": "regression", "feature_names": [*names[:-1], "f0"]})
    assert _metadata_problem(dup) == "feature_names: 'f0' appears 2 times"


def _saved_with_label_width(kind, iris, tmp_path, width):
    """A classifier (MLPClassifier or SoftmaxRegression) fitted on iris's names, saved with
    its record's ``classes_dtype`` edited to ``width``: (X, labels, est, loader, path)."""
    from chainrule import SoftmaxRegression, load_autoencoder

    X, y = iris
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    if kind == "MLPClassifier":
        est, load = MLPClassifier((4,), max_iter=5, random_state=0), load_estimator
    else:
        est, load = SoftmaxRegression(max_iter=5, random_state=0), load_autoencoder
    path = est.fit(X, labels).save(tmp_path / "est.npz")
    _edit_meta(path, lambda meta: meta["fitted"].update(classes_dtype=width))
    return X, labels, est, load, path


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", ["MLPClassifier", "SoftmaxRegression"])
def test_a_text_dtype_wider_than_the_labels_sets_aside_no_memory_for_it(tmp_path, iris, kind):
    """classes_dtype "<U100000000" (an edited or damaged record) made the loaders build the
    labels at that width, to check them and again to restore them: 400 MB a label, 30 s
    and 4 GB for three (and "<U2000000000" ran out of memory).  The labels are rebuilt no
    wider than the longest one: the same labels and predictions, no memory set aside."""
    import tracemalloc

    X, _, est, load, path = _saved_with_label_width(kind, iris, tmp_path, "<U100000000")
    tracemalloc.start()
    try:
        loaded = load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, peak  # 1.2 GB when built at the recorded width
    assert loaded.classes_.tolist() == est.classes_.tolist()
    assert loaded.classes_.dtype == np.dtype("<U10")  # the longest label, "versicolor"
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    for compound in ("(100000000,)f8", "U3,U3"):
        _edit_meta(path, lambda meta, c=compound: meta["fitted"].update(classes_dtype=c))
        with pytest.raises(ValueError, match=re.escape(f"classes_dtype: {compound!r} cannot "
                                                       "hold the labels")):
            load(path)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", ["MLPClassifier", "SoftmaxRegression"])
def test_a_damaged_label_width_under_the_total_bound_costs_no_memory_per_prediction(
        tmp_path, iris, kind):
    """classes_dtype "<U1000000": three labels take 12 MB, under the 16 MiB that the
    labels may take together, so the width was kept, and every prediction was 4 MB:
    572 MiB and 2 s for the 150 iris rows.  A label wider than 1024 characters is
    rebuilt at the longest label's width, as before the labels kept their width."""
    import tracemalloc

    X, labels, est, load, path = _saved_with_label_width(kind, iris, tmp_path, "<U1000000")
    loaded = load(path)
    longest = max(map(len, labels))
    assert loaded.classes_.dtype == np.dtype(f"<U{longest}")
    tracemalloc.start()
    try:
        pred = loaded.predict(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20, peak
    np.testing.assert_array_equal(pred, est.predict(X))


@pytest.mark.parametrize("layers", [
    [{"type": "Dense", "fan_in": 10**5, "fan_out": 10**5, "activation": "tanh", "bias": True}],
    [{"type": "Dense", "fan_in": 1000, "fan_out": 100, "activation": "tanh", "bias": True},
     {"type": "Dense", "fan_in": 100, "fan_out": 1000, "activation": "identity", "bias": True}],
    [{"type": "Conv2D", "in_channels": 300, "out_channels": 300, "kernel_size": [30, 40],
      "stride": 1, "padding": 0, "activation": "relu", "bias": True}],
])
def test_load_refuses_layer_sizes_whose_product_the_file_cannot_hold(tmp_path, layers):
    """Sizes each within the parameter vector, but whose product is not (fan_in and fan_out
    10**5 in a file of 100,302 parameters), made the layer allocate its zero weights
    first: "MemoryError: Unable to allocate 74.5 GiB", naming no file."""
    import chainrule

    path = chainrule.mlp([1000, 100, 2], seed=0).save(tmp_path / "net.npz")
    n_params = 1000 * 100 + 100 + 100 * 2 + 2  # the reference: the MLP's own count
    assert chainrule.load(path).n_params == n_params
    weights = [cfg["fan_in"] * cfg["fan_out"] if cfg["type"] == "Dense" else
               cfg["in_channels"] * cfg["out_channels"] * 30 * 40 for cfg in layers]
    _edit_meta(path, _set_meta("network", "layers", value=layers))
    with pytest.raises(ValueError) as err:
        chainrule.load(path)
    assert str(err.value).startswith(f"{path}: corrupted")
    assert (f"the layers' sizes ask for at least {sum(weights)} weights, more than the "
            f"{n_params} parameters the file holds") in str(err.value)


def test_an_empty_file_is_named_as_one(tmp_path, capsys):
    """An empty model or data file was "not an .npz archive (it starts with b'', an .npz
    archive with b'PK\\x03\\x04')"; it is now said to be empty."""
    from chainrule.cli import main
    from chainrule.tabular import read_data

    path = tmp_path / "m.npz"
    path.write_bytes(b"")
    said = "an empty file (0 bytes); expected an .npz archive"
    for message in _read_errors(path):
        assert message == f"{path}: not a readable chainrule file (truncated, corrupted or " \
                          f"another format: {said})"
    with pytest.raises(ValueError) as err:
        read_data(path)
    assert str(err.value) == f"{path}: not a readable .npz file ({said})"
    assert main(["info", str(path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_non_finite_target_of_an_npz_file_is_refused_for_classification_too(tmp_path,
                                                                             capsys, bad):
    """A NaN in an NPZ file's float target trained a classifier with a class "nan" (and inf
    one with a class "inf"); regression already refused it ("not a finite number").  Both
    tasks refuse it now, with regression's message; prediction, which needs no target,
    still reads the file."""
    from chainrule.cli import main
    from chainrule.saved_model import regression_targets
    from chainrule.tabular import read_data

    y = np.array([0.0, 1.0, bad, 1.0, 0.0, 1.0])
    path = tmp_path / "d.npz"
    np.savez(path, X=np.arange(12.0).reshape(6, 2), y=y)
    table = read_data(path, need_target=False)
    with pytest.raises(ValueError) as reference:  # regression's check of the same targets
        regression_targets(table)
    with pytest.raises(ValueError) as err:
        read_data(path)
    assert str(err.value) == str(reference.value) == \
        f"{path} row 2, target 'y': not a finite number: {str(bad)!r}"
    model = tmp_path / "m.npz"
    assert main(["train", str(path), "-o", str(model), "-q", "--task", "classification"]) == 2
    assert capsys.readouterr().err == f"chainrule: error: {err.value}\n"
    assert not model.exists()



def _misplaced_data_npz(path) -> None:
    """An archive whose member 'X.npy' has a local header whose extra-field length (65535)
    puts the member's data past the end of the file (the zip directory is intact)."""
    import struct

    np.savez(path, X=np.arange(6.0).reshape(3, 2))
    raw = bytearray(path.read_bytes())
    struct.pack_into("<H", raw, 28, 0xFFFF)  # the first local header's extra-field length
    path.write_bytes(bytes(raw))


def test_a_member_whose_data_runs_out_is_named(tmp_path, capsys):
    """A member whose data zipfile finds past the end of the file (a damaged local header)
    gave zipfile's EOFError, which has no message: "data.npz: not a readable .npz file ()".
    Python 3.13's zipfile (and the security releases of older ones) refuses the header
    itself, with a message ("Overlapped entries"), which is passed on."""
    import zipfile

    from chainrule.cli import main
    from chainrule.tabular import read_data

    path = tmp_path / "data.npz"
    _misplaced_data_npz(path)
    with zipfile.ZipFile(path) as zf, pytest.raises((EOFError, zipfile.BadZipFile)) as reference:
        zf.open("X.npy").read(8)  # the reference: zipfile's own reading of it
    if reference.type is EOFError:
        assert str(reference.value) == ""
        said = "the data of the member 'X.npy' ends before its size (truncated or corrupted)"
    else:
        said = str(reference.value)
        assert "'X.npy'" in said
    with pytest.raises(ValueError) as err:
        read_data(path)
    assert str(err.value) == f"{path}: not a readable .npz file ({said})"
    for message in _read_errors(path):
        assert message.endswith(f"another format: {said})"), message
    assert main(["train", str(path), "-o", str(tmp_path / "m.npz"), "-q"]) == 2
    assert capsys.readouterr().err.endswith(f"({said})\n")


@pytest.mark.parametrize("text", ["nan", "NaN", " -NAN "])
def test_a_nan_text_target_is_missing_not_a_class(tmp_path, capsys, text):
    """A target cell "nan" (pandas reads it as missing; np.array(["a", np.nan]) writes it)
    trained a class named "nan"; it is refused as an empty cell is, naming the line."""
    from chainrule.cli import main
    from chainrule.tabular import read_data

    X = np.random.default_rng(0).normal(size=(5, 2))
    y = np.array(["cat", "dog", text, "cat", "dog"])
    csv, npz = tmp_path / "d.csv", tmp_path / "d.npz"
    csv.write_text("x0,x1,y\n" + "".join(f"{a},{b},{t}\n" for (a, b), t in zip(X, y, strict=True)))
    np.savez(npz, X=X, y=y)
    with pytest.raises(ValueError) as err:
        read_data(csv)
    assert str(err.value) == f"{csv} line 4, target 'y': missing value ({text.strip()!r})"
    with pytest.raises(ValueError) as err_npz:
        read_data(npz)
    assert str(err_npz.value) == f"{npz} row 2, target 'y': missing value ({text!r})"
    assert read_data(csv, "y", need_target=False).X.shape == X.shape  # prediction reads it
    assert main(["train", str(csv), "-o", str(tmp_path / "m.npz"), "-q"]) == 2
    assert capsys.readouterr().err == f"chainrule: error: {err.value}\n"


@pytest.mark.parametrize("where", ["padding", "input_shape"])
def test_a_layer_no_memory_holds_for_one_example_is_refused_at_predict_naming_it(tmp_path,
                                                                                  where):
    """A Conv2D padding of 10**9 (or images of 10**12 pixels) behind a pooling that brings
    them back to 1x1 loads (no parameter depends on them), and predict failed in NumPy
    ("array is too big", or "Unable to allocate 107 GiB" for a padding of 20000): it now
    names the layer and the memory one example needs there."""
    from chainrule import AvgPool2D, Conv2D, Dense, Flatten, Network, io

    net = Network([Conv2D(1, 2, 3, padding=1, activation="relu", seed=0), AvgPool2D(8),
                   Flatten(), Dense(2, 1, "sigmoid", seed=0)], loss="log_loss",
                  input_shape=(1, 8, 8))
    X = np.random.default_rng(0).normal(size=(3, 64))
    path = io.save(net, tmp_path / "cnn.npz")
    np.testing.assert_array_equal(io.load(path).predict(X), net.predict(X))  # as saved
    side = 10**6

    def edit(meta):
        conv, pool = meta["network"]["layers"][:2]
        if where == "padding":
            conv["padding"] = 10**9
            pool["size"] = pool["stride"] = 8 + 2 * 10**9 - 2  # back to 1x1
        else:
            meta["network"]["input_shape"] = [1, side, side]
            pool["size"] = pool["stride"] = side

    _edit_meta(path, edit)
    damaged = io.load(path)
    if where == "input_shape":  # one image of 10**12 zeros, held in one byte
        X = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), (1, 1, side, side),
                                            (0, 0, 0, 0))
    with pytest.raises(ValueError, match=r"^layers\[0\] Conv2D\(1, 2, kernel_size=3.*: a "
                                         r"single example needs an array of .* GiB there, "
                                         r"more than (this machine's .* GiB of memory|"
                                         r"the .* GiB memory limit of this process's "
                                         r"container)"):
        damaged.predict(X)


@pytest.mark.parametrize("answer", [-1, 0])
def test_a_memory_size_the_system_does_not_know_refuses_no_network(monkeypatch, answer):
    """os.sysconf answers -1 for a limit it calls indeterminate (POSIX): the memory read
    as -4096 bytes, more than which every network's one example needed, so every
    predict was refused.  An unknown size now checks nothing, as where there is no
    sysconf."""
    import os

    import chainrule as cr
    from chainrule import _inference

    real = os.sysconf
    monkeypatch.setattr(os, "sysconf",
                        lambda name: answer if name == "SC_PHYS_PAGES" else real(name))
    _inference._memory_bytes.cache_clear()
    try:
        net = cr.mlp([2, 3, 1], hidden="tanh", output="sigmoid", seed=0)
        X = np.random.default_rng(0).normal(size=(4, 2))
        expected = 1 / (1 + np.exp(-(np.tanh(X @ net.layers[0].W + net.layers[0].b)
                                     @ net.layers[1].W + net.layers[1].b)))
        np.testing.assert_allclose(net.predict(X), expected, rtol=1e-12)
    finally:
        monkeypatch.undo()
        _inference._memory_bytes.cache_clear()


@pytest.mark.parametrize(("v2", "v1", "limit"), [
    ("1000\n", None, 1000),             # cgroup v2: the container's limit
    (None, "1000\n", 1000),             # cgroup v1
    ("max\n", "1000\n", None),          # v2 says none ("max")
    (None, "9223372036854771712\n", None),  # v1's "none": larger than the machine
    (None, None, None),                 # neither readable: the physical memory alone
    ("garbage", None, None),
])
def test_the_one_example_check_takes_a_containers_memory_limit(monkeypatch, v2, v1, limit):
    """The one-example check compared with the machine's physical memory, so in a
    container of a few GiB on a large machine a damaged file's array passed the check
    and was killed for memory.  The smaller of the two is taken where the cgroup limit
    (v2 memory.max, v1 memory.limit_in_bytes) is readable; an unreadable one is no
    limit.  The system files are replaced by the reader's answers here."""
    import os

    from chainrule import _inference
    from chainrule.layers import Dense

    texts = dict(zip(_inference._CGROUP_LIMITS, (v2, v1), strict=True))
    monkeypatch.setattr(_inference, "_read_text", texts.get)
    _inference._memory_bytes.cache_clear()
    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")  # the reference
        expected = physical if limit is None else min(physical, limit)
        assert _inference._memory_bytes() == expected
        layer = Dense(4, 200)  # one example: 200 float64 outputs, 1600 bytes
        if limit is None:
            _inference.check_one_example([layer], [(4, 200)], 8)  # far below the machine's
            return
        with pytest.raises(ValueError) as refused:
            _inference.check_one_example([layer], [(4, 200)], 8)
        assert str(refused.value).startswith(
            f"layers[0] {layer!r} (input 4, output 200 per example): a single example needs an "
            f"array of {1600 / 2**30:.3g} GiB there, more than the {1000 / 2**30:.3g} GiB "
            "memory limit of this process's container, so the network cannot compute")
        _inference.check_one_example([layer], [(4, 120)], 8)  # 960 bytes: within the limit
    finally:
        monkeypatch.undo()
        _inference._memory_bytes.cache_clear()
