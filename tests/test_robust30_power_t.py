"""An "invscaling" rate whose ``(t + 1) ** power_t`` overflows a float names power_t (robust30).

scikit-learn's MLPClassifier raises an OverflowError there as well (its
``learning_rate_init / (t + 1) ** power_t``), in Python's bare words "(34, 'Numerical
result out of range')"; chainrule's says which parameter, and why.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from chainrule.estimators import MLPClassifier, MLPRegressor


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    return X, (X[:, 0] > 0).astype(int)


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_power_t_too_large_is_named(cls: type) -> None:
    X, y = _data()
    # 31 ** 1000 is above the largest float: Python's float pow raises OverflowError
    with pytest.raises(OverflowError):
        float(31) ** 1000.0
    est = cls(hidden_layer_sizes=(3,), solver="sgd", learning_rate="invscaling",
              power_t=1000, max_iter=3, batch_size=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(OverflowError, match=r"power_t=1000 is too large") as info:
            est.fit(X, y)
    # after the first epoch, 30 examples were seen: (t + 1) = 31
    assert "31 ** 1000" in str(info.value)
    assert "30 training examples" in str(info.value)


def test_power_t_large_but_finite_still_trains() -> None:
    # after 2 epochs 61 ** 100 ~ 1e178 is a float: the rate is tiny, not refused
    assert 100 * math.log10(61) < 308
    X, y = _data()
    est = MLPClassifier(hidden_layer_sizes=(3,), solver="sgd", learning_rate="invscaling",
                        power_t=100, max_iter=2, batch_size=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    assert est.n_iter_ == 2
