"""``--threshold none`` of ``predict`` and ``evaluate``: a model file that
``tune-threshold -o`` wrote decided by its stored threshold with no way back to the most
probable class; ``none`` leaves the file's threshold aside.  The reference: the network
run in NumPy (test_cli_importance's ``_FileClassifier``), the most probable class of its
probabilities, and ``sklearn.metrics`` of it.  :class:`_Fixed` (the network deciding at a
threshold, as ``FixedThresholdClassifier(threshold=t, response_method="predict_proba")``)
and the ``tuned`` fixture serve test_practitioner22_threshold_importance too.
"""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, balanced_accuracy_score

from chainrule.cli import main
from file_helpers import cli_out
from pr_helpers import FEATURES, pr_data
from test_cli_importance import _FileClassifier

FAST = ["--hidden", "4", "--epochs", "30", "--seed", "0", "-q", "--target", "kind",
        *FEATURES]


class _Fixed(_FileClassifier):
    """The file's network deciding at ``threshold`` (None: the most probable class)."""

    def __init__(self, path=None, threshold=None):
        super().__init__(path)
        self.threshold = threshold

    def predict(self, X):
        p = self._outputs(X)[:, -1]  # one sigmoid unit: the probability of 'yes'
        if self.threshold is None:
            return self.classes_[(p > 0.5).astype(int)]
        return self.classes_[(p >= self.threshold).astype(int)]


def tuned_file(d) -> tuple:
    """tune-threshold -o's model of pr_data's CSV in the folder ``d``: the folder, the
    features (n, 4), the classes ('no'/'yes') and the stored threshold."""
    y, _ = pr_data(d / "d.csv")
    text = io.StringIO()
    with contextlib.redirect_stdout(text), contextlib.redirect_stderr(io.StringIO()):
        assert main(["tune-threshold", str(d / "d.csv"), *FAST, "--folds", "3", "--json",
                     "-o", str(d / "t.npz")]) == 0
    t = json.loads(text.getvalue().splitlines()[0])["value"]
    X = pd.read_csv(d / "d.csv")[["a", "b", "c", "d"]].to_numpy()
    return d, X, np.array(["no", "yes"])[y], t


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    return tuned_file(tmp_path_factory.mktemp("tuned"))


def test_threshold_none_is_the_most_probable_class(tuned, capsys, tmp_path):
    d, X, y, t = tuned
    argmax = _Fixed(str(d / "t.npz")).fit(X, y).predict(X)
    assert np.any(argmax != _Fixed(str(d / "t.npz"), t).fit(X, y).predict(X))
    cli_out(capsys, ["predict", d / "t.npz", d / "d.csv", "--threshold", "none",
                     "-o", tmp_path / "p.csv"])
    np.testing.assert_array_equal(pd.read_csv(tmp_path / "p.csv")["kind"].to_numpy(),
                                  argmax)
    scores = json.loads(cli_out(capsys, ["evaluate", d / "t.npz", d / "d.csv", "--json",
                                         "--threshold", "none"]))
    assert "threshold" not in scores
    assert scores["accuracy"] == pytest.approx(accuracy_score(y, argmax), rel=1e-12)
    assert scores["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(y, argmax),
                                                        rel=1e-12)
    text = cli_out(capsys, ["evaluate", d / "t.npz", d / "d.csv", "--threshold", "NONE"])
    assert f"threshold: none (the most probable class; the model file's {t:g}" in text
    assert "--threshold none" in cli_out(capsys, ["info", d / "t.npz"])
    for command in (["predict"], ["evaluate"]):
        capsys.readouterr()
        with pytest.raises(SystemExit):
            main([*command, str(d / "t.npz"), str(d / "d.csv"), "--threshold", "no"])
        assert "a probability strictly between 0 and 1, or none, got 'no'" in \
            capsys.readouterr().err
