"""Reproducibility: each estimator's ``random_state`` read as scikit-learn reads it.

Each test runs a thing twice and compares; references are other ways to the
same draws (an explicit RandomState for the global one).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.utils import check_random_state

import chainrule as cr


def _data():
    rng = np.random.default_rng(0)
    return rng.uniform(0.1, 0.9, size=(40, 9)), rng.integers(0, 3, 40)


_AUTOENCODERS = [
    (lambda rs: cr.SparseAutoencoder(4, max_iter=3, random_state=rs), False),
    (lambda rs: cr.SoftmaxRegression(max_iter=3, random_state=rs), True),
    (lambda rs: cr.StackedAutoencoder((5, 4), max_iter=3, softmax_max_iter=3,
                                      fine_tune_iter=3, random_state=rs), True),
]


@pytest.mark.parametrize(("make", "labelled"), _AUTOENCODERS)
def test_random_state_none_draws_from_numpys_global_random_state(make, labelled):
    # scikit-learn's None: the global RandomState (np.random.seed repeats a fit), whose
    # draws after np.random.seed(7) are those of RandomState(7)
    X, y = _data()
    glob = check_random_state(None)  # np.random's own instance
    args = (X, y) if labelled else (X,)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 3 iterations do not converge
        reference = make(np.random.RandomState(7)).fit(*args).network_.params
        state = glob.get_state()
        try:
            fits = []
            for _ in range(2):
                glob.seed(7)
                fits.append(make(None).fit(*args).network_.params)
        finally:
            glob.set_state(state)
    np.testing.assert_array_equal(fits[0], reference)
    np.testing.assert_array_equal(fits[1], reference)


@pytest.mark.parametrize("name", ["moons", "circles", "sinusoid"])
def test_read_data_generated_sets_repeat_from_their_seed(name):
    from sklearn.datasets import make_circles, make_moons

    from chainrule.tabular import read_data

    first, again, other = (read_data(name, seed=s) for s in (5, 5, 6))
    np.testing.assert_array_equal(first.X, again.X)
    assert not np.array_equal(first.X, other.X)
    if name == "sinusoid":
        X, _ = cr.datasets.sinusoid(100, 0.1, seed=5)
    else:
        X, _ = (make_moons(200, noise=0.2, random_state=5) if name == "moons"
                else make_circles(200, noise=0.1, factor=0.5, random_state=5))
    np.testing.assert_array_equal(first.X, X)


@pytest.mark.parametrize(("seed", "error"), [(None, TypeError), (True, TypeError),
                                             (1.5, TypeError), (-1, ValueError),
                                             (2**32, ValueError)])
def test_read_data_refuses_a_seed_that_is_no_seed_by_its_name(seed, error):
    # None would give other moons at every read; the message was make_moons's own
    # ("The 'random_state' parameter of make_moons ...") or none at all (True, None)
    from chainrule.tabular import read_data

    with pytest.raises(error, match=r"^seed must be an int from 0 to 2\*\*32 - 1"):
        read_data("moons", seed=seed)


@pytest.mark.parametrize("cls", [cr.MLPClassifier, cr.MLPRegressor])
@pytest.mark.parametrize("kind", [np.random.RandomState, np.random.default_rng])
def test_save_says_that_a_random_state_object_is_not_kept(tmp_path, cls, kind):
    """A RandomState or Generator as random_state: save writes null, and before it did so
    silently, so that a fresh fit of the loaded estimator drew from NumPy's global generator
    where the original (and a pickled copy, the reference) drew from the object.  Now save
    warns; the training state is kept, so partial_fit continues as the pickled copy does."""
    import pickle

    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        est = cls((4,), max_iter=3, random_state=kind(0)).fit(X, y)
    with pytest.warns(UserWarning, match=r"random_state: a numpy\.random\.(RandomState|"
                      r"Generator) object is not saved.*pass an int random_state"):
        path = est.save(tmp_path / "m.npz")
    loaded, copy = cr.load_estimator(path), pickle.loads(pickle.dumps(est))
    assert loaded.random_state is None and isinstance(copy.random_state, type(kind(0)))
    loaded.partial_fit(X, y)
    copy.partial_fit(X, y)
    np.testing.assert_array_equal(loaded.coefs_[0], copy.coefs_[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an int seed is saved: no warning
        est.set_params(random_state=np.int64(3)).save(tmp_path / "int.npz")


@pytest.mark.parametrize("make", [m for m, _ in _AUTOENCODERS])
def test_autoencoder_save_says_that_a_random_state_object_is_not_kept(tmp_path, make):
    """The autoencoders' files too wrote null for a RandomState silently: a fit of the
    loaded estimator drew from NumPy's global generator, a pickled copy's from the object."""
    import pickle

    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = make(np.random.RandomState(0)).fit(X, y)
    with pytest.warns(UserWarning, match=r"random_state: a numpy\.random\.RandomState object "
                      r"is not saved.*pass an int random_state"):
        path = est.save(tmp_path / "a.npz")
    assert cr.load_autoencoder(path).random_state is None
    copy = pickle.loads(pickle.dumps(est))
    assert isinstance(copy.random_state, np.random.RandomState)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an int seed is saved: no warning
        est.set_params(random_state=3).save(tmp_path / "int.npz")
