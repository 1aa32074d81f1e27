"""An int beyond float's range (``10**400``; ``10**5000``, whose repr() itself raises) is
refused by name where a user gives a number: no OverflowError from float() or
math.isfinite, no TypeError from np.isfinite on an int past int64 (``10**20``, a finite
number that is taken)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule import initializers, preprocessing
from chainrule.callbacks import History
from chainrule.datasets import load_digits_split
from chainrule.experiments import lr_range_test

BIG = [10**400, -(10**400), 10**5000]
IDS = ["1e400", "-1e400", "1e5000"]


def _size(big: int) -> str:
    """The message's "10^N" (a regex) for the ints of BIG (and their negatives), by hand."""
    return {10**400: r"10\^400", -(10**400): r"-10\^400", 10**5000: r"10\^5000",
            -(10**5000): r"-10\^5000"}[big]


@pytest.mark.parametrize("big", BIG, ids=IDS)
@pytest.mark.parametrize("name", ["test_size", "validation_size"])
def test_load_digits_split_fractions(name, big):
    with pytest.raises(ValueError, match=rf"^{name} must be a float in .*got an int of "
                                         rf"about {_size(big)}$"):
        load_digits_split(**{name: big})


@pytest.mark.parametrize("big", BIG, ids=IDS)
def test_class_weight_value(big):
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 1, 0, 1])
    est = chainrule.MLPClassifier(hidden_layer_sizes=(2,), max_iter=1, class_weight={0: big})
    with pytest.raises(ValueError, match=rf"^The 'class_weight' parameter of MLPClassifier "
                       rf"must be .* \(the weight of class 0, an int of about {_size(big)}, is "
                       r"no finite float in the range \[0\.0, inf\)\)$"):
        est.fit(X, y)


@pytest.mark.parametrize("big", BIG, ids=IDS)
def test_lr_range_test_diverge_factor(big):
    net = chainrule.mlp([1, 1], output="identity", loss="mse", seed=0)
    X = np.array([[0.0], [1.0]])
    with pytest.raises(ValueError, match=rf"^diverge_factor must be a float > 1 .*got an int of "
                                         rf"about {_size(big)}$"):
        lr_range_test(net, X, X, diverge_factor=big)


@pytest.mark.parametrize("big", BIG, ids=IDS)
def test_history_append(big):
    history = History()
    with pytest.raises(ValueError, match=rf"^loss: expected a float.*got an int of "
                                         rf"about {_size(big)}"):
        history.append(loss=big, lr=0.1)
    assert dict(history) == {}  # nothing appended: one value per epoch kept


@pytest.mark.parametrize("big", BIG, ids=IDS)
def test_normal_with_eps_past_the_float_range(big):
    with pytest.raises(ValueError, match=rf"^eps must be a finite number > 0 .*got an int of "
                                         rf"about {_size(big)}$"):
        initializers.normal_with_eps(big)


def test_normal_with_eps_of_an_int_past_int64_is_taken():
    """10**20 is a finite float (np.isfinite raised a TypeError on it)."""
    init = initializers.normal_with_eps(10**20)
    W = init(np.random.default_rng(0), 200, 50)
    assert init.eps == 1e20
    assert 0.9e20 < W.std() < 1.1e20


@pytest.mark.parametrize("big", BIG, ids=IDS)
@pytest.mark.parametrize("name", ["low", "high"])
def test_normalize_patches_bounds_past_the_float_range(name, big):
    P = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match=rf"^{name} must be a finite float, got an int of "
                                         rf"about {_size(big)}$"):
        preprocessing.normalize_patches(P, **{name: big})


def test_normalize_patches_bounds_past_int64_are_taken():
    """low=-10**20, high=10**20: finite floats (np.isfinite raised a TypeError on them); the
    result is the same map as with the float bounds."""
    P = np.random.default_rng(0).normal(size=(20, 3))
    got = preprocessing.normalize_patches(P, low=-(10**20), high=10**20)
    want = preprocessing.normalize_patches(P, low=-1e20, high=1e20)
    np.testing.assert_array_equal(got, want)
    assert got.min() >= -1e20 and got.max() <= 1e20


# the parameters of scikit-learn's MLP too, refused in its words ("The 'alpha' parameter ...")
_SKLEARN_WORDS = ("alpha", "tol", "power_t", "momentum", "beta_1", "validation_fraction",
                  "max_iter", "batch_size", "max_time", "clip_norm", "label_smoothing",
                  "dropout")


@pytest.mark.parametrize("big", BIG, ids=IDS)
@pytest.mark.parametrize("name, value", [("max_time", None), ("alpha", None), ("tol", None),
                                         ("clip_norm", None), ("power_t", None),
                                         ("momentum", None), ("beta_1", None),
                                         ("validation_fraction", None), ("dropout", None),
                                         ("label_smoothing", None), ("max_iter", "negative"),
                                         ("batch_size", "negative")])
def test_estimator_parameters(name, value, big):
    """The estimators' checks named 10**400 by its 400 digits; repr() of 10**5000 raised
    'Exceeds the limit (4300 digits) for integer string conversion', naming no parameter."""
    if value == "negative":
        big = -abs(big)
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    est = chainrule.MLPClassifier(hidden_layer_sizes=(2,), max_iter=1)
    est.set_params(**{name: big})
    said = (rf"^The '{name}' parameter of MLPClassifier must be .*\. Got an int of about "
            rf"{_size(big)} instead\.$" if name in _SKLEARN_WORDS  # scikit-learn's words
            else rf"^{name} must .*, got an int of about {_size(big)}$")
    with pytest.raises(ValueError, match=said):
        est.fit(X, np.array([0, 1, 0, 1]))
    assert not hasattr(est, "network_")


@pytest.mark.parametrize("big", BIG, ids=IDS)
def test_estimator_random_state(big):
    """random_state past 2**32 - 1 is refused; its message wrote repr(), which for
    10**5000 raised 'Exceeds the limit (4300 digits)', naming no parameter."""
    est = chainrule.MLPClassifier(hidden_layer_sizes=(2,), max_iter=1, random_state=big)
    with pytest.raises(ValueError, match=rf"^The 'random_state' parameter of MLPClassifier "
                                         rf"must be .*\. Got an int of about {_size(big)} "
                                         rf"instead\.$"):
        est.fit(np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 1, 0, 1]))


@pytest.mark.parametrize("big", BIG, ids=IDS)
def test_regressor_huber_delta(big):
    est = chainrule.MLPRegressor(hidden_layer_sizes=(2,), max_iter=1, huber_delta=big)
    with pytest.raises(ValueError, match=rf"^The 'huber_delta' parameter of MLPRegressor must "
                                         rf"be .*\. Got an int of about {_size(big)} "
                                         rf"instead\.$"):
        est.fit(np.array([[0.0], [1.0]]), np.array([0.0, 1.0]))


@pytest.mark.parametrize("make, name, minimum", [
    (lambda n: chainrule.schedules.Cosine(T_max=n), "T_max", 1),
    (lambda n: chainrule.schedules.CosineRestarts(T_0=n), "T_0", 1),
    (lambda n: chainrule.schedules.Linear(total_iters=n), "total_iters", 1),
    (lambda n: chainrule.schedules.Polynomial(total_iters=n), "total_iters", 1),
    (lambda n: chainrule.schedules.OneCycle(max_lr=0.1, total_steps=n), "total_steps", 2),
    (lambda n: chainrule.schedules.OneCycle(max_lr=0.1, epochs=n), "OneCycle's epochs", 1),
    (lambda n: chainrule.schedules.Warmup(epochs=n), "Warmup's epochs", 1),
    (lambda n: chainrule.schedules.get_schedule({"name": "cosine", "T_max": n}), "T_max", 1),
])
@pytest.mark.parametrize("big", [10**400, 10**5000], ids=["1e400", "1e5000"])
def test_schedule_lengths(make, name, minimum, big):
    """A length the rate divides by was taken, and the first epoch of training raised
    'OverflowError: int too large to convert to float' (math.pi * epoch / T_max)."""
    with pytest.raises(ValueError, match=rf"^{name} must be an int >= {minimum} that a float "
                                         rf"holds, got an int of about {_size(big)}$"):
        make(big)


def test_a_schedule_length_that_a_float_holds_still_trains():
    """T_max = 10**300: the cosine barely leaves its start, cos(pi e / T) = 1 to rounding."""
    X = np.random.default_rng(0).normal(size=(8, 2))
    net = chainrule.mlp([2, 1], output="identity", loss="mse", seed=0)
    schedule = chainrule.schedules.Cosine(T_max=10**300)
    history = chainrule.train(net, X, X[:, :1], epochs=2, schedule=schedule, lr=0.05)
    np.testing.assert_allclose(history["lr"], [0.05, 0.05], rtol=1e-15)


@pytest.mark.parametrize("width", [10**30, 10**400], ids=["1e30", "1e400"])
def test_a_layer_too_wide_for_an_array_is_refused_naming_its_sizes(width):
    """A weight matrix of more entries than NumPy can index raised NumPy's "Maximum allowed
    dimension exceeded" (an OverflowError for 10**400), naming nothing: Dense refuses it
    naming fan_in and fan_out, and the estimators name hidden_layer_sizes."""
    limit = np.iinfo(np.intp).max
    assert 3 * width > limit
    with pytest.raises(ValueError, match=r"^fan_in x fan_out: 3 x .* weights, more than an "
                                         rf"array holds \({limit} entries\)"):
        chainrule.Dense(3, width)
    with pytest.raises(ValueError, match=r"^hidden_layer_sizes: fan_in x fan_out: 2 x "):
        chainrule.MLPClassifier(hidden_layer_sizes=(width,)).fit(np.eye(2), [0, 1])
