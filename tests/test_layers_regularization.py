"""SPEC 4: inverted dropout and batch normalisation, forward and backward.

References: numpy formulas written here, central differences
(``chainrule.gradient_check``) and, when PyTorch is importable,
``torch.nn.functional.batch_norm`` with autograd.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule
from chainrule import BatchNorm, Dense, Dropout, Network

GRADCHECK_TOL = 1e-7


def _data(seed: int = 0, m: int = 16, n: int = 4, k: int = 3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    y = rng.integers(0, k, size=m)
    return X, y


# --------------------------------------------------------------------------------------------
# Dropout
# --------------------------------------------------------------------------------------------
def test_dropout_eval_is_identity():
    X = np.random.default_rng(0).normal(size=(5, 7))
    layer = Dropout(0.5, seed=0)
    out = layer.forward(X, training=False)
    np.testing.assert_array_equal(out, X)
    np.testing.assert_array_equal(layer.backward(np.ones_like(X)), np.ones_like(X))


def test_dropout_network_prediction_is_deterministic_and_unscaled():
    rng = np.random.default_rng(1)
    W1, b1 = rng.normal(size=(3, 6)), rng.normal(size=6)
    W2, b2 = rng.normal(size=(6, 2)), rng.normal(size=2)
    d1 = Dense(3, 6, "tanh", init=W1)
    d2 = Dense(6, 2, "identity", init=W2)
    net = Network([d1, Dropout(0.4, seed=0), d2])
    d1.b, d2.b = b1, b2
    X = rng.normal(size=(10, 3))
    expected = np.tanh(X @ W1 + b1) @ W2 + b2  # no dropout, no rescaling
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-14)
    np.testing.assert_array_equal(net.forward(X), net.forward(X))
    # training mode is random and differs from prediction
    t1, t2 = net.forward(X, training=True), net.forward(X, training=True)
    assert not np.array_equal(t1, t2)
    assert not np.allclose(t1, expected)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.float16])
def test_dropout_training_takes_integer_and_float16_inputs_as_float64(dtype):
    # the survivors are scaled by 1/(1 - rate) = 1/0.7, no integer: an integer input used to
    # keep its dtype (with a fixed mask: 10 -> 10, unscaled) or stop in numpy's random draw
    X = np.array([[10, 0, 3], [1, 7, 2]]).astype(dtype)
    keep = np.array([[1, 0, 1], [0, 1, 1]], dtype=bool)
    fixed = Dropout(0.3)
    fixed.fix_mask(keep)
    out = fixed.forward(X, training=True)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, X.astype(np.float64) * keep / 0.7, rtol=1e-15)
    np.testing.assert_allclose(fixed.backward(np.ones(X.shape)), keep / 0.7, rtol=1e-15)
    drawn = Dropout(0.3, seed=0)
    out = drawn.forward(X, training=True)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, X.astype(np.float64) * drawn.mask, rtol=1e-15)
    assert set(np.unique(drawn.mask)) <= {0.0, 1 / 0.7}


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.5, 0.8])
def test_dropout_training_mask_statistics(rate):
    n = 400 * 500
    X = np.ones((400, 500))
    layer = Dropout(rate, seed=123)
    out = layer.forward(X, training=True)
    dropped = np.mean(out == 0.0)
    sd = np.sqrt(rate * (1 - rate) / n)
    assert abs(dropped - rate) < 5 * sd
    # survivors are scaled by 1 / (1 - rate) exactly ("inverted" dropout)
    kept = out[out != 0.0]
    np.testing.assert_allclose(kept, 1.0 / (1.0 - rate), rtol=1e-15)
    # so the mean is preserved: E[out] = 1
    sd_mean = np.sqrt(rate / (1 - rate) / n)
    assert abs(out.mean() - 1.0) < 5 * sd_mean
    # the mean of a non-constant input is preserved too
    Z = np.random.default_rng(3).uniform(1.0, 3.0, size=(400, 500))
    assert abs(Dropout(rate, seed=5).forward(Z, training=True).mean() - Z.mean()) < 0.05


def test_dropout_backward_uses_the_same_mask():
    rng = np.random.default_rng(2)
    X = rng.uniform(1.0, 2.0, size=(20, 8))  # never zero, so out == 0 marks the dropped units
    layer = Dropout(0.5, seed=7)
    out = layer.forward(X, training=True)
    G = rng.normal(size=X.shape)
    expected = np.where(out == 0.0, 0.0, G / 0.5)
    np.testing.assert_allclose(layer.backward(G), expected, rtol=1e-15)
    np.testing.assert_allclose(out, np.where(out == 0.0, 0.0, X / 0.5), rtol=1e-15)


def test_dropout_masks_are_fresh_and_seeded():
    X = np.ones((50, 50))
    a = Dropout(0.5, seed=11)
    m1, m2 = a.forward(X, training=True), a.forward(X, training=True)
    assert not np.array_equal(m1, m2)
    b = Dropout(0.5, seed=11)
    np.testing.assert_array_equal(b.forward(X, training=True), m1)


def test_dropout_rate_zero_is_identity_in_training():
    X = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_array_equal(Dropout(0.0).forward(X, training=True), X)


def test_dropout_float32():
    X = np.ones((100, 100), dtype=np.float32)
    out = Dropout(0.25, seed=0).forward(X, training=True)
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.unique(out), [0.0, 1 / 0.75], rtol=1e-6)


def test_fixed_mask_is_used_and_scaled():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(6, 5))
    keep = rng.integers(0, 2, size=(6, 5))
    layer = Dropout(0.6)
    layer.fix_mask(keep)
    out1 = layer.forward(X, training=True)
    np.testing.assert_allclose(out1, X * keep / 0.4, rtol=1e-15)
    np.testing.assert_array_equal(layer.forward(X, training=True), out1)
    np.testing.assert_array_equal(layer.forward(X, training=False), X)
    layer.fix_mask(keep.astype(bool))
    np.testing.assert_allclose(layer.forward(X, training=True), out1, rtol=1e-15)
    layer.fix_mask(None)
    assert layer.fixed_mask is None


def test_gradient_check_in_training_mode_refuses_a_dropout_mask_drawn_per_pass():
    """Each cost evaluation drew a new mask: the check of a correct backward pass came out
    as a relative difference near 1 (0.96 here), a FAIL with nothing wrong."""
    X, _ = _data(0, m=6, n=3)
    Y = np.random.default_rng(1).normal(size=(6, 2))
    net = Network([Dense(3, 4, "tanh", seed=0), Dropout(0.5, seed=3),
                   Dense(4, 2, "identity", seed=2)])
    before = net.params.copy()
    with pytest.raises(ValueError, match=r"training=True: layers\[1\] is Dropout\(rate=0\.5\) "
                                         r"without a fixed mask"):
        chainrule.gradient_check(net, X, Y, training=True)
    np.testing.assert_array_equal(net.params, before)
    # evaluation mode (dropout off) and a fixed mask are checked, against central
    # differences of the training-mode cost with that mask computed here
    assert chainrule.gradient_check(net, X, Y).rel_diff < GRADCHECK_TOL
    keep = np.random.default_rng(4).random((6, 4)) > 0.5
    net.layers[1].fix_mask(keep)
    check = chainrule.gradient_check(net, X, Y, training=True)
    assert check.rel_diff < GRADCHECK_TOL, str(check)
    W1, b1, W2, b2 = (net.layers[0].W, net.layers[0].b, net.layers[2].W, net.layers[2].b)
    H = np.tanh(X @ W1 + b1) * keep / 0.5
    by_hand = 0.5 * np.sum((H @ W2 + b2 - Y) ** 2) / 6
    assert check.cost == pytest.approx(by_hand, rel=1e-13)


def test_fixed_mask_gradient_check():
    X, _ = _data(0, m=12, n=3)
    Y = np.random.default_rng(1).normal(size=(12, 2))
    net = Network([
        Dense(3, 6, "tanh", init="glorot_uniform", seed=0),
        Dropout(0.5),
        Dense(6, 5, "sigmoid", init="glorot_uniform", seed=1),
        Dropout(0.3),
        Dense(5, 2, "identity", init="glorot_uniform", seed=2),
    ])
    rng = np.random.default_rng(9)
    net.layers[1].fix_mask(rng.random((12, 6)) > 0.5)
    net.layers[3].fix_mask(rng.random((12, 5)) > 0.3)
    check = chainrule.gradient_check(net, X, Y, training=True)
    assert check.rel_diff < GRADCHECK_TOL, str(check)
    # the mask matters: the training-mode cost differs from the evaluation-mode cost
    J_train, _ = net.cost(net.params, X, Y, training=True)
    J_eval, _ = net.cost(net.params, X, Y, training=False)
    assert J_train != pytest.approx(J_eval)
    # a unit dropped for every example gets no gradient on its outgoing weights
    keep = np.ones((12, 6), dtype=bool)
    keep[:, 2] = False
    net.layers[1].fix_mask(keep)
    _, grad = net.cost(net.params, X, Y, training=True)
    holder = net.copy()
    holder.set_params(grad)
    np.testing.assert_array_equal(holder.layers[2].W[2], np.zeros(5))
    assert np.all(holder.layers[2].W[1] != 0)


def test_dropout_refusals():
    with pytest.raises(ValueError, match="rate"):
        Dropout(1.0)
    with pytest.raises(ValueError, match="rate"):
        Dropout(-0.1)
    with pytest.raises(TypeError, match="rate"):
        Dropout("half")
    layer = Dropout(0.5)
    layer.fix_mask(np.ones((3, 4)))
    with pytest.raises(ValueError, match="shape"):
        layer.forward(np.ones((2, 4)), training=True)


# --------------------------------------------------------------------------------------------
# BatchNorm
# --------------------------------------------------------------------------------------------
def _bn_net(activation: str = "identity", with_dropout: bool = False, m: int = 16,
            seed: int = 0) -> Network:
    rng = np.random.default_rng(seed)
    layers = [
        Dense(4, 6, "identity", init="glorot_uniform", seed=seed),
        BatchNorm(6, activation=activation),
    ]
    if with_dropout:
        layers.append(Dropout(0.5))
    layers.append(Dense(6, 3, "softmax", init="glorot_uniform", seed=seed + 1))
    net = Network(layers, loss="cross_entropy")
    bn = net.layers[1]
    bn.gamma[...] = rng.uniform(0.5, 1.5, size=6)
    bn.beta[...] = rng.uniform(-0.5, 0.5, size=6)
    net.layers[0].b = rng.normal(size=6)
    if with_dropout:
        net.layers[2].fix_mask(rng.random((m, 6)) > 0.5)
    return net


def test_batchnorm_training_output_is_standardised():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=[3.0, -2.0, 0.0, 10.0], scale=[0.5, 2.0, 1.0, 4.0], size=(32, 4))
    bn = BatchNorm(4, eps=1e-5)
    gamma, beta = np.array([2.0, 0.5, 1.0, -1.0]), np.array([0.1, -0.3, 0.0, 2.0])
    bn.gamma[...] = gamma
    bn.beta[...] = beta
    out = bn.forward(X, training=True)
    mean, var = X.mean(axis=0), X.var(axis=0)  # biased variance in the normalisation
    xhat = (X - mean) / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(bn.Xhat, xhat, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(bn.Xhat.mean(axis=0), 0.0, atol=1e-14)
    np.testing.assert_allclose(bn.Xhat.var(axis=0), var / (var + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(bn.Xhat.var(axis=0), 1.0, rtol=1e-3)
    np.testing.assert_allclose(out, gamma * xhat + beta, rtol=1e-12, atol=1e-14)


def test_batchnorm_activation_applied_after_shift():
    X = np.random.default_rng(1).normal(size=(10, 3)) * 3 + 1
    bn = BatchNorm(3, activation="tanh")
    bn.gamma[...] = [1.5, 0.5, 2.0]
    bn.beta[...] = [0.2, -0.1, 0.0]
    out = bn.forward(X, training=True)
    xhat = (X - X.mean(0)) / np.sqrt(X.var(0) + 1e-5)
    np.testing.assert_allclose(out, np.tanh(bn.gamma * xhat + bn.beta), rtol=1e-12)


def test_batchnorm_running_statistics_and_eval_mode():
    rng = np.random.default_rng(2)
    bn = BatchNorm(3, momentum=0.9, eps=1e-5)
    rm, rv = np.zeros(3), np.ones(3)
    for _ in range(4):
        X = rng.normal(loc=[1.0, -5.0, 2.0], scale=[1.0, 3.0, 0.1], size=(8, 3))
        bn.forward(X, training=True)
        rm = 0.9 * rm + 0.1 * X.mean(axis=0)
        rv = 0.9 * rv + 0.1 * X.var(axis=0, ddof=1)  # unbiased estimate in the running var
    np.testing.assert_allclose(bn.running_mean, rm, rtol=1e-13)
    np.testing.assert_allclose(bn.running_var, rv, rtol=1e-13)
    # evaluation normalises with the running statistics, and leaves them alone
    X = rng.normal(size=(5, 3))
    out = bn.forward(X, training=False)
    np.testing.assert_allclose(out, (X - rm) / np.sqrt(rv + 1e-5), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(bn.running_mean, rm, rtol=1e-13)
    # an example's prediction does not depend on the rest of the batch in evaluation
    np.testing.assert_allclose(bn.forward(X[:1], training=False), out[:1], rtol=1e-15)


@pytest.mark.parametrize("shape", [(4, 2), (4, 2, 5, 5), (4,), (4, 3, 5), (4, 4, 2, 2)])
def test_batchnorm_wrong_input_is_refused_before_any_state_changes(shape):
    bn = BatchNorm(3)
    X = np.random.default_rng(0).normal(size=(6, 3))
    bn.forward(X, training=True)  # some running statistics to keep, and a cached batch
    before = {k: np.array(getattr(bn, k)) for k in ("running_mean", "running_var", "Xhat", "A")}
    with pytest.raises(ValueError, match=r"BatchNorm\(3\): X must have shape \(n_samples, 3\) "
                       r"or \(n_samples, 3, height, width\).*got shape " + re.escape(str(shape))):
        bn.forward(np.ones(shape), training=True)
    for k, v in before.items():
        np.testing.assert_array_equal(getattr(bn, k), v)
    # the running statistics are those of the one good batch: 0.9 * initial + 0.1 * batch
    np.testing.assert_allclose(bn.running_mean, 0.1 * X.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * X.var(axis=0, ddof=1), rtol=1e-14)


def test_batchnorm_one_row_left_over_joins_the_last_batch():
    """65 rows in batches of 32: the row left over joins the last batch (33 rows), as a
    one-row batch has no variance (student32; it used to be normalised with the running
    statistics and left them unchanged)."""
    import chainrule

    rng = np.random.default_rng(7)
    X = rng.normal(loc=[1.0, -2.0, 4.0], scale=[1.0, 3.0, 0.5], size=(65, 3))
    Y = rng.normal(size=(65, 1))
    net = Network([BatchNorm(3), Dense(3, 1, "identity", seed=0)], loss="squared_error")
    chainrule.train(net, X, Y, optimizer="sgd", lr=0.01, epochs=1, batch_size=32,
                    shuffle=False, seed=0)
    rm, rv = np.zeros(3), np.ones(3)
    for batch in (X[:32], X[32:65]):  # 32 rows, then 33
        rm = 0.9 * rm + 0.1 * batch.mean(axis=0)
        rv = 0.9 * rv + 0.1 * batch.var(axis=0, ddof=1)
    bn = net.layers[0]
    np.testing.assert_allclose(bn.running_mean, rm, rtol=1e-13)
    np.testing.assert_allclose(bn.running_var, rv, rtol=1e-13)


def test_batchnorm_one_row_batch_in_training_is_refused_and_evaluation_takes_it():
    bn = BatchNorm(2, eps=1e-5)
    bn.running_mean[...] = [0.5, -1.0]
    bn.running_var[...] = [4.0, 0.25]
    bn.gamma[...] = [2.0, 1.0]
    bn.beta[...] = [0.0, 3.0]
    x = np.array([[2.5, 0.0]])
    # one value per feature has no variance: refused, as PyTorch's BatchNorm1d (student32)
    for X in (x, x.reshape(1, 2, 1, 1)):  # one 1x1 image: one value per channel as well
        with pytest.raises(ValueError, match="more than 1 value per feature"):
            bn.forward(X, training=True)
    np.testing.assert_array_equal(bn.running_mean, [0.5, -1.0])
    np.testing.assert_array_equal(bn.running_var, [4.0, 0.25])
    out = bn.forward(x)  # evaluation mode: the running statistics
    want = [[2.0 * 2.0 / np.sqrt(4.0 + 1e-5), 1.0 / np.sqrt(0.25 + 1e-5) + 3.0]]
    np.testing.assert_allclose(out, want, rtol=1e-14)
    # the input gradient is that of a fixed affine map: gamma / sqrt(running_var + eps)
    g = bn.backward(np.ones((1, 2)))
    np.testing.assert_allclose(g, [[2.0 / np.sqrt(4.0 + 1e-5), 1.0 / np.sqrt(0.25 + 1e-5)]],
                               rtol=1e-14)
    np.testing.assert_allclose(bn.forward(x.reshape(1, 2, 1, 1)).reshape(1, 2), want,
                               rtol=1e-14)


def test_batchnorm_network_eval_vs_training():
    net = _bn_net("tanh")
    X, _ = _data(3)
    p_eval = net.forward(X)
    np.testing.assert_array_equal(net.forward(X), p_eval)  # prediction is deterministic
    net.forward(X * 2.0 + 1.0, training=True)  # moves the running statistics
    assert not np.allclose(net.forward(X), p_eval)


@pytest.mark.parametrize("activation", ["identity", "tanh", "sigmoid", "relu"])
def test_batchnorm_gradient_check_training_mode(activation):
    X, y = _data(4)
    net = _bn_net(activation)
    if activation == "relu":  # keep every z away from the kink so differences are smooth
        net.forward(X, training=True)
        assert np.min(np.abs(net.layers[1].Z)) > 1e-2
    before = {k: v.copy() for k, v in net.layers[1].buffers().items()}
    check = chainrule.gradient_check(net, X, y, training=True)
    assert check.rel_diff < GRADCHECK_TOL, str(check)
    # the check leaves the running statistics as they were
    for k, v in net.layers[1].buffers().items():
        np.testing.assert_array_equal(v, before[k])


@pytest.mark.parametrize(("activation", "seed"), [("identity", 5), ("tanh", 5), ("relu", 13)])
def test_batchnorm_gradient_check_eval_mode(activation, seed):
    X, y = _data(seed)
    net = _bn_net(activation)
    rng = np.random.default_rng(6)
    for _ in range(3):  # non-trivial running statistics
        net.forward(rng.normal(loc=0.5, scale=2.0, size=(16, 4)), training=True)
    if activation == "relu":
        net.forward(X)
        assert np.min(np.abs(net.layers[1].Z)) > 1e-2
    check = chainrule.gradient_check(net, X, y)
    assert check.rel_diff < GRADCHECK_TOL, str(check)


@pytest.mark.parametrize(("activation", "seed"), [("relu", 1), ("tanh", 0)])
def test_whole_network_dense_batchnorm_dropout_softmax(activation, seed):
    X, y = _data(seed + 10)
    net = _bn_net(activation, with_dropout=True, seed=seed)
    assert [type(layer).__name__ for layer in net.layers] == [
        "Dense", "BatchNorm", "Dropout", "Dense"]
    if activation == "relu":
        net.forward(X, training=True)
        assert np.min(np.abs(net.layers[1].Z)) > 1e-2
    check = chainrule.gradient_check(net, X, y, training=True)
    assert check.rel_diff < GRADCHECK_TOL, str(check)
    check_eval = chainrule.gradient_check(net, X, y)
    assert check_eval.rel_diff < GRADCHECK_TOL, str(check_eval)


def test_batchnorm_parameters_are_not_weight_decayed():
    X, y = _data(7)
    net = _bn_net("tanh")
    decayed = Network([Dense(4, 6, "identity", init=net.layers[0].W.copy()),
                       BatchNorm(6, activation="tanh"),
                       Dense(6, 3, "softmax", init=net.layers[2].W.copy())],
                      loss="cross_entropy", weight_decay=0.5)
    decayed.set_params(net.params)
    _, g0 = net.loss_and_grad(X, y, training=True)
    _, g1 = decayed.loss_and_grad(X, y, training=True)
    n_dense0 = 4 * 6 + 6
    bn_slice = slice(n_dense0, n_dense0 + 12)
    np.testing.assert_allclose(g1[bn_slice], g0[bn_slice], rtol=1e-14, atol=1e-16)
    check = chainrule.gradient_check(decayed, X, y, training=True)
    assert check.rel_diff < GRADCHECK_TOL, str(check)


def test_batchnorm_refusals():
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm(3, momentum=1.0)
    with pytest.raises(ValueError, match="eps"):
        BatchNorm(3, eps=0.0)
    with pytest.raises(ValueError, match="n_features"):
        BatchNorm(0)
    with pytest.raises(ValueError, match="activation"):
        BatchNorm(3, activation="nope")
    with pytest.raises(ValueError, match="inputs"):
        Network([Dense(4, 5), BatchNorm(6), Dense(6, 1)])


# --------------------------------------------------------------------------------------------
# BatchNorm against PyTorch
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["identity", "tanh"])
def test_batchnorm_matches_torch(activation):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(8)
    n = 5
    gamma, beta = rng.uniform(0.5, 2.0, size=n), rng.normal(size=n)
    bn = BatchNorm(n, activation=activation, momentum=0.9, eps=1e-5)
    bn.gamma[...] = gamma
    bn.beta[...] = beta
    act = (lambda t: t) if activation == "identity" else torch.tanh

    rm = torch.zeros(n, dtype=torch.float64)
    rv = torch.ones(n, dtype=torch.float64)
    for step in range(3):
        X = rng.normal(loc=1.0, scale=3.0, size=(10, n))
        G = rng.normal(size=(10, n))
        out = bn.forward(X, training=True)
        dX = bn.backward(G)
        xt = torch.tensor(X, requires_grad=True)
        wt = torch.tensor(gamma, requires_grad=True)
        bt = torch.tensor(beta, requires_grad=True)
        # torch's momentum weighs the new statistic: ours 0.9 on the old one is its 0.1
        ref = act(F.batch_norm(xt, rm, rv, weight=wt, bias=bt, training=True, momentum=0.1,
                               eps=1e-5))
        ref.backward(torch.tensor(G))
        np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12, atol=1e-13,
                                   err_msg=f"forward, step {step}")
        np.testing.assert_allclose(dX, xt.grad.numpy(), rtol=1e-10, atol=1e-13,
                                   err_msg=f"dX, step {step}")
        np.testing.assert_allclose(bn.dgamma, wt.grad.numpy(), rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(bn.dbeta, bt.grad.numpy(), rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(bn.running_mean, rm.numpy(), rtol=1e-13)
        np.testing.assert_allclose(bn.running_var, rv.numpy(), rtol=1e-13)

    # evaluation mode: running statistics
    X = rng.normal(size=(7, n))
    G = rng.normal(size=(7, n))
    out = bn.forward(X, training=False)
    dX = bn.backward(G)
    xt = torch.tensor(X, requires_grad=True)
    wt = torch.tensor(gamma, requires_grad=True)
    bt = torch.tensor(beta, requires_grad=True)
    ref = act(F.batch_norm(xt, rm, rv, weight=wt, bias=bt, training=False, eps=1e-5))
    ref.backward(torch.tensor(G))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dX, xt.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(bn.dgamma, wt.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(bn.dbeta, bt.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_batchnorm_network_gradient_matches_torch_autograd():
    """Dense -> BatchNorm(tanh) -> Dense softmax with cross-entropy, whole gradient."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    X, y = _data(12)
    net = _bn_net("tanh")
    J, grad = net.loss_and_grad(X, y, training=True)
    d0, bn, d1 = net.layers
    t = {name: torch.tensor(v.copy(), requires_grad=True) for name, v in
         [("W0", d0.W), ("b0", d0.b), ("g", bn.gamma), ("be", bn.beta), ("W1", d1.W),
          ("b1", d1.b)]}
    rm, rv = torch.zeros(6, dtype=torch.float64), torch.ones(6, dtype=torch.float64)
    z = torch.tensor(X) @ t["W0"] + t["b0"]
    h = torch.tanh(F.batch_norm(z, rm, rv, weight=t["g"], bias=t["be"], training=True,
                                eps=1e-5))
    logits = h @ t["W1"] + t["b1"]
    loss = F.cross_entropy(logits, torch.tensor(y))
    loss.backward()
    assert J == pytest.approx(loss.item(), rel=1e-12)
    expected = np.concatenate([t[k].grad.numpy().ravel() for k in
                               ("W0", "b0", "g", "be", "W1", "b1")])
    np.testing.assert_allclose(grad, expected, rtol=1e-9, atol=1e-13)


def test_batchnorm_takes_the_networks_dtype():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(6, 3))
    net = Network([Dense(3, 3, "identity", seed=0, dtype=np.float32), BatchNorm(3),
                   Dense(3, 1, "identity", seed=1, dtype=np.float32)])
    assert net.dtype == np.float32
    bn = net.layers[1]
    assert bn.gamma.dtype == bn.running_mean.dtype == bn.running_var.dtype == np.float32
    out = net.forward(X.astype(np.float32), training=True)
    assert out.dtype == np.float32
    # the same computation in float64, by hand
    W1, b1 = net.layers[0].W.astype(np.float64), net.layers[0].b.astype(np.float64)
    W2, b2 = net.layers[2].W.astype(np.float64), net.layers[2].b.astype(np.float64)
    Z = X.astype(np.float32).astype(np.float64) @ W1 + b1
    H = (Z - Z.mean(0)) / np.sqrt(Z.var(0) + 1e-5)
    np.testing.assert_allclose(out, H @ W2 + b2, rtol=1e-4, atol=1e-5)
    # a BatchNorm alone (or with an explicit dtype) is float64, and an explicit dtype votes
    assert Network([BatchNorm(3)]).dtype == np.float64
    mixed = Network([Dense(3, 3, dtype=np.float32), BatchNorm(3, dtype=np.float64)])
    assert mixed.dtype == np.float64
    assert Network([Dense(3, 3, dtype=np.float32), BatchNorm(3, dtype="float32")]).dtype \
        == np.float32


def test_batchnorm_takes_float16_inputs_as_float64():
    """A float16 batch kept float16 for the mean and variance: the variance of 2,000 values
    of standard deviation 10 summed its squares past float16's 65504 to inf, so the running
    variance became inf and every output 0.  Such a batch is now taken as float64."""
    X16 = (np.random.default_rng(0).normal(size=(2000, 2)) * 10).astype(np.float16)
    X = X16.astype(np.float64)
    bn = BatchNorm(2)
    A = bn.forward(X16, training=True)
    assert A.dtype == np.float64
    m = len(X)
    np.testing.assert_allclose(A, (X - X.mean(0)) / np.sqrt(X.var(0) + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * X.var(0) * m / (m - 1), rtol=1e-12)
    images = np.random.default_rng(1).normal(size=(2, 2, 3, 3)).astype(np.float16)
    assert BatchNorm(2).forward(images, training=True).dtype == np.float64
    assert BatchNorm(2).forward(images).dtype == np.float64


def test_float32_batchnorm_takes_float16_as_float32_as_dense_does():
    """A float32 BatchNorm took float16 as float64 and returned float64, while a float32
    Dense (and Conv2D) takes it in NumPy's promotion, float32: the rule of Layer is the
    promotion with the layer's dtype for every layer with parameters."""
    X16 = (np.random.default_rng(0).normal(size=(200, 2)) * 10).astype(np.float16)
    bn, ref = BatchNorm(2, dtype="float32"), BatchNorm(2, dtype="float32")
    A = bn.forward(X16, training=True)
    assert A.dtype == Dense(2, 2, dtype=np.float32).forward(X16).dtype == np.float32
    np.testing.assert_array_equal(A, ref.forward(X16.astype(np.float32), training=True))
    np.testing.assert_array_equal(bn.running_var, ref.running_var)
    assert BatchNorm(2, dtype="float32").forward(X16.astype(np.int64)).dtype == np.float64


def test_network_casts_float16_data_to_its_dtype():
    for dtype in (np.float64, np.float32):
        net = Network([Dense(3, 4, "tanh", seed=0), BatchNorm(4), Dropout(0.5, seed=1),
                       Dense(4, 1, "identity", seed=2)]).astype(dtype)
        X16 = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float16)
        A = net.forward(X16, training=True)
        assert A.dtype == dtype and all(layer.A.dtype == dtype for layer in net.layers
                                        if getattr(layer, "A", None) is not None)


@pytest.mark.parametrize("dtype", [int, np.float16, "int32", bool])
def test_batchnorm_refuses_non_float_dtypes(dtype):
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        BatchNorm(3, dtype=dtype)


@pytest.mark.parametrize("bad, match", [
    ({"running_mean": [0.5], "running_var": [1.0, 1.0, 1.0]},
     r"running_mean must have shape \(3,\)"),
    ({"running_mean": np.zeros((1, 3)), "running_var": np.ones(3)}, r"shape \(3,\).*\(1, 3\)"),
    ({"running_mean": np.zeros(3), "running_var": [1.0, np.nan, 1.0]},
     "running_var must be finite"),
    ({"running_mean": np.zeros(3), "running_var": [1.0, -0.5, 1.0]}, "running_var must be >= 0"),
    ({"running_mean": ["a", "b", "c"], "running_var": np.ones(3)}, "must hold real numbers"),
    ({"running_mean": np.zeros(3) + 1j, "running_var": np.ones(3)}, "must hold real numbers"),
    ({"running_mean": np.zeros(3)}, "need 'running_var'"),
])
def test_batchnorm_set_buffers_checks_values(bad, match):
    bn = BatchNorm(3)
    with pytest.raises(ValueError, match=match):
        bn.set_buffers(bad)
    # nothing was written
    np.testing.assert_array_equal(bn.running_mean, 0.0)
    np.testing.assert_array_equal(bn.running_var, 1.0)


def test_batchnorm_set_buffers_restores_exact_values():
    bn = Network([Dense(2, 3, dtype=np.float32), BatchNorm(3)]).layers[1]
    bn.set_buffers({"running_mean": [1, -2, 3], "running_var": np.array([0.0, 0.5, 4.0])})
    np.testing.assert_array_equal(bn.running_mean, [1.0, -2.0, 3.0])
    np.testing.assert_array_equal(bn.running_var, [0.0, 0.5, 4.0])
    assert bn.running_var.dtype == np.float32


def test_dropout_masks_do_not_depend_on_the_dtype():
    # the mask of seed 0 written out: keep where a float64 uniform draw is >= rate
    rate = 0.4
    keep = np.random.default_rng(0).random((7, 9)) >= rate
    for dtype in (np.float64, np.float32):
        layer = Dropout(rate, seed=0)
        out = layer.forward(np.ones((7, 9), dtype=dtype), training=True)
        assert out.dtype == dtype
        np.testing.assert_array_equal(out != 0, keep)
        # and the generator is left where a float64 layer leaves it
        after = np.random.default_rng(0)
        after.random((7, 9))
        assert layer.rng.bit_generator.state == after.bit_generator.state


def test_float32_and_float64_runs_with_dropout_differ_by_rounding_only():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(60, 16)), rng.integers(0, 3, 60)
    params = {}
    for dtype in ("float64", "float32"):
        net = chainrule.network_from_layers(
            [{"type": "Dense", "fan_in": 16, "fan_out": 12, "activation": "tanh"},
             {"type": "Dropout", "rate": 0.3},
             {"type": "Dense", "fan_in": 12, "fan_out": 3, "activation": "softmax"}],
            seed=0, dtype=dtype)
        chainrule.train(net, X, y, optimizer="sgd", lr=0.05, batch_size=10, epochs=5, seed=1)
        params[dtype] = net.params.astype(np.float64)
    # float32 rounding over 5 epochs; other masks would move them by about 1e-2
    np.testing.assert_allclose(params["float32"], params["float64"], rtol=0, atol=1e-5)
