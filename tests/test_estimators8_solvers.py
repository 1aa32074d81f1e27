"""The estimators' solvers "adamw", "nadam", "radam" and "adamax" (and ``amsgrad``,
``decoupled_decay``): a fit equals :func:`chainrule.train` with the same optimizer on the
same network and batches, and one epoch equals torch.optim's rule with the estimator's
``alpha`` as scikit-learn's L2 term (``alpha / (2 m)`` per batch of ``m`` rows); the new
parameters' life (checks, get_params, clone, files, partial_fit)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

import chainrule
from chainrule import MLPClassifier, MLPRegressor
from chainrule.estimators import load_estimator
from chainrule.optimizers import Adamax, AdamW, NAdam, RAdam
from solver_helpers import ALPHA, BS, LR
from solver_helpers import quiet_fit as _fit
from solver_helpers import sine_data as _data

NEW = ("adamw", "nadam", "radam", "adamax")
# each new solver with its defaults, and adamw with its own settings
CASES = [(s, {}) for s in NEW] + [("adamw", {"decoupled_decay": 0.5, "amsgrad": True})]


def _ours(solver: str, **settings):
    """The optimizer a fit of ``solver`` should build (PyTorch's rules as they are)."""
    betas = dict(beta1=0.8, beta2=0.95, eps=1e-6)
    if solver == "adamw":
        return AdamW(LR, weight_decay=settings.get("decoupled_decay", 0.01),
                     amsgrad=settings.get("amsgrad", False), **betas)
    return {"nadam": NAdam, "radam": RAdam, "adamax": Adamax}[solver](LR, **betas)


def _started(solver: str, X, y, **settings) -> tuple[MLPRegressor, np.ndarray]:
    """A warm-start regressor whose network holds chosen weights ``w0`` (copied in)."""
    est = MLPRegressor((4,), "tanh", solver=solver, alpha=ALPHA, batch_size=BS,
                       learning_rate_init=LR, beta_1=0.8, beta_2=0.95, epsilon=1e-6,
                       shuffle=False, tol=0.0, n_iter_no_change=10**6, max_iter=1,
                       warm_start=True, random_state=0, **settings)
    _fit(est, X, y)
    w0 = np.random.default_rng(1).normal(scale=0.5, size=est.network_.n_params)
    est.network_.params[...] = w0
    return est, w0


@pytest.mark.parametrize(("solver", "settings"), CASES)
def test_a_fit_equals_train_with_the_same_optimizer(solver, settings):
    X, y = _data()
    est, w0 = _started(solver, X, y, **settings)
    net = est.network_.copy()
    _fit(est.set_params(max_iter=4), X, y)  # a warm-start fit: a new optimizer, 4 epochs
    ours = _ours(solver, **settings)
    assert ours.get_config() == est._optimizer.get_config()
    chainrule.train(net, X, y[:, None], optimizer=ours, batch_size=BS, epochs=4,
                    shuffle=False)
    np.testing.assert_allclose(est.network_.params, net.params, rtol=0, atol=1e-12)
    assert not np.allclose(net.params, w0)


def _torch_epoch(torch, solver, est_net, w0, X, y, settings):
    """One epoch of torch.optim's rule from ``w0`` on the batches of ``BS`` rows in order,
    loss ``mean_i (a_i - y_i)^2 / 2 + alpha / (2 m) sum W^2`` (the L2 term of the weights
    only); AdamW's decoupled decay on the weights only, as chainrule's loop decays them."""
    from torch_twins import decay_groups, l2_epoch

    opts = dict(lr=LR, betas=(0.8, 0.95), eps=1e-6)

    def make(model):
        if solver == "adamw":
            return torch.optim.AdamW(
                decay_groups(model, settings.get("decoupled_decay", 0.01)),
                amsgrad=settings.get("amsgrad", False), **opts)
        return {"nadam": torch.optim.NAdam, "radam": torch.optim.RAdam,
                "adamax": torch.optim.Adamax}[solver](model.parameters(), **opts)

    return l2_epoch(torch, est_net, w0, X, y, make, BS, ALPHA)


@pytest.mark.parametrize(("solver", "settings"), CASES)
def test_one_epoch_equals_torch_optim(solver, settings):
    torch = pytest.importorskip("torch")
    X, y = _data()
    est, w0 = _started(solver, X, y, **settings)
    # torch keeps NAdam's product of the momenta in its default dtype (float32 unless set)
    saved = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        theirs = _torch_epoch(torch, solver, est.network_, w0, X, y, settings)
    finally:
        torch.set_default_dtype(saved)
    _fit(est.set_params(max_iter=1), X, y)
    np.testing.assert_allclose(est.network_.params, theirs, rtol=0, atol=1e-12)
    assert not np.allclose(theirs, w0, atol=1e-4)


def test_the_learning_rate_rules_leave_the_new_solvers_alone_as_adam():
    """scikit-learn's "invscaling" and "adaptive" are SGD's only ("adam" ignores them):
    the new solvers too, so a fit with them is the "constant" one."""
    X, y = _data()
    for solver in NEW:
        kw = dict(solver=solver, max_iter=5, random_state=0, batch_size=BS)
        a = _fit(MLPRegressor((4,), learning_rate="invscaling", power_t=0.9, **kw), X, y)
        b = _fit(MLPRegressor((4,), **kw), X, y)
        np.testing.assert_array_equal(a.network_.params, b.network_.params)


def test_amsgrad_of_adam_is_adam_amsgrad_in_scikit_learns_form():
    X, y = _data()
    est, _ = _started("adam", X, y, amsgrad=True)
    net = est.network_.copy()
    _fit(est.set_params(max_iter=3), X, y)
    ours = chainrule.optimizers.Adam(LR, 0.8, 0.95, 1e-6, eps_on="v", amsgrad=True)
    chainrule.train(net, X, y[:, None], optimizer=ours, batch_size=BS, epochs=3,
                    shuffle=False)
    np.testing.assert_allclose(est.network_.params, net.params, rtol=0, atol=1e-12)


def test_the_settings_are_refused_where_unused_and_checked():
    X, y = _data()
    yc = (y > 0).astype(int)
    with pytest.raises(ValueError, match=r"^The 'amsgrad' parameter of MLPClassifier must be "
                       r"False with solver='nadam'\. Got True instead\. \(amsgrad=True is a "
                       r"setting of the solvers \('adam', 'adamw'\); set amsgrad=False\)$"):
        MLPClassifier(solver="nadam", amsgrad=True).fit(X, yc)
    with pytest.raises(ValueError, match=r"^The 'decoupled_decay' parameter of MLPRegressor "
                       r"must be None with solver='adam'\. Got 0\.1 instead\. "
                       r"\(decoupled_decay=0.1 is AdamW's "):
        MLPRegressor(solver="adam", decoupled_decay=0.1).fit(X, y)
    for bad in (-1.0, np.nan, np.inf, "0.1", True):
        with pytest.raises(ValueError, match=r"^The 'decoupled_decay' parameter of MLPRegressor "
                       r"must be None or a finite "):
            MLPRegressor(solver="adamw", decoupled_decay=bad).fit(X, y)
    with pytest.raises(ValueError, match=r"^The 'amsgrad' parameter of MLPRegressor "
                       r"must be an instance of 'bool' .* Got "
                       r"1 instead\.$"):
        MLPRegressor(solver="adam", amsgrad=1).fit(X, y)
    with pytest.raises(ValueError, match=r"The 'solver' parameter of MLPRegressor must be a "
                                         r"str among \{.*'adamw', 'nadam', 'radam', 'adamax'"):
        MLPRegressor(solver="adamw2").fit(X, y)


def test_params_clone_and_defaults():
    est = MLPClassifier((3,), solver="adamw", decoupled_decay=0.2, amsgrad=True)
    assert clone(est).get_params()["decoupled_decay"] == 0.2
    assert clone(est).get_params()["amsgrad"] is True
    d = MLPRegressor().get_params()
    assert d["decoupled_decay"] is None and d["amsgrad"] is False
    X, y = _data()
    # None is PyTorch's default, 0.01
    assert _fit(MLPRegressor((3,), solver="adamw", max_iter=1), X, y
                )._optimizer.weight_decay == 0.01


@pytest.mark.parametrize("solver", NEW)
def test_save_load_keeps_the_solver_and_partial_fit_goes_on(solver, tmp_path):
    X, y = _data()
    yc = (y > 0).astype(int)
    settings = {"decoupled_decay": 0.3, "amsgrad": True} if solver == "adamw" else {}
    kw = dict(solver=solver, max_iter=3, random_state=0, batch_size=BS, shuffle=False,
              **settings)
    a = _fit(MLPClassifier((4,), **kw), X, yc)
    a.save(tmp_path / "a.npz")
    b = load_estimator(tmp_path / "a.npz")
    assert b.solver == solver and b.get_params() == a.get_params()
    assert b._optimizer.get_config() == a._optimizer.get_config()
    a.partial_fit(X, yc)
    b.partial_fit(X, yc)
    np.testing.assert_array_equal(a.network_.params, b.network_.params)
    # partial_fit goes on with the optimizer's state: one more epoch of the same run
    c = _fit(MLPClassifier((4,), **{**kw, "max_iter": 4}), X, yc)
    np.testing.assert_allclose(a.network_.params, c.network_.params, rtol=0, atol=1e-12)


@pytest.mark.parametrize("solver", NEW)
def test_every_new_solver_learns_iris(solver):
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    clf = _fit(MLPClassifier((10,), solver=solver, learning_rate_init=0.02, max_iter=150,
                             batch_size=32, random_state=0), X, y)
    assert clf.score(X, y) > 0.93, solver
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
