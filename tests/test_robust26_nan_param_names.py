"""An estimator's refusal of parameters and running statistics made NaN in place names
them as the user can type them: ``est.network_.layers[i].W`` and the estimator's own view
``est.coefs_[k]`` (``est.intercepts_[k]``), not the network's ``net.layers[i].W``, which
no name of the user's holds.

Before (robust26): predict, predict_proba, score, save, partial_fit and a warm start said
"net.layers[2].W (Dense) ..., set finite values again (layer.W = ..., net.set_params(...))"
for the estimator's ``coefs_[1]`` (layers[1] a BatchNorm); a warm start of "lbfgs" or "cg"
from such parameters ended in TrainingDiverged blaming X ("the cost at the initial
parameters is nan (values too large in X or Y overflow?)").

Each name the message gives is evaluated here against the estimator and must hold the
NaN written into it; setting the view it names again makes the estimator predict.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import chainrule as cr

X = np.random.default_rng(0).standard_normal((40, 3))
Y = (X[:, 0] > 0).astype(int)


def _fitted(**kwargs):
    est = cr.MLPClassifier((4, 3), max_iter=5, random_state=0, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter=5 does not converge
        return est.fit(X, Y)


def _names(message: str) -> tuple[str, str]:
    """The array's name and the view named to set it again, from a refusal."""
    where = re.search(r": (est\.network_\.layers\[\d\]\.\w+) \(", message).group(1)
    again = re.search(r"again \((est\.[\w\[\]\.]+) = \.\.\.", message).group(1)
    return where, again


def _holds_nan(est, name: str) -> bool:
    return bool(np.isnan(eval(name, {"est": est})).any())  # a name of the message


CALLS = {
    "predict": lambda est: est.predict(X),
    "predict_proba": lambda est: est.predict_proba(X),
    "score": lambda est: est.score(X, Y),
    "partial_fit": lambda est: est.partial_fit(X, Y),
    "warm start": lambda est: est.set_params(warm_start=True).fit(X, Y),
}


@pytest.mark.parametrize("call", CALLS)
def test_a_coefs_entry_is_named_by_the_estimators_handles(call) -> None:
    est = _fitted(batch_norm=True)  # Dense, BatchNorm, Dense, BatchNorm, Dense
    est.coefs_[1][0, 0] = np.nan  # the second Dense layer: layers[2]
    with pytest.raises(ValueError) as caught:
        CALLS[call](est)
    text = str(caught.value)
    assert "net.layers" not in text and "layer.W" not in text
    assert ": est.network_.layers[2].W (Dense, est.coefs_[1]) holds 1 NaN" in text
    where, again = _names(text)
    assert (where, again) == ("est.network_.layers[2].W", "est.coefs_[1]")
    assert _holds_nan(est, where) and _holds_nan(est, again)
    assert "an in-place est.coefs_[1] -= ..." in text
    assert "est.network_.set_params(...)" in text
    fixed = np.array(est.coefs_[1])
    fixed[0, 0] = 0.0
    est.coefs_[1] = fixed  # the way out the message gives
    assert est.predict(X).shape == (40,)


@pytest.mark.parametrize("solver", ["lbfgs", "cg"])
def test_a_warm_start_of_the_scipy_solvers_names_it_not_x(solver) -> None:
    est = _fitted(solver=solver, warm_start=True)
    est.intercepts_[2][0] = np.inf
    before = [np.array(c) for c in est.coefs_]
    with pytest.raises(ValueError, match=r"^train: est\.network_\.layers\[2\]\.b \(Dense, "
                                         r"est\.intercepts_\[2\]\) holds 1 NaN or infinite "
                                         r"value\(s\) of 1 \(the first: inf\)"):
        est.fit(X, Y)
    for was, now in zip(before, est.coefs_, strict=True):  # nothing trained
        np.testing.assert_array_equal(now, was)


def test_save_names_it_and_writes_nothing(tmp_path) -> None:
    est = _fitted()
    est.intercepts_[0][1] = -np.inf
    path = tmp_path / "m.npz"
    with pytest.raises(ValueError) as caught:
        est.save(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: not written: est.network_.layers[0].b (Dense, "
                           "est.intercepts_[0]) holds 1 NaN")
    assert _holds_nan(est, "est.network_.layers[0].b") is False  # -inf, not NaN
    assert np.isneginf(est.network_.layers[0].b[1]) and np.isneginf(est.intercepts_[0][1])
    assert not path.exists()


def test_a_running_statistic_is_named_by_the_handle() -> None:
    est = _fitted(batch_norm=True)
    est.network_.layers[3].running_var[0] = np.nan
    with pytest.raises(ValueError) as caught:
        est.predict(X)
    text = str(caught.value)
    assert text.startswith("predict: est.network_.layers[3].running_var (BatchNorm) holds 1 ")
    assert ("again (est.network_.layers[3].running_var = ..., "
            "est.network_.layers[3].set_buffers(...)) first") in text
    assert _holds_nan(est, "est.network_.layers[3].running_var")


def test_a_network_of_ones_own_is_still_named_net() -> None:
    """Outside an estimator's call, even the same network: the network's own names."""
    est = _fitted()
    net = est.network_
    net.layers[2].W[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"^predict: net\.layers\[2\]\.W \(Dense\) holds 1 "
                                         r".*\(layer\.W = \.\.\., net\.set_params\(\.\.\.\)\)"):
        net.predict(X)
