"""``Network`` refuses a margin loss (multiclass_hinge, alias svm, and hinge) over a
softmax or sigmoid output, as the CLI's options do: the loss reads the outputs as
scores and wants margins of 1, which outputs in (0, 1) never reach.  The reference for
that reason: NumPy's sigmoid and softmax of extreme logits, whose hinge stays above 0."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Network
from chainrule.layers import Dense


@pytest.mark.parametrize(("loss", "output", "units"), [
    ("multiclass_hinge", "softmax", 2), ("svm", "softmax", 3),
    ("multiclass_hinge", "sigmoid", 3), ("hinge", "sigmoid", 1), ("hinge", "softmax", 2)])
def test_a_margin_loss_over_a_squeezed_output_is_refused(loss, output, units):
    with pytest.raises(ValueError, match=rf"{output} output, squeezed into \(0, 1\).*"
                                         r"activation='identity'"):
        Network([Dense(2, units, activation=output)], loss=loss)


@pytest.mark.parametrize(("loss", "output", "units"), [
    ("multiclass_hinge", "identity", 3), ("hinge", "identity", 1), ("hinge", "tanh", 1)])
def test_scores_are_accepted(loss, output, units):
    net = Network([Dense(2, units, activation=output, seed=0)], loss=loss)
    assert net.loss.name in ("multiclass_hinge", "hinge")


def test_the_reason_a_squeezed_output_never_reaches_the_margin():
    z = np.array([[-12.0, 0.0, 12.0], [10.0, -10.0, 0.0]])  # large logits: still short
    s = 1.0 / (1.0 + np.exp(-z))  # sigmoid: every hinge 1 - y s of y = +1 stays > 0
    assert (1.0 - s > 0).all()
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)  # softmax: a margin p_y - p_j below 1, loss > 0
    y = z.argmax(axis=1)
    margins = np.maximum(0.0, p - p[np.arange(2), y][:, None] + 1.0)
    margins[np.arange(2), y] = 0.0
    assert (margins.sum(axis=1) > 0).all()
