"""The training fast paths give the numbers of the plain paths (issue 4).

While a network trains, Dense layers write into reused buffers
(``Network._workspace``), activations and their derivatives have in-place
twins, mini-batches are gathered into one buffer and the optimizer updates
without temporaries.  Each is compared here with the plain code path it
replaces, on numbers both compute.
"""

from __future__ import annotations

import contextlib
import tracemalloc

import numpy as np
import pytest

import chainrule
from chainrule import Dense, Network, mlp
from chainrule._activations_inplace import _DELTA_INTO, _FORWARD_INTO, _zeros
from chainrule._validation import all_finite
from chainrule.activations import get_activation
from chainrule.optimizers import SGD, Adam, _blas_updates
from chainrule.training import _Gather


@pytest.mark.parametrize("name", sorted(_FORWARD_INTO))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_twins_match_the_plain_functions(name, dtype, rng):
    z = (rng.normal(size=(7, 5)) * 3).astype(dtype)
    out = np.full_like(z, np.nan)
    got = _FORWARD_INTO[name](z, out)
    assert got is out
    np.testing.assert_allclose(got, get_activation(name).f(z), rtol=1e-6 if dtype == np.float32
                               else 1e-15, atol=0)


@pytest.mark.parametrize("name", sorted(_DELTA_INTO))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_delta_twins_match_the_plain_backward(name, dtype, rng):
    act = get_activation(name)
    z = (rng.normal(size=(6, 4)) * 2).astype(dtype)
    z[0, 0] = 0.0  # the ReLU kink: derivative 0 there in both paths
    a = act.f(z)
    g = rng.normal(size=z.shape).astype(dtype)
    out = np.full_like(z, np.nan)
    got = _DELTA_INTO[name](z, a, g, out, np.empty(z.shape, dtype=bool))
    assert got is out
    np.testing.assert_array_equal(got, act.backward(z, a, g))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_twin_against_an_array_of_zeros_keeps_every_special_value(dtype, rng):
    """The buffered ReLU compares with a kept array of zeros instead of the scalar 0."""
    z = rng.normal(size=(9, 6)).astype(dtype)
    z[0, :4] = [np.nan, np.inf, -np.inf, -0.0]
    z[1, :2] = [np.finfo(dtype).max, np.finfo(dtype).tiny]
    out = np.empty_like(z)
    with np.errstate(invalid="ignore"):
        got = _FORWARD_INTO["relu"](z, out)
        expect = np.maximum(z, 0)
    np.testing.assert_array_equal(got, expect)  # NaN stays NaN, inf stays inf
    assert np.isnan(got[0, 0]) and got[0, 1] == np.inf and got[0, 2] == 0
    zeros = _zeros(z.shape, z.dtype)
    assert zeros is _zeros(z.shape, z.dtype)  # kept, one per shape and dtype
    assert not zeros.flags.writeable and not zeros.any()
    with pytest.raises(ValueError, match="read-only"):
        np.maximum(z, 0, out=zeros)


def test_kept_zeros_and_ones_stay_cached_after_many_shapes():
    """The caches drop their oldest entries: the shape in use is always kept."""
    from chainrule._activations_inplace import _ONES, _ZEROS, _row_sum

    for n in range(1, 200):  # more shapes than the caches hold
        _zeros((n, 3), np.dtype(np.float32))
        _row_sum(np.ones((2, n), np.float64))
    assert len(_ZEROS) <= 64 and len(_ONES) <= 64
    zeros = _zeros((7, 5), np.dtype(np.float64))
    assert zeros is _zeros((7, 5), np.dtype(np.float64))
    assert (5, "f") not in _ONES
    np.testing.assert_array_equal(_row_sum(np.ones((4, 5), np.float32)), np.full(4, 5.0))
    assert (5, "f") in _ONES


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_delta_twin_multiplies_like_the_boolean_mask(dtype, rng):
    """The mask's bytes read as uint8 give the products of the bool mask, inf and NaN included."""
    a = np.maximum(rng.normal(size=(5, 8)), 0).astype(dtype)
    g = rng.normal(size=a.shape).astype(dtype)
    a[0, 0], g[0, 0] = 0.0, np.inf  # inf * 0: NaN in both
    a[0, 1], g[0, 1] = 1.0, np.nan
    out, mask = np.empty_like(a), np.empty(a.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        got = _DELTA_INTO["relu"](None, a, g, out, mask)
        expect = g * (a > 0)
    np.testing.assert_array_equal(got, expect)
    assert np.isnan(got[0, 0]) and np.isnan(got[0, 1])


def _nets(hidden: str, output: str, dtype) -> list[Network]:
    return [
        mlp([5, 8, 6, 3], hidden=hidden, output=output, seed=1, dtype=dtype),
        mlp([5, 4], hidden=hidden, output=output, seed=2, dtype=dtype),  # one layer: no dX
    ]


@pytest.mark.parametrize(("hidden", "output"), [("relu", "softmax"), ("tanh", "sigmoid"),
                                                ("sigmoid", "identity"), ("relu", "softplus")])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_workspace_gives_the_plain_cost_gradient_and_layer_values(hidden, output, dtype, rng):
    for net in _nets(hidden, output, dtype):
        k = net.n_outputs
        pool: dict = {}
        # two batch sizes, the first one again: buffers per shape, reused
        for m in (9, 4, 9):
            X = rng.normal(size=(m, 5)).astype(dtype)
            Y = np.eye(k, dtype=dtype)[rng.integers(0, k, m)] if k > 1 else rng.random((m, 1))
            Y = Y.astype(dtype)
            J0, g0 = net._loss_and_grad(X, Y, True)
            g0 = g0.copy()
            plain = [(layer.Z.copy(), layer.A.copy(), layer.delta.copy()) for layer in net.layers]
            with net._workspace(pool):
                J1, g1 = net._loss_and_grad(X, Y, True)
            tol = 1e-5 if dtype == np.float32 else 1e-13
            assert J1 == pytest.approx(J0, rel=tol)
            np.testing.assert_allclose(g1, g0, rtol=tol, atol=tol * 1e-2)
            for layer, (Z, A, D) in zip(net.layers, plain, strict=True):
                np.testing.assert_allclose(layer.Z, Z, rtol=tol, atol=tol * 1e-2)
                np.testing.assert_allclose(layer.A, A, rtol=tol, atol=tol * 1e-2)
                np.testing.assert_allclose(layer.delta, D, rtol=tol, atol=tol * 1e-2)
        assert pool and all(layer._work is None for layer in net.layers)  # switched off after


def test_workspace_reuses_buffers_and_public_forward_stays_fresh(rng):
    net = mlp([3, 6, 2], hidden="relu", output="softmax", seed=0)
    X, Y = rng.normal(size=(5, 3)), np.eye(2)[[0, 1, 1, 0, 1]]
    pool: dict = {}
    with net._workspace(pool):
        net._loss_and_grad(X, Y, True)
        first = net.layers[0].A
    with net._workspace(pool):
        net._loss_and_grad(2 * X, Y, True)
        assert net.layers[0].A is first  # the same buffer, overwritten
    out1 = net.forward(X)
    out2 = net.forward(2 * X)
    assert not np.shares_memory(out1, out2)
    assert not np.shares_memory(out1, first)


def test_workspace_object_can_be_entered_again_and_nested(rng):
    """The training loop makes one workspace per run and enters it once per batch."""
    net = mlp([3, 5, 2], hidden="relu", output="softmax", seed=0)
    X, Y = rng.normal(size=(4, 3)), np.eye(2)[[0, 1, 1, 0]]
    pool: dict = {}
    workspace = net._workspace(pool)
    J0, g0 = net._loss_and_grad(X, Y, True)
    g0 = g0.copy()
    for _ in range(3):
        with workspace:
            assert all(layer._work is not None for layer in net.layers)
            J1, g1 = net._loss_and_grad(X, Y, True)
            with workspace:  # nested: still on inside, and on again after the inner block
                net._loss_and_grad(X, Y, True)
            assert all(layer._work is not None for layer in net.layers)
        assert all(layer._work is None for layer in net.layers)
        assert J1 == pytest.approx(J0, rel=1e-14)
        np.testing.assert_allclose(g1, g0, rtol=1e-13, atol=1e-15)
    with pytest.raises(RuntimeError), workspace:  # an error inside still switches it off
        raise RuntimeError
    assert all(layer._work is None for layer in net.layers)


def test_gather_matches_fancy_indexing_and_reuses_its_buffer(rng):
    X = rng.normal(size=(10, 3)).astype(np.float32)
    Y = rng.normal(size=(10, 2, 2))
    gather = _Gather()
    for idx in (np.array([3, 1, 4]), np.array([9, 0]), np.array([5, 6, 7])):
        np.testing.assert_array_equal(gather(X, idx), X[idx])
        np.testing.assert_array_equal(gather(Y, idx), Y[idx])
        assert gather(X, idx).dtype == np.float32
    a = gather(X, np.array([0, 1, 2]))
    b = gather(X, np.array([2, 1, 0]))
    assert a is b  # one buffer per (array, batch size)


def test_gather_of_fortran_ordered_rows_copies_the_batch_only(rng):
    """A DataFrame's values are Fortran-ordered: take() copied all of them every batch."""
    X = rng.normal(size=(2000, 50))
    F = np.asfortranarray(X)
    idx = rng.permutation(2000)[:8]
    gather = _Gather()
    tracemalloc.start()
    try:
        rows = gather(F, idx)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(rows, X[idx])
    assert peak < F.nbytes / 20  # the old code's copy: F.nbytes (800 kB); a batch: 3.2 kB
    # and training on the Fortran-ordered copy gives the same network
    nets = [chainrule.mlp([50, 4, 3], output="softmax", seed=0) for _ in range(2)]
    y = rng.integers(0, 3, 2000)
    for net, data in zip(nets, (X, F), strict=True):
        chainrule.train(net, data, y, optimizer="sgd", batch_size=64, epochs=1, seed=1)
    np.testing.assert_array_equal(nets[1].params, nets[0].params)


@pytest.mark.parametrize("opt", [SGD(lr=0.1), SGD(lr=0.1, momentum=0.9),
                                 SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
                                 Adam(lr=0.01)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("blas", [False, True], ids=["numpy", "blas"])
def test_optimizer_step_equals_params_minus_lr_direction(opt, dtype, blas, rng):
    """The step without temporaries equals params - rate * direction: exactly with NumPy,
    to 1 ulp by BLAS."""
    opt = type(opt).from_config(opt.get_config())
    p = rng.normal(size=50).astype(dtype)
    with _blas_updates(opt) if blas else contextlib.nullcontext():
        assert opt._blas is blas
        for _ in range(3):
            g = rng.normal(size=50).astype(dtype)
            twin = type(opt).from_config(opt.get_config())
            twin.t, twin.state = opt.t, {k: v.copy() for k, v in opt.state.items()}
            twin.t += 1
            direction = twin._direction(g.copy())  # NumPy: the formula's roundings
            expected = p * (1.0 - opt.weight_decay) if opt.weight_decay else p.copy()
            # BLAS axpy may round p - lr * d once where NumPy rounds twice
            # (the rate is lr, or Adam's lr sqrt(1 - b2^t) / (1 - b1^t): its direction is
            # m / (sqrt(v) + eps sqrt(1 - b2^t)), see test_optimizers)
            rate = twin._rate()
            bound = 2 * np.finfo(dtype).eps * (np.abs(expected) + np.abs(rate * direction))
            expected = expected - rate * direction
            opt.step(p, g)
            if blas:
                assert np.all(np.abs(p - expected) <= bound)
            else:
                np.testing.assert_array_equal(p, expected)
            assert p.dtype == dtype
    assert opt._blas is False  # switched off after the block


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shuffled_training_equals_a_plain_hand_loop(dtype, rng):
    """train() (buffers, gather, in-place steps) against loss_and_grad + formula by hand."""
    X = rng.random((23, 6)).astype(dtype)
    y = rng.integers(0, 4, 23)
    Y = np.eye(4, dtype=dtype)[y]
    net = mlp([6, 7, 5, 4], hidden="relu", output="softmax", seed=4, dtype=dtype)
    ref = net.copy()
    lr, mu, bs, seed = 0.2, 0.9, 5, 11
    order_rng = np.random.default_rng(seed)
    v = np.zeros_like(ref.params)
    losses, accuracies = [], []
    for _ in range(3):
        order, total, correct = order_rng.permutation(23), 0.0, 0
        for s in range(0, 23, bs):
            idx = order[s:s + bs]
            # the batch's predictions with the parameters before its step
            correct += int(np.sum(ref.forward(X[idx]).argmax(axis=1) == y[idx]))
            J, g = ref.loss_and_grad(X[idx], Y[idx])
            total += J * idx.size
            v = mu * v + g
            ref.params[...] = ref.params - lr * v
        losses.append(total / 23)
        accuracies.append(correct / 23)
    hist = chainrule.train(net, X, y, optimizer="sgd", lr=lr, momentum=mu, batch_size=bs,
                           epochs=3, seed=seed)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(net.params, ref.params, rtol=tol, atol=tol * 1e-2)
    np.testing.assert_allclose(hist["loss"], losses, rtol=tol)
    # counted once per epoch from the classes each batch wrote down
    assert hist["accuracy"] == accuracies
    assert len(set(accuracies)) > 1  # the count follows the training


def test_minimize_with_buffers_matches_a_plain_objective(rng):
    X = rng.normal(size=(30, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    net = Network([Dense(4, 6, "tanh", seed=0), Dense(6, 3, "softmax", seed=1)],
                  loss="cross_entropy")
    plain = net.copy()
    Yp = plain.prepare_targets(y, 30)
    result = chainrule.minimize(net, X, y, maxiter=30)
    J, g = plain.cost(result.x, X, Yp)
    assert result.fun == pytest.approx(J, rel=1e-12)
    np.testing.assert_allclose(result.jac, g, rtol=1e-9, atol=1e-12)


def test_objective_of_one_hot_targets_is_the_checked_objective_bit_for_bit(rng):
    """minimize's objective knows once that its targets are one-hot; the same numbers.

    (Without the bias folded into the first layer's products, which rounds the
    bias gradient differently: see test_fast_paths_folded.py.)
    """
    from chainrule.scipy_fit import _objective

    X = rng.normal(size=(40, 5))
    net = mlp([5, 7, 4], hidden="relu", output="softmax", seed=2)
    Y = net.prepare_targets(rng.integers(0, 4, 40), 40)
    fun = _objective(net, X, Y, fold_bias=False)
    for scale in (0.0, 0.5, 3.0):
        theta = rng.normal(size=net.params.shape) * scale
        J, g = fun(theta)
        with np.errstate(over="ignore", invalid="ignore"), net._workspace():
            net.params[...] = theta
            J0, g0 = net._loss_and_grad(X, Y, False)  # one_hot=False: the row sums checked
        assert J == J0
        np.testing.assert_array_equal(g, g0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_all_finite_agrees_with_isfinite_including_overflowing_sums(dtype, rng):
    big = np.finfo(dtype).max
    cases = [rng.normal(size=40), np.full(40, big), np.array([big, big, -big]),
             np.array([1.0, np.nan]), np.array([np.inf, -np.inf]), np.array([-np.inf, 2.0]),
             np.array([big, big, np.nan])]
    for case in cases:
        a = case.astype(dtype)
        assert all_finite(a) == bool(np.isfinite(a).all())
    assert all_finite(np.arange(5))  # integers are always finite
    # 2-D (the BLAS sum of squares of the flattened array) and strided (NumPy's sum)
    grid = rng.normal(size=(6, 5)).astype(dtype)
    assert all_finite(grid) and all_finite(grid[:, ::2])
    for where in [(0, 0), (5, 4), (3, 2)]:
        for bad in (np.nan, np.inf, -np.inf):
            g = grid.copy()
            g[where] = bad
            assert not all_finite(g)
            assert all_finite(g[:, 1::2]) == bool(np.isfinite(g[:, 1::2]).all())
    assert all_finite(np.full((4, 3), np.sqrt(np.finfo(dtype).max) * 2, dtype=dtype))


@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_softmax_cross_entropy_from_the_forward_lse_equals_the_logit_path(scale, rng):
    """The buffered softmax keeps logsumexp(z); the loss from it equals the plain logit path."""
    net = mlp([4, 3], output="softmax", seed=0)
    net.layers[0].W *= scale  # logits up to about +-1000: exp would overflow without the shift
    X = rng.normal(size=(6, 4))
    Y = np.eye(3)[[0, 1, 2, 2, 1, 0]]
    Y[5] = [0.2, 0.3, 0.5]  # a soft target row too
    J0, g0 = net._loss_and_grad(X, Y, False)
    terms0 = net._output_terms(Y)
    g0 = g0.copy()
    with net._workspace({}):
        J1, g1 = net._loss_and_grad(X, Y, False)
        assert net.layers[-1]._lse is not None
        terms1 = net._output_terms(Y)
    assert np.all(np.isfinite(terms1))
    np.testing.assert_array_equal(terms1, terms0)
    assert J1 == J0
    np.testing.assert_allclose(g1, g0, rtol=1e-13, atol=1e-15)
    net.forward(X)
    assert net.layers[-1]._lse is None  # the plain forward does not leave a stale one


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("init", [None, "equal"])
def test_buffered_bias_gradient_is_the_column_sum_of_delta(dtype, init, rng):
    """While training, db is delta summed over the batch: BLAS's ones @ delta, or, in a
    network with equal hidden units (whose products are ordered, see test_symmetry), row
    after row, the same additions in the same order for every column."""
    from chainrule._symmetry import choose_products

    net = mlp([4, 7, 3], hidden="relu", output="softmax", seed=3, dtype=dtype)
    if init == "equal":  # every hidden unit alike (not zero: the error reaches them)
        net.layers[0].W[...] = rng.normal(size=(4, 1))
        net.layers[0].b[...] = 0.1
        net.layers[1].W[...] = rng.normal(size=(1, 3))
    assert choose_products(net) == (init == "equal")
    pool: dict = {}
    for m in (11, 5, 11):  # batch sizes come and go; the ones vectors stay ones
        X = rng.normal(size=(m, 4)).astype(dtype)
        Y = np.eye(3, dtype=dtype)[rng.integers(0, 3, m)]
        with net._workspace(pool):
            net._loss_and_grad(X, Y, True)
            for layer in net.layers:
                expect = np.sum(layer.delta.astype(np.float64), axis=0)
                np.testing.assert_allclose(layer.db, expect, rtol=1e-5 if dtype == np.float32
                                           else 1e-13, atol=1e-7)
                if init == "equal":
                    total = np.zeros(layer.delta.shape[1], dtype)
                    for row in layer.delta:  # the sum written out, one row after the other
                        total += row
                    np.testing.assert_array_equal(layer.db, total)


@pytest.mark.parametrize("k", [1, 2, 10, 16, 17, 32, 33, 40])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_max_and_row_sum_match_numpy(k, dtype, rng):
    """The softmax's row maximum (through a transposed copy up to 32 columns) and BLAS row sum."""
    from chainrule._activations_inplace import _row_max, _row_sum

    z = (rng.normal(size=(600, k)) * 50).astype(dtype)  # >= 64 rows: the transposed copy
    np.testing.assert_array_equal(_row_max(z), np.max(z, axis=1, keepdims=True))
    np.testing.assert_allclose(_row_sum(z), np.sum(z.astype(np.float64), axis=1),
                               rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-3)
    z[3, k // 2] = np.nan
    assert np.isnan(_row_max(z)[3, 0]) and np.isnan(_row_sum(z)[3])
    assert np.isfinite(np.delete(_row_max(z), 3)).all()
    np.testing.assert_array_equal(_row_max(z[:37]), np.max(z[:37], axis=1, keepdims=True))
    np.testing.assert_array_equal(_row_max(z[:, ::-1]), np.max(z[:, ::-1], axis=1, keepdims=True))
    np.testing.assert_array_equal(_row_sum(np.eye(k, dtype=dtype)[[0] * 5]), np.ones(5))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("blas", [False, True], ids=["numpy", "blas"])
def test_momentum_velocity_equals_the_formula_exactly(dtype, blas, rng):
    """v <- mu v + g, in place by NumPy or by BLAS scal + axpy: mu * v + g exactly."""
    from chainrule.optimizers import _scale_add

    opt = SGD(lr=0.1, momentum=0.9)
    opt._blas = blas
    v_ref = np.zeros(300, dtype=dtype)
    for _ in range(4):
        g = (rng.normal(size=300) * 10).astype(dtype)
        d = opt._direction(g)
        v_ref *= 0.9
        v_ref += g
        np.testing.assert_array_equal(d, v_ref)
        assert d is opt.state["velocity"] and d.dtype == dtype
    w = rng.normal(size=(10, 6)).astype(dtype)[:, ::2]  # not contiguous: NumPy either way
    u = rng.normal(size=(10, 3)).astype(dtype)
    expected = w * dtype(0.5) + u
    _scale_add(w, 0.5, u, blas)
    np.testing.assert_array_equal(w, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m", [1, 7, 64])
@pytest.mark.parametrize("units", [6, 40])
def test_buffered_forward_is_the_plain_forward_bit_for_bit(dtype, m, units, rng):
    """Into the buffers, Z = X @ W + b and A = relu(Z) are the plain forward's numbers."""
    layer = Dense(5, units, "relu", seed=0, dtype=dtype)
    net = Network([layer])
    layer.b = rng.normal(size=units).astype(dtype)
    X = rng.normal(size=(m, 5)).astype(dtype)
    plain = net.forward(X)
    Z_plain = layer.Z.copy()
    with net._workspace({}):
        net._forward(X, True)
        np.testing.assert_array_equal(layer.Z, Z_plain)
        np.testing.assert_array_equal(layer.A, plain)
        np.testing.assert_array_equal(layer.Z, (X @ layer.W) + layer.b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
def test_one_hot_shortcut_gives_the_checked_path_bit_for_bit(dtype, weighted, rng):
    """_loss_and_grad(one_hot=True) skips the row-sum check, not a single rounding."""
    net = mlp([5, 8, 4], hidden="relu", output="softmax", seed=3, dtype=dtype)
    pool: dict = {}
    for m in (9, 4):
        X = (rng.normal(size=(m, 5)) * 3).astype(dtype)
        Y = np.eye(4, dtype=dtype)[rng.integers(0, 4, m)]
        sw = rng.random(m) * 2 if weighted else None
        with net._workspace(pool):
            J0, g0 = net._loss_and_grad(X, Y, True, sw)
            g0, d0 = g0.copy(), net.layers[-1].delta.copy()
        with net._workspace(pool):
            J1, g1 = net._loss_and_grad(X, Y, True, sw, one_hot=True)
        assert J1 == J0
        np.testing.assert_array_equal(g1, g0)
        np.testing.assert_array_equal(net.layers[-1].delta, d0)
        # and the reference: the plain, unbuffered cost and gradient
        J2, g2 = net.copy().loss_and_grad(X, Y, sample_weight=sw)
        tol = 1e-5 if dtype == np.float32 else 1e-13
        assert J1 == pytest.approx(J2, rel=tol)
        np.testing.assert_allclose(g1, g2, rtol=tol, atol=tol * 1e-2)


def test_exact_one_hot_is_recognised_only_for_one_hot_rows():
    from chainrule.training import _exact_one_hot

    net = mlp([3, 4, 3], hidden="relu", output="softmax", seed=0)
    eye = np.eye(3)[[0, 2, 1, 1]]
    assert _exact_one_hot(eye.astype(np.uint8), net)  # made from class labels
    assert _exact_one_hot(eye, net) and _exact_one_hot(eye.astype(np.float32), net)
    soft = eye * 0.9 + 0.1 / 3  # rows sum to 1, but are not one-hot
    assert not _exact_one_hot(soft, net)
    two = eye.copy()
    two[0, 1] = 1  # two ones in a row
    assert not _exact_one_hot(two, net)
    none = eye.copy()
    none[1] = 0  # a row of zeros
    assert not _exact_one_hot(none, net)
    # only the softmax + cross-entropy output has the shortcut
    sig = mlp([3, 4, 3], hidden="relu", output="sigmoid", loss="cross_entropy", seed=0)
    assert not _exact_one_hot(eye, sig)
    mse = mlp([3, 4, 3], hidden="relu", output="softmax", loss="mse", seed=0)
    assert not _exact_one_hot(eye, mse)


def test_batch_callbacks_run_outside_the_training_blocks(rng):
    """Without a batch callback the loop enters its blocks once per epoch; with one, per batch.

    Either way a callback's own NumPy code runs with the caller's warning settings and
    its forward() gets new arrays, and the run is the same bit for bit.
    """
    X = rng.normal(size=(30, 4))
    y = rng.integers(0, 3, 30)
    seen = []

    class Probe(chainrule.Callback):
        def on_batch_end(self, state):
            net = state.net
            buffer = net.layers[-1].A  # the training batch's output
            A = net.forward(X[:7])
            seen.append((np.geterr()["over"], np.geterr()["invalid"],
                         any(layer._work is not None for layer in net.layers),
                         np.shares_memory(A, buffer)))

    def at_epoch_end(state):
        seen.append((np.geterr()["over"], np.geterr()["invalid"],
                     any(layer._work is not None for layer in state.net.layers), False))

    runs = {}
    with np.errstate(over="warn", invalid="warn"):
        for name, callbacks in (("none", []), ("batch", [Probe()]), ("epoch", [at_epoch_end])):
            net = mlp([4, 6, 3], hidden="relu", output="softmax", seed=1)
            hist = chainrule.train(net, X, y, optimizer="sgd", lr=0.1, momentum=0.9,
                                   batch_size=7, epochs=2, seed=5, callbacks=callbacks)
            runs[name] = (net.params.copy(), hist["loss"], hist["accuracy"])
    assert len(seen) == 2 * 5 + 2  # 5 batches per epoch, 2 epochs, then 2 epoch ends
    assert set(seen) == {("warn", "warn", False, False)}
    for name in ("batch", "epoch"):
        np.testing.assert_array_equal(runs[name][0], runs["none"][0])
        assert runs[name][1:] == runs["none"][1:]


def test_estimators_epoch_rule_leaves_the_blocks_once_per_epoch():
    """The estimators' callback has an on_batch_end only where it needs one (several
    squared-error outputs), so that their training enters its blocks once per epoch."""
    from chainrule._mlp_base import _AveragedEpochRule, _EpochRule
    from chainrule.training import Trainer

    net = mlp([3, 4, 2], hidden="relu", output="softmax", seed=0)
    plain = Trainer(net, optimizer="sgd", callbacks=[_EpochRule(lambda state, loss: None)])
    assert not plain._batch_hooks()
    averaged = _AveragedEpochRule(lambda state, loss: None, net, 2, 10, 5)
    assert Trainer(net, optimizer="sgd", callbacks=[averaged])._batch_hooks()


def _reference_pass(params: list[tuple[np.ndarray, np.ndarray]], acts: list[str],
                    X: np.ndarray, Y: np.ndarray) -> list[dict[str, np.ndarray]]:
    """Forward and backward by hand in float64, each array its own: delta, dW, db per layer.

    Softmax output with cross-entropy (delta = (p - y) / m); hidden ReLU,
    identity or tanh (f' from z, or from a for tanh).
    """
    m, A, cache = X.shape[0], X.astype(np.float64), []
    for i, (W, b) in enumerate(params):
        Z = A @ W.astype(np.float64) + b.astype(np.float64)
        cache.append((A, Z))
        if i == len(params) - 1:
            A = np.exp(Z - Z.max(axis=1, keepdims=True))
            A /= A.sum(axis=1, keepdims=True)
        else:
            A = {"relu": np.maximum(Z, 0), "identity": Z, "tanh": np.tanh(Z)}[acts[i]]
    out, delta = [], (A - Y) / m
    for i in range(len(params) - 1, -1, -1):
        A_in, _ = cache[i]
        out.append({"delta": delta.copy(), "dW": A_in.T @ delta, "db": delta.sum(axis=0)})
        if i:
            grad = delta @ params[i][0].astype(np.float64).T
            Z = cache[i - 1][1]
            fprime = {"relu": (Z > 0) * 1.0, "identity": np.ones_like(Z),
                      "tanh": 1 - np.tanh(Z) ** 2}[acts[i - 1]]
            delta = grad * fprime
    return out[::-1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_delta_over_the_input_gradient_leaves_every_readable_value(dtype, rng):
    """While training, a ReLU (or identity) layer under a Dense layer writes its delta over the
    input gradient that layer returned (one buffer less, one pass less): what a reader sees
    after the pass (each layer's delta, dW, db, the returned gradient) is the plain numbers,
    a second pass in the same buffers does not touch what the first returned, and an array
    a layer in between may keep is never written over."""
    acts = ["relu", "identity", "tanh"]
    net = mlp([5, 8, 7, 6, 3], hidden=acts, output="softmax", seed=4, dtype=dtype)
    for layer in net.layers:
        layer.b = rng.normal(size=layer.n_out).astype(dtype)
    params = [(layer.W.copy(), layer.b.copy()) for layer in net.layers]
    tol = dict(rtol=2e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    pool: dict = {}
    batches = [(rng.normal(size=(9, 5)).astype(dtype),
                np.eye(3, dtype=dtype)[rng.integers(0, 3, 9)]) for _ in range(2)]
    returned = []
    for X, Y in batches:
        with net._workspace(pool):
            _, grad = net._loss_and_grad(X, Y, True, one_hot=True)
            # the ReLU and identity layers' deltas are the buffers of the input gradients
            # of the layers above (written over), the tanh layer's a buffer of its own
            dX = [pool[id(net.layers[i + 1])][("dX", (9, net.layers[i].n_out), np.dtype(dtype))]
                  for i in range(3)]
            assert net.layers[0].delta is dX[0] and net.layers[1].delta is dX[1]
            assert not np.shares_memory(net.layers[2].delta, dX[2])
        returned.append(grad.copy())  # what the training step reads before the next batch
        for layer, ref in zip(net.layers, _reference_pass(params, acts, X, Y), strict=True):
            np.testing.assert_allclose(layer.delta, ref["delta"], **tol)
            np.testing.assert_allclose(layer.dW, ref["dW"], **tol)
            np.testing.assert_allclose(layer.db, ref["db"], **tol)
    for (X, Y), grad in zip(batches, returned, strict=True):
        expect = np.concatenate([np.concatenate([r["dW"].ravel(), r["db"]])
                                 for r in _reference_pass(params, acts, X, Y)])
        np.testing.assert_allclose(grad, expect, **tol)
    # the public cost and gradient: a copy, which the next buffered pass leaves alone
    X, Y = batches[0]
    _, grad = net.loss_and_grad(X, Y)
    held = grad.copy()
    with net._workspace(pool):
        net._loss_and_grad(*batches[1], True)
    np.testing.assert_array_equal(grad, held)
    np.testing.assert_allclose(grad, returned[0], **tol)

    class Keep(chainrule.layers.Layer):  # an identity layer that keeps what backward is given
        def forward(self, X, training=False):
            return X

        def backward(self, grad_out, need_input_grad=True):
            self.seen, self.seen_copy = grad_out, grad_out.copy()
            return grad_out

    first, keep = Dense(5, 8, "relu", seed=0, dtype=dtype), Keep()
    kept = Network([first, keep, Dense(8, 3, "softmax", seed=1, dtype=dtype)])
    with kept._workspace({}):
        kept._loss_and_grad(X, Y, True, one_hot=True)
    np.testing.assert_array_equal(keep.seen, keep.seen_copy)  # not written over
    assert not np.shares_memory(first.delta, keep.seen)


def test_deltas_a_callback_reads_are_those_of_each_batch(rng):
    """After each step a callback reads every layer's delta and gradient: those of that batch
    at the parameters before the step, although the ReLU layers' deltas share buffers with
    the input gradients of the layers above."""
    from chainrule.callbacks import Callback

    acts = ["relu", "relu"]
    net = mlp([4, 9, 6, 3], hidden=acts, output="softmax", seed=2)
    X, y = rng.normal(size=(24, 4)), rng.integers(0, 3, 24)
    seen, before = [], [[(layer.W.copy(), layer.b.copy()) for layer in net.layers]]

    class Record(Callback):
        def on_batch_end(self, state):
            seen.append([{"delta": layer.delta.copy(), "dW": layer.dW.copy(),
                          "db": layer.db.copy()} for layer in net.layers])
            before.append([(layer.W.copy(), layer.b.copy()) for layer in net.layers])

    chainrule.train(net, X, y, optimizer="sgd", lr=0.5, batch_size=8, epochs=2, shuffle=False,
                    callbacks=[Record()])
    assert len(seen) == 6
    for step, layers in enumerate(seen):
        rows = slice(8 * (step % 3), 8 * (step % 3) + 8)
        ref = _reference_pass(before[step], acts, X[rows], np.eye(3)[y[rows]])
        for got, expect in zip(layers, ref, strict=True):
            for key in ("delta", "dW", "db"):
                np.testing.assert_allclose(got[key], expect[key], rtol=1e-12, atol=1e-14)
