"""``chainrule train --optimizer nadam`` (and the other new rules) and the estimators'
``solver="nadam"``: with the same initial network, data, settings and batches, the same
weights.  The two paths differ by design in their defaults (the initialisation from
--seed or random_state, train's --lr 0.01, --batch-size 32, --weight-decay 0 of the
"ufldl" form, --scale standard and --val-fraction 0.1, and train's shuffling, always on,
seeded by --seed); a full batch per epoch leaves that shuffling without effect on the
steps."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import chainrule as cr
from chainrule import MLPClassifier
from chainrule.cli import main
from chainrule.network import mlp


@pytest.mark.parametrize("rule", ["nadam", "adamw", "radam", "adamax"])
def test_train_and_the_estimator_agree_on_the_same_start_and_batches(rule, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    csv = tmp_path / "d.csv"
    np.savetxt(csv, np.column_stack([X, y]), delimiter=",", header="a,b,c,y", comments="",
               fmt="%.17g")
    assert main(["train", str(csv), "--hidden", "5", "--activation", "tanh", "--optimizer",
                 rule, "--lr", "0.01", "--batch-size", "60", "--epochs", "3", "--seed", "0",
                 "--scale", "none", "--decay", "per_sample", "--weight-decay", "1e-4",
                 "--val-fraction", "0", "-q", "-o", str(tmp_path / "m.npz")]) == 0
    theirs = cr.io.load(tmp_path / "m.npz")
    # the network train starts from: --hidden's mlp seeded with --seed (init "auto")
    start = mlp([3, 5, 1], hidden="tanh", output="sigmoid", loss="log_loss", seed=0)
    est = MLPClassifier((5,), "tanh", solver=rule, alpha=1e-4, batch_size=60,
                        learning_rate_init=0.01, shuffle=False, tol=0.0,
                        n_iter_no_change=10**6, max_iter=1, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
        est.network_.params[...] = start.params
        est.set_params(max_iter=3).fit(X, y)
    assert not np.allclose(est.network_.params, start.params)
    np.testing.assert_allclose(est.network_.params, theirs.params, rtol=0, atol=1e-12)
