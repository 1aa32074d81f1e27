"""Every single-layer trace refuses NaN or inf in its input or its upstream gradient by
name, where a trace of them was NaN throughout and ended "agree: max |diff| nan"."""

import numpy as np
import pytest

import chainrule as cr

T = cr.tracing
ROWS = np.array([[1.0, 2.0], [2.0, 3.0], [0.0, 1.0]])


def _cases():
    img, dimg = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))
    pool, dpool = np.arange(16.0).reshape(1, 1, 4, 4), np.ones((1, 1, 2, 2))
    return {
        "batchnorm": (lambda X, d: T.trace_batchnorm(cr.BatchNorm(2), X, d), ROWS, np.ones((3, 2))),
        "layernorm": (lambda X, d: T.trace_layernorm(cr.LayerNorm(2), X, d), ROWS, np.ones((3, 2))),
        "dropout": (lambda X, d: T.trace_dropout(cr.Dropout(0.5), X, d, seed=0), ROWS,
                    np.ones((3, 2))),
        "conv2d": (lambda X, d: T.trace_conv2d(cr.Conv2D(1, 1, 2), X, d), img, dimg),
        "maxpool2d": (lambda X, d: T.trace_maxpool2d(cr.MaxPool2D(2), X, d), pool, dpool),
        "avgpool2d": (lambda X, d: T.trace_avgpool2d(cr.AvgPool2D(2), X, d), pool, dpool),
    }


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("which", ["X", "dout"])
@pytest.mark.parametrize("name", list(_cases()))
def test_non_finite_refused_by_name(name, which, bad):
    fn, X, d = _cases()[name]
    fn(X, d)  # the clean arrays trace
    X, d = X.copy(), d.copy()
    target = X if which == "X" else d
    target.flat[1] = bad
    where = [int(k) for k in np.unravel_index(1, target.shape)]
    with pytest.raises(ValueError, match=rf"^{which} must hold finite numbers, got "
                       rf"{np.float64(bad)!s} at \[{', '.join(map(str, where))}\]"):
        fn(X, d)


def test_embedding_dout_refused_by_name():
    layer = cr.Embedding(5, 2)
    T.trace_embedding(layer, [[1, 2]], [[1.0, 0.5, 2.0, -1.0]])
    with pytest.raises(ValueError, match=r"^dout must hold finite numbers, got nan at \[0, 1\]"):
        T.trace_embedding(layer, [[1, 2]], [[1.0, np.nan, 2.0, -1.0]])
