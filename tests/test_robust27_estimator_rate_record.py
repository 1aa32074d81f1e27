"""An estimator file whose training record holds an optimizer rate of ``inf`` without a
schedule (robust27).

``training.optimizer.config.lr`` is the rate the next ``partial_fit`` steps at.
:meth:`Optimizer.from_config` takes ``inf`` (a rate an exponential schedule with
``gamma > 1`` reaches), so a damaged file with ``lr = inf`` and no schedule loaded, and
the next ``partial_fit`` ended in TrainingDiverged blaming ``learning_rate_init``.  Now
the load refuses it as a corrupted file naming the field, in the words of the rule's
own constructor; with a schedule the rate still loads, and NaN, negative rates,
``momentum = 1.5`` and ``beta2 = 1`` stay refused as before.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from chainrule.estimators import MLPClassifier, load_estimator

RNG = np.random.default_rng(2702)
X = RNG.normal(size=(30, 3))
Y = (X[:, 0] > 0).astype(int)


def _saved(tmp_path, solver, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (3 epochs: not converged)
        est = MLPClassifier(hidden_layer_sizes=(4,), solver=solver, max_iter=3,
                            random_state=0, **params).fit(X, Y)
    return est.save(tmp_path / f"{solver}.npz")


def _damaged(path, out, **config):
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays["__meta__"]))
    meta["training"]["optimizer"]["config"].update(config)
    arrays["__meta__"] = np.array(json.dumps(meta))
    np.savez(out, **arrays)
    return out


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_an_infinite_rate_without_a_schedule_is_refused_at_load(tmp_path, solver):
    bad = _damaged(_saved(tmp_path, solver), tmp_path / "bad.npz", lr=float("inf"))
    with pytest.raises(ValueError) as info:
        load_estimator(bad)
    message = str(info.value)
    assert "corrupted estimator file" in message
    assert "training.optimizer.config: lr must be a finite float > 0, got inf" in message
    assert "training.schedule_run" in message


@pytest.mark.parametrize(("solver", "setting", "value", "words"), [
    ("sgd", "lr", float("nan"), "lr must be a finite float > 0, got nan"),
    ("sgd", "lr", -0.1, "lr must be a finite float > 0, got -0.1"),
    ("sgd", "momentum", 1.5, "momentum must be in [0, 1), got 1.5"),
    ("adam", "beta2", 1.0, "beta2 must be in [0, 1), got 1.0"),
])
def test_other_settings_out_of_range_stay_refused(tmp_path, solver, setting, value, words):
    bad = _damaged(_saved(tmp_path, solver), tmp_path / "bad.npz", **{setting: value})
    with pytest.raises(ValueError, match="corrupted estimator file") as info:
        load_estimator(bad)
    assert f"training.optimizer.config: {words}" in str(info.value)


def test_a_schedule_run_keeps_its_infinite_rate_and_valid_files_load(tmp_path):
    path = _saved(tmp_path, "adam", schedule={"name": "exponential", "gamma": 0.5})
    loaded = load_estimator(_damaged(path, tmp_path / "inf.npz", lr=float("inf")))
    assert loaded._optimizer.lr == float("inf")  # from_config's rate, a schedule's
    plain = load_estimator(_saved(tmp_path, "sgd"))
    assert plain._optimizer.lr == 0.001  # learning_rate_init, the constant rule's
    plain.partial_fit(X, Y)
    assert np.isfinite(plain.loss_curve_[-1])
