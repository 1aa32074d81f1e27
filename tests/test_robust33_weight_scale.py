"""The MLP estimators' sample_weight at the ends of float's range (robust33).

The cost is scikit-learn's MLP's: ``sum_i w_i L_i / sum(w) + alpha / (2 sum(w)) sum W^2``.
The data term is the same for ``w`` and ``s * w``; the penalty is not (``s * w`` with
``alpha`` is ``w`` with ``alpha / s``).  Before robust33, weights summing to a subnormal
(``np.full(n, 1e-310)``) with the default ``alpha=1e-4`` stopped as a diverged run
("Try a smaller learning_rate_init") or, with Adam, trained a network shrunk by a
penalty of 1e304; they are now refused naming ``sample_weight`` and ``alpha``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(3333)
X = RNG.normal(size=(30, 3))
YC = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
YR = X @ np.array([1.0, -2.0, 0.5])
W = RNG.uniform(0.5, 2.0, size=30)


def _fit(cls, solver: str, sample_weight: np.ndarray, alpha: float, **kw):
    est = cls(hidden_layer_sizes=(4,), solver=solver, alpha=alpha, max_iter=8,
              random_state=0, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not converged in 8 iterations
        return est.fit(X, YC if cls is cr.MLPClassifier else YR, sample_weight=sample_weight)


def _params(est) -> np.ndarray:
    return np.concatenate([a.ravel() for a in (*est.coefs_, *est.intercepts_)])


@pytest.mark.parametrize("cls", [cr.MLPClassifier, cr.MLPRegressor])
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("scale", [1e-310, 1e300])
def test_without_alpha_only_the_ratios_of_the_weights_count(cls, solver, scale) -> None:
    ref = _params(_fit(cls, solver, W, 0.0))
    got = _params(_fit(cls, solver, W * scale, 0.0))
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("cls", [cr.MLPClassifier, cr.MLPRegressor])
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("scale", [1e-2, 1e2])
def test_with_alpha_scaled_weights_are_the_weights_with_alpha_over_the_scale(
        cls, solver, scale) -> None:
    """The penalty divides by sum(w): s * w with alpha is the cost of w with alpha / s."""
    ref = _params(_fit(cls, solver, W, 1.0 / scale))
    got = _params(_fit(cls, solver, W * scale, 1.0))
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-10)
    plain = _params(_fit(cls, solver, W, 1.0))
    assert np.max(np.abs(plain - ref)) > 1e-7  # the scale does matter with alpha


@pytest.mark.parametrize("cls", [cr.MLPClassifier, cr.MLPRegressor])
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_weights_of_a_subnormal_sum_with_alpha_are_refused_by_name(cls, solver) -> None:
    sw = np.full(30, 1e-310)
    with pytest.raises(ValueError) as info:
        _fit(cls, solver, sw, 1e-4)
    message = str(info.value)
    assert message.startswith(f"sample_weight sums to {30 * 1e-310:.3g}, largest 1e-310: "
                              "with alpha=0.0001 the L2 penalty is alpha / (2 sum(sample_"
                              "weight)) sum W^2"), message
    assert f"{np.finfo(float).tiny:.3g}" in message and "alpha=0" in message
    # the way out it names trains: the ratios kept, or alpha=0
    assert np.all(np.isfinite(_params(_fit(cls, solver, sw / sw.max(), 1e-4))))
    assert np.all(np.isfinite(_params(_fit(cls, solver, sw, 0.0))))


def test_the_refusal_leaves_a_fitted_estimator_as_it_was_and_names_class_weight() -> None:
    est = _fit(cr.MLPClassifier, "adam", W, 1e-4, class_weight={0: 1.0, 1: 2.0})
    before = _params(est)
    with pytest.raises(ValueError, match=r"^sample_weight \(times class_weight\) sums to "):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.partial_fit(X, YC, sample_weight=np.full(30, 1e-312))
    np.testing.assert_array_equal(_params(est), before)


def test_alpha_that_overflows_over_the_sum_is_refused_too() -> None:
    sw = np.full(30, 1e-300)  # a normal sum, but alpha / sum is past float's range
    with pytest.raises(ValueError, match="a coefficient past float's range"):
        _fit(cr.MLPRegressor, "adam", sw, 1e10)


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_a_run_diverged_by_the_weights_scale_says_so(solver) -> None:
    """Weights of a normal but tiny sum: the run diverges (alpha of 1e196 for weights of
    mean 1), and its message says what alpha the weights make."""
    sw = W * 1e-200
    with pytest.raises(cr.TrainingDiverged) as info:
        _fit(cr.MLPClassifier, solver, sw, 1e-4)
    equal = 1e-4 * 30 / np.sum(sw)
    assert (f"sample_weight sums to {np.sum(sw):.3g} for its 30 rows, so that alpha=0.0001's "
            f"penalty alpha / (2 sum(sample_weight)) sum W^2 is that of alpha={equal:.3g} "
            "with weights of mean 1") in str(info.value)


@pytest.mark.parametrize(("sw", "words"), [
    (np.zeros(30), "all weights are zero"),
    (np.r_[-1.0, np.ones(29)], "must be non-negative"),
    (np.r_[np.nan, np.ones(29)], "NaN"),
    (np.r_[np.inf, np.ones(29)], "inf"),
])
def test_zero_negative_and_nonfinite_weights_are_refused_by_name(sw, words) -> None:
    with pytest.raises(ValueError) as info:
        _fit(cr.MLPRegressor, "adam", sw, 1e-4)
    assert "sample_weight" in str(info.value) and words in str(info.value)
