"""Every model file of big-endian arrays ('>f8', '>f4', '>i8', '>U': written on a big-endian
machine or by a tool that writes that order) loads as the native file does: a ``chainrule
train`` model through ``load_model`` and ``chainrule predict``, an estimator through
``load_estimator`` (its optimizer's moments too), autoencoders, checkpoints through
``resume``, ``Trainer.from_checkpoint`` and ``chainrule train --resume``; a resumed run goes on
bit for bit as from the native file.  Another dtype is still refused by name.

Before (robust24) robust22 had taught ``chainrule.load`` the byte order of a network's own
arrays only: an estimator or a checkpoint was "corrupted ... (optimizer/m: expected shape
(43,) and dtype float64, found shape (43,) and dtype >f8)".
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris

import chainrule as cr
from file_helpers import (
    cli_out,
    numpy_net_input,
    saved_checkpoint,
    saved_estimator,
    small_data,
)


def _big_endian(src, dst):
    """The file ``src`` rewritten with every array of numbers or text in big-endian order."""
    with np.load(src) as z:
        arrays = {k: z[k].astype(z[k].dtype.newbyteorder(">"))
                  if z[k].dtype.kind in "fiuU" else z[k] for k in z.files}
    assert arrays["__meta__"].dtype.str.startswith(">U")
    assert any(v.dtype.str in (">f8", ">f4") for v in arrays.values())
    np.savez(dst, **arrays)
    return dst


def test_an_estimator_file_loads_and_goes_on_fitting_as_the_native_one(tmp_path):
    X, y = small_data()
    native = saved_estimator(tmp_path / "native.npz")
    a = cr.load_estimator(native)
    b = cr.load_estimator(_big_endian(native, tmp_path / "big.npz"))
    layers = b.network_.layers  # the probabilities in NumPy: relu, then one sigmoid unit
    z = np.maximum(X @ layers[0].W + layers[0].b, 0) @ layers[1].W + layers[1].b
    p = 1 / (1 + np.exp(-z[:, 0]))
    np.testing.assert_allclose(b.predict_proba(X), np.column_stack([1 - p, p]), rtol=1e-12)
    assert np.array_equal(b.predict_proba(X), a.predict_proba(X))
    for est in (a, b):  # Adam's moments read back: the next steps are the same
        est.set_params(warm_start=True, max_iter=3)
        with pytest.warns(Warning):  # not converged in 3 iterations
            est.fit(X, y)
    assert np.array_equal(b.network_.params, a.network_.params)


@pytest.mark.parametrize("options", [{}, {"patience": 3, "validation_fraction": 0.3},
                                     {"ema": 0.9}])
def test_a_checkpoint_resumes_bit_for_bit_as_the_native_one(tmp_path, options):
    X, y = small_data()
    net = cr.Network([cr.Dense(3, 4, "identity", seed=0), cr.BatchNorm(4, activation="relu"),
                      cr.Dense(4, 2, "softmax", seed=1)], loss="cross_entropy")
    native = tmp_path / "native.npz"
    cr.train(net, X, y, optimizer="adam", batch_size=8, epochs=2, seed=0, checkpoint=native,
             **options)
    big = _big_endian(native, tmp_path / "big.npz")
    from_native, _ = cr.resume(native, X, y, epochs=4)
    from_big, _ = cr.resume(big, X, y, epochs=4)
    assert from_big.dtype == np.float64
    assert np.array_equal(from_big.params, from_native.params)
    for name in ("running_mean", "running_var"):
        assert np.array_equal(getattr(from_big.layers[1], name),
                              getattr(from_native.layers[1], name))


def test_another_dtype_of_the_optimizer_state_is_still_refused_by_name(tmp_path):
    path = saved_checkpoint(tmp_path / "ck.npz")
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["optimizer/m"] = arrays["optimizer/m"].astype(">f4")  # float32 in a float64 run
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=r"optimizer/m: expected shape \(26,\) and dtype "
                                         r"float64, found shape \(26,\) and dtype float32"):
        cr.Trainer.from_checkpoint(path)


def test_a_float32_model_of_chainrule_train_predicts_as_the_native_one(tmp_path, capsys):
    native = tmp_path / "native.npz"
    cli_out(capsys, ["train", "iris", "--hidden", "5", "--epochs", "3", "--seed", "0",
                     "--dtype", "float32", "-q", "-o", native])
    big = _big_endian(native, tmp_path / "big.npz")
    X = load_iris().data
    model = cr.load_model(big)
    assert model.network.dtype == np.float32
    np.testing.assert_allclose(model.predict_proba(X).astype(np.float64),
                               _softmax(numpy_net_input(native, X)), rtol=1e-5)
    assert np.array_equal(model.predict_proba(X), cr.load_model(native).predict_proba(X))
    assert cli_out(capsys, ["predict", big, "iris"]) == cli_out(capsys, ["predict", native,
                                                                        "iris"])


def test_chainrule_train_resumes_from_a_big_endian_checkpoint(tmp_path, capsys):
    run = ["train", "iris", "--hidden", "5", "--optimizer", "adam", "--seed", "0", "-q"]
    cli_out(capsys, [*run, "--epochs", "2", "--checkpoint", tmp_path / "a.npz",
                     "-o", tmp_path / "unused.npz"])
    _big_endian(tmp_path / "a.npz", tmp_path / "b.npz")
    for name in ("a", "b"):
        cli_out(capsys, [*run, "--epochs", "4", "--checkpoint", tmp_path / f"{name}.npz",
                         "--resume", "-o", tmp_path / f"model_{name}.npz"])
    assert np.array_equal(cr.load_model(tmp_path / "model_b.npz").network.params,
                          cr.load_model(tmp_path / "model_a.npz").network.params)


def test_a_stacked_autoencoder_loads_whole(tmp_path):
    X = np.random.default_rng(3).random((24, 5))
    y = np.arange(24) % 3
    with pytest.warns(Warning):  # a few iterations: not converged
        sa = cr.StackedAutoencoder(hidden_sizes=(4, 3), max_iter=3, softmax_max_iter=3,
                                   fine_tune_iter=3, random_state=0).fit(X, y)
    sa.save(tmp_path / "native.npz")
    loaded = cr.load_autoencoder(_big_endian(tmp_path / "native.npz", tmp_path / "big.npz"))
    assert np.array_equal(loaded.classes_, sa.classes_)
    assert np.array_equal(loaded.predict_proba(X), sa.predict_proba(X))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
