"""The readers' dtype checks after robust24's one swap in ``read_file``: plain where only
files feed them (``load_autoencoder``'s ``mean_activation_``), byte-order-blind where a
pickle made on a big-endian machine feeds them (``restore_network``, through
``Network.__reduce__`` and an estimator's pickled network), which skips ``read_file``.

Before (robust25): ``load_autoencoder`` compared ``mean_activation_``'s dtype byte-order-blind
though ``read_file`` had already swapped it (redundant, now plain); the pickle case is why
``restore_network``'s comparisons stay as they are.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import chainrule as cr
from file_helpers import small_data

RNG = np.random.default_rng(2525)


def _big(a: np.ndarray) -> np.ndarray:
    return a.astype(a.dtype.newbyteorder(">"))


def _unpickled_from_a_big_endian_machine(obj):
    """``obj`` pickled as a big-endian machine pickles it: each array of the network's
    record in its byte order ('>f8'), which unpickles here as '>f8' arrays."""
    fn, (record, arrays) = obj.__reduce__()
    return fn(record, {k: _big(np.asarray(v)) for k, v in arrays.items()})


def test_a_pickled_network_of_big_endian_arrays_restores_bit_for_bit() -> None:
    # why restore_network's dtype checks stay byte-order-blind: pickles skip read_file
    net = cr.Network([cr.Dense(3, 4, "tanh", seed=0), cr.BatchNorm(4),
                      cr.Dense(4, 2, "softmax", seed=1)])
    net.forward(RNG.normal(size=(8, 3)), training=True)  # statistics not 0 and 1
    got = _unpickled_from_a_big_endian_machine(net)
    np.testing.assert_array_equal(got.params, net.params)
    assert got.params.dtype.isnative
    for name in ("running_mean", "running_var"):
        value = getattr(got.layers[1], name)
        assert value.dtype.isnative
        np.testing.assert_array_equal(value, getattr(net.layers[1], name))
    X = RNG.normal(size=(5, 3))
    np.testing.assert_array_equal(got.predict(X), net.predict(X))
    # and a plain pickle round trip still is the network
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(net)).predict(X), net.predict(X))


def test_an_estimator_pickle_of_big_endian_arrays_predicts_bit_for_bit() -> None:
    X, y = small_data()
    with pytest.warns(Warning):  # a few iterations: not converged
        est = cr.MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y)
    state = est.__getstate__()
    record, arrays = state["_network_record"]
    state["_network_record"] = (record, {k: _big(np.asarray(v)) for k, v in arrays.items()})
    clone = type(est).__new__(type(est))
    clone.__setstate__(state)
    np.testing.assert_array_equal(clone.predict_proba(X), est.predict_proba(X))


def _sparse_file(tmp_path):
    X = np.random.default_rng(3).random((20, 6))
    with pytest.warns(Warning):  # a few iterations: not converged
        sae = cr.SparseAutoencoder(n_hidden=3, max_iter=3, random_state=0).fit(X)
    sae.save(tmp_path / "native.npz")
    with np.load(tmp_path / "native.npz") as z:
        arrays = {k: z[k] for k in z.files}
    return sae, X, arrays


def test_a_sparse_autoencoder_file_of_big_endian_arrays_loads_bit_for_bit(tmp_path) -> None:
    sae, X, arrays = _sparse_file(tmp_path)
    np.savez(tmp_path / "big.npz", **{k: _big(v) if v.dtype.kind in "fU" else v
                                      for k, v in arrays.items()})
    got = cr.load_autoencoder(tmp_path / "big.npz")
    assert got.mean_activation_.dtype == np.float64 and got.mean_activation_.dtype.isnative
    np.testing.assert_array_equal(got.mean_activation_, sae.mean_activation_)
    np.testing.assert_array_equal(got.network_.params, sae.network_.params)
    np.testing.assert_array_equal(got.transform(X), sae.transform(X))


@pytest.mark.parametrize("order", ["<", ">"])
def test_another_dtype_of_mean_activation_is_still_refused_by_name(tmp_path, order) -> None:
    _, _, arrays = _sparse_file(tmp_path)
    key = next(k for k in arrays if k.endswith("mean_activation_"))
    arrays[key] = arrays[key].astype(np.dtype("f4").newbyteorder(order))
    np.savez(tmp_path / "f4.npz", **arrays)
    with pytest.raises(ValueError, match=r"mean_activation_: expected a float64 array of "
                                         r"shape \(3,\), found \(\(3,\), '<f4'\)"):
        cr.load_autoencoder(tmp_path / "f4.npz")
