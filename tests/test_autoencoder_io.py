"""Saving and loading the autoencoder models: arrays + JSON, never pickle."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import chainrule as cr
from chainrule.autoencoder import AUTOENCODER_FORMAT
from file_helpers import edit_saved_meta as _edit_meta

# the fits here stop after a few iterations on purpose (ConvergenceWarning: test_autoencoder)
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.uniform(0.1, 0.9, size=(40, 8))
    y = np.array(["cat", "dog", "eel", "fox"])[np.arange(40) % 4]
    return X, y


def _sae(X):
    return cr.SparseAutoencoder(5, max_iter=5, random_state=0).fit(X)


def _softmax(X, y):
    return cr.SoftmaxRegression(max_iter=5, random_state=0).fit(X, y)


def _stack(X, y):
    return cr.StackedAutoencoder((5, 4), max_iter=5, softmax_max_iter=5, fine_tune_iter=5,
                                 random_state=0).fit(X, y)




def _same_attributes(a, b) -> None:
    assert type(a) is type(b)
    assert a.get_params() == b.get_params()
    assert a.n_features_in_ == b.n_features_in_ and a.n_iter_ == b.n_iter_
    np.testing.assert_array_equal(a.network_.params, b.network_.params)
    assert a.network_.dtype == b.network_.dtype


def test_sparse_autoencoder_round_trip(tmp_path, data):
    X, _ = data
    ae = _sae(X)
    path = ae.save(tmp_path / "ae")
    assert path == tmp_path / "ae.npz"
    back = cr.load_autoencoder(path)
    _same_attributes(ae, back)
    assert back.loss_ == ae.loss_
    np.testing.assert_array_equal(back.mean_activation_, ae.mean_activation_)
    H = ae.transform(X)
    np.testing.assert_array_equal(back.transform(X), H)
    np.testing.assert_array_equal(back.inverse_transform(H), ae.inverse_transform(H))
    np.testing.assert_array_equal(back.filters_, ae.filters_)
    assert back.cost(ae.params, X)[0] == ae.cost(ae.params, X)[0]


def test_linear_decoder_round_trip(tmp_path, data):
    X, _ = data
    ae = cr.SparseAutoencoder(3, max_iter=3, random_state=1, output="identity").fit(X - 0.5)
    back = cr.load_autoencoder(ae.save(tmp_path / "lin.npz"))
    assert back.output == "identity"
    np.testing.assert_array_equal(back.reconstruct(X), ae.reconstruct(X))


@pytest.mark.parametrize("labels", [
    np.array(["cat", "dog", "eel", "fox"]), np.array([3, 1, 4, 9]),
    np.array([-2, 0, 5, 11], dtype=np.int32),
])
def test_softmax_round_trip_keeps_labels_and_their_dtype(tmp_path, data, labels):
    X, _ = data
    y = labels[np.arange(40) % 4]
    clf = _softmax(X, y)
    back = cr.load_autoencoder(clf.save(tmp_path / "sm.npz"))
    _same_attributes(clf, back)
    assert back.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(back.classes_, clf.classes_)
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    assert back.score(X, y) == clf.score(X, y)


def test_stacked_round_trip(tmp_path, data):
    X, y = data
    stack = _stack(X, y)
    back = cr.load_autoencoder(stack.save(tmp_path / "stack.npz"))
    _same_attributes(stack, back)
    assert back.hidden_sizes == (5, 4)
    assert back.classes_.dtype == stack.classes_.dtype and back.classes_.dtype.kind == "U"
    np.testing.assert_array_equal(back.classes_, stack.classes_)
    np.testing.assert_array_equal(back.predict_proba(X), stack.predict_proba(X))
    np.testing.assert_array_equal(back.predict(X), stack.predict(X))
    _same_attributes(stack.softmax_, back.softmax_)
    np.testing.assert_array_equal(back.softmax_.classes_, stack.softmax_.classes_)
    assert len(back.autoencoders_) == len(stack.autoencoders_) == 2
    feats = X
    for a, b in zip(stack.autoencoders_, back.autoencoders_, strict=True):
        _same_attributes(a, b)
        np.testing.assert_array_equal(b.transform(feats), a.transform(feats))
        np.testing.assert_array_equal(b.mean_activation_, a.mean_activation_)
        feats = a.transform(feats)
    # the loaded networks are independent, as after fit: fine-tuning goes on the same way
    stack.fine_tune(X, y, 3)
    back.fine_tune(X, y, 3)
    np.testing.assert_array_equal(back.network_.params, stack.network_.params)
    np.testing.assert_array_equal(back.autoencoders_[0].network_.params,
                                  stack.autoencoders_[0].network_.params)


@pytest.mark.parametrize("make", ["sae", "softmax", "stack"])
def test_files_hold_no_pickled_objects(tmp_path, data, make):
    X, y = data
    model = {"sae": lambda: _sae(X), "softmax": lambda: _softmax(X, y),
             "stack": lambda: _stack(X, y)}[make]()
    path = model.save(tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as npz:
        for key in npz.files:
            assert npz[key].dtype != object, key
        meta = json.loads(str(npz["__meta__"]))
    assert meta["format"] == AUTOENCODER_FORMAT
    with zipfile.ZipFile(path) as zf:
        assert all(name.endswith(".npy") for name in zf.namelist())


def test_unfitted_model_cannot_be_saved(tmp_path):
    with pytest.raises(NotFittedError):
        cr.SparseAutoencoder(3).save(tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


@pytest.fixture
def saved_stack(tmp_path, data):
    X, y = data
    return _stack(X, y).save(tmp_path / "stack.npz")


@pytest.fixture
def saved_softmax(tmp_path, data):
    X, y = data
    return _softmax(X, y).save(tmp_path / "softmax.npz")


def _set(*keys, value):
    def edit(meta):
        node = meta
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return edit


@pytest.mark.parametrize(("edit", "match"), [
    (_set("fitted", "classes_", value=["cat", "dog", "eel"]), r"classes_: expected 4 labels"),
    (_set("fitted", "classes_", value=["a", "b", "c", "d", "e"]), r"classes_: expected 4 labels"),
    (_set("fitted", "classes_", value=["a", "a", "b", "c"]), r"classes_: expected distinct"),
    (_set("fitted", "classes_dtype", value="int64"), r"classes_dtype: 'int64' cannot hold"),
    (_set("fitted", "predict", value=1), r"unknown key\(s\) \['predict'\]"),
    (_set("fitted", "n_features_in_", value=9), r"n_features_in_: expected 8"),
    (_set("fitted", "n_features_in_", value="8"), r"n_features_in_: expected 8"),
    (_set("fitted", "n_iter_", value=-1), r"n_iter_: expected a non-negative integer"),
    (_set("extra", value={}), r"unknown key\(s\) \['extra'\]"),
    (_set("params", "colour", value="red"), r"unknown parameter\(s\) \['colour'\]"),
    (_set("params", "hidden_sizes", value=[5, 5]), r"hidden_sizes: expected the network's"),
    (_set("params", "rho", value="high"), r"rho: expected a finite number"),
    (_set("params", "random_state", value=-3), r"random_state: expected null or an integer"),
    (_set("estimator", value="MLPClassifier"), r"estimator: expected one of"),
    (_set("autoencoders_", value=[]), r"autoencoders_: expected a list of 2"),
    (_set("softmax_", "fitted", "classes_", value=["a", "b", "c", "d"]),
     r"softmax_: expected 4 features and the classes \['cat', 'dog', 'eel', 'fox'\]"),
    (_set("softmax_", "estimator", value="StackedAutoencoder"), r"softmax_: estimator"),
    (_set("autoencoders_", 0, "fitted", "loss_", value="nan"),
     r"autoencoders_/0: fitted: loss_: expected a finite number"),
    (_set("autoencoders_", 1, "fitted", "whatever", value=1),
     r"autoencoders_/1: fitted: unknown key\(s\) \['whatever'\]"),
    (_set("autoencoders_", 0, "params", "n_hidden", value=6), r"n_hidden: expected 5"),
    (lambda meta: meta.pop("softmax_"), r"missing key\(s\) \['softmax_'\]"),
    # loaded before: predict worked, fine_tune failed on the KL penalty of a relu layer
    (_set("network", "layers", 1, "activation", value="relu"),
     r"network: layer 1 of a StackedAutoencoder is an autoencoder's sigmoid hidden layer, "
     r"found the activation 'relu'"),
    (_set("network", "decay", value="per_sample"),
     r"network: decay: expected 'ufldl' \(the only one fit uses\), found 'per_sample'"),
    (lambda meta: meta["fitted"].pop("classes_dtype"), r"missing key\(s\) \['classes_dtype'\]"),
])
def test_corrupted_stack_record_is_refused_naming_the_file(saved_stack, edit, match):
    _edit_meta(saved_stack, edit)
    with pytest.raises(ValueError, match=match) as info:
        cr.load_autoencoder(saved_stack)
    assert str(saved_stack) in str(info.value)


@pytest.mark.parametrize(("edit", "match"), [
    (_set("fitted", "classes_", value=["cat", "dog"]), r"classes_: expected 4 labels"),
    (_set("fitted", "feature_names_in_", value=["a"]), r"feature_names_in_: expected a list"),
    # the first difference between the kinds that is checked: a parameter of one only
    (_set("estimator", value="SparseAutoencoder"),
     r"params: unknown parameter\(s\) \['class_weight'\] for SparseAutoencoder"),
    (_set("network", value="dense"), r"corrupted or incomplete chainrule file"),
])
def test_corrupted_softmax_record_is_refused_naming_the_file(saved_softmax, edit, match):
    _edit_meta(saved_softmax, edit)
    with pytest.raises(ValueError, match=match) as info:
        cr.load_autoencoder(saved_softmax)
    assert str(saved_softmax) in str(info.value)


def test_files_of_other_formats_are_refused(tmp_path, data):
    X, y = data
    mlp = cr.MLPClassifier((3,), max_iter=2, random_state=0)
    with pytest.warns(Warning):
        mlp.fit(X, y)
    other = mlp.save(tmp_path / "mlp.npz")
    with pytest.raises(ValueError, match=r"expected a 'chainrule.autoencoder' file") as info:
        cr.load_autoencoder(other)
    assert str(other) in str(info.value)
    net = cr.io.save(_sae(X).network_, tmp_path / "net.npz")
    with pytest.raises(ValueError, match=r"found format 'chainrule.network'") as info:
        cr.load_autoencoder(net)
    assert str(net) in str(info.value)
    # and the other way round: the MLP loader refuses an autoencoder file
    ae = _sae(X).save(tmp_path / "ae.npz")
    with pytest.raises(ValueError, match=r"found format 'chainrule.autoencoder'"):
        cr.load_estimator(ae)


def test_truncated_file_is_refused(tmp_path, data):
    X, _ = data
    path = _sae(X).save(tmp_path / "ae.npz")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="not a readable chainrule file") as info:
        cr.load_autoencoder(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        cr.load_autoencoder(tmp_path / "nothing.npz")


def test_set_output_survives_save_and_load(tmp_path, data):
    """set_output(transform="pandas") is kept in the JSON record and set again on load.

    Before, the loaded model's transform returned an ndarray.  The reference is the saved
    model's own transform: the same frame, columns and numbers.
    """
    import pandas as pd
    from sklearn import config_context

    X, y = data
    ae = cr.SparseAutoencoder(5, max_iter=5, random_state=0).set_output(transform="pandas")
    ae.fit(X)
    path = ae.save(tmp_path / "pandas.npz")
    meta = json.loads(str(np.load(path, allow_pickle=False)["__meta__"]))
    assert meta["output_config"] == {"transform": "pandas"}
    loaded = cr.load_autoencoder(path)
    out, expected = loaded.transform(X), ae.transform(X)
    assert isinstance(out, pd.DataFrame)
    pd.testing.assert_frame_equal(out, expected)
    # "default" is a choice too: ndarrays, even where the global configuration says pandas
    ae.set_output(transform="default")
    loaded = cr.load_autoencoder(ae.save(tmp_path / "default.npz"))
    with config_context(transform_output="pandas"):
        assert isinstance(loaded.transform(X), np.ndarray)
    # no set_output: nothing recorded, and the global configuration applies after loading
    path = _sae(X).save(tmp_path / "plain.npz")
    assert "output_config" not in json.loads(str(np.load(path)["__meta__"]))
    with config_context(transform_output="pandas"):
        assert isinstance(cr.load_autoencoder(path).transform(X), pd.DataFrame)
    # the autoencoders inside a stack keep theirs
    stack = _stack(X, y)
    stack.autoencoders_[1].set_output(transform="pandas")
    loaded = cr.load_autoencoder(stack.save(tmp_path / "stack.npz"))
    hidden = loaded.autoencoders_[0].transform(X)
    assert isinstance(hidden, np.ndarray)
    assert isinstance(loaded.autoencoders_[1].transform(hidden), pd.DataFrame)
    # a model without transform (and set_output) has no such key
    path = _softmax(X, y).save(tmp_path / "softmax.npz")
    _edit_meta(path, lambda meta: meta.update(output_config={"transform": "pandas"}))
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['output_config'\]"):
        cr.load_autoencoder(path)


@pytest.mark.parametrize(("config", "match"), [
    ({"transform": "xml"}, r"output_config: expected \{\"transform\": one of \['default', "
                           r"'pandas', 'polars'\]\}, found \{'transform': 'xml'\}"),
    ({"predict": "pandas"}, r"output_config: expected .* found \{'predict': 'pandas'\}"),
    ("pandas", r"output_config: expected .* found 'pandas'"),
])
def test_a_corrupted_output_config_is_refused(tmp_path, data, config, match):
    path = _sae(data[0]).save(tmp_path / "ae.npz")
    _edit_meta(path, lambda meta: meta.update(output_config=config))
    with pytest.raises(ValueError, match=r"corrupted autoencoder file \(record: " + match):
        cr.load_autoencoder(path)


@pytest.mark.parametrize(("make", "keys", "value", "match"), [
    ("sae", ("params", "rho"), 5.0, r"params: rho must lie in \(0, 1\).*got 5.0"),
    ("sae", ("params", "beta"), -1.0, "params: beta must be a finite float >= 0, got -1.0"),
    ("sae", ("params", "max_iter"), 2.5, "params: max_iter must be an int >= 1, got 2.5"),
    ("sae", ("params", "method"), "newton", "params: method: unknown method 'newton'"),
    ("softmax", ("params", "weight_decay"), -1.0, "params: weight_decay must be a finite"),
    ("stack", ("params", "fine_tune_iter"), -1, "params: fine_tune_iter must be an int >= 0"),
    ("stack", ("params", "softmax_max_iter"), 0, "params: softmax_max_iter must be an int"),
    ("stack", ("autoencoders_", 1, "params", "rho"), 0.0,
     r"autoencoders_/1: params: rho must lie in \(0, 1\)"),
])
def test_a_setting_the_model_could_not_have_been_fitted_with_is_refused(tmp_path, data, make,
                                                                        keys, value, match):
    """An edited setting is named with the file, not loaded to fail at the next cost()/fit."""
    X, y = data
    model = {"sae": lambda: _sae(X), "softmax": lambda: _softmax(X, y),
             "stack": lambda: _stack(X, y)}[make]()
    path = model.save(tmp_path / "m")

    def edit(meta):
        target = meta
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    _edit_meta(path, edit)
    with pytest.raises(ValueError, match=f"{path}: corrupted autoencoder file.*{match}"):
        cr.load_autoencoder(path)


def test_mean_activations_outside_0_1_are_refused(tmp_path, data):
    """mean_activation_ holds means of sigmoid outputs: 7 cannot be one."""
    X, _ = data
    ae = _sae(X)
    np.testing.assert_allclose(ae.mean_activation_,
                               (1 / (1 + np.exp(-(X @ ae.network_.layers[0].W
                                                  + ae.network_.layers[0].b)))).mean(axis=0),
                               rtol=1e-14)
    path = ae.save(tmp_path / "ae")
    with np.load(path, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    arrays["mean_activation_"] = np.full(5, 7.0)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    with pytest.raises(ValueError, match=r"corrupted autoencoder file.*mean_activation_: "
                                         r"expected values in \[0, 1\]"):
        cr.load_autoencoder(path)


@pytest.mark.parametrize("sizes", [np.array([5, 4]), range(5, 3, -1), [np.int64(5), 4]])
def test_a_stack_saves_with_hidden_sizes_in_any_form_fit_takes(tmp_path, data, sizes):
    """fit takes an array or a range of sizes; save used to fail: 'ndarray is not JSON
    serializable'. Loaded, the stack predicts the same probabilities, bit for bit."""
    X, y = data
    stack = cr.StackedAutoencoder(sizes, max_iter=5, softmax_max_iter=5, fine_tune_iter=5,
                                  random_state=0).fit(X, y)
    back = cr.load_autoencoder(stack.save(tmp_path / "stack"))
    assert back.hidden_sizes == (5, 4)
    np.testing.assert_array_equal(back.predict_proba(X), stack.predict_proba(X))
    np.testing.assert_array_equal(back.params, _stack(X, y).params)  # same as a tuple's fit


def test_a_model_whose_settings_no_fit_accepts_is_not_saved(tmp_path, data):
    """set_params(rho=5) after the fit: save refuses, naming rho, and writes no file that
    load_autoencoder would refuse; the valid model saves and loads bit for bit."""
    X, _ = data
    ae = _sae(X)
    ae.set_params(rho=5.0)
    with pytest.raises(ValueError, match=r"^rho must lie in \(0, 1\).*got 5.0"):
        ae.save(tmp_path / "ae")
    assert not (tmp_path / "ae.npz").exists()
    ae.set_params(rho=0.01)
    back = cr.load_autoencoder(ae.save(tmp_path / "ae"))
    np.testing.assert_array_equal(back.transform(X), ae.transform(X))


@pytest.mark.parametrize(("make", "keys"), [
    ("sae", ("params", "rho")),
    ("stack", ("params", "fine_tune_sparsity")),
    ("stack", ("autoencoders_", 0, "params", "weight_decay")),
])
def test_a_missing_setting_is_refused_not_replaced_by_its_default(tmp_path, data, make, keys):
    """A record without rho loaded as rho=0.01 (the default), whatever the model was
    trained with; save writes every parameter, so a missing one is damage."""
    X, y = data
    model = _sae(X) if make == "sae" else _stack(X, y)
    path = model.save(tmp_path / "m")

    def edit(meta):
        target = meta
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    _edit_meta(path, edit)
    with pytest.raises(ValueError, match=rf"{path}: corrupted autoencoder file .*params: "
                                         rf"missing parameter\(s\) \['{keys[-1]}'\]"):
        cr.load_autoencoder(path)


def test_a_negative_final_cost_is_refused(tmp_path, data):
    """loss_ is J = reconstruction error + decay + KL penalty, each >= 0; the saved one is
    the cost at the saved weights, recomputed here."""
    X, _ = data
    ae = _sae(X)
    assert ae.loss_ == pytest.approx(ae.cost(ae.params, X)[0], rel=1e-12)
    path = ae.save(tmp_path / "ae")
    _edit_meta(path, lambda meta: meta["fitted"].__setitem__("loss_", -0.5))
    with pytest.raises(ValueError, match=r"corrupted autoencoder file.*fitted: loss_: expected "
                                         r"a finite number >= 0 \(the sparse cost\), found -0.5"):
        cr.load_autoencoder(path)


@pytest.mark.parametrize("make", ["sae", "softmax"])
def test_a_weight_decay_convention_no_fit_uses_is_refused(tmp_path, data, make):
    """An edited "decay" was loaded: the cost of the loaded model divided its weight decay
    by m, unlike the cost the model was fitted with (and its refit)."""
    X, y = data
    model = _sae(X) if make == "sae" else _softmax(X, y)
    path = model.save(tmp_path / "m")
    _edit_meta(path, _set("network", "decay", value="per_sample"))
    with pytest.raises(ValueError, match=rf"{path}: corrupted autoencoder file \(record: "
                                         r"network: decay: expected 'ufldl'"):
        cr.load_autoencoder(path)


@pytest.mark.parametrize("output", ["logistic", "linear"])
def test_a_decoder_named_by_an_alias_round_trips(tmp_path, data, output):
    """fit takes the aliases of sigmoid and identity; load refused the files save wrote
    ("params: output: expected 'sigmoid' (the network's output activation), found
    'logistic'")."""
    X, _ = data
    ae = cr.SparseAutoencoder(5, max_iter=5, output=output, random_state=0).fit(X)
    back = cr.load_autoencoder(ae.save(tmp_path / "alias"))
    _same_attributes(ae, back)
    assert back.output == output
    np.testing.assert_array_equal(back.reconstruct(X), ae.reconstruct(X))
    # the reconstruction is the decoder's: sigmoid or identity of H W2 + b2
    W2, b2 = back.network_.layers[1].W, back.network_.layers[1].b
    Z = back.transform(X) @ W2 + b2
    np.testing.assert_allclose(back.reconstruct(X),
                               1 / (1 + np.exp(-Z)) if output == "logistic" else Z, rtol=1e-13)
