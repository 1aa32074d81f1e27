"""``resume`` continues a run on the data it was trained on, and refuses other data.

The checkpoint records each argument's shape and a SHA-256 of its dtype and bytes
(``data``); a resumed run given other rows, or other values of the same shape, is
refused naming the argument and both shapes.  On the run's own data it still gives
exactly the parameters of the uninterrupted run (the reference).
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest
import scipy.sparse

import chainrule as cr
from chainrule._checkpoints_data import fingerprint

KW = dict(optimizer="adam", lr=0.01, batch_size=7, seed=3)  # shuffled, short last batch


def _data(m: int = 40, seed: int = 1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    return X, np.sin(X @ np.array([1.0, -2.0, 0.5]))[:, None]


def _net() -> cr.Network:
    return cr.mlp([3, 8, 1], hidden="tanh", seed=0)


def _checkpoint(tmp_path, X, Y, **options):
    path = tmp_path / "run.npz"
    cr.train(_net(), X, Y, epochs=2, checkpoint=path, **KW, **options)
    return path


def _shape(a) -> str:
    return re.escape(str(tuple(a.shape)))


def test_other_rows_are_refused_naming_the_argument_and_both_shapes(tmp_path):
    X, Y = _data()
    path = _checkpoint(tmp_path, X, Y)
    before = path.read_bytes()
    with pytest.raises(ValueError, match=rf"^X: the checkpoint .*run\.npz holds a run trained "
                                         rf"on X of shape {_shape(X)}; got X of shape "
                                         rf"{_shape(X[:10])}\. .*the run's data"):
        cr.resume(path, X[:10], Y[:10], epochs=4)
    with pytest.raises(ValueError, match=rf"^X: .* of shape {_shape(X)}; got X of shape "
                                         rf"{_shape(X[:10])}"):  # a Trainer from it too
        cr.Trainer.from_checkpoint(path, epochs=4).fit(X[:10], Y[:10])
    assert path.read_bytes() == before  # nothing ran


def test_other_values_of_the_same_shape_are_refused_naming_the_argument(tmp_path):
    X, Y = _data()
    path = _checkpoint(tmp_path, X, Y)
    with pytest.raises(ValueError, match=rf"^X: .* other values of X \(the same shape "
                                         rf"{_shape(X)}"):
        cr.resume(path, X[::-1], Y[::-1], epochs=4)  # the same rows, in another order
    with pytest.raises(ValueError, match=rf"^Y: .* other values of Y \(the same shape "
                                         rf"{_shape(Y)}"):
        cr.resume(path, X, Y + 1.0, epochs=4)


def test_other_validation_rows_and_weights_are_refused(tmp_path):
    X, Y = _data()
    Xv, Yv = _data(20, seed=7)
    w = np.random.default_rng(5).uniform(0.5, 2.0, size=40)
    path = _checkpoint(tmp_path, X, Y, validation_data=(Xv, Yv), sample_weight=w)
    with pytest.raises(ValueError, match=rf"^validation_data: .* of shape {_shape(Xv)}; got "
                                         rf"validation_data of shape {_shape(Xv[:5])}"):
        cr.resume(path, X, Y, validation_data=(Xv[:5], Yv[:5]), sample_weight=w, epochs=4)
    with pytest.raises(ValueError, match=r"^sample_weight: .* other values of sample_weight"):
        cr.resume(path, X, Y, validation_data=(Xv, Yv), sample_weight=w[::-1], epochs=4)


def test_resume_on_the_same_data_equals_the_uninterrupted_run(tmp_path):
    X, Y = _data()
    Xv, Yv = _data(20, seed=7)
    full = _net()
    h_full = cr.train(full, X, Y, epochs=5, validation_data=(Xv, Yv), **KW)
    path = _checkpoint(tmp_path, X, Y, validation_data=(Xv, Yv))
    # the same values in new arrays (a copy, a list): the same data
    resumed, h_res = cr.resume(path, X.copy(), Y.tolist(), validation_data=(Xv, Yv), epochs=5)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)


def test_labels_and_their_one_hot_rows_are_the_same_targets(tmp_path):
    X, _ = _data()
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    kw = dict(optimizer="sgd", lr=0.1, batch_size=7, seed=3)
    full = cr.mlp([3, 8, 3], output="softmax", seed=0)
    cr.train(full, X, y, epochs=4, **kw)
    path = tmp_path / "labels.npz"
    cr.train(cr.mlp([3, 8, 3], output="softmax", seed=0), X, y, epochs=2, checkpoint=path, **kw)
    resumed, _ = cr.resume(path, X, np.eye(3)[y], epochs=4)  # the same classes, one-hot
    np.testing.assert_array_equal(resumed.params, full.params)
    with pytest.raises(ValueError, match=r"^Y: .* other values of Y"):
        cr.resume(path, X, np.eye(3)[(y + 1) % 3], epochs=4)


def test_sparse_data_is_fingerprinted_by_its_values(tmp_path):
    X, Y = _data()
    X[X < 0] = 0.0
    path = _checkpoint(tmp_path, scipy.sparse.csr_matrix(X), Y)
    full = _net()
    cr.train(full, scipy.sparse.csr_matrix(X), Y, epochs=4, **KW)
    resumed, _ = cr.resume(path, scipy.sparse.csr_matrix(X), Y, epochs=4)
    np.testing.assert_array_equal(resumed.params, full.params)
    other = X.copy()
    other[0, 0] += 1.0
    with pytest.raises(ValueError, match=r"^X: .* other values of X"):
        cr.resume(path, scipy.sparse.csr_matrix(other), Y, epochs=4)


def test_a_checkpoint_without_the_data_record_resumes_as_before(tmp_path):
    X, Y = _data()
    path = _checkpoint(tmp_path, X, Y)
    meta, arrays = cr.io.read_file(path, "chainrule.checkpoint")
    assert set(meta.pop("data")) == {"X", "Y"}
    cr.io.write_file(path, meta, arrays)
    _, history = cr.resume(path, X[:10], Y[:10], epochs=4)  # not checked: trains on
    assert history.epochs == 4


def test_the_fingerprint_of_dense_arrays_is_the_cli_checkpoints_one():
    """``train --resume`` compares it with the digest older checkpoints' notes hold."""
    X, Y = _data()
    T = Y.astype(np.float32)
    expected = hashlib.sha256()
    for a in (X, T):
        expected.update(f"{a.dtype.str}{a.shape}".encode() + a.tobytes())
    assert fingerprint(X, T) == expected.hexdigest()
