"""StackedAutoencoder.transform: the features of the stack, its last hidden layer.

The references are NumPy forward passes written out here from the stack's weights
(``sigmoid(a W + b)`` layer after layer), never the code's own outputs.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import chainrule as cr

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _forward(X: np.ndarray, weights: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The sigmoid layers ``a_k = sigmoid(a_{k-1} W_k + b_k)``, in float64, by hand."""
    A = np.asarray(X, dtype=np.float64)
    for W, b in weights:
        A = _sigmoid(A @ W + b)
    return A


def _stack_weights(stack: cr.StackedAutoencoder) -> list[tuple[np.ndarray, np.ndarray]]:
    """The hidden layers of the stack's network (the softmax apart), copied."""
    return [(layer.W.copy(), layer.b.copy()) for layer in stack.network_.layers[:-1]]


def _pretrained_weights(stack: cr.StackedAutoencoder) -> list[tuple[np.ndarray, np.ndarray]]:
    """The encoders of the pretrained autoencoders, copied."""
    return [(ae.network_.layers[0].W.copy(), ae.network_.layers[0].b.copy())
            for ae in stack.autoencoders_]


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    X = rng.uniform(0.0, 1.0, size=(60, 8))
    y = np.arange(60) % 3
    return X, y


def _stack(fine_tune_iter: int = 0, hidden_sizes=(6, 4)) -> cr.StackedAutoencoder:
    return cr.StackedAutoencoder(hidden_sizes, max_iter=15, softmax_max_iter=15,
                                 fine_tune_iter=fine_tune_iter, random_state=0)


def test_transform_is_the_last_hidden_layer_before_and_after_fine_tuning(data):
    """The stack had no transform (AttributeError): the features it learns, fine-tuned or not,
    could only be had by chaining the pretrained autoencoders, whose weights fine-tuning
    does not change.  transform is the NumPy forward through the stack's hidden layers."""
    X, y = data
    stack = _stack().fit(X, y)  # no fine-tuning: the pretrained encoders
    pretrained = _pretrained_weights(stack)
    before = stack.transform(X)
    assert before.shape == (60, 4) and before.dtype == np.float64
    np.testing.assert_allclose(before, _forward(X, pretrained), rtol=1e-12, atol=0)
    np.testing.assert_allclose(before, _forward(X, _stack_weights(stack)), rtol=1e-12, atol=0)
    stack.fine_tune(X, y, 20)
    after = stack.transform(X)
    np.testing.assert_allclose(after, _forward(X, _stack_weights(stack)), rtol=1e-12, atol=0)
    assert np.abs(after - before).max() > 1e-3  # fine-tuning moved the features
    # the autoencoders keep their pretrained encoders: the pretrained features, still
    np.testing.assert_allclose(_forward(X, _pretrained_weights(stack)), before, rtol=1e-12)
    # the softmax on top of these features gives predict_proba
    top = stack.network_.layers[-1]
    Z = after @ top.W + top.b
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(stack.predict_proba(X), P / P.sum(axis=1, keepdims=True),
                               rtol=1e-12)
    # fit with fine-tuning: its network's weights, not the pretrained ones
    tuned = _stack(fine_tune_iter=20).fit(X, y)
    np.testing.assert_allclose(tuned.transform(X), _forward(X, _stack_weights(tuned)),
                               rtol=1e-12, atol=0)
    assert np.abs(tuned.transform(X) - _forward(X, _pretrained_weights(tuned))).max() > 1e-3


def test_one_hidden_layer_and_float32_and_integer_data(data):
    X, y = data
    stack = _stack(fine_tune_iter=5, hidden_sizes=(3,)).fit(X, y)
    np.testing.assert_allclose(stack.transform(X), _forward(X, _stack_weights(stack)),
                               rtol=1e-12, atol=0)
    X32 = X.astype(np.float32)
    out = stack.transform(X32)
    # computed in float64 from the float32 values, rounded once at the end
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, stack.transform(X32.astype(np.float64)).astype(np.float32))
    np.testing.assert_allclose(out, _forward(X32, _stack_weights(stack)), rtol=1.2e-7, atol=0)
    # integers (a 0/1 image) give float64, as SparseAutoencoder's transform
    B = (X > 0.5).astype(np.int64)
    assert stack.transform(B).dtype == np.float64
    np.testing.assert_allclose(stack.transform(B), _forward(B, _stack_weights(stack)),
                               rtol=1e-12, atol=0)
    assert stack.__sklearn_tags__().transformer_tags.preserves_dtype == ["float64", "float32"]


def test_transform_survives_save_and_load_bit_for_bit(data, tmp_path):
    import pandas as pd

    X, y = data
    stack = _stack(fine_tune_iter=10).fit(X, y)
    back = cr.load_autoencoder(stack.save(tmp_path / "stack.npz"))
    np.testing.assert_array_equal(back.transform(X), stack.transform(X))
    np.testing.assert_array_equal(back.transform(X.astype(np.float32)),
                                  stack.transform(X.astype(np.float32)))
    # a container chosen with set_output is kept, as a SparseAutoencoder's is
    stack.set_output(transform="pandas")
    back = cr.load_autoencoder(stack.save(tmp_path / "pandas.npz"))
    out = back.transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == [f"stackedautoencoder{i}" for i in range(4)]
    np.testing.assert_array_equal(out.to_numpy(), stack.transform(X).to_numpy())
    np.testing.assert_allclose(out.to_numpy(), _forward(X, _stack_weights(back)), rtol=1e-12)


def test_transform_refuses_what_predict_refuses_with_the_same_messages(data):
    import pandas as pd

    X, y = data
    with pytest.raises(NotFittedError, match="this StackedAutoencoder is not fitted yet"):
        _stack().transform(X)
    with pytest.raises(NotFittedError):
        _stack().get_feature_names_out()
    stack = _stack().fit(X, y)
    bad = [
        (X[:, :7], ValueError, "X has 7 features, but StackedAutoencoder is expecting 8"),
        (np.where(X > 0.95, np.nan, X), ValueError,
         r"X contains \d+ NaN or infinite value\(s\); all must be finite"),
        (sp.csr_matrix(X), TypeError, "dense data is required"),
        (X[0], ValueError, "Expected 2D array, got 1D array instead"),
    ]
    for value, error, match in bad:
        for method in (stack.predict, stack.transform):
            with pytest.raises(error, match=match):
                method(value)
    # a DataFrame's column names are recorded and checked, as predict checks them
    names = [f"p{i}" for i in range(8)]
    framed = _stack().fit(pd.DataFrame(X, columns=names), y)
    np.testing.assert_allclose(framed.transform(pd.DataFrame(X, columns=names)),
                               _forward(X, _stack_weights(framed)), rtol=1e-12)
    with pytest.raises(ValueError, match="feature names should match"):
        framed.transform(pd.DataFrame(X, columns=names[::-1]))


def test_fit_transform_feature_names_and_a_pipeline(data):
    X, y = data
    stack = _stack(fine_tune_iter=5)
    features = stack.fit_transform(X, y)
    np.testing.assert_array_equal(features, _stack(fine_tune_iter=5).fit(X, y).transform(X))
    np.testing.assert_allclose(features, _forward(X, _stack_weights(stack)), rtol=1e-12)
    with pytest.raises(ValueError, match="requires y to be passed"):
        _stack().fit_transform(X)
    np.testing.assert_array_equal(stack.get_feature_names_out(),
                                  [f"stackedautoencoder{i}" for i in range(4)])
    # a step of a Pipeline: the stack fits on the labels, the next step on its features
    pipe = make_pipeline(_stack(fine_tune_iter=5), LogisticRegression()).fit(X, y)
    reference = LogisticRegression().fit(features, y)
    np.testing.assert_array_equal(pipe[-1].coef_, reference.coef_)
    np.testing.assert_array_equal(pipe.predict(X), reference.predict(features))


def test_a_global_pandas_output_gives_the_stacks_parts_no_feature_names(data):
    """Under set_config(transform_output="pandas") the pretraining passed each autoencoder's
    features on as a DataFrame, so the next autoencoder and the softmax recorded its column
    names ("sparseautoencoder0", ...) as feature names, and chaining the autoencoders on
    arrays afterwards warned "X does not have valid feature names".  The stack's parts now
    see arrays, as without that setting, and learn the same weights."""
    import warnings

    import pandas as pd
    from sklearn import config_context

    X, y = data
    plain = _stack(fine_tune_iter=5).fit(X, y)
    with config_context(transform_output="pandas"):
        framed = _stack(fine_tune_iter=5).fit(X, y)
        features = framed.transform(X)
    assert isinstance(features, pd.DataFrame)  # the stack's own transform follows it
    for part in [*framed.autoencoders_, framed.softmax_]:
        assert not hasattr(part, "feature_names_in_"), type(part).__name__
    np.testing.assert_array_equal(framed.network_.params, plain.network_.params)
    np.testing.assert_array_equal(features.to_numpy(), plain.transform(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hidden = framed.autoencoders_[1].transform(framed.autoencoders_[0].transform(X))
        framed.softmax_.predict(hidden)
