"""MLPClassifier's ``loss`` attribute, "log_loss" as scikit-learn's MLPClassifier has it
(set by its ``__init__``, not a parameter): code written for scikit-learn's MLP that reads
``clf.loss`` (a report of the estimators in a search, say) runs with chainrule's."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier

from chainrule.estimators import MLPClassifier, load_estimator


def test_loss_is_log_loss_as_scikit_learn_s_and_not_a_parameter():
    ours, theirs = MLPClassifier(), SkClassifier()
    assert ours.loss == theirs.loss == "log_loss"
    assert "loss" not in ours.get_params() and "loss" not in theirs.get_params()
    assert clone(ours).loss == "log_loss"


def test_loss_stays_through_fit_pickle_and_a_saved_file(tmp_path):
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = MLPClassifier((3,), max_iter=2, random_state=0).fit(X, [0, 0, 1, 1])
    assert est.loss == "log_loss"
    assert pickle.loads(pickle.dumps(est)).loss == "log_loss"
    est.save(tmp_path / "m.npz")
    assert load_estimator(tmp_path / "m.npz").loss == "log_loss"
