"""The estimators' refusals of a shape name the argument (robust31).

Before: scikit-learn's ``validate_data`` refusals came through as they are, naming neither
``X`` nor ``y``: "Found input variables with inconsistent numbers of samples: [17, 20]"
(``X`` and ``y`` of different row counts, or ``X`` transposed), "Found array with 0
sample(s) ...", NumPy's "setting an array element with a sequence" for ragged rows, and
"Complex data not supported" for complex ``y``.  Their own words stay after the name
(scikit-learn's estimator checks look for them).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(31)
X = RNG.normal(size=(12, 3))
Y = (X[:, 0] > 0).astype(int)
YR = X @ np.array([1.0, -2.0, 0.5])


def _fit_args() -> list:
    """(estimator, X, y, the message's lead, scikit-learn's words kept)"""
    return [
        (cr.MLPClassifier, X[:-3], Y, "X and y must have the same number of rows",
         "inconsistent numbers of samples: [9, 12]"),
        (cr.MLPClassifier, X, Y[:-2], "X and y must have the same number of rows",
         "inconsistent numbers of samples: [12, 10]"),
        (cr.MLPRegressor, X.T, YR, "X and y must have the same number of rows",
         "inconsistent numbers of samples: [3, 12]"),
        (cr.MLPClassifier, X[:0], Y[:0], "X must have at least one row", "0 sample(s)"),
        (cr.MLPRegressor, X[:, :0], YR, "X must have at least one column", "0 feature(s)"),
        (cr.MLPClassifier, [[1.0, 2.0], [3.0]], [0, 1], "X must have rows of one length",
         "with a sequence"),
        (cr.MLPRegressor, X, YR + 1j, "y must hold real numbers, not complex",
         "Complex data not supported"),
        (cr.SoftmaxRegression, X, Y[:-1], "X and y must have the same number of rows",
         "inconsistent numbers of samples: [12, 11]"),
        (cr.SparseAutoencoder, X[:, :, None], None, "X must have at most 2 dimensions",
         "Found array with dim 3"),
    ]


@pytest.mark.parametrize(("cls", "x", "y", "lead", "kept"), _fit_args())
def test_fit_refusal_names_the_argument(cls, x, y, lead, kept) -> None:
    est = cls(max_iter=2) if cls is not cr.SparseAutoencoder else cls(n_hidden=2, max_iter=2)
    with warnings.catch_warnings(), pytest.raises(ValueError) as info:
        warnings.simplefilter("ignore")
        est.fit(x) if y is None else est.fit(x, y)
    text = str(info.value)
    assert text.startswith(lead), text
    assert kept in text, text


def test_predict_refusals_name_x() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cr.MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0).fit(X, Y)
    for bad, lead in [(X[:0], "X must have at least one row"),
                      ([[1.0, 2.0, 3.0], [4.0]], "X must have rows of one length"),
                      (X + 1j, "X must hold real numbers, not complex")]:
        with pytest.raises(ValueError, match=re.escape(lead)):
            est.predict(bad)
    # the refused calls changed nothing: the predictions are those of a plain NumPy pass
    net = est.network_
    h = np.maximum(X @ net.layers[0].W + net.layers[0].b, 0.0)
    z = h @ net.layers[1].W + net.layers[1].b
    by_hand = (z[:, 0] > 0).astype(int) if z.shape[1] == 1 else z.argmax(axis=1)
    np.testing.assert_array_equal(est.predict(X), est.classes_[by_hand])


def test_ragged_y_is_named_not_x() -> None:
    with pytest.raises(ValueError, match=r"^y must have rows of one length"):
        cr.MLPRegressor(max_iter=2).fit(X[:2], [[0.0, 1.0], [1.0]])
