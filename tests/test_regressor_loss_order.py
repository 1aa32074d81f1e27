"""MLPRegressor's ``loss`` is keyword-only, after ``hidden_layer_sizes`` and
``activation``; scikit-learn's MLPRegressor takes it as its first argument.  Code written
for scikit-learn's order is told so, not that hidden_layer_sizes got "str"."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.neural_network import MLPRegressor as SkMLPRegressor

from chainrule import MLPRegressor
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_a_loss_given_first_as_scikit_learn_takes_it_is_named(loss):
    """MLPRegressor("poisson", (4,)) is scikit-learn's call of that loss; here it said
    "hidden_layer_sizes must be an int or a sequence of ints, got str".  Now the message
    names the loss and the keyword to pass it by, and the keyword call fits the network
    scikit-learn's positional call fits (its layers and output activation)."""
    X, y = load_diabetes(return_X_y=True)
    X, y = X[:60], y[:60] / y.max()
    theirs = SkMLPRegressor(loss, (4,), solver="lbfgs", max_iter=5,
                            random_state=0).fit(X, y)
    with pytest.raises(TypeError, match=rf"got '{loss}', a loss: scikit-learn's MLPRegressor "
                       rf"takes loss as its first argument.*pass loss='{loss}'"):
        MLPRegressor(loss, (4,), solver="lbfgs", max_iter=5, random_state=0).fit(X, y)
    ours = MLPRegressor((4,), loss=loss, solver="lbfgs", max_iter=5, random_state=0).fit(X, y)
    assert [W.shape for W in ours.coefs_] == [W.shape for W in theirs.coefs_]
    assert ours.out_activation_ == theirs.out_activation_
    assert np.all(np.isfinite(ours.predict(X)))
