"""Label smoothing of cross_entropy and log_loss: values and gradients against PyTorch's
CrossEntropyLoss(label_smoothing) and the binary formula written out, eps = 0 the plain
loss bit for bit, the network gradient by central differences, MLPClassifier's
label_smoothing and its files."""

from __future__ import annotations

import pickle
import re
import warnings

import numpy as np
import pytest
from scipy.special import expit, softmax

import chainrule
from chainrule import io
from chainrule.losses import LOSSES, get_loss
from file_helpers import edit_saved_meta


def _logits(k: int, n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=3.0, size=(n, k))
    z[0] = [30.0] + [-30.0] * (k - 1)  # a confident row, right or wrong below
    return z, rng.integers(0, k, size=n)


@pytest.mark.parametrize("eps", [0.1, 0.35])
@pytest.mark.parametrize("k", [2, 5])
def test_softmax_cross_entropy_matches_torch(eps, k):
    torch = pytest.importorskip("torch")
    z, labels = _logits(k)
    Y = np.eye(k)[labels]
    zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    ref = torch.nn.CrossEntropyLoss(label_smoothing=eps)(zt, torch.tensor(labels))
    ref.backward()
    n = z.shape[0]
    loss = get_loss({"name": "cross_entropy", "label_smoothing": eps})
    path, a = loss.logit_paths["softmax"], softmax(z, axis=1)
    assert abs(path.value(z, Y).mean() - ref.item()) <= 1e-14
    np.testing.assert_allclose(path.delta(z, a, Y) / n, zt.grad.numpy(), rtol=0, atol=1e-14)
    # the delta is p - y_smoothed, y_smoothed = (1 - eps) onehot + eps / K
    np.testing.assert_allclose(path.delta(z, a, Y), a - ((1 - eps) * Y + eps / k), rtol=0,
                               atol=1e-15)
    # from the outputs too (the generic value and dL/da), away from the saturated row
    a1, Y1, z1 = a[1:], Y[1:], z[1:]
    zt1 = torch.tensor(z1, dtype=torch.float64)
    ref1 = torch.nn.CrossEntropyLoss(label_smoothing=eps)(zt1, torch.tensor(labels[1:]))
    assert loss.value(a1, Y1).mean() == pytest.approx(ref1.item(), rel=1e-13)
    np.testing.assert_allclose(loss.grad(a1, Y1), -((1 - eps) * Y1 + eps / k) / a1, rtol=1e-15)
    # the training forward pass's log-sum-exp shortcut
    lse = np.log(np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1)) + z.max(axis=1)
    assert abs(path._value_lse(z, Y, lse).mean() - ref.item()) <= 1e-14
    assert path._delta_one_hot is None and path._value_lse_one_hot is None


@pytest.mark.parametrize("eps", [0.1, 0.2])
def test_sigmoid_log_loss_matches_the_formula(eps):
    rng = np.random.default_rng(1)
    z = rng.normal(scale=3.0, size=(30, 3))
    Y = rng.integers(0, 2, size=z.shape).astype(float)
    t = Y * (1 - eps) + eps / 2  # Keras' BinaryCrossentropy(label_smoothing)
    p = expit(z)
    value = -np.sum(t * np.log(p) + (1 - t) * np.log1p(-p), axis=1)
    loss = get_loss({"name": "log_loss", "label_smoothing": eps})
    path = loss.logit_paths["sigmoid"]
    np.testing.assert_allclose(path.value(z, Y), value, rtol=1e-13)
    np.testing.assert_allclose(path.delta(z, p, Y), p - t, rtol=0, atol=1e-15)
    np.testing.assert_allclose(loss.value(p, Y), value, rtol=1e-13)
    np.testing.assert_allclose(loss.grad(p, Y), (p - t) / (p * (1 - p)), rtol=1e-13)
    torch = pytest.importorskip("torch")
    ref = torch.nn.BCEWithLogitsLoss(reduction="sum")(torch.tensor(z), torch.tensor(t))
    assert path.value(z, Y).sum() == pytest.approx(ref.item(), rel=1e-14)


def test_zero_smoothing_is_the_plain_loss_bit_for_bit():
    for name in ("cross_entropy", "log_loss"):
        assert get_loss({"name": name, "label_smoothing": 0.0}) is LOSSES[name]
        assert get_loss({"name": name, "label_smoothing": 0}).get_config() == name
    from sklearn.datasets import load_iris

    from chainrule.estimators import MLPClassifier
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = MLPClassifier((5,), max_iter=20, random_state=0).fit(X, y)
        zero = MLPClassifier((5,), max_iter=20, random_state=0, label_smoothing=0.0).fit(X, y)
    np.testing.assert_array_equal(zero.network_.params, plain.network_.params)
    assert zero.loss_curve_ == plain.loss_curve_


def test_refused_settings():
    for bad in (1.0, -0.1, np.nan):
        with pytest.raises(ValueError, match=re.escape("label_smoothing: expected a number in "
                                                       "[0, 1)")):
            get_loss({"name": "cross_entropy", "label_smoothing": bad})
    with pytest.raises(TypeError, match="loss 'squared_error' has no setting "
                                        "'label_smoothing'"):
        get_loss({"name": "squared_error", "label_smoothing": 0.1})


@pytest.mark.parametrize("output, loss, k", [("softmax", "cross_entropy", 3),
                                             ("sigmoid", "log_loss", 2)])
def test_network_gradient_history_and_files(output, loss, k, tmp_path):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    X = rng.normal(size=(24, 4))
    labels = rng.integers(0, k, size=24)
    Y = np.eye(k)[labels] if output == "softmax" else rng.integers(0, 2, (24, k)).astype(float)
    spec = {"name": loss, "label_smoothing": 0.15}
    net = chainrule.mlp([4, 5, k], hidden="tanh", output=output, loss=spec, seed=3)
    gc = chainrule.gradient_check(net, X, Y, eps=1e-5)
    assert gc.rel_diff < 1e-8
    # the training history's first loss: the smoothed cost of the starting network
    z = net.forward(X) if output == "sigmoid" else None
    Zt = torch.tensor(np.log(net.forward(X)) if output == "softmax" else np.log(z / (1 - z)))
    if output == "softmax":
        ref = torch.nn.CrossEntropyLoss(label_smoothing=0.15)(Zt, torch.tensor(labels)).item()
        target = labels
    else:
        t = torch.tensor(Y * 0.85 + 0.075)
        ref = torch.nn.BCEWithLogitsLoss(reduction="sum")(Zt, t).item() / 24
        target = Y
    saved = net.params.copy()
    history = chainrule.train(net, X, target, optimizer="gd", lr=1e-3, epochs=1, verbose=0)
    assert history["loss"][0] == pytest.approx(ref, rel=1e-12)
    net.set_params(saved)
    path = tmp_path / "net.npz"
    io.save(net, path)
    back = io.load(path)
    assert back.loss.get_config() == spec
    assert pickle.loads(pickle.dumps(net)).loss.get_config() == spec
    assert back.loss_value(X, Y) == net.loss_value(X, Y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_classifier_label_smoothing_files_and_refusals(tmp_path):
    from sklearn.base import clone
    from sklearn.datasets import load_iris

    from chainrule.estimators import MLPClassifier, load_estimator
    X, y = load_iris(return_X_y=True)
    est = MLPClassifier((5,), max_iter=10, random_state=0, label_smoothing=0.1).fit(X, y)
    assert est.network_.loss.get_config() == {"name": "cross_entropy", "label_smoothing": 0.1}
    binary = MLPClassifier((5,), max_iter=5, random_state=0, label_smoothing=0.1).fit(X, y > 0)
    assert binary.network_.loss.get_config() == {"name": "log_loss", "label_smoothing": 0.1}
    path = tmp_path / "est.npz"
    est.save(path)
    back = load_estimator(path)
    assert back.label_smoothing == 0.1
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    assert clone(est).get_params()["label_smoothing"] == 0.1
    edit_saved_meta(path, lambda meta: meta["params"].update(label_smoothing=0.0))
    with pytest.raises(ValueError, match=re.escape("params: label_smoothing: expected 0.1")):
        load_estimator(path)
    est.set_params(label_smoothing=0.2)
    with pytest.raises(ValueError, match=re.escape(
            "label_smoothing: the fitted network was trained with label_smoothing=0.1, got "
            "label_smoothing=0.2")):
        est.partial_fit(X, y)
    with pytest.raises(ValueError, match=re.escape(
            "The 'label_smoothing' parameter of MLPClassifier must be a float in the range "
            "[0.0, 1.0). Got 1 instead.")):
        MLPClassifier(label_smoothing=1).fit(X, y)
    # a file and a pickle from before label_smoothing: the plain loss
    plain = MLPClassifier((5,), max_iter=5, random_state=0).fit(X, y)
    plain.save(path)
    edit_saved_meta(path, lambda meta: meta["params"].pop("label_smoothing"))
    assert load_estimator(path).label_smoothing == 0.0
    state = plain.__getstate__()
    state.pop("label_smoothing")
    older = MLPClassifier.__new__(MLPClassifier)
    older.__setstate__(state)
    assert older.get_params()["label_smoothing"] == 0.0


def test_class_and_sample_weights_weigh_each_smoothed_example_as_a_whole():
    # documented: the example's weight (class weight x sample weight) multiplies its whole
    # smoothed loss, as Keras' class_weight does; PyTorch's weighted label smoothing weighs
    # the eps/K share of class c by w[c] instead, which is another number
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(60, 4)), rng.integers(0, 3, size=60)
    cw, sw, eps = {0: 1.0, 1: 3.0, 2: 0.5}, rng.uniform(0.1, 2.0, size=60), 0.2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = chainrule.MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=5,
                                      alpha=0.0, label_smoothing=eps, class_weight=cw,
                                      random_state=0).fit(X, y, sample_weight=sw)
    logp = np.log(clf.predict_proba(X))
    t = (1 - eps) * np.eye(3)[y] + eps / 3
    v = sw * np.array([cw[c] for c in y])
    assert clf.loss_ == pytest.approx(np.sum(v * -(t * logp).sum(1)) / v.sum(), rel=1e-12)
    # PyTorch's CrossEntropyLoss(weight=w, label_smoothing=eps), written out, per example
    w = np.array([cw[0], cw[1], cw[2]])
    torch_terms = ((1 - eps) * w[y] * -logp[np.arange(60), y]
                   + eps / 3 * -(w * logp).sum(1))
    torch_like = np.sum(sw * torch_terms) / v.sum()
    assert abs(clf.loss_ - torch_like) > 0.01  # another definition: not what is computed
    torch = pytest.importorskip("torch")
    ref = torch.nn.CrossEntropyLoss(weight=torch.tensor(w), label_smoothing=eps,
                                    reduction="none")(torch.tensor(logp), torch.tensor(y))
    np.testing.assert_allclose(ref.numpy(), torch_terms, rtol=1e-12)


@pytest.mark.parametrize("output, loss", [("softmax", "cross_entropy"), ("sigmoid", "log_loss")])
def test_the_scalar_reference_implementation_takes_label_smoothing(output, loss):
    # it raised TypeError (an unexpected keyword 'label_smoothing') for a smoothed loss
    from chainrule import reference
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(6, 2)), np.eye(3)[rng.integers(0, 3, size=6)]
    net = chainrule.mlp([2, 3, 3], hidden="sigmoid", output=output,
                        loss={"name": loss, "label_smoothing": 0.3}, seed=0)
    cost, grad = net.loss_and_grad(X, Y)
    ref_cost, ref_grad = reference.loss_and_grad(net, X, Y)
    A = net.forward(X)
    T = 0.7 * Y + 0.3 / (3 if output == "softmax" else 2)
    E = (-(T * np.log(A)).sum(1) if output == "softmax"
         else -(T * np.log(A) + (1 - T) * np.log(1 - A)).sum(1))
    assert ref_cost == pytest.approx(E.mean(), rel=1e-12)
    assert ref_cost == pytest.approx(cost, rel=1e-13)
    np.testing.assert_allclose(ref_grad, grad, rtol=1e-11, atol=1e-15)
