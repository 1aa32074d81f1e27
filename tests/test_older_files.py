"""Files written by earlier versions of chainrule load, predict and resume as documented.

Each test makes the older form from a file of today's version (its JSON record edited as
the named commit wrote it), so that no older checkout is needed; the damaged forms the
loaders' checks were made for stay refused.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule
from file_helpers import edit_saved_meta


def _data(n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    return X, (X @ np.array([[1.0], [-2.0], [0.5]])) ** 2 / 4


def _adam_run(path: object, epochs: int) -> chainrule.Network:
    X, Y = _data()
    net = chainrule.mlp([3, 5, 1], seed=1)
    chainrule.train(net, X, Y, optimizer="adam", lr=0.05, batch_size=8, epochs=epochs, seed=2,
                    checkpoint=path)
    return net


def test_an_adam_checkpoint_from_before_eps_on_resumes_its_run(tmp_path):
    """Checkpoints written before Adam took eps_on (9ae44c7 .. f3ab394^) have no
    optimizer.config.eps_on: they resume with eps on sqrt(v_hat), the rule they ran with,
    to the uninterrupted run's parameters (Adam's step written out below agrees)."""
    X, Y = _data()
    full = _adam_run(tmp_path / "full.ckpt.npz", 6)
    path = tmp_path / "run.ckpt.npz"
    _adam_run(path, 3)
    edit_saved_meta(path, lambda meta: meta["optimizer"]["config"].pop("eps_on"))
    resumed, _ = chainrule.resume(path, X, Y, epochs=6)
    np.testing.assert_array_equal(resumed.params, full.params)
    trainer = chainrule.Trainer.from_checkpoint(path)
    assert trainer.optimizer.get_config()["eps_on"] == "v_hat"
    # the rule by hand: one more Adam step from the stored moments, eps on sqrt(v_hat)
    _adam_run(path, 3)
    edit_saved_meta(path, lambda meta: meta["optimizer"]["config"].pop("eps_on"))
    trainer = chainrule.Trainer.from_checkpoint(path)
    opt, theta = trainer.optimizer, trainer.net.params.copy()
    m, v, t = opt.state["m"].copy(), opt.state["v"].copy(), opt.t + 1
    g = np.linspace(-1.0, 1.0, theta.size)
    m = 0.9 * m + 0.1 * g
    v = 0.999 * v + 0.001 * g**2
    expected = theta - 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    opt.step(theta, g)
    np.testing.assert_allclose(theta, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda config: config.pop("beta2"), "optimizer.config: expected the keys"),
    (lambda config: config.update(eps_on="sqrt"), "eps_on"),
    (lambda config: config.update(name="rmsprop"),
     "['beta1', 'beta2'] are not settings of the 'rmsprop' rule"),
])
def test_a_damaged_adam_record_is_still_refused(tmp_path, edit, message):
    path = tmp_path / "run.ckpt.npz"
    _adam_run(path, 2)
    edit_saved_meta(path, lambda meta: edit(meta["optimizer"]["config"]))
    with pytest.raises(ValueError, match=re.escape(message)):
        chainrule.Trainer.from_checkpoint(path)


def _regressor_file(path: object, loss: str) -> tuple[np.ndarray, np.ndarray]:
    from chainrule.estimators import MLPRegressor
    X, Y = _data()
    est = MLPRegressor((4,), loss=loss, max_iter=30, random_state=0).fit(X, Y.ravel())
    est.save(path)
    return X, est.predict(X)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_regressor_file_from_before_loss_loads_with_the_squared_error(tmp_path):
    """MLPRegressor files written before its loss= parameter (2ca055e .. 54971d4^) have no
    params.loss: their regressors had the squared error, the one loss then.  Such a file
    loads, predicts as saved and refits as a squared-error regressor; a Poisson
    regressor's file that lost its loss stays refused (its network's loss says it)."""
    from chainrule.estimators import load_estimator
    path = tmp_path / "reg.npz"
    X, predicted = _regressor_file(path, "squared_error")
    edit_saved_meta(path, lambda meta: meta["params"].pop("loss"))
    est = load_estimator(path)
    np.testing.assert_array_equal(est.predict(X), predicted)
    assert est.get_params()["loss"] == "squared_error"
    assert est.network_.loss.name == "squared_error"
    _regressor_file(path, "poisson")
    edit_saved_meta(path, lambda meta: meta["params"].pop("loss"))
    with pytest.raises(ValueError, match=re.escape(
            "params: loss: expected 'poisson' (the network's loss), found 'squared_error'")):
        load_estimator(path)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_a_pickle_from_before_the_later_parameters_unpickles_predicts_and_refits(kind):
    """Estimators pickled by 2ca055e (the first) .. c023194^ lack the parameters added since
    (learning_rate, power_t and max_fun in f095bf0, class_weight, layers, input_shape, and
    the regressor's loss); unpickling one raised AttributeError('... no attribute
    'input_shape'').  It unpickles as it ran (a fixed rate, SciPy's 15000 evaluations, no
    class weights, flat rows), predicts as before and refits as such an estimator does."""
    import pickle

    from sklearn.base import clone

    from chainrule.estimators import MLPClassifier, MLPRegressor
    X, Y = _data()
    cls, y = ((MLPClassifier, (Y.ravel() > 1).astype(int)) if kind == "classifier"
              else (MLPRegressor, Y.ravel()))
    est = cls((4,), max_iter=20, random_state=0).fit(X, y)
    state = est.__getstate__()
    for key in ("learning_rate", "power_t", "max_fun", "class_weight", "layers",
                "input_shape", "loss", "bias_init"):
        state.pop(key, None)  # as pickled by 2ca055e
    older = cls.__new__(cls)
    older.__setstate__(state)
    older = pickle.loads(pickle.dumps(older))
    np.testing.assert_array_equal(older.predict(X), est.predict(X))
    params = older.get_params()
    assert (params["learning_rate"], params["power_t"], params["max_fun"]) == (
        "constant", 0.5, 15000)
    assert params.get("class_weight") is None and params["layers"] is None
    assert ("class_weight" in params) == (kind == "classifier")
    assert params["input_shape"] is None
    refit = clone(older).fit(X, y)
    fresh = cls((4,), max_iter=20, random_state=0, bias_init="zeros").fit(X, y)
    np.testing.assert_array_equal(refit.network_.params, fresh.network_.params)


def test_a_plateau_checkpoint_from_before_mode_resumes_as_lower_is_better(tmp_path):
    """ReduceOnPlateau records written before its mode (9ae44c7 .. 6810cd2^) have none of
    mode, threshold_mode, cooldown and eps: lower was better for every monitor then, so the
    run resumes in "min" mode, to the uninterrupted run's parameters and rates (which the
    plateau lowered); a record with a mode that is neither stays refused."""
    X, Y = _data()
    plateau = {"name": "plateau", "factor": 0.5, "patience": 0, "monitor": "loss"}
    settings = dict(optimizer="sgd", lr=0.3, batch_size=8, seed=3, schedule=plateau)
    full = chainrule.mlp([3, 5, 1], seed=1)
    h_full = chainrule.train(full, X, Y, epochs=8, **settings)
    path = tmp_path / "run.ckpt.npz"

    def as_9ae44c7(meta: dict) -> None:
        for key in ("mode", "threshold_mode", "cooldown", "eps"):
            meta["schedule"]["config"].pop(key)
        meta["schedule"]["state"].pop("_cooldown_left")

    chainrule.train(chainrule.mlp([3, 5, 1], seed=1), X, Y, epochs=4, checkpoint=path,
                    **settings)
    edit_saved_meta(path, as_9ae44c7)
    resumed, h_res = chainrule.resume(path, X, Y, epochs=8)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert h_res["lr"] == h_full["lr"] and min(h_full["lr"]) < 0.3
    assert chainrule.Trainer.from_checkpoint(path).schedule.mode == "min"
    chainrule.train(chainrule.mlp([3, 5, 1], seed=1), X, Y, epochs=4, checkpoint=path,
                    **settings)
    edit_saved_meta(path, lambda meta: meta["schedule"]["config"].update(mode="up"))
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'"):
        chainrule.Trainer.from_checkpoint(path)
    # mode missing from a record of the later settings: no version wrote it
    edit_saved_meta(path, lambda meta: meta["schedule"]["config"].pop("mode"))
    with pytest.raises(ValueError, match=re.escape("schedule.config: expected the keys")):
        chainrule.Trainer.from_checkpoint(path)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_an_estimator_file_from_before_learning_rate_loads_and_refits_as_it_ran(tmp_path,
                                                                               solver):
    """Estimator files written by 2ca055e (the first) .. f095bf0^ have no learning_rate,
    power_t and max_fun (nor what came later): they load with a fixed rate (their
    schedule's), power_t 0.5 and SciPy's 15000 evaluations, predict as saved and refit
    as such an estimator; a file missing only one of the three stays refused."""
    from sklearn.base import clone

    from chainrule.estimators import MLPClassifier, load_estimator
    X, Y = _data()
    y = (Y.ravel() > 1).astype(int)
    est = MLPClassifier((4,), solver=solver, max_iter=15, random_state=0).fit(X, y)
    path = tmp_path / "est.npz"

    def as_2ca055e(meta: dict) -> None:
        for key in ("learning_rate", "power_t", "max_fun", "class_weight", "layers",
                    "input_shape", "bias_init"):
            meta["params"].pop(key, None)

    est.save(path)
    edit_saved_meta(path, as_2ca055e)
    old = load_estimator(path)
    np.testing.assert_array_equal(old.predict_proba(X), est.predict_proba(X))
    params = old.get_params()
    assert (params["learning_rate"], params["power_t"], params["max_fun"]) == (
        "constant", 0.5, 15000)
    refit = clone(old).fit(X, y)
    fresh = MLPClassifier((4,), solver=solver, max_iter=15, random_state=0,
                          bias_init="zeros").fit(X, y)
    np.testing.assert_array_equal(refit.network_.params, fresh.network_.params)
    est.save(path)
    edit_saved_meta(path, lambda meta: meta["params"].pop("max_fun"))
    with pytest.raises(ValueError, match=re.escape("missing parameter(s) ['max_fun']")):
        load_estimator(path)


def test_a_class_weighted_command_checkpoint_from_before_dd47e90_resumes(tmp_path):
    """chainrule train --class-weight --checkpoint of 10bb02a .. dd47e90^ recorded
    sample_weighted true (the class weights as the run's weights); --resume refused such a
    checkpoint for want of the sample weights no command takes.  It now resumes to the
    uninterrupted run's model, bit for bit."""
    from chainrule.cli import main

    X, Y = _data(60)
    label = np.where(Y.ravel() > 1, "big", np.where(Y.ravel() > 0.2, "mid", "small"))
    data = tmp_path / "d.csv"
    data.write_text("a,b,c,y\n" + "".join(
        f"{r[0]:.17g},{r[1]:.17g},{r[2]:.17g},{c}\n" for r, c in zip(X, label, strict=True)))
    run = [str(data), "--target", "y", "--hidden", "5", "--class-weight", "balanced",
           "--val-fraction", "0.2", "--patience", "50", "-q"]
    assert main(["train", *run, "--epochs", "6", "-o", str(tmp_path / "full.npz")]) == 0
    ckpt = tmp_path / "run.ckpt.npz"
    assert main(["train", *run, "--epochs", "3", "--checkpoint", str(ckpt),
                 "-o", str(tmp_path / "first.npz")]) == 0
    edit_saved_meta(ckpt, lambda meta: meta.update(sample_weighted=True))  # as dd47e90^
    assert main(["train", *run, "--epochs", "6", "--checkpoint", str(ckpt), "--resume",
                 "-o", str(tmp_path / "resumed.npz")]) == 0
    full, resumed = chainrule.load(tmp_path / "full.npz"), chainrule.load(tmp_path / "resumed.npz")
    np.testing.assert_array_equal(resumed.params, full.params)
