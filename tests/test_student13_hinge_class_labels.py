"""A ``hinge`` network of several outputs given 1-D class labels refuses them as labels,
naming the forms it takes and ``multiclass_hinge``, as ``chainrule train --loss hinge``
refuses three or more classes; it does not call them "other values" of -1/+1.

Reference: the one-vs-rest form the message names, scikit-learn's
``LabelBinarizer(neg_label=-1)`` of the labels, costs the sum over the outputs of
scikit-learn's binary ``hinge_loss`` of each output's scores."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import hinge_loss
from sklearn.preprocessing import LabelBinarizer

from chainrule.layers import Dense
from chainrule.network import Network


def _net(k):
    return Network([Dense(2, k, activation="identity")], loss="hinge")


@pytest.mark.parametrize(("k", "labels"), [(3, [0, 2]), (2, [0, 1, 1]), (4, [3, 3, 0])])
def test_class_labels_for_several_outputs_are_refused_as_labels(k, labels):
    with pytest.raises(ValueError) as info:
        _net(k).loss_and_grad(np.ones((len(labels), 2)), np.array(labels))
    msg = str(info.value)
    assert "other value(s)" not in msg  # the one-hot rows it made are not the user's values
    assert msg.startswith("Y: loss 'hinge' takes no class labels")
    assert f"shape (n_samples, {k}) of -1/+1" in msg
    assert "shape (n_samples,) of -1/+1" in msg
    assert "use loss 'multiclass_hinge'" in msg


def test_the_cli_refuses_three_classes_alike():
    from types import SimpleNamespace

    from chainrule._cli_models_train_prepare import _margin_targets

    with pytest.raises(ValueError, match="use --loss multiclass_hinge"):
        _margin_targets(SimpleNamespace(loss="hinge", output=None), [0, 1, 2],
                        np.array([0, 2, 1]))


def test_the_one_vs_rest_form_it_names_costs_sklearns_hinge_per_output():
    rng = np.random.default_rng(0)
    labels = np.array([0, 2, 1, 2, 0, 1])
    X = rng.normal(size=(labels.size, 2))
    net = _net(3)
    Y = LabelBinarizer(neg_label=-1).fit_transform(labels)
    J, _ = net.loss_and_grad(X, Y)
    scores = net.predict(X)
    expected = sum(hinge_loss(Y[:, j], scores[:, j]) for j in range(3))
    assert J == pytest.approx(expected, rel=1e-12)
