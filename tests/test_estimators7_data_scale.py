"""fit on features whose squares overflow: a warning that names the scale and the remedy,
and never a silently NaN model."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.sparse
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier

from chainrule.estimators import MLPClassifier, MLPRegressor
from chainrule.training import TrainingDiverged

_SAID = r"X has values as large as {} in absolute value, .*StandardScaler"


def _iris() -> tuple[np.ndarray, np.ndarray]:
    return load_iris(return_X_y=True)


def test_scikit_learn_overflows_on_the_same_data():
    """The reference: scikit-learn's MLP on X * 1e200 gets NumPy's overflow warnings (and
    returns a model); the square of a feature past sqrt(float64 max) is inf."""
    X, y = _iris()
    with np.errstate(over="ignore"):
        assert np.isinf(np.square(np.float64(1.01 * math.sqrt(np.finfo(np.float64).max))))
    assert np.isfinite(np.square(np.float64(0.99 * math.sqrt(np.finfo(np.float64).max))))
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        SkClassifier((4,), max_iter=5, random_state=0).fit(X * 1e200, y)
    assert any(w.category is RuntimeWarning and "overflow" in str(w.message) for w in said)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("kind", [MLPClassifier, MLPRegressor])
def test_features_past_the_square_root_of_the_largest_float_are_said(kind, solver):
    """chainrule's fit on X * 1e200 was silent where it returned a model (the classifier's
    adam: a loss of 4e200, parameters that model nothing) and blamed the learning rate
    where it diverged.  Now a UserWarning names the largest value and StandardScaler, and
    the fit either returns finite parameters or raises the divergence error (keeping the
    last finite ones): never NaN."""
    X, y = _iris()
    target = y if kind is MLPClassifier else X[:, 0]
    est = kind((4,), solver=solver, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(UserWarning, match=_SAID.format(r"7\.9e\+200")):
            try:
                est.fit(X * 1e200, target)
            except TrainingDiverged:
                pass
    assert np.isfinite(est.network_.params).all()


@pytest.mark.parametrize(("dtype", "scale", "said"), [
    (np.float64, 1e150, False), (np.float64, 1e154, True),
    (np.float32, 1e18, False), (np.float32, 1e19, True)])
@pytest.mark.parametrize("sparse", [False, True])
def test_the_limit_is_the_square_root_of_the_networks_largest_float(dtype, scale, said,
                                                                    sparse):
    """The bound is sqrt(finfo(dtype).max) of the network: 1.34e154 (float64), 1.84e19
    (float32); iris's largest feature is 7.9, so 1e154 and 1e19 cross it, 1e150 and 1e18
    do not.  Sparse rows are read by their stored values."""
    X, y = _iris()
    Xs = (X * scale).astype(dtype)
    if sparse:
        Xs = scipy.sparse.csr_matrix(Xs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            MLPClassifier((3,), max_iter=2, random_state=0).fit(Xs, y)
        except TrainingDiverged:
            pass
    ours = [w for w in caught if "X has values as large as" in str(w.message)]
    assert len(ours) == int(said)
    if said:
        largest = float(np.abs(Xs.data if sparse else Xs).max())
        assert f"{largest:.3g}" in str(ours[0].message)
        assert f"{math.sqrt(np.finfo(dtype).max):.3g}" in str(ours[0].message)
