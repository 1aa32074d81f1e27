"""``chainrule importance`` of a model file that
``tune-threshold -o`` wrote.

importance scored accuracy, balanced accuracy and macro F1 by the most probable class
even where predict and evaluate decide by the file's threshold: its baseline was not
evaluate's.  It now decides as evaluate does (the file's threshold, ``--threshold P``,
``--threshold none``).  The reference is scikit-learn's ``permutation_importance`` of the
network run in NumPy (test_cli_importance's ``_FileClassifier``) deciding as
``FixedThresholdClassifier(threshold=t, response_method="predict_proba")`` does (the
second class where its probability is at or above t), written here; and
``balanced_accuracy_score`` of that decision, evaluate's.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.inspection import permutation_importance
from sklearn.metrics import balanced_accuracy_score

from chainrule.cli import main
from file_helpers import cli_out
from test_cli_importance import _by_name, _importance
from test_practitioner22_threshold_none import _Fixed, tuned_file


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    return tuned_file(tmp_path_factory.mktemp("tuned"))


@pytest.mark.parametrize("given, scoring, sklearn_scoring", [
    ([], "balanced_accuracy", "balanced_accuracy"),
    ([], None, "accuracy"),
    ([], "f1_macro", "f1_macro"),
    (["--threshold", "0.3"], "balanced_accuracy", "balanced_accuracy"),
    (["--threshold", "none"], "balanced_accuracy", "balanced_accuracy"),
])
def test_importance_decides_as_evaluate(tuned, capsys, given, scoring, sklearn_scoring):
    d, X, y, t = tuned
    at = {"0.3": 0.3, "none": None}.get(given[-1], t) if given else t
    reference = _Fixed(str(d / "t.npz"), at).fit(X, y)
    assert np.any(reference.predict(X) != _Fixed(str(d / "t.npz")).fit(X, y).predict(X)) \
        or at is None  # the threshold changes some decisions
    want = permutation_importance(reference, X, y, scoring=sklearn_scoring, n_repeats=2,
                                  random_state=4)
    got = _importance(capsys, str(d / "t.npz"), str(d / "d.csv"), "--repeats", "2",
                      "--seed", "4", *given, *(["--scoring", scoring] if scoring else []))
    mean, std = _by_name(got, ["a", "b", "c", "d"])
    np.testing.assert_allclose(mean, want.importances_mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(std, want.importances_std, rtol=0, atol=1e-12)
    if sklearn_scoring == "balanced_accuracy":  # the baseline is evaluate's
        decided = reference.predict(X)
        assert got["baseline"] == pytest.approx(balanced_accuracy_score(y, decided),
                                                rel=1e-12)
        scores = json.loads(cli_out(capsys, ["evaluate", d / "t.npz", d / "d.csv", "--json",
                                             *given]))
        assert got["baseline"] == pytest.approx(scores["balanced_accuracy"], rel=1e-12)
    assert got.get("threshold") == at


def test_importance_refuses_another_threshold(tuned, capsys):
    d = tuned[0]
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["importance", str(d / "t.npz"), str(d / "d.csv"), "--threshold", "1.5"])
    assert "a probability strictly between 0 and 1, or none, got 1.5" in \
        capsys.readouterr().err
