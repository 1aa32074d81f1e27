"""The estimators' rmsprop_momentum and centered (solver="rmsprop") and momentum_decay
(solver="nadam"): one epoch from copied-in weights equals torch.optim's RMSprop and NAdam;
the parameters' life (checks, get_params, set_params, clone, files, defaults)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from chainrule import MLPClassifier, MLPRegressor
from chainrule.estimators import load_estimator
from chainrule.optimizers import RMSProp
from solver_helpers import ALPHA, BS, LR
from solver_helpers import quiet_fit as _fit
from solver_helpers import sine_data as _data
from solver_helpers import started as _started

EPS = 1e-6


def _torch_epoch(torch, make_opt, est_net, w0, X, y) -> np.ndarray:
    """One epoch of a torch.optim rule from ``w0`` on the batches of ``BS`` rows in order,
    loss ``mean_i (a_i - y_i)^2 / 2 + alpha / (2 m) sum W^2`` (scikit-learn's L2 term)."""
    from torch_twins import l2_epoch

    return l2_epoch(torch, est_net, w0, X, y, lambda model: make_opt(model.parameters()),
                    BS, ALPHA)


CASES = [("rmsprop", {"rmsprop_momentum": 0.7}),
         ("rmsprop", {"centered": True}),
         ("rmsprop", {"rmsprop_momentum": 0.5, "centered": True}),
         ("rmsprop", {}),
         ("nadam", {"momentum_decay": 0.05}),
         ("nadam", {})]


@pytest.mark.parametrize(("solver", "settings"), CASES)
def test_one_epoch_equals_torch_optim(solver, settings):
    """The estimator's rmsprop ignored momentum settings and had no centered form; nadam's
    momentum_decay could not be set.  chainrule's rmsprop smooths with rho = 0.9
    (PyTorch's ``alpha``)."""
    torch = pytest.importorskip("torch")
    X, y = _data()
    est, w0 = _started(solver, X, y, **settings)
    if solver == "rmsprop":
        def make(params):
            return torch.optim.RMSprop(params, lr=LR, alpha=0.9, eps=EPS,
                                       momentum=settings.get("rmsprop_momentum", 0.0),
                                       centered=settings.get("centered", False))
    else:
        def make(params):
            return torch.optim.NAdam(params, lr=LR, betas=(0.8, 0.95), eps=EPS,
                                     momentum_decay=settings.get("momentum_decay", 0.004))
    saved = torch.get_default_dtype()  # NAdam's product of the momenta: the default dtype
    torch.set_default_dtype(torch.float64)
    try:
        theirs = _torch_epoch(torch, make, est.network_, w0, X, y)
    finally:
        torch.set_default_dtype(saved)
    _fit(est.set_params(max_iter=1), X, y)
    np.testing.assert_allclose(est.network_.params, theirs, rtol=0, atol=1e-12)
    assert not np.allclose(theirs, w0, atol=1e-4)


def test_rmsprop_by_default_is_the_plain_rule_whatever_sgds_momentum():
    """``momentum`` stays sgd's (scikit-learn's default 0.9): a default rmsprop run is the
    plain RMSProp it was, and a momentum set for sgd leaves rmsprop alone."""
    X, y = _data()
    kw = dict(solver="rmsprop", max_iter=3, batch_size=BS, random_state=0)
    a = _fit(MLPRegressor((4,), **kw), X, y)
    b = _fit(MLPRegressor((4,), momentum=0.3, **kw), X, y)
    assert a._optimizer.get_config() == RMSProp(1e-3, eps=1e-8).get_config()
    np.testing.assert_array_equal(a.network_.params, b.network_.params)
    c = _fit(MLPRegressor((4,), rmsprop_momentum=0.3, **kw), X, y)
    assert c._optimizer.momentum == 0.3 and not np.allclose(c.network_.params,
                                                            a.network_.params)


def test_the_settings_are_refused_where_unused_and_checked():
    X, y = _data()
    yc = (y > 0).astype(int)
    with pytest.raises(ValueError, match=r"^The 'rmsprop_momentum' parameter of MLPClassifier "
                       r"must be 0\.0 with solver='adam'\. Got 0\.5 instead\. "
                       r"\(rmsprop_momentum=0.5 is RMSProp's momentum, for solver='rmsprop' "
                       r"only; set rmsprop_momentum=0"):
        MLPClassifier(solver="adam", rmsprop_momentum=0.5).fit(X, yc)
    with pytest.raises(ValueError, match=r"^The 'centered' parameter of MLPRegressor must be "
                       r"False with solver='sgd'\. Got True instead\. \(centered=True is a "
                       r"setting of solver='rmsprop' only; set centered=False\)$"):
        MLPRegressor(solver="sgd", centered=True).fit(X, y)
    with pytest.raises(ValueError, match=r"^The 'momentum_decay' parameter of MLPRegressor "
                       r"must be None with solver='lbfgs'\. Got 0\.01 instead\. "
                       r"\(momentum_decay=0.01 is NAdam's, for solver='nadam' only; set "
                       r"momentum_decay=None\)$"):
        MLPRegressor(solver="lbfgs", momentum_decay=0.01).fit(X, y)
    for bad in (-0.1, 1.0, np.nan, "0.5", True, None):
        with pytest.raises(ValueError, match=r"^The 'rmsprop_momentum' parameter of MLPRegressor "
                       r"must be a float in the "
                           r"range \[0\.0, 1\.0\)\. Got "):
            MLPRegressor(solver="rmsprop", rmsprop_momentum=bad).fit(X, y)
    with pytest.raises(ValueError, match=r"^The 'centered' parameter of MLPRegressor "
                       r"must be an instance of 'bool' .* "
                       r"Got 1 instead\.$"):
        MLPRegressor(solver="rmsprop", centered=1).fit(X, y)
    for bad in (-1.0, np.nan, np.inf, "0.1", True):
        with pytest.raises(ValueError, match=r"^The 'momentum_decay' parameter of MLPRegressor "
                       r"must be None or a finite "):
            MLPRegressor(solver="nadam", momentum_decay=bad).fit(X, y)


def test_params_set_params_clone_and_files(tmp_path):
    d = MLPRegressor().get_params()
    assert (d["rmsprop_momentum"], d["centered"], d["momentum_decay"]) == (0.0, False, None)
    est = MLPClassifier((3,), solver="rmsprop").set_params(rmsprop_momentum=0.4,
                                                            centered=True)
    c = clone(est)
    assert c.get_params()["rmsprop_momentum"] == 0.4 and c.get_params()["centered"] is True
    assert clone(MLPRegressor(solver="nadam", momentum_decay=0.02)).momentum_decay == 0.02
    X, y = _data()
    yc = (y > 0).astype(int)
    for kw in ({"solver": "rmsprop", "rmsprop_momentum": 0.4, "centered": True},
               {"solver": "nadam", "momentum_decay": 0.02}):
        a = _fit(MLPClassifier((4,), max_iter=2, random_state=0, batch_size=BS,
                               shuffle=False, **kw), X, yc)
        a.save(tmp_path / "a.npz")
        b = load_estimator(tmp_path / "a.npz")
        assert b.get_params() == a.get_params()
        assert b._optimizer.get_config() == a._optimizer.get_config()
        a.partial_fit(X, yc)
        b.partial_fit(X, yc)
        np.testing.assert_array_equal(a.network_.params, b.network_.params)
