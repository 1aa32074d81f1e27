"""The same seed gives the same numbers, bit for bit; another seed other numbers.

Each test runs a thing twice (or a run and its interrupted-and-resumed twin)
and compares.  Where a dtype or a batch size must not change the random
draws, the other run is the reference.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone

import chainrule as cr
from chainrule import Callback
from chainrule.cli import main


def _classes(m: int = 60, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 5))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)


def _fit(est, X, y) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few epochs do not converge
        return est.fit(X, y).network_.params.copy()


_MLP_SETTINGS = [
    dict(solver="sgd", dropout=0.2, batch_norm=True, early_stopping=True, batch_size=16),
    dict(solver="adam", dropout=0.2, early_stopping=True, batch_size=16),
    dict(solver="adam", layers=[{"type": "Dense", "fan_out": 6}, {"type": "Dropout", "rate": 0.3},
                                {"type": "BatchNorm"}], batch_size=16),
    dict(solver="lbfgs"),
    dict(solver="cg"),
]


@pytest.mark.parametrize("settings", _MLP_SETTINGS,
                         ids=["sgd-dropout-bn-early", "adam-dropout-early", "adam-layers",
                              "lbfgs", "cg"])
@pytest.mark.parametrize("cls", [cr.MLPClassifier, cr.MLPRegressor])
def test_mlp_random_state_int_randomstate_and_generator(cls, settings):
    X, y = _classes()
    kw = dict(max_iter=3, **settings)
    if "layers" not in kw:
        kw["hidden_layer_sizes"] = (6,)
    first = _fit(cls(random_state=3, **kw), X, y)
    np.testing.assert_array_equal(_fit(cls(random_state=3, **kw), X, y), first)
    np.testing.assert_array_equal(_fit(clone(cls(random_state=3, **kw)), X, y), first)
    assert not np.array_equal(_fit(cls(random_state=4, **kw), X, y), first)
    # a RandomState advances: a second fit of the same estimator starts elsewhere, and
    # the same states give the same pair again
    pairs = []
    for _ in range(2):
        est = cls(random_state=np.random.RandomState(5), **kw)
        pairs.append((_fit(est, X, y), _fit(est, X, y)))
    assert not np.array_equal(*pairs[0])
    np.testing.assert_array_equal(pairs[1][0], pairs[0][0])
    np.testing.assert_array_equal(pairs[1][1], pairs[0][1])
    # a Generator too (one draw per fit)
    est = cls(random_state=np.random.default_rng(5), **kw)
    one, two = _fit(est, X, y), _fit(est, X, y)
    assert not np.array_equal(one, two)
    np.testing.assert_array_equal(
        _fit(cls(random_state=np.random.default_rng(5), **kw), X, y), one)


@pytest.mark.parametrize("change", [dict(batch_size=1), dict(batch_size=7),
                                    dict(dtype="float32"), dict(early_stopping=True),
                                    dict(shuffle=False), dict(dropout=0.3)])
def test_mlp_initial_weights_do_not_depend_on_batch_size_dtype_or_split(change):
    # a learning rate of 1e-300 leaves every weight where it started (the biases, from 0,
    # move by about 1e-300): what the fit ends with are the initial weights
    X, y = _classes()
    kw = dict(hidden_layer_sizes=(6, 4), solver="sgd", momentum=0.0, max_iter=1,
              learning_rate_init=1e-300, random_state=3)
    ref = cr.MLPClassifier(**kw)
    _fit(ref, X, y)
    other = cr.MLPClassifier(**{**kw, **change})
    _fit(other, X, y)
    for a, b in zip(other.coefs_, ref.coefs_, strict=True):
        np.testing.assert_array_equal(a, b.astype(a.dtype))


class _StopAt(Callback):
    """Ctrl-C after the given batch of the given epoch (within an epoch)."""

    def __init__(self, epoch: int, batch: int) -> None:
        self.at = (epoch, batch)

    def on_batch_end(self, state) -> None:
        if (state.epoch, state.batch) == self.at:
            raise KeyboardInterrupt


def _dropout_batchnorm_net(dtype: str) -> cr.Network:
    # Dropout without a seed of its own: train's seed draws its masks
    return cr.network_from_layers(
        [{"type": "Dense", "fan_in": 5, "fan_out": 8, "activation": "relu"},
         cr.Dropout(0.3), {"type": "BatchNorm"},
         {"type": "Dense", "fan_in": 8, "fan_out": 3, "activation": "softmax"}],
        seed=0, dtype=dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("optimizer", ["sgd", "nesterov", "adagrad", "rmsprop", "adam"])
def test_resume_within_an_epoch_repeats_masks_shuffling_and_split(tmp_path, optimizer, dtype):
    X, y = _classes(m=70)
    kw = dict(optimizer=optimizer, lr=0.02, batch_size=9, epochs=5, seed=11,
              validation_fraction=0.2, clip_norm=5.0)
    full = _dropout_batchnorm_net(dtype)
    h_full = cr.train(full, X, y, **kw)
    path = tmp_path / "run.npz"
    part = _dropout_batchnorm_net(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h_part = cr.train(part, X, y, checkpoint=path, callbacks=[_StopAt(3, 2)], **kw)
    assert h_part.stop_reason == "interrupted"
    resumed, h_res = cr.resume(path, X, y)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)  # the validation rows are the same rows too
    other = _dropout_batchnorm_net(dtype)
    cr.train(other, X, y, **{**kw, "seed": 12})
    assert not np.array_equal(other.params, full.params)


def test_cli_train_twice_gives_the_same_arrays_and_records_the_seed(tmp_path):
    common = ["train", "moons", "--hidden", "6", "--dropout", "0.3", "--optimizer", "adam",
              "--batch-size", "16", "--epochs", "3", "--val-fraction", "0.2", "-q"]
    for name, seed in (("a", "3"), ("b", "3"), ("c", "4")):
        assert main([*common, "--seed", seed, "-o", str(tmp_path / f"{name}.npz")]) == 0
    models = {n: cr.load_model(tmp_path / f"{n}.npz") for n in "abc"}
    np.testing.assert_array_equal(models["a"].network.params, models["b"].network.params)
    assert not np.array_equal(models["a"].network.params, models["c"].network.params)
    assert models["a"].metadata["training"]["seed"] == 3
    assert models["c"].metadata["training"]["seed"] == 4


def _two_dropouts_on_one_generator() -> cr.Network:
    # as mlp gives its Dense layers one generator: both Dropout layers draw from it, one
    # mask after the other
    rng = np.random.default_rng(0)
    return cr.Network([cr.Dense(5, 6, "relu", seed=rng), cr.Dropout(0.4, seed=rng),
                       cr.Dense(6, 6, "relu", seed=rng), cr.Dropout(0.4, seed=rng),
                       cr.Dense(6, 3, "softmax", seed=rng)])


def _saved_and_loaded(net: cr.Network, tmp_path) -> cr.Network:
    net.save(tmp_path / "net.npz")
    return cr.load(tmp_path / "net.npz")


@pytest.mark.parametrize("copy_of", ["copy", "deepcopy", "pickle", "file"])
def test_a_copy_of_dropouts_sharing_a_generator_trains_as_the_original(tmp_path, copy_of):
    import copy
    import pickle

    make = {"copy": lambda n: n.copy(), "deepcopy": copy.deepcopy,
            "pickle": lambda n: pickle.loads(pickle.dumps(n)),
            "file": lambda n: _saved_and_loaded(n, tmp_path)}[copy_of]
    original = _two_dropouts_on_one_generator()
    twin = make(original)
    assert twin.layers[1].rng is twin.layers[3].rng  # one stream, as in the original
    # the masks of the original, one draw after the other: not the same mask twice
    ones = np.ones((4, 6))
    masks = [original.layers[i].forward(ones, training=True) for i in (1, 3)]
    assert not np.array_equal(*masks)
    for i, mask in zip((1, 3), masks, strict=True):
        np.testing.assert_array_equal(twin.layers[i].forward(ones, training=True), mask)
    X, y = _classes()
    kw = dict(optimizer="adam", lr=0.01, batch_size=16, epochs=3, seed=2)
    cr.train(original, X, y, **kw)
    cr.train(twin, X, y, **kw)
    np.testing.assert_array_equal(twin.params, original.params)


def test_resume_of_dropouts_sharing_a_generator_equals_the_uninterrupted_run(tmp_path):
    X, y = _classes()
    kw = dict(optimizer="sgd", lr=0.05, batch_size=16, epochs=5, seed=2)
    full = _two_dropouts_on_one_generator()
    h_full = cr.train(full, X, y, **kw)
    path = tmp_path / "run.npz"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cr.train(_two_dropouts_on_one_generator(), X, y, checkpoint=path,
                 callbacks=[_StopAt(3, 1)], **kw)
    resumed, h_res = cr.resume(path, X, y)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)


@pytest.mark.parametrize("rng_of", [0, 3, 1.0, True, "1"])
def test_a_damaged_rng_link_is_refused_naming_it(tmp_path, rng_of):
    from chainrule import io

    net = _two_dropouts_on_one_generator()
    io.save(net, tmp_path / "net.npz")
    meta, arrays = io.read_file(tmp_path / "net.npz", "chainrule.network")
    assert meta["states"][3]["rng_of"] == 1
    meta["states"][3]["rng_of"] = rng_of  # 0: a Dense layer; 3: not an earlier layer
    io.write_file(tmp_path / "bad.npz", meta, arrays)
    with pytest.raises(ValueError, match=r"states\[3\]\.rng_of: expected the index of an "
                                         r"earlier layer"):
        cr.load(tmp_path / "bad.npz")
