"""scikit-learn's estimator checks (parametrize_with_checks) for every solver of
MLPClassifier and MLPRegressor: tests/test_estimator_checks.py runs them for "adam",
"lbfgs" and "rmsprop" (with dropout and batch normalisation), and
tests/test_estimators13_decoupled.py for "nadam" and "radam" with a decoupled decay;
here "sgd", "cg" and the PyTorch rules each with their defaults, both estimators, on
small networks (10 hidden units) and few epochs (about 40 s for the 16 estimators on
one core: marked slow, run in CI)."""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from chainrule import MLPClassifier, MLPRegressor
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

pytestmark = pytest.mark.slow

SOLVERS = ("sgd", "rmsprop", "adagrad", "adamw", "nadam", "radam", "adamax", "cg")
# a rate each solver learns the checks' small problems with in max_iter epochs: AdaGrad's
# steps shrink with its sums and RAdam's first steps are momentum SGD's (larger ones); SGD
# with momentum 0.9 diverges on the regression checks' targets (hundreds) at 0.01 (as
# scikit-learn's does), so there at scikit-learn's default rate
RATES = {"adagrad": 0.1, "radam": 0.03, ("sgd", MLPClassifier): 0.05,
         ("sgd", MLPRegressor): 0.001}

CHECKED = [est(hidden_layer_sizes=(10,), solver=s, max_iter=30 if s == "cg" else 100,
               learning_rate_init=RATES.get((s, est), RATES.get(s, 0.01)), random_state=0)
           for s in SOLVERS for est in (MLPClassifier, MLPRegressor)]


_CG_REASON = (
    "SciPy's nonlinear conjugate gradients carry the rounding of two sums of the same cost "
    "(15 weighted rows, 30 repeated ones) along their path: the two fits' loss_curve_ "
    "differ by 3e-16 (relative) at the first iterate, 1e-11 at the 10th, 1e-7 at the 30th "
    "(L-BFGS: 1e-14 throughout), past the check's 1e-7 on the predictions.  The cost and "
    "gradient with weights are those of the repeated rows (tests/test_estimators.py), and "
    "two fits on the repeated rows in two orders, without weights, part just as much (1e-7 "
    "at the 30th), both running all 30 iterations: the order of the sums, not the weights "
    "or the stopping test (tests/test_estimators18_cg_weights.py)"
)


def _expected_failed_checks(estimator) -> dict[str, str]:
    if estimator.solver == "cg" and isinstance(estimator, MLPRegressor):
        return {"check_sample_weight_equivalence_on_dense_data": _CG_REASON,
                "check_sample_weight_equivalence_on_sparse_data": _CG_REASON}
    return {}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(CHECKED, expected_failed_checks=_expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
