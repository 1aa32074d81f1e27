"""The bundled and generated data sets: their arguments are checked up front."""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule
from chainrule import datasets


def test_digits_split_sizes_and_dtype():
    s = datasets.load_digits_split(dtype="float32")
    assert (len(s.y_train), len(s.y_val), len(s.y_test)) == (1144, 203, 450)
    assert s.X_train.dtype == np.float32 and s.X_train.shape[1] == 64
    assert len(datasets.load_digits_split(validation_size=0).y_val) == 0


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"validation_size": -0.2}, ValueError, "validation_size must be a float in [0, 1)"),
    ({"validation_size": 1}, ValueError, "validation_size must be a float in [0, 1)"),
    ({"validation_size": "0.2"}, TypeError, "validation_size must be a float in [0, 1)"),
    ({"test_size": 0}, ValueError, "test_size must be a float in (0, 1)"),
    ({"test_size": 0.001}, ValueError, "test_size=0.001 leaves a split of 2 of 1797 images"),
    ({"validation_size": 0.001}, ValueError, "validation_size=0.001 leaves a split of 2 of"),
    ({"validation_size": 0.999}, ValueError, "validation_size=0.999 leaves a split of 1 of"),
    ({"seed": -1}, ValueError, "seed must be an int from 0 to 2**32 - 1, got -1"),
    ({"seed": "a"}, TypeError, "seed must be an int from 0 to 2**32 - 1, got 'a'"),
    ({"seed": 2**32}, ValueError, "seed must be an int from 0 to 2**32 - 1"),
    ({"dtype": int}, ValueError, f"dtype must be float32 or float64, got {np.dtype(int)}"),
    ({"dtype": np.float16}, ValueError, "dtype must be float32 or float64, got float16"),
    ({"dtype": "nonsense"}, TypeError, "dtype must be float32 or float64, got 'nonsense', "
                                       "which is not a NumPy dtype"),
])
def test_digits_split_refuses_bad_arguments_by_their_own_names(kwargs, error, words):
    # these used to reach scikit-learn, whose messages name test_size or random_state
    with pytest.raises(error) as info:
        datasets.load_digits_split(**kwargs)
    assert words in str(info.value)
    assert "random_state" not in str(info.value)


@pytest.mark.parametrize("make", [datasets.xor, datasets.sinusoid, datasets.free_fall,
                                  datasets.linearly_separable])
@pytest.mark.parametrize("dtype", [int, bool, np.float16, str, "int8", np.int32])
def test_generated_data_refuse_another_dtype_with_a_value_error(make, dtype):
    """Another dtype was a TypeError here while the rest of the library (check_float_dtype:
    Dense, Conv2D, network_from_layers, the estimators) says ValueError for it, and
    TypeError only for what is no dtype at all."""
    message = f"dtype must be float32 or float64, got {np.dtype(dtype)}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        make(dtype=dtype)
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        chainrule.Dense(2, 1, dtype=dtype)  # the library's rule, for the same value


@pytest.mark.parametrize("make", [datasets.xor, datasets.sinusoid, datasets.free_fall,
                                  datasets.linearly_separable])
@pytest.mark.parametrize("dtype", [True, "nonsense", 1.5])
def test_generated_data_refuse_what_is_no_dtype_with_a_type_error(make, dtype):
    message = f"dtype must be float32 or float64, got {dtype!r}, which is not a NumPy dtype"
    with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        make(dtype=dtype)


@pytest.mark.parametrize("make", [datasets.xor, datasets.sinusoid, datasets.free_fall,
                                  datasets.linearly_separable])
def test_generated_data_keep_a_float_dtype(make):
    X64, y64 = make()
    X32, y32 = make(dtype=np.float32)
    assert X32.dtype == np.float32 and X64.dtype == np.float64
    np.testing.assert_allclose(X32, X64, rtol=1e-6)
    np.testing.assert_allclose(y32, y64, rtol=1e-5)
    assert y32.dtype == (np.float32 if y64.dtype.kind == "f" else y64.dtype)


@pytest.mark.parametrize("validation_size", [0, 0.15])
def test_digits_split_n_classes_and_stratified_splits(validation_size):
    """n_classes is 10 with an empty validation split too (it raised NumPy's 'zero-size
    array to reduction operation maximum'); each split holds every class in the
    proportions of the whole set, within one image (stratified, as documented)."""
    from sklearn.datasets import load_digits

    y = load_digits().target
    s = datasets.load_digits_split(validation_size=validation_size, seed=3)
    assert s.n_classes == len(np.unique(y)) == 10
    share = np.bincount(y) / len(y)
    for part in (s.y_train, s.y_val, s.y_test):
        if len(part):
            assert np.all(np.abs(np.bincount(part, minlength=10) - share * len(part)) <= 1.0)
    again = datasets.load_digits_split(validation_size=validation_size, seed=3)
    np.testing.assert_array_equal(again.X_test, s.X_test)  # reproducible by seed


@pytest.mark.parametrize("flag", ["false", "False", 0.0, None, [False]])
def test_sinusoid_grid_takes_true_or_false_only(flag):
    """grid was read by its truth value: grid="false" (a JSON or command-line value) gave
    the evenly spaced x of grid=True.  Now a TypeError names grid; True and False give x
    evenly spaced from 0 to 1 and uniformly random (sorted) as before."""
    with pytest.raises(TypeError, match=r"^grid must be True or False, got "):
        datasets.sinusoid(5, grid=flag)
    X, t = datasets.sinusoid(5, noise=0.0, grid=np.True_)
    np.testing.assert_array_equal(X[:, 0], np.linspace(0.0, 1.0, 5))
    np.testing.assert_allclose(t, np.sin(2 * np.pi * np.linspace(0.0, 1.0, 5)), atol=1e-15)
    X, _ = datasets.sinusoid(5, grid=False, seed=0)
    x = np.sort(np.random.default_rng(0).uniform(0.0, 1.0, size=5))
    np.testing.assert_array_equal(X[:, 0], x)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(("n", "margin"), [(2, 0.0), (41, 0.2), (200, 0.45)])
def test_linearly_separable_is_what_its_docstring_says(seed, n, margin):
    """Within [-1, 1]^2, ceil(n/2) positives, and a hard-margin linear SVM (scikit-learn)
    separates the classes with a gap of at least 2 * margin."""
    from sklearn.svm import SVC

    X, y = datasets.linearly_separable(n, margin, seed)
    assert X.shape == (n, 2) and np.abs(X).max() <= 1 and y.sum() == (n + 1) // 2
    svm = SVC(kernel="linear", C=1e10).fit(X, y)
    assert (svm.predict(X) == y).all()
    assert 2 / np.linalg.norm(svm.coef_) >= 2 * margin - 1e-9
    X2, y2 = datasets.linearly_separable(n, margin, seed)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


def test_sinusoid_and_free_fall_draw_the_documented_noise():
    """Residuals from the documented laws have the documented standard deviation, and a
    least-squares fit of h = g t^2 / 2 gives back g."""
    x, t = datasets.sinusoid(100_000, noise=0.3, seed=1)
    assert 0 <= x.min() and x.max() <= 1 and (np.diff(x[:, 0]) >= 0).all()
    assert abs((t - np.sin(2 * np.pi * x[:, 0])).std() - 0.3) < 0.003
    tt, h = datasets.free_fall(100_000, t_max=2.0, noise=0.2, g=9.81, seed=1)
    assert 0 <= tt.min() and tt.max() <= 2.0 and (np.diff(tt[:, 0]) >= 0).all()
    assert abs((h - 9.81 * tt[:, 0] ** 2 / 2).std() - 0.2) < 0.002
    g = np.linalg.lstsq(tt**2 / 2, h, rcond=None)[0][0]
    assert abs(g - 9.81) < 0.01
    _, exact = datasets.free_fall(5, noise=0.0, g=2.0, seed=3)
    t5 = datasets.free_fall(5, noise=0.0, seed=3)[0][:, 0]
    np.testing.assert_allclose(exact, t5**2, rtol=1e-15)
