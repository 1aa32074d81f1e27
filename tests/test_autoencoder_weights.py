"""SoftmaxRegression's and StackedAutoencoder's sample_weight and class_weight.

References: the weighted cross-entropy written out in NumPy, central differences,
PyTorch autograd when installed, scikit-learn's compute_sample_weight and
LogisticRegression, MLPClassifier's messages, and the rows repeated for integer weights.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight

import chainrule as cr
from chainrule.autoencoder._penalty import _data_shares, _penalized_cost

# the fits here stop after a few iterations on purpose (ConvergenceWarning: test_autoencoder)
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def problem(rng):
    X = rng.normal(size=(24, 4))
    y = np.argmax(X[:, :3] + 0.5 * rng.normal(size=(24, 3)), axis=1)
    w = rng.uniform(0, 2, 24)
    w[[2, 7]] = 0.0  # rows that count for nothing
    return X, y, w


def _softmax_net(n_in: int, k: int, lam: float, seed: int = 0) -> cr.Network:
    net = cr.Network([cr.Dense(n_in, k, "softmax", init="normal", seed=seed)],
                     loss="cross_entropy", weight_decay=lam)
    net.params[...] = np.random.default_rng(seed).normal(0, 0.5, net.n_params)
    return net


def _numpy_cost(theta, X, y, w, lam, k):
    """sum_i w_i CE_i / sum_i w_i + lam/2 ||W||^2, from theta = [W (n_in, k), b (k)]."""
    n_in = X.shape[1]
    W, b = theta[:n_in * k].reshape(n_in, k), theta[n_in * k:]
    z = X @ W + b
    logp = z - z.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    ce = -logp[np.arange(X.shape[0]), y]
    return np.sum(w * ce) / np.sum(w) + lam / 2 * np.sum(W * W)


def test_weighted_cost_and_gradient_match_numpy_and_central_differences(problem):
    X, y, w = problem
    lam = 1e-2
    net = _softmax_net(4, 3, lam)
    assert [p.shape for p in (net.layers[0].W, net.layers[0].b)] == [(4, 3), (3,)]
    Y = net.prepare_targets(y, 24)
    theta = net.params.copy()
    J, grad = _penalized_cost(net, X, Y, None, _data_shares(w))
    assert J == pytest.approx(_numpy_cost(theta, X, y, w, lam, 3), rel=1e-14)
    eps, num = 1e-5, np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = eps
        num[i] = (_numpy_cost(theta + e, X, y, w, lam, 3)
                  - _numpy_cost(theta - e, X, y, w, lam, 3)) / (2 * eps)
    rel = np.linalg.norm(num - grad) / np.linalg.norm(num + grad)
    assert rel < 1e-9
    # the unweighted cost is the plain mean, as before sample weights existed
    J0, _ = _penalized_cost(net, X, Y, None, None)
    assert J0 == pytest.approx(_numpy_cost(theta, X, y, np.ones(24), lam, 3), rel=1e-15)


def test_weighted_cost_matches_pytorch_autograd(problem):
    torch = pytest.importorskip("torch")
    X, y, w = problem
    lam = 1e-2
    net = _softmax_net(4, 3, lam, seed=1)
    J, grad = _penalized_cost(net, X, net.prepare_targets(y, 24), None, _data_shares(w))
    W = torch.tensor(net.layers[0].W.copy(), requires_grad=True)
    b = torch.tensor(net.layers[0].b.copy(), requires_grad=True)
    wt = torch.tensor(w)
    ce = torch.nn.functional.cross_entropy(torch.tensor(X) @ W + b, torch.tensor(y),
                                           reduction="none")
    Jt = (wt * ce).sum() / wt.sum() + lam / 2 * (W * W).sum()
    Jt.backward()
    assert J == pytest.approx(Jt.item(), rel=1e-14)
    ref = torch.cat([W.grad.ravel(), b.grad]).numpy()
    np.testing.assert_allclose(grad, ref, rtol=1e-12, atol=1e-15)


def test_integer_weights_give_the_cost_of_repeated_rows(problem):
    X, y, _ = problem
    counts = np.arange(24) % 3  # 0, 1 or 2 copies of each row
    net = _softmax_net(4, 3, 1e-3)
    J, g = _penalized_cost(net, X, net.prepare_targets(y, 24), None,
                           _data_shares(counts.astype(float)))
    g = g.copy()
    Xr, yr = np.repeat(X, counts, axis=0), np.repeat(y, counts)
    Jr, gr = _penalized_cost(net, Xr, net.prepare_targets(yr, yr.size), None, None)
    assert J == pytest.approx(Jr, rel=1e-14)
    np.testing.assert_allclose(g, gr, rtol=1e-12, atol=1e-15)


def test_equal_weights_give_the_unweighted_fit_bit_for_bit(problem):
    X, y, _ = problem
    ref = cr.SoftmaxRegression(max_iter=30, random_state=0).fit(X, y).network_.params
    for sw in (np.ones(24), 1.0, [1] * 24, np.full(24, 3.5), 2):
        got = cr.SoftmaxRegression(max_iter=30, random_state=0).fit(X, y, sample_weight=sw)
        np.testing.assert_array_equal(got.network_.params, ref)


def test_weighted_fit_matches_scikit_learn(problem):
    X, y, w = problem
    lam = 1e-2
    ours = cr.SoftmaxRegression(weight_decay=lam, max_iter=1000, random_state=0).fit(
        X, y, sample_weight=w)
    # sklearn minimises sum_i w_i CE_i + ||W||^2 / (2C): ours times sum(w) when
    # C = 1 / (lam * sum(w))
    ref = LogisticRegression(C=1 / (lam * w.sum()), tol=1e-12, max_iter=5000).fit(
        X, y, sample_weight=w)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)
    unweighted = cr.SoftmaxRegression(weight_decay=lam, max_iter=1000, random_state=0).fit(X, y)
    assert np.abs(unweighted.predict_proba(X) - ref.predict_proba(X)).max() > 1e-3


@pytest.mark.parametrize("sw", [np.ones(23), np.ones((24, 1)), np.r_[np.nan, np.ones(23)],
                                np.r_[-1.0, np.ones(23)], np.zeros(24), ["a"] * 24,
                                np.r_[np.inf, np.ones(23)]])
def test_bad_sample_weight_is_refused_as_mlp_classifier_refuses_it(problem, sw):
    X, y, _ = problem
    with pytest.raises((TypeError, ValueError)) as mlp:
        cr.MLPClassifier((3,), solver="lbfgs", max_iter=2).fit(X, y, sample_weight=sw)
    model = cr.SoftmaxRegression(max_iter=5, random_state=0).fit(X, y)
    before = model.network_.params.copy()
    with pytest.raises(mlp.type) as ours:
        model.fit(X, y, sample_weight=sw)
    assert str(ours.value) == str(mlp.value)
    assert "sample_weight" in str(ours.value)
    np.testing.assert_array_equal(model.network_.params, before)  # nothing changed


@pytest.mark.parametrize("cw", ["balanced", {0: 3.0, 2: 0.25}, {1: 0.0}])
def test_class_weight_is_compute_sample_weight(problem, cw):
    X, y, w = problem
    got = cr.SoftmaxRegression(max_iter=30, random_state=0, class_weight=cw).fit(X, y)
    ref = cr.SoftmaxRegression(max_iter=30, random_state=0).fit(
        X, y, sample_weight=compute_sample_weight(cw, y))
    np.testing.assert_array_equal(got.network_.params, ref.network_.params)
    # with sample_weight too: the product, "balanced" counting the classes by their weights
    # as scikit-learn's LogisticRegression does (compute_class_weight(..., sample_weight=))
    # and as MLPClassifier does
    got = cr.SoftmaxRegression(max_iter=30, random_state=0, class_weight=cw).fit(
        X, y, sample_weight=w)
    if cw == "balanced":
        classes, index = np.unique(y, return_inverse=True)
        per_row = compute_class_weight(cw, classes=classes, y=y, sample_weight=w)[index]
    else:
        per_row = compute_sample_weight(cw, y)
    ref = cr.SoftmaxRegression(max_iter=30, random_state=0).fit(X, y, sample_weight=w * per_row)
    np.testing.assert_allclose(got.network_.params, ref.network_.params, rtol=1e-9, atol=1e-12)


def test_class_weight_times_huge_sample_weights_keeps_their_ratios(problem):
    """1e308 times a class weight of 10 is past the float range: the cost was NaN."""
    X, y, _ = problem
    cw = {0: 10.0, 2: 0.5}
    got = cr.SoftmaxRegression(max_iter=30, random_state=0, class_weight=cw).fit(
        X, y, sample_weight=np.full(24, 1e308))
    ref = cr.SoftmaxRegression(max_iter=30, random_state=0).fit(
        X, y, sample_weight=compute_sample_weight(cw, y))
    np.testing.assert_array_equal(got.network_.params, ref.network_.params)


def test_class_weight_with_string_labels(problem):
    X, y, _ = problem
    labels = np.array(["ant", "bee", "cow"])[y]
    got = cr.SoftmaxRegression(max_iter=30, random_state=0, class_weight={"bee": 4}).fit(
        X, labels)
    ref = cr.SoftmaxRegression(max_iter=30, random_state=0).fit(
        X, labels, sample_weight=np.where(labels == "bee", 4.0, 1.0))
    np.testing.assert_array_equal(got.network_.params, ref.network_.params)


@pytest.mark.parametrize("cw", ["balance", [1, 2], {0: -1.0}, {0: np.nan}, {7: 2.0},
                                {0: 0.0, 1: 0.0, 2: 0.0}])
def test_bad_class_weight_is_refused_as_mlp_classifier_refuses_it(problem, cw):
    X, y, _ = problem
    with pytest.raises((TypeError, ValueError)) as mlp:
        cr.MLPClassifier((3,), solver="lbfgs", max_iter=2, class_weight=cw).fit(X, y)
    model = cr.SoftmaxRegression(max_iter=5, random_state=0).fit(X, y)
    before = model.network_.params.copy()
    model.set_params(class_weight=cw)
    with pytest.raises(mlp.type) as ours:
        model.fit(X, y)
    # in scikit-learn's words (estimators20), each naming its own class
    assert str(ours.value) == str(mlp.value).replace("MLPClassifier", "SoftmaxRegression")
    assert "class_weight" in str(ours.value)
    np.testing.assert_array_equal(model.network_.params, before)


@pytest.mark.parametrize("cw", [None, "balanced", {0: 2.5, 2: 0.5}, {"bee": 3}])
def test_class_weight_round_trips_through_save(tmp_path, problem, cw):
    X, y, _ = problem
    labels = np.array(["ant", "bee", "cow"])[y] if cw == {"bee": 3} else y
    model = cr.SoftmaxRegression(max_iter=5, random_state=0, class_weight=cw).fit(X, labels)
    back = cr.load_autoencoder(model.save(tmp_path / "m.npz"))
    assert back.class_weight == cw and type(back.class_weight) is type(cw)
    assert back.get_params() == model.get_params()
    np.testing.assert_array_equal(back.predict_proba(X), model.predict_proba(X))
    # the loaded model refits as the saved one did
    np.testing.assert_array_equal(back.fit(X, labels).network_.params, model.network_.params)


def test_files_without_class_weight_load_as_none(tmp_path, problem):
    """Files written before class_weight existed: their params lack the key."""
    X, y, _ = problem
    Xs = (X - X.min()) / (X.max() - X.min())  # the stack's autoencoders take [0, 1]
    models = [cr.SoftmaxRegression(max_iter=5, random_state=0).fit(X, y),
              cr.StackedAutoencoder((3,), max_iter=3, softmax_max_iter=3, fine_tune_iter=2,
                                    random_state=0).fit(Xs, y)]
    for model, data in zip(models, (X, Xs), strict=True):
        path = model.save(tmp_path / "old.npz")
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        meta = json.loads(str(arrays.pop("__meta__")))
        record = meta.get("softmax_", meta)  # the stack's softmax, or the model itself
        assert record["params"].pop("class_weight") is None
        assert meta["params"].pop("class_weight", None) is None  # the stack's own
        with open(path, "wb") as fh:
            np.savez(fh, __meta__=np.array(json.dumps(meta)), **arrays)
        back = cr.load_autoencoder(path)
        softmax = getattr(back, "softmax_", back)
        assert softmax.class_weight is None
        np.testing.assert_array_equal(back.predict_proba(data), model.predict_proba(data))


def test_a_corrupted_class_weight_in_a_file_is_refused(tmp_path, problem):
    X, y, _ = problem
    path = cr.SoftmaxRegression(max_iter=5, random_state=0, class_weight={0: 2.0}).fit(
        X, y).save(tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    for bad, says in ((3, "class_weight: expected null"), ([[0]], "pairs"),
                      ([[0, -1.0]], "the weight of class 0, -1.0, is no finite float"),
                      ("even", "'balanced'")):
        meta["params"]["class_weight"] = bad
        with open(path, "wb") as fh:
            np.savez(fh, __meta__=np.array(json.dumps(meta)), **arrays)
        with pytest.raises(ValueError, match="corrupted autoencoder file") as err:
            cr.load_autoencoder(path)
        assert says in str(err.value)


def test_a_softmax_regression_pickled_before_class_weight_still_works(problem, tmp_path):
    """A SoftmaxRegression pickled before ``class_weight`` existed: repr, clone, save, refit.

    Its state has no ``class_weight``, so each of these raised AttributeError after
    unpickling (predict alone worked).  The state is made as the old code made it (this
    version's state without ``class_weight``); the reference is the estimator it came
    from, whose class_weight is None: the restored one has its parameters, predicts as
    it does, and fits as it does.
    """
    X, y, _ = problem
    est = cr.SoftmaxRegression(max_iter=5, random_state=0).fit(X, y)
    state = dict(est.__getstate__())  # object.__getstate__ gives the __dict__ itself
    del state["class_weight"]
    old = cr.SoftmaxRegression.__new__(cr.SoftmaxRegression)
    old.__setstate__(state)
    assert old.get_params() == est.get_params()
    assert repr(old) == repr(est)
    assert clone(old).get_params()["class_weight"] is None
    np.testing.assert_array_equal(
        cr.load_autoencoder(old.save(tmp_path / "old.npz")).predict_proba(X),
        est.predict_proba(X))
    np.testing.assert_array_equal(old.fit(X, y).network_.params, est.fit(X, y).network_.params)


@pytest.mark.parametrize("labels", ["ints", "strings"])
def test_a_file_whose_class_weight_names_no_class_is_refused(tmp_path, problem, labels):
    """A saved class_weight naming a label that is none of classes_: refused at load.

    Such a file loaded, and then each refit failed on it; MLPClassifier's files are
    refused for it.  The reference is fit's own refusal of that class_weight.
    """
    X, y, _ = problem
    y = np.array(["ant", "bee", "cow"])[y] if labels == "strings" else y
    known, unknown = (y[0], "emu") if labels == "strings" else (int(y[0]), 7)
    model = cr.SoftmaxRegression(max_iter=5, random_state=0, class_weight={known: 2.0})
    path = model.fit(X, y).save(tmp_path / "m.npz")
    with pytest.raises(ValueError) as fit_error:
        cr.SoftmaxRegression(max_iter=5, class_weight={unknown: 1.0}).fit(X, y)
    with np.load(path, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    meta["params"]["class_weight"] = [[known, 2.0], [unknown, 1.0]]
    with open(path, "wb") as fh:
        np.savez(fh, __meta__=np.array(json.dumps(meta)), **arrays)
    with pytest.raises(ValueError, match="corrupted autoencoder file") as err:
        cr.load_autoencoder(path)
    assert f"params: {fit_error.value})" in str(err.value)


# -- StackedAutoencoder: sample_weight and class_weight in the softmax stage and fine-tuning --

@pytest.fixture
def stack_problem(rng):
    X = rng.uniform(0.05, 0.95, size=(30, 5))
    y = np.where(X[:, 0] + 0.3 * rng.normal(size=30) > 0.5, "a", "b")
    y[:6] = "c"
    U = rng.uniform(0.05, 0.95, size=(40, 5))  # the pretraining data, unweighted
    return X, y, U


_STACK = dict(hidden_sizes=(4, 3), max_iter=8, softmax_max_iter=8, fine_tune_iter=8,
              random_state=0)


def test_weighted_sparsity_penalty_matches_central_differences_and_repeated_rows(rng):
    """With weights, each KL penalty compares rho with the weighted mean activation
    shares @ A (so that integer weights are repeated rows); its gradient against central
    differences and the whole cost against the rows repeated."""
    net = cr.Network([cr.Dense(5, 4, "sigmoid", seed=0), cr.Dense(4, 3, "softmax", seed=1)],
                     loss="cross_entropy", weight_decay=1e-3)
    net.params[...] = rng.normal(0, 0.5, net.n_params)
    X, y = rng.uniform(size=(12, 5)), rng.integers(0, 3, 12)
    w = rng.integers(0, 4, 12).astype(float)
    w[0] = 3.0
    penalties = {0: cr.autoencoder.KLSparsity(0.1, 3.0)}
    theta = net.params.copy()

    def cost(t, Xa, ya, shares):
        net.params[...] = t
        J, g = _penalized_cost(net, Xa, net.prepare_targets(ya, Xa.shape[0]), penalties,
                               shares)
        return J, g.copy()

    J, grad = cost(theta, X, y, _data_shares(w))
    rows = np.repeat(np.arange(12), w.astype(int))
    J_rep, grad_rep = cost(theta, X[rows], y[rows], None)
    assert J == pytest.approx(J_rep, rel=1e-13)
    np.testing.assert_allclose(grad, grad_rep, rtol=1e-11, atol=1e-14)
    num = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = 1e-5
        num[i] = (cost(theta + e, X, y, _data_shares(w))[0]
                  - cost(theta - e, X, y, _data_shares(w))[0]) / 2e-5
    assert np.linalg.norm(num - grad) / np.linalg.norm(num + grad) < 1e-9


def test_stacked_integer_weights_are_repeated_rows(stack_problem):
    X, y, U = stack_problem
    w = np.random.default_rng(1).integers(0, 4, 30)
    w[0] = 2
    weighted = cr.StackedAutoencoder(**_STACK).fit(X, y, U, sample_weight=w)
    repeated = cr.StackedAutoencoder(**_STACK).fit(np.repeat(X, w, 0), np.repeat(y, w), U)
    for a, b in zip(weighted.autoencoders_, repeated.autoencoders_, strict=True):
        np.testing.assert_array_equal(a.network_.params, b.network_.params)  # U: unweighted
    np.testing.assert_allclose(weighted.softmax_.network_.params,
                               repeated.softmax_.network_.params, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(weighted.network_.params, repeated.network_.params,
                               rtol=1e-7, atol=1e-9)
    before = weighted.network_.params.copy()
    weighted.fine_tune(X, y, max_iter=3, sample_weight=w)
    repeated.fine_tune(np.repeat(X, w, 0), np.repeat(y, w), max_iter=3)
    assert not np.array_equal(weighted.network_.params, before)
    np.testing.assert_allclose(weighted.network_.params, repeated.network_.params,
                               rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("class_weight", ["balanced", {"c": 4.0, "a": 0.5}])
def test_stacked_class_weight_is_the_fit_with_compute_sample_weight(stack_problem,
                                                                    class_weight):
    X, y, U = stack_problem
    by_class = cr.StackedAutoencoder(**_STACK, class_weight=class_weight).fit(X, y, U)
    by_rows = cr.StackedAutoencoder(**_STACK).fit(
        X, y, U, sample_weight=compute_sample_weight(class_weight, y))
    np.testing.assert_array_equal(by_class.softmax_.network_.params,
                                  by_rows.softmax_.network_.params)
    np.testing.assert_array_equal(by_class.network_.params, by_rows.network_.params)
    plain = cr.StackedAutoencoder(**_STACK).fit(X, y, U)
    assert not np.allclose(by_class.network_.params, plain.network_.params)


def test_stacked_without_weights_and_with_equal_weights_is_the_unweighted_fit(stack_problem):
    X, y, U = stack_problem
    plain = cr.StackedAutoencoder(**_STACK).fit(X, y, U)
    for w in (np.ones(30), 2.5):
        np.testing.assert_array_equal(
            cr.StackedAutoencoder(**_STACK).fit(X, y, U, sample_weight=w).network_.params,
            plain.network_.params)


def test_stacked_refuses_bad_weights_before_anything_changes(stack_problem):
    X, y, U = stack_problem
    model = cr.StackedAutoencoder(**_STACK).fit(X, y, U)
    params = model.network_.params.copy()
    with pytest.raises(ValueError, match="sample_weight"):
        model.fit(X, y, U, sample_weight=np.ones(29))
    with pytest.raises(ValueError, match=r"class_weight.*'z'"):
        model.set_params(class_weight={"z": 2.0}).fit(X, y, U)
    with pytest.raises(ValueError, match="sample_weight"):
        model.set_params(class_weight=None).fine_tune(X, y, 2, sample_weight=-np.ones(30))
    np.testing.assert_array_equal(model.network_.params, params)
