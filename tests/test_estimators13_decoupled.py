"""``decoupled_decay`` of the solvers "nadam" and "radam": PyTorch's NAdam/RAdam with
``weight_decay=decoupled_decay, decoupled_weight_decay=True`` on the weights (the biases
undecayed, as "adamw"'s), as the command line's ``--decoupled-decay`` builds them; None
(the default) no decay, as PyTorch's 0; refused with the other solvers, naming those
that take it; get_params/clone, a saved file, and scikit-learn's checks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from chainrule import MLPClassifier, MLPRegressor
from chainrule.estimators import load_estimator
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)
from solver_helpers import ALPHA, BS, LR
from solver_helpers import quiet_fit as _fit
from solver_helpers import sine_data as _data
from solver_helpers import started as _started

WD = 0.7


def _torch_epoch(torch, solver, est_net, w0, X, y, wd):
    """One epoch of torch.optim.NAdam/RAdam(decoupled_weight_decay=True) from ``w0`` on the
    batches of ``BS`` rows in order, loss ``mean_i (a_i - y_i)^2 / 2 + alpha / (2 m) sum
    W^2``; the weights in a group of ``weight_decay=wd``, the biases in one of 0."""
    from torch_twins import decay_groups, l2_epoch

    rule = {"nadam": torch.optim.NAdam, "radam": torch.optim.RAdam}[solver]

    def make(model):
        groups = decay_groups(model, wd) if wd is not None else model.parameters()
        return rule(groups, lr=LR, betas=(0.8, 0.95), eps=1e-6,
                    decoupled_weight_decay=wd is not None)

    return l2_epoch(torch, est_net, w0, X, y, make, BS, ALPHA)


@pytest.mark.parametrize("solver", ["nadam", "radam"])
@pytest.mark.parametrize("wd", [WD, None])
def test_one_epoch_equals_torch_decoupled_weight_decay(solver, wd):
    torch = pytest.importorskip("torch")
    X, y = _data()
    settings = {} if wd is None else {"decoupled_decay": wd}
    est, w0 = _started(solver, X, y, **settings)
    saved = torch.get_default_dtype()  # NAdam's product of the momenta: float64 too
    torch.set_default_dtype(torch.float64)
    try:
        theirs = _torch_epoch(torch, solver, est.network_, w0, X, y, wd)
        undecayed = _torch_epoch(torch, solver, est.network_, w0, X, y, None)
    finally:
        torch.set_default_dtype(saved)
    _fit(est.set_params(max_iter=1), X, y)  # 3 mini-batches
    np.testing.assert_allclose(est.network_.params, theirs, rtol=0, atol=1e-12)
    if wd is not None:  # the decay made a difference the comparison sees
        assert np.abs(theirs - undecayed).max() > 1e-4


def test_refused_with_the_other_solvers_naming_those_that_take_it():
    X, y = _data()
    for solver in ("adam", "sgd", "adamax", "rmsprop", "adagrad", "lbfgs", "cg"):
        with pytest.raises(ValueError) as info:
            MLPRegressor(solver=solver, decoupled_decay=0.1).fit(X, y)
        assert str(info.value).startswith(
            "The 'decoupled_decay' parameter of MLPRegressor must be None with solver="
            f"{solver!r}. Got 0.1 instead. (decoupled_decay=0.1 is AdamW's decoupled weight ")
        assert ("for the solvers ('adamw', 'nadam', 'radam') only; set decoupled_decay=None"
                ) in str(info.value)
    for bad in (-1.0, np.nan, "0.1"):
        with pytest.raises(ValueError, match=r"^The 'decoupled_decay' parameter of MLPClassifier "
                       r"must be None or a finite "):
            MLPClassifier(solver="radam", decoupled_decay=bad).fit(X, (y > 0).astype(int))


@pytest.mark.parametrize("solver", ["nadam", "radam"])
def test_params_clone_defaults_and_the_optimizer_built(solver):
    from chainrule.optimizers import NAdam, RAdam

    est = MLPClassifier((3,), solver=solver, decoupled_decay=0.2)
    assert clone(est).get_params()["decoupled_decay"] == 0.2
    X, y = _data()
    opt = _fit(MLPRegressor((3,), solver=solver, decoupled_decay=0.2, max_iter=1), X, y
               )._optimizer
    ref = {"nadam": NAdam, "radam": RAdam}[solver](0.001, weight_decay=0.2,
                                                   decoupled_weight_decay=True)
    assert opt.get_config() == ref.get_config()
    # None: no decay (PyTorch's weight_decay=0), where adamw's None is its 0.01
    plain = _fit(MLPRegressor((3,), solver=solver, max_iter=1), X, y)._optimizer
    assert plain._decay_fraction() == 0.0
    assert _fit(MLPRegressor((3,), solver="adamw", max_iter=1), X, y
                )._optimizer.weight_decay == 0.01


@pytest.mark.parametrize("solver", ["nadam", "radam"])
def test_a_saved_file_and_a_pickle_keep_it(solver, tmp_path):
    import pickle

    X, y = _data()
    yc = (y > 0).astype(int)
    kw = dict(solver=solver, decoupled_decay=0.3, max_iter=3, random_state=0, batch_size=BS,
              shuffle=False)
    a = _fit(MLPClassifier((4,), **kw), X, yc)
    a.save(tmp_path / "a.npz")
    b = load_estimator(tmp_path / "a.npz")
    c = pickle.loads(pickle.dumps(a))
    assert b.get_params() == a.get_params() == c.get_params()
    assert b._optimizer.get_config() == a._optimizer.get_config()
    for est in (a, b, c):
        est.partial_fit(X, yc)
    np.testing.assert_array_equal(a.network_.params, b.network_.params)
    np.testing.assert_array_equal(a.network_.params, c.network_.params)
    # partial_fit goes on with the decayed run: one more epoch of it
    d = _fit(MLPClassifier((4,), **{**kw, "max_iter": 4}), X, yc)
    np.testing.assert_allclose(a.network_.params, d.network_.params, rtol=0, atol=1e-12)


@parametrize_with_checks([
    MLPClassifier(hidden_layer_sizes=(10,), solver="nadam", decoupled_decay=0.1,
                  max_iter=100, learning_rate_init=0.01, random_state=0),
    MLPRegressor(hidden_layer_sizes=(10,), solver="radam", decoupled_decay=0.1,
                 max_iter=100, learning_rate_init=0.01, random_state=0),
])
def test_scikit_learn_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)
