"""Damaged arrays of network, checkpoint, estimator and autoencoder files: a parameter
vector with NaN, best parameters missing though a best epoch is recorded, mean activations
of another dtype; the message names the file's array (the JSON records are in
tests/test_corrupt_records.py)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.estimators import load_estimator
from file_helpers import saved_checkpoint, saved_estimator, saved_network

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def checkpoint(tmp_path):
    return saved_checkpoint(tmp_path / "run.npz")


@pytest.fixture
def estimator(tmp_path):
    return saved_estimator(tmp_path / "e.npz")


@pytest.fixture
def network_file(tmp_path):
    return saved_network(tmp_path / "net.npz")


def test_a_checkpoint_without_the_best_epochs_parameters_is_refused(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    val = (X[:15], y[:15])
    settings = dict(optimizer="sgd", lr=3.0, batch_size=8, epochs=10, seed=0, patience=20)
    full = cr.mlp([4, 8, 2], output="softmax", seed=1)
    history = cr.train(full, X, y, validation_data=val, **settings)
    best = int(np.argmin(history["val_loss"]))
    assert 0 < best < 5 and history.stop_reason == "epochs"  # the best epoch is before 5

    def stop_after_5(state):
        if state.epoch == 5:
            raise KeyboardInterrupt

    path = tmp_path / "run.npz"
    trainer = cr.Trainer(cr.mlp([4, 8, 2], output="softmax", seed=1), checkpoint=path,
                         callbacks=[stop_after_5], **settings)
    trainer.fit(X, y, validation_data=val)  # interrupted after epoch 5, as by Ctrl-C
    assert trainer.history.stop_reason == "interrupted" and trainer.epoch == 5
    with np.load(path) as data:
        saved = {key: data[key] for key in data.files}
    resumed, _ = cr.resume(path, X, y, validation_data=val)
    np.testing.assert_array_equal(resumed.params, full.params)  # the intact file: the run
    del saved["best_params"]
    with open(path, "wb") as fh:
        np.savez(fh, **saved)
    # resumed, it ended with its last epoch's parameters, not the best epoch's the run gave
    with pytest.raises(ValueError, match=r"best_params: missing, though early\.best_value "
                                         r"records a best epoch"):
        cr.Trainer.from_checkpoint(path)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("kind", ["sparse", "stacked"])
def test_an_autoencoders_mean_activation_of_another_dtype_is_refused(tmp_path, kind, dtype):
    from chainrule.autoencoder import SparseAutoencoder, StackedAutoencoder, load_autoencoder

    X = np.random.default_rng(0).random((30, 5))
    if kind == "sparse":
        model = SparseAutoencoder(n_hidden=3, max_iter=3, random_state=0).fit(X)
        key, means = "mean_activation_", model.mean_activation_
    else:
        model = StackedAutoencoder(hidden_sizes=(4, 3), max_iter=3, softmax_max_iter=3,
                                   fine_tune_iter=3, random_state=0).fit(X, np.arange(30) % 2)
        key, means = "autoencoders_/1/mean_activation_", model.autoencoders_[1].mean_activation_
    path = model.save(tmp_path / "ae.npz")
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    assert arrays[key].dtype == np.float64 and np.array_equal(arrays[key], means)
    rounded = means.astype(dtype)
    assert not np.array_equal(rounded.astype(np.float64), means)  # the values change
    arrays[key] = rounded
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    with pytest.raises(ValueError, match=r"mean_activation_: expected a float64 array of shape "
                                         rf"\({means.shape[0]},\), found .*{np.dtype(dtype).str}"):
        load_autoencoder(path)


@pytest.mark.parametrize("estimator_class", ["MLPClassifier", "MLPRegressor"])
def test_an_estimator_file_without_its_best_validation_parameters_is_refused(tmp_path,
                                                                             estimator_class):
    from chainrule import estimators

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) if estimator_class == "MLPClassifier" else X[:, 0]
    model = getattr(estimators, estimator_class)(
        (6,), early_stopping=True, warm_start=True, max_iter=15, random_state=0,
        learning_rate_init=0.05).fit(X, y)
    path = model.save(tmp_path / "e.npz")
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    intact = load_estimator(path)
    # a warm start that never beats the best score ends with the parameters that scored it:
    # the reloaded estimator's as the original's
    for est in (model, intact):
        est.set_params(learning_rate_init=5.0, max_iter=3).fit(X, y)
    np.testing.assert_array_equal(intact.network_.params, model.network_.params)
    del arrays["best_params"]
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    with pytest.raises(ValueError, match=r"best_params: missing, though training\.best_score "
                                         r"records the best validation score") as err:
        load_estimator(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("kind", ["network", "checkpoint", "estimator", "autoencoder"])
def test_a_nan_in_a_files_parameters_names_the_files_array(tmp_path, checkpoint, estimator,
                                                           network_file, kind):
    """A NaN in a file's parameter vector was reported as "theta contains 1 NaN ...",
    set_params' argument, an array no file holds (a stacked autoencoder's file holds three
    such vectors, all reported as theta); the message names the file's array."""
    from chainrule.autoencoder import StackedAutoencoder, load_autoencoder

    key, load = "params", cr.load
    if kind == "checkpoint":
        path, load = checkpoint, cr.Trainer.from_checkpoint
    elif kind == "estimator":
        path, load = estimator, load_estimator
    elif kind == "network":
        path = network_file
    else:
        X = np.random.default_rng(0).random((30, 5))
        path = StackedAutoencoder(hidden_sizes=(4,), max_iter=3, softmax_max_iter=3,
                                  fine_tune_iter=3, random_state=0).fit(
            X, np.arange(30) % 2).save(tmp_path / "ae.npz")
        key, load = "autoencoders_/0/params", load_autoencoder
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    arrays[key] = arrays[key].copy()
    arrays[key][[1, 3, 4]] = [np.nan, np.inf, np.nan]
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    with pytest.raises(ValueError, match=re.escape(
            f"{key} contains 3 NaN or infinite value(s); all must be finite")) as err:
        load(path)
    assert str(path) in str(err.value) and "theta" not in str(err.value)
