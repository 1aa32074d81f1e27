"""The benchmark scripts measure what they say (issue 4).

The timings themselves are not tested (they live in ``benchmarks/``); what is
tested is that the GEMM-only epoch does exactly the matrix products of
chainrule's training epoch, that PyTorch replays chainrule's run (same initial
weights, same shuffling, so the same epoch loss), that the report's
reading of the targets against the GEMM-only time is computed right, and that
run_all.py measures with OpenBLAS's own kernels as well where the environment
forces others, and reads every target in each setting.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
sys.path.insert(0, BENCH)

import bench_mlp  # noqa: E402
import run_all  # noqa: E402

from matmul_spy import matmul_products  # noqa: E402

CFG = dict(n=200, sizes=[12, 9, 7, 4], batch=32, lr=0.05, momentum=0.9)


def _data(n: int = CFG["n"]) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.random((n, CFG["sizes"][0]), dtype=np.float32)
    return X, np.arange(n) % CFG["sizes"][-1]


def test_gemm_only_epoch_does_the_products_of_a_training_epoch(monkeypatch):
    X, y = _data()
    net = bench_mlp.chainrule_net(CFG["sizes"], X.dtype)
    ours = matmul_products(monkeypatch, lambda: bench_mlp.chainrule_epoch(net, X, y, CFG, seed=0))
    epoch = bench_mlp.gemm_epoch(CFG["n"], CFG["sizes"], CFG["batch"])
    gemm = matmul_products(monkeypatch, epoch)
    assert sorted(gemm) == sorted(ours)
    # per batch: 3 forward, 3 weight-gradient and 2 input-gradient products
    n_batches = -(-CFG["n"] // CFG["batch"])
    assert len(gemm) == 8 * n_batches
    assert ((CFG["n"] % CFG["batch"], 12), (12, 9)) in gemm  # the short last batch too


def test_pytorch_replays_chainrules_epoch():
    pytest.importorskip("torch")
    import torch

    X, y = _data()
    net = bench_mlp.chainrule_net(CFG["sizes"], X.dtype)
    model = bench_mlp.torch_model(net)
    ours = bench_mlp.chainrule_epoch(net.copy(), X, y, CFG, seed=3)
    theirs = bench_mlp.torch_epoch(model, torch.from_numpy(X), torch.from_numpy(y), CFG, seed=3)
    assert theirs == pytest.approx(ours, rel=1e-5)
    trained = bench_mlp.chainrule_net(CFG["sizes"], X.dtype)
    bench_mlp.chainrule_epoch(trained, X, y, CFG, seed=3)
    first = model[0].weight.detach().numpy().T
    np.testing.assert_allclose(first, trained.layers[0].W, rtol=1e-4, atol=1e-6)


def test_pytorch_replays_several_epochs_of_one_train_call():
    """(2) times several epochs per run: the peers must make the same run then too."""
    pytest.importorskip("torch")
    import torch

    X, y = _data()
    net = bench_mlp.chainrule_net(CFG["sizes"], X.dtype)
    model = bench_mlp.torch_model(net)
    ours = bench_mlp.chainrule_epoch(net.copy(), X, y, CFG, seed=5, epochs=3)
    theirs = bench_mlp.torch_epoch(model, torch.from_numpy(X), torch.from_numpy(y), CFG,
                                   seed=5, epochs=3)
    one = bench_mlp.chainrule_epoch(net.copy(), X, y, CFG, seed=5)
    assert theirs == pytest.approx(ours, rel=1e-5)
    assert abs(ours - one) > 1e-3  # the third epoch's loss, not the first one's


def test_sklearn_runs_as_many_epochs_in_one_fit():
    from sklearn.neural_network import MLPClassifier

    X, y = _data()
    loss = bench_mlp.sklearn_epoch(X, y, CFG, seed=0, epochs=3)
    clf = MLPClassifier(hidden_layer_sizes=tuple(CFG["sizes"][1:-1]), solver="sgd", alpha=0.0,
                        batch_size=CFG["batch"], learning_rate_init=CFG["lr"],
                        momentum=CFG["momentum"], nesterovs_momentum=False, max_iter=3,
                        random_state=0, tol=0.0, n_iter_no_change=10**9)
    with pytest.warns(Warning):
        clf.fit(X, y)
    assert clf.n_iter_ == 3 and loss == clf.loss_curve_[-1]


def test_epoch_bench_reports_seconds_per_epoch(monkeypatch):
    """With ``epochs``, one run per repetition, its time divided by the epochs."""
    calls = []
    monkeypatch.setattr(bench_mlp, "chainrule_epoch",
                        lambda net, X, y, cfg, seed, epochs=1: calls.append(epochs) or 0.5)
    monkeypatch.setattr(bench_mlp, "interleave",
                        lambda fns, repeats: {k: [fn(1) or 2.0 for _ in range(repeats)]
                                              for k, fn in fns.items()})
    X, y = _data()
    res = bench_mlp._epoch_bench(X, y, CFG, repeats=3, peers=False, epochs=4)
    assert calls == [4, 4, 4]
    assert res["chainrule"]["median"] == 0.5 and res["chainrule"]["epoch_loss"] == 0.5


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sklearn_fullbatch_objective_runs_in_the_dtype_its_solver_uses(dtype):
    """scikit-learn's L-BFGS hands float32 parameters to its objective on float32 data.

    A float64 theta would time a float64 path (a float64 copy of X) that its
    solver never takes.  Checked here against a real fit, independently of the
    benchmark's own recording.
    """
    import warnings

    from sklearn.neural_network import MLPClassifier

    X, y = _data()
    X = X.astype(dtype)
    fun, theta0 = bench_mlp.sklearn_objective(X, y, CFG["sizes"])
    seen = []
    clf = MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=2)
    original = clf._loss_grad_lbfgs
    clf._loss_grad_lbfgs = lambda theta, *a: seen.append(theta.dtype) or original(theta, *a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    assert theta0.dtype == seen[0] == dtype
    J, grad = fun(theta0)
    assert grad.dtype == dtype and np.isfinite(J)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sklearn_fullbatch_objective_gets_the_arguments_its_solver_passes(dtype, monkeypatch):
    """The same dtypes of theta, X and the one-hot targets as in a real L-BFGS fit.

    scikit-learn's solver passes its targets as bool; float targets (as before)
    timed a loss and output delta its solver never computes.  Every call of the
    objective is recorded at the class, for a real fit and for the benchmark's.
    """
    import warnings

    from sklearn.neural_network import MLPClassifier

    X, y = _data()
    X = X.astype(dtype)
    fun, theta0 = bench_mlp.sklearn_objective(X, y, CFG["sizes"])
    seen = []
    original = MLPClassifier._loss_grad_lbfgs
    monkeypatch.setattr(MLPClassifier, "_loss_grad_lbfgs", lambda self, theta, X_, Y_, *a: (
        seen.append((theta.dtype, X_.dtype, Y_.dtype))
        or original(self, theta, X_, Y_, *a)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=2).fit(X, y)
    fit = seen[-1]
    J, grad = fun(theta0)
    assert seen[-1] == fit and fit[2] == np.bool_ and fit[0] == fit[1] == dtype
    assert np.isfinite(J) and grad.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fullbatch_objectives_compute_the_same_cost_and_gradient(dtype):
    """(3) times both objectives at the same parameters: chainrule's initial weights.

    scikit-learn's objective was called at its own initial weights, where more
    ReLU units are inactive (60 % against 49 % on digits), which changes the
    time of its ReLU derivative.  Reference: the cost and gradient computed here
    by hand from chainrule's weights (ReLU, softmax, mean cross-entropy).
    """
    X, _ = _data()
    X = X.astype(dtype)
    y = np.arange(X.shape[0]) % 10  # scikit-learn's objective is set up for 10 classes
    sizes = [*CFG["sizes"][:-1], 10]
    ours, theta, theirs, theta_sk = bench_mlp.fullbatch_pair(X, y, sizes)
    net = bench_mlp.chainrule_net(sizes, dtype)
    Ws = [layer.W.astype(np.float64) for layer in net.layers]
    bs = [layer.b.astype(np.float64) for layer in net.layers]
    A, acts = X.astype(np.float64), []
    for i, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        acts.append(A)
        Z = A @ W + b
        A = np.maximum(Z, 0) if i < len(Ws) - 1 else Z
    P = np.exp(A - A.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    m = X.shape[0]
    J = -np.log(P[np.arange(m), y]).mean()
    delta, dWs, dbs = (P - np.eye(10)[y]) / m, [], []
    for i in range(len(Ws) - 1, -1, -1):
        dWs.insert(0, acts[i].T @ delta)
        dbs.insert(0, delta.sum(axis=0))
        delta = (delta @ Ws[i].T) * (acts[i] > 0)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    per_layer = np.concatenate([g for W, b in zip(dWs, dbs, strict=True)
                                for g in (W.ravel(), b)])  # chainrule: W1, b1, W2, ...
    weights_first = np.concatenate([*(W.ravel() for W in dWs), *dbs])  # scikit-learn's _pack
    floor = bench_mlp.numpy_objective(net, X, y)  # the hand-written floor of (3)
    for fun, th, grad in ((ours, theta, per_layer), (theirs, theta_sk, weights_first),
                          (floor, theta, per_layer)):
        got_J, got_grad = fun(th)
        assert float(got_J) == pytest.approx(J, rel=rtol)
        np.testing.assert_allclose(got_grad, grad, rtol=rtol, atol=rtol * np.abs(grad).max())
    # called as SciPy calls chainrule's: a new float64 gradient each call, at any theta
    g1 = floor(theta)[1]
    J2, g2 = floor(theta * 0.5)
    J2_ours, g2_ours = ours(theta * 0.5)
    assert g1.dtype == np.float64 and not np.shares_memory(g1, g2)
    assert J2 == pytest.approx(J2_ours, rel=rtol)
    np.testing.assert_allclose(g2, g2_ours, rtol=rtol, atol=rtol * np.abs(g2_ours).max())


def test_positive_int_arguments():
    import argparse

    assert bench_mlp.positive_int("3") == 3
    for bad in ("0", "-2", "x", "1.5"):
        with pytest.raises(argparse.ArgumentTypeError, match="positive integer"):
            bench_mlp.positive_int(bad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_loop_replays_chainrules_epoch_with_the_samematmul_products(monkeypatch, dtype):
    X, y = _data()
    X = X.astype(dtype)
    net = bench_mlp.chainrule_net(CFG["sizes"], dtype)
    loop = bench_mlp.numpy_loop_epoch(net, X, y, CFG)
    trained = net.copy()
    ours = matmul_products(monkeypatch,
                           lambda: bench_mlp.chainrule_epoch(trained, X, y, CFG, seed=3))
    losses = []
    theirs = matmul_products(monkeypatch, lambda: losses.append(loop(3)))
    assert sorted(theirs) == sorted(ours)
    # two implementations of the same run: the same epoch loss and the same parameters
    expected = bench_mlp.chainrule_epoch(net.copy(), X, y, CFG, seed=3)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    assert losses[0] == pytest.approx(expected, rel=tol)
    np.testing.assert_allclose(loop.theta, trained.params, rtol=10 * tol, atol=tol)
    assert loop.theta.dtype == dtype
    # each call starts again from the network's weights: another seed, another run
    assert loop(4) == pytest.approx(bench_mlp.chainrule_epoch(net.copy(), X, y, CFG, seed=4),
                                    rel=tol)
    assert loop(3) == losses[0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_loop_makes_the_numpy_loops_run_with_the_samematmul_products(monkeypatch, dtype):
    pytest.importorskip("numba")
    X, y = _data()
    X = X.astype(dtype)
    net = bench_mlp.chainrule_net(CFG["sizes"], dtype)
    loop = bench_mlp.numpy_loop_epoch(net, X, y, CFG)
    compiled = bench_mlp.compiled_loop_epoch(net, X, y, CFG)
    compiled(0)  # compiles the kernels for this dtype
    ours = matmul_products(monkeypatch, lambda: loop(3))
    losses = []
    theirs = matmul_products(monkeypatch, lambda: losses.append(compiled(3)))
    assert sorted(theirs) == sorted(ours)
    # the same operations element by element; only the order of the sums differs
    tol = 1e-6 if dtype == np.float32 else 1e-13
    assert losses[0] == pytest.approx(loop(3), rel=tol)
    np.testing.assert_allclose(compiled.theta, loop.theta, rtol=10 * tol, atol=tol)
    assert compiled.theta.dtype == dtype
    assert compiled(4) == pytest.approx(loop(4), rel=tol) and compiled(3) == losses[0]


def test_compiled_loop_stops_a_diverging_run_with_finite_parameters():
    pytest.importorskip("numba")
    X, y = _data()
    net = bench_mlp.chainrule_net(CFG["sizes"], X.dtype)
    epoch = bench_mlp.compiled_loop_epoch(net, X * 1e6, y, dict(CFG, lr=1e9))
    with pytest.raises(FloatingPointError, match=r"NaN or infinite at the step of examples \d+"):
        with np.errstate(over="ignore", invalid="ignore"):
            epoch(0)
    assert np.isfinite(epoch.theta).all()
    assert not np.array_equal(epoch.theta, net.params)  # the steps before it were kept


def test_epoch_bench_interleaves_peers_and_the_gemm_only_epoch():
    pytest.importorskip("sklearn")
    X, y = _data()
    res = bench_mlp._epoch_bench(X, y, CFG, repeats=2, peers=True, gemm=True)
    assert {"chainrule", "scikit-learn", "GEMM only", "NumPy loop",
            *bench_mlp.FLOOR_PARTS} <= set(res)
    for name, v in res.items():
        assert v["n"] == 2 and 0 < v["min"] <= v["median"] <= v["max"]
        if name in bench_mlp.FLOOR_PARTS:  # parts of an epoch, not peers
            assert "ratio" not in v
        elif name != "chainrule":
            assert v["ratio"] == pytest.approx(res["chainrule"]["median"] / v["median"])
    assert "epoch_loss" not in res["GEMM only"]
    assert np.isfinite(res["chainrule"]["epoch_loss"])
    # the NumPy loop made chainrule's run of the last repetition
    assert res["NumPy loop"]["epoch_loss"] == pytest.approx(res["chainrule"]["epoch_loss"],
                                                           rel=1e-6)
    # and so did the compiled loop, where numba is installed
    assert ("compiled loop" in res) == bench_mlp.have_numba()
    if "compiled loop" in res:
        assert res["compiled loop"]["epoch_loss"] == pytest.approx(
            res["chainrule"]["epoch_loss"], rel=1e-6)


def test_estimator_epoch_fits_each_mlpclassifier_with_its_defaults():
    """One epoch of each library's MLPClassifier: Adam, float32 data kept float32 by both."""
    sklearn = pytest.importorskip("sklearn.neural_network")
    import chainrule

    X, y = _data()
    losses = {cls: bench_mlp.estimator_epoch(cls, X, y, CFG, 0)
              for cls in (chainrule.MLPClassifier, sklearn.MLPClassifier)}
    # the same model and data: both start near log(4) for 4 balanced classes
    for loss in losses.values():
        assert np.isfinite(loss) and abs(loss - np.log(4)) < 0.5
    clf = chainrule.MLPClassifier((9, 7), batch_size=32, max_iter=1, random_state=0)
    assert clf.get_params()["solver"] == "adam" and clf.get_params()["dtype"] is None


@pytest.mark.parametrize("n", [200, 192])  # a short last batch, and none
def test_gather_epoch_gathers_each_batch_of_a_permutation(n):
    X, _ = _data(n)
    last = bench_mlp.gather_epoch(X, CFG["batch"], seed=5)(0)
    order = np.random.default_rng(5).permutation(n)
    k = n - (n - 1) // CFG["batch"] * CFG["batch"]
    np.testing.assert_array_equal(last[:k], X[order[-k:]])
    assert last.shape == (CFG["batch"], X.shape[1]) and last.dtype == X.dtype


def test_fused_step_epoch_moves_the_five_vectors_of_a_momentum_step():
    sizes, steps, lr = [784, 256, 128, 10], 7, 0.01
    net = bench_mlp.chainrule_net(sizes)
    n = net.n_params
    assert n == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    p, v = bench_mlp.fused_step_epoch(n, steps, np.float32, lr)(0)
    g = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    # v accumulated -lr g once per step (axpy), and p received v (the copy)
    np.testing.assert_allclose(v, -lr * steps * g.astype(np.float64), rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(p, v)
    assert p.dtype == v.dtype == np.float32


def _res(**medians: float) -> dict:
    return {k: {"median": v, "min": v, "max": v, "n": 1} for k, v in medians.items()}


def test_floor_reads_the_peer_targets_against_the_gemm_only_time():
    # scikit-learn 1.5 x the products: 0.6 x 1.5 = 0.9 x GEMM, below the products alone
    res = _res(chainrule=1.2, **{"scikit-learn": 1.5, "pytorch": 2.0, "GEMM only": 1.0})
    lines = run_all._floor(res)
    text = "\n".join(lines)
    assert "* chainrule: 1.20 x the GEMM-only time" in text
    assert "* scikit-learn: 1.50 x the GEMM-only time" in text
    sk = next(line for line in lines if "0.6 x scikit-learn" in line)
    assert "0.900 s = 0.90 x the GEMM-only time" in sk and "out of reach" in sk
    # 0.65 x 2.0 = 1.3 x GEMM: 30 % left for everything else, chainrule takes 20 %
    pt = next(line for line in lines if "0.65 x pytorch" in line)
    assert "1.300 s = 1.30 x" in pt and "leaves 30%" in pt and "chainrule takes 20%" in pt
    assert run_all._floor(_res(chainrule=1.0)) == []  # no GEMM-only row: nothing to say
    four = next(line for line in lines if "(4)" in line)
    assert "1.25 x the GEMM-only time (4) asks for an epoch of 1.250 s" in four
    assert "chainrule takes 1.200 s" in four and "NumPy loop" not in four


def test_floor_says_whether_the_plain_numpy_loop_meets_each_target():
    # the loop at 1.28 x GEMM: within 0.65 x pytorch (1.30), not 0.6 x sklearn (0.9) nor 1.25
    res = _res(chainrule=1.4, **{"scikit-learn": 1.5, "pytorch": 2.0, "GEMM only": 1.0,
                                 "NumPy loop": 1.28})
    lines = run_all._floor(res)
    assert "* NumPy loop: 1.28 x the GEMM-only time" in lines
    sk = next(line for line in lines if "0.6 x scikit-learn" in line)
    assert sk.endswith("the plain NumPy loop takes 1.280 s (1.28 x the GEMM-only time): "
                       "misses it too")
    pt = next(line for line in lines if "0.65 x pytorch" in line)
    assert pt.endswith("meets it")
    four = next(line for line in lines if "(4)" in line)
    assert "chainrule takes 1.400 s" in four and four.endswith("misses it too")
    # with the compiled loop at 1.15 x GEMM: it meets (4) and 0.65 x pytorch, not 0.6 x sklearn
    res["compiled loop"] = dict(res["chainrule"], median=1.15)
    lines = run_all._floor(res)
    assert "* compiled loop: 1.15 x the GEMM-only time" in lines
    sk = next(line for line in lines if "0.6 x scikit-learn" in line)
    assert sk.endswith("misses it too; the compiled loop takes 1.150 s (1.15 x the GEMM-only "
                       "time): misses it")
    for line in (next(li for li in lines if "0.65 x pytorch" in li),
                 next(li for li in lines if "(4)" in li)):
        assert line.endswith("the compiled loop takes 1.150 s (1.15 x the GEMM-only time): "
                             "meets it")


def test_floor_says_what_the_gather_and_a_fused_step_leave_of_each_target():
    # scikit-learn 2.0 x GEMM: 0.6 x 2.0 = 1.2 x, 20 % left; gather 5 % + step 7 % = 12 %
    res = _res(chainrule=1.3, **{"scikit-learn": 2.0, "pytorch": 1.6, "GEMM only": 1.0,
                                 "gather": 0.05, "fused step": 0.07})
    lines = run_all._floor(res)
    assert not any(line.startswith(("* gather:", "* fused step:")) for line in lines)
    parts = next(line for line in lines if "pays besides the products" in line)
    assert "batches, 5% of" in parts and "moves), 7%; 12% together" in parts
    sk = next(line for line in lines if "0.6 x scikit-learn" in line)
    assert "leaves 20% of" in sk and "after the gather and the fused step, 8% is left" in sk
    # 0.65 x 1.6 = 1.04 x GEMM: 4 % left, less than the 12 % the two parts take
    pt = next(line for line in lines if "0.65 x pytorch" in line)
    assert "leaves 4% of" in pt and "the gather and the fused step alone take more" in pt


def test_configurations_add_openblas_own_kernels_only_where_the_environment_forces_them():
    plain = {"PATH": "/bin", "OPENBLAS_NUM_THREADS": "1"}
    assert run_all.configurations(plain) == [("own", plain)]
    forced = {**plain, "OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"}
    (own, env_own), (kind, env_forced) = run_all.configurations(forced)
    assert (own, kind) == ("own", "forced")
    assert env_own == plain  # both kernel variables removed together, nothing else
    assert env_forced == forced
    assert run_all.configurations({"OPENBLAS_L2_SIZE": "512"})[0][1] == {}


def _run(kernels: list[str], mnist: dict, sk_mib: float = 10.0, ours_mib: float = 6.0,
         full_extra: dict | None = None) -> dict:
    full_extra = full_extra or {}

    def r(**kw):
        res = _res(**kw)
        for k in res:
            if k != "chainrule":
                res[k]["ratio"] = res["chainrule"]["median"] / res[k]["median"]
                res[k]["ratio_min"] = res["chainrule"]["min"] / res[k]["min"]
        return res

    return {
        "kernels": kernels, "mnist": r(**mnist),
        "digits": r(chainrule=2.0, **{"scikit-learn": 5.0}),
        "fullbatch/digits": r(chainrule=1.4, **{"scikit-learn": 2.0, **full_extra}),
        "fullbatch/mnist": r(chainrule=0.5, **{"scikit-learn": 2.0}),
        "memory": [{"impl": "chainrule", "above_data_mib": ours_mib,
                    "float32_input_not_copied": True},
                   {"impl": "scikit-learn", "above_data_mib": sk_mib}],
    }


def test_summary_reads_each_target_in_each_kernel_setting():
    own = _run(["SkylakeX"], {"chainrule": 0.5, "scikit-learn": 0.7, "pytorch": 1.0,
                              "GEMM only": 0.35, "NumPy loop": 0.42, "compiled loop": 0.4})
    forced = _run(["Haswell"], {"chainrule": 0.7, "scikit-learn": 0.85, "GEMM only": 0.57},
                  ours_mib=11.0)
    lines = run_all._summary([("own", own), ("forced", forced)])
    assert "(SkylakeX) | met |" in lines[0] and "forced by the environment (Haswell)" in lines[0]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    rows = {c[0]: c[2:] for c in cells}
    # 0.5 / 0.7 = 0.71 > 0.6; 0.7 / 0.85 = 0.82
    assert rows["(1) MNIST-shaped epoch / scikit-learn's"] == ["0.71", "**no**", "0.82", "**no**"]
    # PyTorch ran in one setting only: its other cells stay empty
    assert rows["(1) MNIST-shaped epoch / PyTorch's"] == ["0.50", "yes", "", ""]
    # 0.5 / 0.35 = 1.43; 0.7 / 0.57 = 1.23
    assert rows["(4) MNIST-shaped epoch / its products alone"] == ["1.43", "**no**", "1.23", "yes"]
    assert rows["(3) digits full-batch call / scikit-learn's"][:2] == ["0.70", "yes"]
    # the plain NumPy loop, timed in one setting only: 0.42 / 0.35 = 1.20
    loop = next(v for k, v in rows.items() if "NumPy loop" in k)
    assert loop == ["1.20", "yes", "", ""]
    # the compiled loop: 0.4 / 0.35 = 1.14 x its products, 0.4 / 0.7 = 0.57 x scikit-learn
    compiled = [v for k, v in rows.items() if "compiled" in k]
    assert compiled == [["1.14", "yes", "", ""], ["0.57", "yes", "", ""]]
    # and no such rows where no setting timed them
    assert not any("loop" in line for line in run_all._summary([("forced", forced)]))
    assert not any("objective" in line for line in lines)
    # the hand-written objective of (3), timed in one setting: 1.3 / 2.0 = 0.65
    own = _run(["SkylakeX"], {"chainrule": 0.5, "scikit-learn": 0.7},
               full_extra={"NumPy objective": 1.3})
    rows3 = [[c.strip() for c in line.strip("|").split("|")]
             for line in run_all._summary([("own", own), ("forced", forced)])
             if "NumPy objective" in line]
    assert rows3 == [[rows3[0][0], "0.7", "0.65", "yes", "", ""]]
    assert "digits call / scikit-learn's" in rows3[0][0]
    mem = next(v for k, v in rows.items() if k.startswith("(5)"))
    assert mem == ["6 vs 10 MiB", "yes", "11 vs 10 MiB", "**no**"]
    # the estimators' row only where they were timed, with no target to meet
    assert not any("MLPClassifier" in k for k in rows)
    own["estimators"] = _res(chainrule=0.75, **{"scikit-learn": 1.0})
    own["estimators"]["scikit-learn"]["ratio"] = 0.75
    lines = run_all._summary([("own", own), ("forced", forced)])
    est = [[c.strip() for c in line.strip("|").split("|")] for line in lines
           if "MLPClassifier" in line]
    assert len(est) == 1 and est[0][1:] == ["(none)", "0.75", "", "", ""]


def test_report_has_the_summary_and_one_section_per_kernel_setting():
    def full(kernels, env):
        run = _run(kernels, {"chainrule": 0.5, "scikit-learn": 0.7, "GEMM only": 0.35})
        run.update(mnist_default=run["mnist"], pools=["openblas (1 thread(s))"],
                   default_pools=["openblas (2 thread(s))"], torch_threads=None,
                   blas_env=env, load=[0.5, 0.7], minutes=1.5, date="2026-12-03 17:00 UTC")
        for key in ("mnist", "digits"):
            for v in run[key].values():
                v["epoch_loss"] = 2.3
        run["memory"][0]["peak_mib"] = run["memory"][1]["peak_mib"] = 300.0
        return run

    runs = [("own", full(["SkylakeX"], "none set")),
            ("forced", full(["Haswell"], "`OPENBLAS_CORETYPE=Haswell`"))]
    text = run_all.report(runs, repeats=7, threads=1, minutes=3.0)
    assert "python benchmarks/run_all.py --repeats 7 --threads 1" in text
    assert "## Summary" in text
    assert "## A. Kernels OpenBLAS picks for this CPU (SkylakeX)" in text
    assert "## B. Kernels forced by the environment (Haswell)" in text
    assert text.count("### A(") == 6 and text.count("### B(") == 6
    runs[0][1]["estimators"] = _run(["SkylakeX"], {"chainrule": 0.7, "scikit-learn": 1.0})[
        "mnist"]
    for v in runs[0][1]["estimators"].values():
        v["epoch_loss"] = 1.9
    text = run_all.report(runs, repeats=7, threads=1, minutes=3.0)
    assert text.count("### A(") == 7 and text.count("### B(") == 6
    assert "### A(1) as a practitioner runs it" in text
    assert "Mean training loss of the epoch: chainrule 1.9000, scikit-learn 1.9000." in text
    assert "removed in that process only" in text  # the kernels line of the header
    single = run_all.report(runs[:1], repeats=7, threads=1, minutes=1.5)
    assert "## B." not in single and "removed in that process only" not in single


@pytest.mark.parametrize(("script", "args", "message"), [
    ("bench_predict.py", ["--reps", "0"], "argument --reps: expected a positive integer, got '0'"),
    ("bench_predict.py", ["--rows", "-5"], "argument --rows: expected a positive integer"),
    ("bench_predict.py", ["--width", "0"], "argument --width: expected a positive integer"),
    ("bench_predict.py", ["--blocks", "1", "-1"],
     "argument --blocks: expected a block size in MiB, a finite number >= 0 (0: one block), "
     "got '-1'"),
    ("bench_predict.py", ["--blocks", "nan"], "argument --blocks: expected a block size"),
    ("bench_overheads.py", ["--reps", "0"],
     "argument --reps: expected a positive integer, got '0'"),
])
def test_new_scripts_refuse_bad_counts_before_measuring(script, args, message):
    """Not a traceback after the fit (no median of no repetitions, no empty X), nor a
    negative block size taken as it is: argparse's one-line error, exit 2."""
    import subprocess

    proc = subprocess.run([sys.executable, os.path.join(BENCH, script), *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize("impl", ["chainrule", "scikit-learn", "pytorch"])
def test_peak_memory_run_imports_nothing_and_counts_only_training(impl):
    """(5)'s "above data" is what training adds, not modules imported on first use.

    PyTorch's first optimizer step imports about 800 modules (82 MiB of resident
    memory); measured inside the epoch, they were most of PyTorch's figure.  In
    a fresh process, as bench_memory runs each implementation, the epoch must
    import nothing: a spy on the epoch function records sys.modules around each
    call (the warm-up's call, then the measured one).
    """
    import json
    import subprocess

    if impl == "pytorch":
        pytest.importorskip("torch")
    fn = {"chainrule": "chainrule_epoch", "scikit-learn": "sklearn_epoch",
          "pytorch": "torch_epoch"}[impl]
    code = f"""if True:
        import json, sys
        import bench_memory, bench_mlp
        real, calls = bench_mlp.{fn}, []
        def spy(*args, **kwargs):
            before = set(sys.modules)
            loss = real(*args, **kwargs)
            calls.append(len(set(sys.modules) - before))
            return loss
        bench_mlp.{fn} = spy
        out = bench_memory.measure({impl!r}, 1, n=600)
        print(json.dumps(dict(out, calls=calls)))
    """
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=BENCH, timeout=300, check=True)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(out["calls"]) == 2  # the tiny warm-up, then the measured epoch
    assert out["calls"][-1] == 0 == out["imported_during_run"]
    # 600 rows: the parameters, their gradient and velocity (0.9 MiB each) and a few
    # batch-sized buffers; PyTorch's imports alone were 82 MiB
    assert 0 < out["above_data_mib"] < 20


def test_bench_cnn_threads_apply_to_chainrules_blas_and_pytorch_alike(monkeypatch):
    """``bench_cnn.py --threads N`` gave PyTorch N threads and left chainrule's BLAS
    (NumPy's OpenBLAS) as it was: the ratio compared unequal thread counts."""
    torch = pytest.importorskip("torch")
    import bench_cnn
    from threadpoolctl import threadpool_info, threadpool_limits

    seen = []
    monkeypatch.setattr(bench_cnn, "bench", lambda name, repeats: seen.append(
        (torch.get_num_threads(), sorted({p["num_threads"] for p in threadpool_info()
                                          if p["user_api"] == "blas"}))))
    torch_threads, pools = torch.get_num_threads(), threadpool_info()
    with threadpool_limits(limits=None):  # whatever main sets is undone at the end
        monkeypatch.setattr(sys, "argv", ["bench_cnn.py", "--threads", "2", "--rows", "digits"])
        try:
            bench_cnn.main()
        finally:
            torch.set_num_threads(torch_threads)
    assert seen == [(2, [2])]  # the suite runs BLAS on one thread: 2 is a change
    assert threadpool_info() == pools  # and the rest of the suite keeps its threads
