"""A rate of 0 in an estimator file and in a checkpoint (robust28).

Where a user types it, 0 is refused: ``MLPClassifier(learning_rate_init=0)`` (as
scikit-learn's MLP refuses it, computed below), ``SGD(lr=0)`` and ``chainrule train --lr
0``; and no rule of an estimator's reaches 0 without a schedule ("constant" keeps the
rate, "adaptive" stops dividing it at 1e-6, "invscaling" records its rate as
``training.lr``, refused at 0).  So an estimator file whose ``training.optimizer.config.lr``
is 0 without a ``training.schedule_run`` is damaged: it loaded, and the next
``partial_fit`` trained nothing, silently.  Now it is refused as corrupted, naming the
field; a schedule run's 0 (a cosine to ``eta_min = 0``) still loads.  (A checkpoint's 0
is a run's: see test_robust28_checkpoint_zero_rate.)
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.estimators import MLPClassifier, load_estimator
from file_helpers import edit_saved_meta, small_data


def _fitted(path, **params):
    X, y = small_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (3 epochs: not converged)
        est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0,
                            **params).fit(X, y)
    return est.save(path)


def _set_rate(path, rate):
    edit_saved_meta(path, lambda meta: meta["training"]["optimizer"]["config"].__setitem__(
        "lr", rate))
    return path


def test_zero_is_refused_where_typed_as_scikit_learn_refuses_it(capsys):
    sklearn = pytest.importorskip("sklearn.neural_network")
    X, y = small_data()
    with pytest.raises(ValueError) as sk:
        sklearn.MLPClassifier(learning_rate_init=0).fit(X, y)
    assert "'learning_rate_init'" in str(sk.value) and "Got 0 instead" in str(sk.value)
    with pytest.raises(ValueError) as ours:
        MLPClassifier(learning_rate_init=0).fit(X, y)
    assert "'learning_rate_init'" in str(ours.value) and "Got 0 instead" in str(ours.value)
    with pytest.raises(ValueError, match="lr must be a finite float > 0, got 0"):
        cr.optimizers.SGD(lr=0)
    from chainrule.cli import main
    with pytest.raises(SystemExit):
        main(["train", "moons", "--lr", "0", "-q"])
    assert "argument --lr: expected a finite number > 0, got '0'" in capsys.readouterr().err


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("rule", ["constant", "invscaling", "adaptive"])
def test_an_estimator_file_rate_of_zero_without_a_schedule_is_refused(tmp_path, solver, rule):
    path = _set_rate(_fitted(tmp_path / "e.npz", solver=solver, learning_rate=rule), 0.0)
    with pytest.raises(ValueError) as info:
        load_estimator(path)
    message = str(info.value)
    assert "corrupted estimator file" in message
    assert "training.optimizer.config: lr must be a finite float > 0, got 0.0" in message
    assert "training.schedule_run" in message


def test_a_schedule_run_keeps_its_zero_rate_and_valid_files_load(tmp_path):
    path = _fitted(tmp_path / "cos.npz", solver="adam", schedule={"name": "cosine"})
    assert load_estimator(_set_rate(path, 0.0))._optimizer.lr == 0.0
    X, y = small_data()
    plain = load_estimator(_fitted(tmp_path / "plain.npz", solver="sgd"))
    assert plain._optimizer.lr == 0.001  # learning_rate_init, the constant rule's
    before = [W.copy() for W in plain.coefs_]
    plain.partial_fit(X, y)
    assert all(not np.array_equal(a, b) for a, b in zip(before, plain.coefs_, strict=True))
