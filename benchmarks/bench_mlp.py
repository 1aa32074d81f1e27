"""chainrule against scikit-learn and PyTorch on multilayer perceptrons (CPU).

Five timed measurements (peak memory is ``bench_memory.py``):

  mnist:    60,000 x 784 float32 inputs (uniform pixels, labels from a fixed
            random linear map, so the task is learnable), 784-256-128-10 ReLU,
            softmax cross-entropy, batch 128, SGD with momentum 0.9: seconds
            per epoch.
  digits:   the 8x8 digits (1,347 training images, float32), 64-100-10 ReLU,
            batch 64, same optimizer: seconds per epoch (per-step overhead).
  fullbatch: one cost-and-gradient call on the whole training set, the
            function L-BFGS calls: chainrule's (as chainrule.minimize hands it
            to SciPy) against scikit-learn's ``MLPClassifier._loss_grad_lbfgs``,
            on digits (float64) and on the MNIST-shaped data (float32); and
            the same call by a plain NumPy function written for this one
            network ("NumPy objective"): the floor for NumPy code.
  gemm:     the matrix products alone that one epoch of "mnist" must do (three
            forward, three weight-gradient and two input-gradient products per
            batch, same shapes and dtype, preallocated outputs): the BLAS
            ceiling.  "mnist" times it in its own interleaving (the "GEMM only"
            row), so that the epochs of all three are set against it in one
            run; "gemm" alone times it against chainrule without the peers.
            "mnist" also times, in the same interleaving, what any
            implementation pays besides the products: the gather of the
            shuffled batches ("gather") and one fused momentum step per batch,
            the least memory traffic a step can have ("fused step"); and the
            same run done by a plain NumPy loop written for this one network,
            with nothing a library adds ("NumPy loop"): the floor for NumPy
            code.  Where numba is installed, also the same loop with the passes
            between its products compiled, each stretch fused into one loop,
            and the divergence guard ("compiled loop"): what compiled kernels
            would gain (a reference; chainrule does not use numba).
  estimators: "mnist" as a practitioner runs it, beside the issue's targets:
            chainrule's and scikit-learn's ``MLPClassifier`` with their
            defaults (Adam, alpha 1e-4, each library's dtype handling), only
            the architecture, the batch of 128 and ``max_iter=1`` set.

Every measurement is interleaved (chainrule, peer, peer, chainrule, ...) over
several repetitions after one warm-up, so a busy machine slows all alike; each
reports the median, the min-max and the ratio of medians chainrule / peer
(below 1: chainrule is faster).  The number of BLAS / PyTorch threads is fixed
for every implementation alike (``--threads``, default 1: one core's work,
the steadiest figures on a shared machine; run_all.py also times (1) with each
library's default threads).

PyTorch starts from chainrule's initial weights and replays chainrule's
shuffling; in the epochs, scikit-learn draws its own initial weights (it has
no public way to set them before ``fit``) and its own shuffling.  In
"fullbatch" scikit-learn's objective is called at chainrule's initial weights
(the same cost and gradient): the time of its ReLU derivative depends on how
many units are inactive, 60 % at its own initial weights on digits and 49 % at
chainrule's.

    python benchmarks/bench_mlp.py [--repeats 7] [--threads 1] [--only mnist digits ...]
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import statistics
import time
import warnings
from collections.abc import Callable
from types import SimpleNamespace

import numpy as np
import scipy.linalg.blas

import chainrule as cr
from chainrule._threads import scipy_blas_single_thread

MNIST = dict(n=60_000, sizes=[784, 256, 128, 10], batch=128, lr=0.01, momentum=0.9)
# epochs: per repetition, each implementation trains this many epochs in one run (one
# ``train`` / ``fit`` call, its set-up paid once) and the figure is that run's time / epochs:
# an epoch of a few milliseconds is then timed free of the timer's jitter, and neither
# library's per-call set-up (checks, label encoding, initial weights) is counted once per epoch
DIGITS = dict(sizes=[64, 100, 10], batch=64, lr=0.05, momentum=0.9, epochs=10)
# What every implementation of an epoch of (1) pays besides its products, timed alongside the
# GEMM-only epoch: the gather of the shuffled batches and one fused momentum step per batch
# (the least memory traffic a step can have).  Parts of an epoch, not peers: no ratio.
FLOOR_PARTS = ("gather", "fused step")


# --- data --------------------------------------------------------------------------------------
def mnist_like(n: int = MNIST["n"], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Uniform [0, 1) float32 "pixels" and labels 0..9 from a fixed random linear map."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 784), dtype=np.float32)
    R = rng.standard_normal((784, 10)).astype(np.float32)
    y = np.argmax(X @ R - 0.5 * R.sum(axis=0), axis=1)  # centred without a copy of X
    return X, y


def digits(dtype: type = np.float32) -> tuple[np.ndarray, np.ndarray]:
    d = cr.datasets.load_digits_split(validation_size=0, seed=0, dtype=dtype)
    return d.X_train, d.y_train


# --- threads -----------------------------------------------------------------------------------
def limit_threads(n: int, peers: tuple[str, ...] = ("scikit-learn", "pytorch")) -> object:
    """Limit BLAS / OpenMP threads to ``n`` for this process, PyTorch's too; returns the limiter.

    The peers' libraries are imported first, since the limit covers the loaded ones.
    """
    import importlib

    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_limits

    if "scikit-learn" in peers:
        importlib.import_module("sklearn.neural_network")
    if "pytorch" in peers:
        try:
            import torch

            torch.set_num_threads(n)
        except ImportError:
            pass
    return threadpool_limits(limits=n)


def blas_info() -> list[str]:
    """The thread pools loaded in this process: library, version, kernels, threads."""
    from threadpoolctl import threadpool_info

    return [f"{p.get('internal_api')} {p.get('version') or ''}"
            + (f" {p['architecture']} kernels" if p.get("architecture") else "")
            + f" ({p.get('num_threads')} thread(s), {os.path.basename(p.get('filepath', ''))})"
            for p in threadpool_info()]


def blas_kernels() -> list[str]:
    """The kernel sets (architectures) of the OpenBLAS copies loaded in this process."""
    from threadpoolctl import threadpool_info

    return sorted({p["architecture"] for p in threadpool_info()
                   if p.get("internal_api") == "openblas" and p.get("architecture")})


def have_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def positive_int(text: str) -> int:
    """argparse type of ``--repeats`` and ``--threads``: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


# --- one epoch of each implementation ----------------------------------------------------------
def chainrule_net(sizes: list[int], dtype: type = np.float32) -> cr.Network:
    return cr.mlp(sizes, hidden="relu", output="softmax", seed=0, dtype=dtype)


def chainrule_epoch(net: cr.Network, X, y, cfg: dict, seed: int, epochs: int = 1) -> float:
    """``epochs`` epochs of mini-batch SGD with momentum in one ``train`` call.

    Returns the last epoch's mean loss.
    """
    hist = cr.train(net, X, y, optimizer="sgd", lr=cfg["lr"], momentum=cfg["momentum"],
                    batch_size=cfg["batch"], epochs=epochs, seed=seed)
    return hist["loss"][-1]


def sklearn_epoch(X, y, cfg: dict, seed: int, epochs: int = 1) -> float:
    """``epochs`` epochs of scikit-learn's SGD with momentum in one ``fit``; the last one's loss."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=tuple(cfg["sizes"][1:-1]), activation="relu", solver="sgd",
        alpha=0.0, batch_size=cfg["batch"], learning_rate_init=cfg["lr"],
        momentum=cfg["momentum"], nesterovs_momentum=False, max_iter=epochs, shuffle=True,
        random_state=seed, tol=0.0, n_iter_no_change=10**9,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    return float(clf.loss_curve_[-1])


def estimator_epoch(cls: type, X, y, cfg: dict, seed: int) -> float:
    """One epoch of an ``MLPClassifier`` (chainrule's or scikit-learn's) with its defaults.

    Only the architecture, the batch size and ``max_iter=1`` are set: the
    solver (Adam), ``alpha`` (1e-4), learning rate and dtype handling are each
    library's defaults, as a practitioner meets them.  Returns the epoch's loss.
    """
    from sklearn.exceptions import ConvergenceWarning

    clf = cls(hidden_layer_sizes=tuple(cfg["sizes"][1:-1]), batch_size=cfg["batch"],
              max_iter=1, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    return float(clf.loss_curve_[-1])


def torch_model(net: cr.Network):
    """The same MLP in torch.nn with chainrule's weights copied in (logits out)."""
    import torch

    modules = []
    for i, layer in enumerate(net.layers):
        lin = torch.nn.Linear(layer.n_in, layer.n_out)
        lin.weight.data = torch.from_numpy(layer.W.T.copy())
        lin.bias.data = torch.from_numpy(layer.b.copy())
        modules.append(lin)
        if i < len(net.layers) - 1:
            modules.append(torch.nn.ReLU())
    return torch.nn.Sequential(*modules)


def torch_epoch(model, Xt, yt, cfg: dict, seed: int, epochs: int = 1) -> float:
    """``epochs`` epochs in PyTorch over chainrule's permutations for ``seed``.

    chainrule draws each epoch's permutation from ``default_rng(seed)`` in turn;
    this replays them.  Returns the last epoch's mean loss.
    """
    import torch

    rng = np.random.default_rng(seed)
    opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=cfg["momentum"])
    loss_fn = torch.nn.CrossEntropyLoss()
    bs = cfg["batch"]
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(Xt.shape[0]))
        total = 0.0
        for start in range(0, Xt.shape[0], bs):
            idx = order[start:start + bs]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += float(loss.detach()) * idx.shape[0]
    return total / Xt.shape[0]


def _loop_state(net: cr.Network, X: np.ndarray, cfg: dict, gather: bool = True) -> SimpleNamespace:
    """What both hand-written loops of (1) set up once: flat vectors, their views, buffers.

    ``theta`` (parameters), ``grad`` and ``v`` (velocity) are flat vectors in
    chainrule's order (``W1, b1, W2, b2, ...``); ``Ws``, ``bs``, ``dWs`` and ``dbs``
    are views into them.  ``by_size[m]`` holds the buffers of a batch of ``m``
    rows: the gathered inputs, each layer's output (Z, then A in place), the
    hidden layers' input gradients, and what the NumPy forms need (ReLU masks,
    arrays of zeros and ones, row indices); without ``gather`` (a full batch
    read from ``X`` itself), no buffer for the gathered inputs.
    """
    dtype = X.dtype
    n, batch = X.shape[0], cfg["batch"]
    theta0 = net.params.astype(dtype)
    st = SimpleNamespace(theta0=theta0, theta=theta0.copy(), grad=np.zeros_like(theta0),
                         v=np.zeros_like(theta0),
                         shapes=[(layer.n_in, layer.n_out) for layer in net.layers],
                         Ws=[], bs=[], dWs=[], dbs=[])
    offset = 0
    for fan_in, fan_out in st.shapes:  # views into the flat vectors, chainrule's layout
        k = fan_in * fan_out
        st.Ws.append(st.theta[offset:offset + k].reshape(fan_in, fan_out))
        st.dWs.append(st.grad[offset:offset + k].reshape(fan_in, fan_out))
        st.bs.append(st.theta[offset + k:offset + k + fan_out])
        st.dbs.append(st.grad[offset + k:offset + k + fan_out])
        offset += k + fan_out

    def buffers(m: int) -> dict:
        hidden = [(m, b) for _, b in st.shapes[:-1]]
        return {"x": np.empty((m, X.shape[1]) if gather else (0, X.shape[1]), dtype),
                "ones": np.ones(m, dtype),
                "A": [np.empty((m, b), dtype) for _, b in st.shapes],  # Z, then A in place
                "dA": [np.empty(h, dtype) for h in hidden],
                "mask": [np.empty(h, np.uint8) for h in hidden],
                # NumPy's max against an array of zeros takes its SIMD loop, not the scalar 0
                "zeros": [np.zeros(h, dtype) for h in hidden],
                "rows": np.arange(m), "ones_k": np.ones(st.shapes[-1][1], dtype)}

    st.by_size = {m: buffers(m) for m in {min(batch, n - s) for s in range(0, n, batch)}}
    return st


def _numpy_loss_grad(st: SimpleNamespace, B: dict, x: np.ndarray, labels: np.ndarray) -> float:
    """One batch by hand: forward, softmax cross-entropy, backward into ``st.grad``.

    ``st`` is :func:`_loop_state`'s (parameters ``st.Ws``, ``st.bs``; gradients
    written into ``st.dWs``, ``st.dbs``), ``B`` the buffers of this batch size,
    ``x`` the batch (m, n_features) and ``labels`` its classes (m,).  The
    gradient is that of the batch's mean loss; returns the batch's summed loss.
    """
    Ws, bs, dWs, dbs, n_layers = st.Ws, st.bs, st.dWs, st.dbs, len(st.shapes)
    m = x.shape[0]
    inputs = [x, *B["A"][:-1]]
    for i, (a, W, b, A) in enumerate(zip(inputs, Ws, bs, B["A"], strict=True)):
        np.matmul(a, W, out=A)
        A += b
        if i < n_layers - 1:
            np.maximum(A, B["zeros"][i], out=A)
    Z = B["A"][-1]  # logits -> softmax probabilities -> dJ/dZ, in place
    Z -= Z.max(axis=1, keepdims=True)
    picked = Z[B["rows"], labels]
    np.exp(Z, out=Z)
    s = Z @ B["ones_k"]  # row sums of the logits as a BLAS product
    total = float(np.log(s).sum() - picked.sum())
    Z /= s[:, None]
    Z[B["rows"], labels] -= 1
    delta = Z
    delta /= m
    for i in range(n_layers - 1, -1, -1):
        np.matmul(inputs[i].T, delta, out=dWs[i])
        np.matmul(B["ones"], delta, out=dbs[i])
        if i:
            dA = np.matmul(delta, Ws[i].T, out=B["dA"][i - 1])
            mask = B["mask"][i - 1]  # 1 where the unit was active, as bytes
            np.greater(inputs[i], 0, out=mask.view(bool))
            delta = np.multiply(dA, mask, out=dA)
    return total


def numpy_loop_epoch(net: cr.Network, X: np.ndarray, y: np.ndarray,
                     cfg: dict) -> Callable[[int], float]:
    """A plain NumPy epoch of the same MLP: the floor for NumPy code (``rep`` is the seed).

    Written for this one architecture (ReLU hidden layers, softmax output,
    cross-entropy, SGD with momentum ``v <- mu v + g``, ``w <- w - lr v``) with
    none of what a library adds: no input checks, no divergence guard, no
    per-example losses or accuracy count, no error-state or buffer blocks.  It
    does the same products as chainrule's step, into buffers allocated once,
    with the activations in place, the same NumPy forms as chainrule where
    they are the fast ones (ReLU against an array of zeros, its mask read as
    bytes, row sums as BLAS products with ones), and the step as SciPy BLAS
    ``scal`` and ``axpy`` on one flat parameter vector.  Each call starts from ``net``'s
    weights with zero velocity and replays chainrule's shuffling for the seed
    ``rep``, as PyTorch does here: the same run as ``chainrule_epoch``.

    Returns a function ``epoch(rep) -> mean loss of the epoch``; the parameters
    after the call, a flat vector in chainrule's order (``W1, b1, W2, b2, ...``),
    are the function's ``theta`` attribute.
    """
    st = _loop_state(net, X, cfg)
    theta, v = st.theta, st.v
    n, batch, lr, mu = X.shape[0], cfg["batch"], cfg["lr"], cfg["momentum"]
    scal, axpy = scipy.linalg.blas.get_blas_funcs(("scal", "axpy"), dtype=X.dtype)

    def epoch(rep: int) -> float:
        np.copyto(theta, st.theta0)
        v.fill(0)
        order = np.random.default_rng(rep).permutation(n)
        total = 0.0
        with scipy_blas_single_thread():
            for start in range(0, n, batch):
                idx = order[start:start + batch]
                B = st.by_size[idx.shape[0]]
                x = X.take(idx, axis=0, out=B["x"], mode="clip")
                total += _numpy_loss_grad(st, B, x, y[idx])
                scal(mu, v)
                axpy(st.grad, v)
                axpy(v, theta, a=-lr)
        return total / n

    epoch.theta = theta
    return epoch


def numpy_objective(net: cr.Network, X: np.ndarray,
                    y: np.ndarray) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """A plain NumPy ``theta -> (J, grad)`` of the same MLP on all of ``X``: the floor of (3).

    The full-batch twin of :func:`numpy_loop_epoch`: the same hand-written
    forward and backward (:func:`_numpy_loss_grad`), with nothing a library
    adds, called as SciPy calls chainrule's objective (``theta`` float64 in
    chainrule's order ``W1, b1, W2, b2, ...``, written into the parameters in
    the data's dtype; ``grad`` returned as a new float64 vector).  ``net`` gives
    the architecture only.
    """
    st = _loop_state(net, X, {"batch": X.shape[0]}, gather=False)
    B, n = st.by_size[X.shape[0]], X.shape[0]

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        np.copyto(st.theta, theta, casting="same_kind")
        J = _numpy_loss_grad(st, B, X, y) / n
        return J, st.grad.astype(np.float64)

    return fun


def have_numba() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


@functools.lru_cache(maxsize=1)
def _compiled_passes() -> SimpleNamespace:
    """The passes between the products of the NumPy loop, each one compiled loop (numba).

    Each function does in one pass over its arrays what the NumPy loop does in
    several NumPy calls (each a pass of its own), element by element in the
    same order of operations.  Sums may be reordered (so that they vectorise);
    no multiply-add is fused.  ``zero`` is a 0 of the arrays' dtype, so that
    nothing is promoted to float64.
    """
    import numba

    jit = numba.njit(cache=False)
    jit_sums = numba.njit(cache=False, fastmath={"reassoc"})

    @jit
    def bias_relu(Z, b, zero):
        """``Z <- max(Z + b, 0)`` in place (a NaN stays NaN, as with np.maximum)."""
        for r in range(Z.shape[0]):
            for j in range(Z.shape[1]):
                t = Z[r, j] + b[j]
                Z[r, j] = zero if t < zero else t

    @jit
    def bias_add(Z, b):
        for r in range(Z.shape[0]):
            for j in range(Z.shape[1]):
                Z[r, j] += b[j]

    @jit
    def softmax_ce_delta(Z, labels, m, zero):
        """Logits -> ``(softmax - one-hot) / m`` in place; returns the sum of the losses."""
        total = 0.0
        for r in range(Z.shape[0]):
            row = Z[r]
            top = row.max()
            for j in range(row.shape[0]):
                row[j] -= top
            picked = row[labels[r]]
            s = zero
            for j in range(row.shape[0]):
                e = np.exp(row[j])
                row[j] = e
                s += e
            total += np.log(s) - picked
            for j in range(row.shape[0]):
                row[j] /= s
            row[labels[r]] -= 1
            for j in range(row.shape[0]):
                row[j] /= m
        return total

    @jit
    def relu_backward(dA, A, zero):
        """``dA <- dA * (A > 0)`` in place: the ReLU's derivative read from its output."""
        for r in range(dA.shape[0]):
            for j in range(dA.shape[1]):
                if not A[r, j] > zero:
                    dA[r, j] = zero

    @jit_sums
    def column_sums(D, out, zero):
        """``out <- D.sum(axis=0)``: the bias gradient."""
        for j in range(D.shape[1]):
            out[j] = zero
        for r in range(D.shape[0]):
            for j in range(D.shape[1]):
                out[j] += D[r, j]

    @jit_sums
    def guarded_step(theta, v, grad, last, mu, lr, zero):
        """``last <- theta; v <- mu v + grad; theta <- theta - lr v``; returns ``theta . theta``.

        One pass: the copy of the last good parameters and the sum of squares
        of the divergence guard ride along with the momentum step.
        """
        total = zero
        for i in range(theta.shape[0]):
            t = theta[i]
            last[i] = t
            vi = mu * v[i] + grad[i]
            v[i] = vi
            t = t - lr * vi
            theta[i] = t
            total += t * t
        return total

    return SimpleNamespace(bias_relu=bias_relu, bias_add=bias_add,
                           softmax_ce_delta=softmax_ce_delta, relu_backward=relu_backward,
                           column_sums=column_sums, guarded_step=guarded_step)


def compiled_loop_epoch(net: cr.Network, X: np.ndarray, y: np.ndarray,
                        cfg: dict) -> Callable[[int], float]:
    """The NumPy loop with its passes between the products compiled and fused (needs numba).

    What NumPy code cannot do: the same products as :func:`numpy_loop_epoch`
    (NumPy's BLAS, the same buffers, the same run), but each stretch of work
    between two products is one compiled loop over its arrays instead of
    several NumPy calls: bias + ReLU; softmax + loss + output delta; ReLU
    derivative; bias gradient; and momentum + step, which here also keeps a copy
    of the last good parameters and the sum of squares of the new ones, the
    divergence guard the NumPy loop leaves out.  A reference for what compiled
    kernels would gain, not part of chainrule (whose dependencies are NumPy and
    SciPy).  The first call compiles the kernels (about a second).

    It makes the NumPy loop's run up to rounding (its step rounds the multiply
    and the add apart where BLAS ``axpy`` fuses them; its sums are
    reassociated).  Over a long run such a last-bit difference can give a
    pre-activation within about 1e-8 of zero the other sign, where the ReLU's
    derivative jumps: from there on the two runs differ by more than rounding
    (see the README, "What compiled code does").

    Returns a function ``epoch(rep) -> mean loss of the epoch``; its ``theta``
    attribute holds the parameters after the call.  If a step makes a
    parameter NaN or infinite, the parameters before that step are put back
    and ``FloatingPointError`` is raised.
    """
    k = _compiled_passes()
    st = _loop_state(net, X, cfg)
    theta, grad, v, shapes = st.theta, st.grad, st.v, st.shapes
    Ws, bs, dWs, dbs = st.Ws, st.bs, st.dWs, st.dbs
    last = np.empty_like(theta)
    dt = X.dtype.type
    n, batch, lr, mu, zero = X.shape[0], cfg["batch"], dt(cfg["lr"]), dt(cfg["momentum"]), dt(0)
    labels_all = np.asarray(y, dtype=np.intp)

    def epoch(rep: int) -> float:
        np.copyto(theta, st.theta0)
        v.fill(0)
        order = np.random.default_rng(rep).permutation(n)
        total = 0.0
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            m = idx.shape[0]
            B = st.by_size[m]
            x = X.take(idx, axis=0, out=B["x"], mode="clip")
            inputs = [x, *B["A"][:-1]]
            for i, (a, W, b, A) in enumerate(zip(inputs, Ws, bs, B["A"], strict=True)):
                np.matmul(a, W, out=A)
                if i < len(shapes) - 1:
                    k.bias_relu(A, b, zero)
                else:
                    k.bias_add(A, b)
            delta = B["A"][-1]
            total += k.softmax_ce_delta(delta, labels_all[idx], dt(m), zero)
            for i in range(len(shapes) - 1, -1, -1):
                np.matmul(inputs[i].T, delta, out=dWs[i])
                k.column_sums(delta, dbs[i], zero)
                if i:
                    delta = np.matmul(delta, Ws[i].T, out=B["dA"][i - 1])
                    k.relu_backward(delta, inputs[i], zero)
            if not np.isfinite(k.guarded_step(theta, v, grad, last, mu, lr, zero)) \
                    and not np.isfinite(theta).all():  # (a sum of squares may overflow)
                np.copyto(theta, last)
                raise FloatingPointError(f"the parameters became NaN or infinite at the step "
                                         f"of examples {start}..{start + m - 1}")
        return total / n

    epoch.theta = theta
    return epoch


# --- timing ------------------------------------------------------------------------------------
def interleave(fns: dict[str, Callable[[int], object]], repeats: int,
               calls: int = 1) -> dict[str, list[float]]:
    """Run each function in turn, ``calls`` times per repetition (order alternating).

    Returns the seconds per call of each repetition.  Repetition 0 warms up
    (caches, lazy imports, buffers) and is not counted.  For calls of a few
    milliseconds, timing a block of ``calls`` of them keeps the timer's and the
    scheduler's jitter out of the figures.
    """
    times: dict[str, list[float]] = {k: [] for k in fns}
    names = list(fns)
    for rep in range(repeats + 1):
        for name in names if rep % 2 == 0 else names[::-1]:
            fn = fns[name]
            t0 = time.perf_counter()
            for _ in range(calls):
                fn(rep)
            dt = (time.perf_counter() - t0) / calls
            if rep:
                times[name].append(dt)
    return times


def summary(times: dict[str, list[float]], ours: str = "chainrule") -> dict:
    """Median, min and max of each, and the ratios ours / each peer of medians and of minima.

    The ratio of minima compares the least disturbed repetitions (on a shared
    machine, the closest to what the code itself costs).
    """
    out = {k: {"median": statistics.median(v), "min": min(v), "max": max(v), "n": len(v)}
           for k, v in times.items()}
    for k in times:
        if k != ours and k not in FLOOR_PARTS:  # parts of an epoch are no peer
            out[k]["ratio"] = out[ours]["median"] / out[k]["median"]
            out[k]["ratio_min"] = out[ours]["min"] / out[k]["min"]
    return out


def print_summary(title: str, res: dict, unit: str = "s") -> None:
    print(title)
    scale = 1e3 if unit == "ms" else 1.0
    for k, v in res.items():
        ratio = (f"   chainrule / {k}: {v['ratio']:.2f} (minima: {v['ratio_min']:.2f})"
                 if "ratio" in v else "")
        print(f"  {k:<22} {v['median'] * scale:9.4f} {unit}  (min {v['min'] * scale:.4f}, "
              f"max {v['max'] * scale:.4f}){ratio}")


# --- the measurements --------------------------------------------------------------------------
def _epoch_bench(X, y, cfg: dict, repeats: int, peers: bool = True,
                 gemm: bool = False, epochs: int = 1) -> dict:
    """Interleaved epochs of chainrule and its peers (and the GEMM-only epoch of (4)).

    Each repetition runs ``epochs`` epochs per implementation in one run (one
    ``train`` / ``fit`` call, one model); the figures are seconds per epoch.
    """
    if gemm and epochs != 1:
        raise ValueError("the GEMM-only epoch and the loops time one epoch per repetition")
    net0 = chainrule_net(cfg["sizes"], X.dtype)
    losses: dict[str, float] = {}

    def ours(rep: int) -> None:
        losses["chainrule"] = chainrule_epoch(net0.copy(), X, y, cfg, rep, epochs)

    fns = {"chainrule": ours}
    if peers:
        fns["scikit-learn"] = lambda rep: losses.__setitem__(
            "scikit-learn", sklearn_epoch(X, y, cfg, rep, epochs))
        if have_torch():
            import torch

            Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
            fns["pytorch"] = lambda rep: losses.__setitem__(
                "pytorch", torch_epoch(torch_model(net0), Xt, yt, cfg, rep, epochs))
    if gemm:  # the matrix products alone, in the same run: the floor of every epoch time
        epoch = gemm_epoch(X.shape[0], cfg["sizes"], cfg["batch"], X.dtype)
        fns["GEMM only"] = epoch
        # the floor of NumPy code: the same run by a plain loop with nothing but the step
        loop = numpy_loop_epoch(net0, X, y, cfg)
        fns["NumPy loop"] = lambda rep: losses.__setitem__("NumPy loop", loop(rep))
        if have_numba():  # and what compiled passes between the products would do
            compiled = compiled_loop_epoch(net0, X, y, cfg)
            fns["compiled loop"] = lambda rep: losses.__setitem__("compiled loop", compiled(rep))
        # and what every implementation pays besides them (FLOOR_PARTS)
        steps = -(-X.shape[0] // cfg["batch"])
        n_params = sum(a * b + b for a, b in itertools.pairwise(cfg["sizes"]))
        fns["gather"] = gather_epoch(X, cfg["batch"])
        fns["fused step"] = fused_step_epoch(n_params, steps, X.dtype, cfg["lr"])
    times = interleave(fns, repeats)
    res = summary({k: [t / epochs for t in v] for k, v in times.items()})
    for k, v in res.items():
        if k in losses:
            v["epoch_loss"] = losses[k]
    return res


def bench_mnist(repeats: int, peers: bool = True, gemm: bool = True) -> dict:
    """(1), with the GEMM-only epoch of (4) in the same interleaving (``gemm``)."""
    X, y = mnist_like()
    res = _epoch_bench(X, y, MNIST, repeats, peers, gemm)
    print_summary(f"(1) MNIST-shaped MLP {MNIST['sizes']}, {X.shape[0]} x {X.shape[1]} "
                  f"{X.dtype}, batch {MNIST['batch']}: seconds per epoch", res)
    return res


def bench_digits(repeats: int, peers: bool = True) -> dict:
    X, y = digits(np.float32)
    res = _epoch_bench(X, y, DIGITS, repeats, peers, epochs=DIGITS["epochs"])
    print_summary(f"(2) digits MLP {DIGITS['sizes']}, {X.shape[0]} x {X.shape[1]} {X.dtype}, "
                  f"batch {DIGITS['batch']}: seconds per epoch", res, "ms")
    return res


def bench_estimators(repeats: int) -> dict:
    """(1) as a practitioner runs it: the two ``MLPClassifier`` with their defaults (Adam)."""
    from sklearn.neural_network import MLPClassifier

    X, y = mnist_like()
    losses: dict[str, float] = {}
    fns = {name: (lambda rep, name=name, cls=cls: losses.__setitem__(
        name, estimator_epoch(cls, X, y, MNIST, rep)))
        for name, cls in (("chainrule", cr.MLPClassifier), ("scikit-learn", MLPClassifier))}
    res = summary(interleave(fns, repeats))
    for k, v in res.items():
        v["epoch_loss"] = losses[k]
    print_summary(f"(1) with the estimators' defaults (Adam, alpha 1e-4), MNIST-shaped "
                  f"{MNIST['sizes']}, batch {MNIST['batch']}: seconds per epoch", res)
    return res


def chainrule_objective(net: cr.Network, X, y) -> Callable[[np.ndarray], tuple]:
    """The ``theta -> (J, grad)`` function chainrule.minimize hands to SciPy."""
    from chainrule.scipy_fit import _objective

    Xc, Yc = net._check_xy(X, y)
    return _objective(net, Xc, Yc)


def sklearn_objective(X, y, sizes: list[int]) -> tuple[Callable[[np.ndarray], tuple], np.ndarray]:
    """scikit-learn's L-BFGS objective ``_loss_grad_lbfgs`` with its work arrays, and theta0.

    ``theta0`` has the dtype that scikit-learn's own L-BFGS solver hands that
    function on data of ``X``'s dtype (float32 for float32 data), recorded from a
    short fit: a float64 ``theta`` would make every product of the call a
    float64 product on a float64 copy of ``X``, a path its solver never takes.
    The one-hot targets have the dtype its solver hands it too (bool: its loss
    and output delta then mix bool and float arrays), recorded from the same fit.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.neural_network._multilayer_perceptron import _pack

    clf = MLPClassifier(hidden_layer_sizes=tuple(sizes[1:-1]), activation="relu",
                        solver="lbfgs", alpha=0.0, max_iter=1, random_state=0)
    solver_dtypes, target_dtypes = [], []
    objective = clf._loss_grad_lbfgs

    def spy(theta: np.ndarray, X_: np.ndarray, Y_: np.ndarray, *args: object) -> tuple:
        solver_dtypes.append(theta.dtype)
        target_dtypes.append(Y_.dtype)
        return objective(theta, X_, Y_, *args)

    clf._loss_grad_lbfgs = spy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X[:50], y[:50] if len(np.unique(y[:50])) == 10 else np.arange(50) % 10)
    del clf._loss_grad_lbfgs
    if len(set(solver_dtypes)) != 1 or len(set(target_dtypes)) != 1:
        raise RuntimeError(f"scikit-learn's L-BFGS passed theta as {solver_dtypes} and the "
                           f"targets as {target_dtypes}")
    Y = clf._label_binarizer.transform(y).astype(target_dtypes[0])
    layers = [X.shape[1], *sizes[1:-1], Y.shape[1]]
    activations = [X] + [None] * (len(layers) - 1)
    deltas = [None] * (len(layers) - 1)
    coef_grads = [np.empty((a, b), dtype=X.dtype) for a, b in itertools.pairwise(layers)]
    intercept_grads = [np.empty(b, dtype=X.dtype) for b in layers[1:]]
    theta0 = _pack(clf.coefs_, clf.intercepts_).astype(solver_dtypes[0])

    def fun(theta: np.ndarray) -> tuple:
        return clf._loss_grad_lbfgs(theta, X, Y, None, activations, deltas, coef_grads,
                                    intercept_grads)

    return fun, theta0


def fullbatch_pair(X, y, sizes: list[int]) -> tuple[Callable, np.ndarray, Callable, np.ndarray]:
    """chainrule's and scikit-learn's ``theta -> (J, grad)`` and the theta each is called at.

    Both thetas hold chainrule's initial weights, each in its library's layout
    (chainrule: ``W1, b1, W2, b2, ...`` in float64, as SciPy hands it;
    scikit-learn: all weights, then all biases, in the dtype its solver uses),
    so that both compute the same cost and gradient.
    """
    from sklearn.neural_network._multilayer_perceptron import _pack

    net = chainrule_net(sizes, X.dtype)
    ours = chainrule_objective(net, X, y)
    theirs, theta_sk = sklearn_objective(X, y, sizes)
    theta_sk = _pack([layer.W for layer in net.layers],
                     [layer.b for layer in net.layers]).astype(theta_sk.dtype)
    return ours, net.params.astype(np.float64), theirs, theta_sk


def bench_fullbatch(repeats: int) -> dict:
    out = {}
    for name, (X, y), sizes, calls in (("digits", digits(np.float64), DIGITS["sizes"], 40),
                                       ("mnist", mnist_like(), MNIST["sizes"], 1)):
        ours, theta, theirs, theta_sk = fullbatch_pair(X, y, sizes)
        floor = numpy_objective(chainrule_net(sizes, X.dtype), X, y)
        res = summary(interleave({"chainrule": lambda rep, f=ours, t=theta: f(t),
                                  "scikit-learn": lambda rep, f=theirs, t=theta_sk: f(t),
                                  "NumPy objective": lambda rep, f=floor, t=theta: f(t)},
                                 repeats, calls))
        print_summary(f"(3) full-batch cost + gradient, {name} {sizes}, {X.shape[0]} x "
                      f"{X.shape[1]} {X.dtype}: seconds per call", res, "ms")
        out[name] = res
    return out


def gemm_epoch(n: int, sizes: list[int], batch: int, dtype: type = np.float32):
    """A function doing exactly the matrix products of one epoch, into preallocated outputs."""
    rng = np.random.default_rng(0)
    X = rng.random((batch, sizes[0]), dtype=dtype)
    Ws = [rng.random((a, b), dtype=dtype) for a, b in itertools.pairwise(sizes)]
    bounds = [(s, min(s + batch, n)) for s in range(0, n, batch)]

    def bufs(m: int) -> tuple:
        As = [np.empty((m, b), dtype=dtype) for b in sizes[1:]]
        dX = [np.empty((m, a), dtype=dtype) for a in sizes[1:-1]]
        return As, dX

    by_size = {m: bufs(m) for m in {e - s for s, e in bounds}}
    dWs = [np.empty_like(W) for W in Ws]

    def epoch(rep: int = 0) -> None:
        for s, e in bounds:
            m = e - s
            As, dX = by_size[m]
            x = X[:m]
            inputs = [x, *As[:-1]]
            for A_in, W, A in zip(inputs, Ws, As, strict=True):  # forward
                np.matmul(A_in, W, out=A)
            for A_in, D, dW in zip(inputs, As, dWs, strict=True):  # weight gradients (deltas ~ As)
                np.matmul(A_in.T, D, out=dW)
            for i in range(len(Ws) - 1, 0, -1):  # input gradients, not for the first layer
                np.matmul(As[i], Ws[i].T, out=dX[i - 1])

    return epoch


def gather_epoch(X: np.ndarray, batch: int, seed: int = 0) -> Callable[[int], np.ndarray]:
    """A function that gathers every mini-batch of one shuffled epoch of ``X`` into one buffer.

    The gather of (1) alone, as training does it (``take`` into a reused
    buffer): reading 128 random rows out of the 184 MiB input, which every
    implementation of a shuffled epoch pays.  Returns the buffer after the last
    batch, whose first ``k`` rows (``k`` the size of the last batch) are
    ``X[default_rng(seed).permutation(n)[-k:]]``.
    """
    n = X.shape[0]
    order = np.random.default_rng(seed).permutation(n)
    buf = np.empty((batch, *X.shape[1:]), dtype=X.dtype)

    def epoch(rep: int = 0) -> np.ndarray:
        for start in range(0, n, batch):
            rows = order[start:start + batch]
            X.take(rows, axis=0, out=buf[:rows.shape[0]], mode="clip")
        return buf

    return epoch


def fused_step_epoch(n: int, steps: int, dtype: type = np.float32,
                     lr: float = 0.01) -> Callable[[int], tuple[np.ndarray, np.ndarray]]:
    """A function moving, ``steps`` times, the bytes of one fused momentum step over ``n`` values.

    The least any momentum step can move: one loop computing
    ``v <- mu v - lr g; p <- p + v`` reads ``g``, ``v`` and ``p`` and writes ``v`` and
    ``p``, five vectors.  Timed here as BLAS ``axpy`` ``v <- v - lr g`` (reads two,
    writes one) and a copy ``p <- v`` (reads one, writes one): the same five
    vectors.  SciPy's own BLAS runs on one thread meanwhile, as in chainrule's training
    loop (its pool and NumPy's would otherwise wait for each other's spinning workers).
    Returns ``(p, v)`` after the last step (both ``-lr steps g``).
    """
    rng = np.random.default_rng(0)
    g = rng.standard_normal(n).astype(dtype)
    v = np.zeros(n, dtype=dtype)
    p = np.empty(n, dtype=dtype)
    axpy = scipy.linalg.blas.get_blas_funcs("axpy", dtype=np.dtype(dtype))

    def epoch(rep: int = 0) -> tuple[np.ndarray, np.ndarray]:
        v[...] = 0
        with scipy_blas_single_thread():
            for _ in range(steps):
                axpy(g, v, a=-lr)
                np.copyto(p, v)
        return p, v

    return epoch


def bench_gemm(repeats: int, chainrule_epoch_s: float | None = None) -> dict:
    """GEMM-only time of one "mnist" epoch, interleaved with chainrule's real epoch."""
    epoch = gemm_epoch(MNIST["n"], MNIST["sizes"], MNIST["batch"])
    X, y = mnist_like()
    net0 = chainrule_net(MNIST["sizes"], X.dtype)
    res = summary(interleave(
        {"chainrule": lambda rep: chainrule_epoch(net0.copy(), X, y, MNIST, rep),
         "GEMM only": epoch}, repeats))
    print_summary("(4) BLAS ceiling: the matrix products of one MNIST-shaped epoch alone "
                  "(ratio = epoch time / GEMM time)", res)
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=positive_int, default=7)
    parser.add_argument("--threads", type=positive_int, default=1)
    # "mnist" times the GEMM-only epoch of (4) in its own interleaving; "gemm" alone times
    # chainrule against it without the peers
    parser.add_argument("--only", nargs="+", default=["mnist", "digits", "fullbatch"],
                        choices=["mnist", "digits", "fullbatch", "gemm", "estimators"])
    parser.add_argument("--no-peers", action="store_true", help="time chainrule alone")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    limit_threads(args.threads)
    print(f"{args.threads} BLAS/PyTorch thread(s), {args.repeats} interleaved repetitions")
    results = {}
    for name in args.only:
        if name == "mnist":
            results[name] = bench_mnist(args.repeats, not args.no_peers)
        elif name == "digits":
            results[name] = bench_digits(args.repeats, not args.no_peers)
        elif name == "fullbatch":
            results[name] = bench_fullbatch(args.repeats)
        elif name == "estimators":
            results[name] = bench_estimators(args.repeats)
        else:
            results[name] = bench_gemm(args.repeats)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
