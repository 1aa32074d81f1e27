"""cs231n assignment 2's layer checks (FullyConnectedNets, BatchNormalization, Dropout,
ConvolutionalNetworks notebooks) run on chainrule's layers, beside the published outputs.

    python examples/cs231n_layer_checks.py [--out cs231n_layer_checks.png]

Each check builds the notebook's inputs (``np.linspace`` ones, or ``randn`` after
``np.random.seed(231)``: ``np.random.RandomState(231)`` draws the same numbers) and
compares chainrule's output with the one the notebook prints, by cs231n's relative error
``max |x - y| / max(1e-8, |x| + |y|)``; the backward passes (affine, conv, max pool, batch
norm, dropout) are checked as the notebooks check them, against central differences with
h = 1e-5.  Where cs231n's function and chainrule's layer differ in a convention, the line
says which chainrule setting gives cs231n's numbers:

* ``affine_forward(x, w, b)``: ``Flatten()`` then ``Dense(120, 3, "identity")`` with
  ``W = w`` (both (fan_in, fan_out)) -- cs231n's ``x.reshape(N, -1)`` is row-major, as
  Flatten.
* ``conv_forward_naive``: ``Conv2D(3, 3, 4, stride=2, padding=1, activation="identity",
  init=w)``: the same NCHW images, the same (F, C, HH, WW) kernels, both
  cross-correlation (no kernel flip), zero padding on every side.
* ``max_pool_forward_naive``: ``MaxPool2D(2, 2)`` (pool_height = pool_width = stride = 2).
* ``TwoLayerNet``: assignment 2's regularisation is ``0.5 * reg * sum W^2`` (assignment
  1's has no 1/2), so ``reg`` is chainrule's ``weight_decay`` itself.
* ``batchnorm_forward``: chainrule's ``momentum`` is cs231n's (``running = momentum *
  running + (1 - momentum) * batch``, 0.9; PyTorch's momentum is 1 - that) and ``eps``
  too (1e-5).  The running variance: cs231n's starts at 0 and blends in the batch's
  biased variance, chainrule's by default starts at 1 and blends in the unbiased one
  (``m / (m - 1)`` times it, as PyTorch).  ``BatchNorm(D,
  unbiased_running_var=False)`` with ``running_var`` set to 0 gives cs231n's
  test-time outputs to every printed digit; the defaults give stds 0.25 % lower for
  batches of 200.
* ``dropout_forward``: cs231n's ``p`` is the probability of *keeping* a unit in the
  2019 notebooks (``Dropout(rate=1 - p)``); the 2017 notebooks' ``p`` dropped it
  (``Dropout(rate=p)``).  Both are inverted dropout: the mean is kept in training and
  evaluation is the identity.  The masks come from chainrule's own generator, so the
  train-time figures (randn and masks) are checked as properties, not digits.
"""

from __future__ import annotations

import argparse

import numpy as np

from chainrule.activations import get_activation
from chainrule.batchnorm import BatchNorm
from chainrule.conv import Conv2D
from chainrule.dropout import Dropout
from chainrule.gradcheck import relative_difference
from chainrule.layers import Dense
from chainrule.network import Network
from chainrule.pooling import Flatten, MaxPool2D

# The outputs printed in cs231n's assignment 2 notebooks (2017 versions:
# FullyConnectedNets.ipynb, ConvolutionalNetworks.ipynb; 2019 versions:
# BatchNormalization.ipynb, and ConvolutionalNetworks.ipynb's spatial batch norm).
PUBLISHED = {
    "affine_forward": np.array([[1.49834967, 1.70660132, 1.91485297],
                                [3.25553199, 3.5141327, 3.77273342]]),
    "relu_forward": np.array([[0., 0., 0., 0.],
                              [0., 0., 0.04545455, 0.13636364],
                              [0.22727273, 0.31818182, 0.40909091, 0.5]]),
    "TwoLayerNet scores": np.array([
        [11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765,
         16.09215096],
        [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135,
         16.18839143],
        [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506,
         16.2846319]]),
    "TwoLayerNet loss, reg 0": 3.4702243556,
    "TwoLayerNet loss, reg 1": 26.5948426952,
    "conv_forward_naive": np.array([
        [[[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
         [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
         [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]],
        [[[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
         [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
         [[2.36270298, 2.36904306], [2.38090835, 2.38247847]]]]),
    "max_pool_forward_naive": np.array([
        [[[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]],
         [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
         [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]]],
        [[[0.09052632, 0.10526316], [0.14947368, 0.16421053]],
         [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
         [[0.32631579, 0.34105263], [0.38526316, 0.4]]]]),
    # batchnorm_forward, train mode, on a = relu(X W1) W2 (seed 231, N=200, D=50, 60, 3)
    "batchnorm stds (gamma 1, beta 0)": np.array([0.99999999, 1., 1.]),
    "batchnorm stds (gamma [1 2 3], beta [11 12 13])": np.array([0.99999999, 1.99999999,
                                                                2.99999999]),
    "batchnorm test-time means": np.array([-0.03927354, -0.04349152, -0.10452688]),
    "batchnorm test-time stds": np.array([1.01531428, 1.01238373, 0.97819988]),
    # spatial_batchnorm_forward on 4 randn(2, 3, 4, 5) + 10 (seed 231)
    "spatial batchnorm stds (gamma 1, beta 0)": np.array([0.99999962, 0.99999951,
                                                         0.9999996]),
    "spatial batchnorm stds (gamma [3 4 5], beta [6 7 8])": np.array([2.99999885, 3.99999804,
                                                                     4.99999798]),
    "spatial batchnorm test-time means": np.array([-0.08034406, 0.07562881, 0.05716371,
                                                   0.04378383]),
    "spatial batchnorm test-time stds": np.array([0.96718744, 1.0299714, 1.02887624,
                                                  1.00585577]),
}


def rel_error(x: np.ndarray, y: np.ndarray) -> float:
    """cs231n's relative error, ``max |x - y| / max(1e-8, |x| + |y|)``: chainrule's
    ``relative_difference(x, y, measure="cs231n")``."""
    return relative_difference(x, y, measure="cs231n")


def affine_forward() -> np.ndarray:
    """The notebook's affine test: x (2, 4, 5, 6), w (120, 3), b (3,), all linspace."""
    x = np.linspace(-0.1, 0.5, num=2 * 120).reshape(2, 4, 5, 6)
    dense = Dense(120, 3, activation="identity")
    dense.W = np.linspace(-0.2, 0.3, num=120 * 3).reshape(120, 3)
    dense.b = np.linspace(-0.3, 0.1, num=3)
    return dense.forward(Flatten().forward(x))


def relu_forward() -> np.ndarray:
    return get_activation("relu").f(np.linspace(-0.5, 0.5, num=12).reshape(3, 4))


def two_layer_net(reg: float = 0.0) -> tuple[Network, float]:
    """The TwoLayerNet test (N=3, D=5, H=50, C=7) with every weight set by linspace."""
    N, D, H, C = 3, 5, 50, 7
    net = Network([Dense(D, H, activation="relu"), Dense(H, C, activation="softmax")],
                  loss="cross_entropy", weight_decay=reg)  # cs231n's 0.5 * reg * sum W^2
    net.layers[0].W = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
    net.layers[0].b = np.linspace(-0.1, 0.9, num=H)
    net.layers[1].W = np.linspace(-0.3, 0.4, num=H * C).reshape(H, C)
    net.layers[1].b = np.linspace(-0.9, 0.1, num=C)
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    loss, _ = net.loss_and_grad(X, np.array([0, 5, 1]))
    return net, loss


def conv_forward() -> np.ndarray:
    x = np.linspace(-0.1, 0.5, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    w = np.linspace(-0.2, 0.3, num=3 * 3 * 4 * 4).reshape(3, 3, 4, 4)
    conv = Conv2D(3, 3, 4, stride=2, padding=1, activation="identity", init=w)
    conv.b = np.linspace(-0.1, 0.2, num=3)
    return conv.forward(x)


def max_pool_forward() -> np.ndarray:
    x = np.linspace(-0.3, 0.4, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    return MaxPool2D(2, stride=2).forward(x)


def batchnorm_train(spatial: bool = False) -> dict[str, np.ndarray]:
    """Training-mode outputs' means and stds per feature (channel), as the notebooks print."""
    rng = np.random.RandomState(231)
    if spatial:
        x, axes, gamma, beta = 4 * rng.randn(2, 3, 4, 5) + 10, (0, 2, 3), [3, 4, 5], [6, 7, 8]
    else:
        X, W1, W2 = rng.randn(200, 50), rng.randn(50, 60), rng.randn(60, 3)
        x, axes, gamma, beta = np.maximum(0, X @ W1) @ W2, 0, [1, 2, 3], [11, 12, 13]
    bn = BatchNorm(3)
    plain = bn.forward(x, training=True)
    bn.gamma, bn.beta = gamma, beta
    scaled = bn.forward(x, training=True)
    return {"input means": x.mean(axis=axes), "input stds": x.std(axis=axes),
            "means": plain.mean(axis=axes), "stds": plain.std(axis=axes),
            "scaled means": scaled.mean(axis=axes), "scaled stds": scaled.std(axis=axes)}


def batchnorm_test_time(spatial: bool = False, cs231n: bool = True) -> dict[str, np.ndarray]:
    """50 training batches warm up the running statistics, then one test-time batch.

    ``cs231n=True``: cs231n's running variance (biased, from 0); False: chainrule's defaults.
    """
    rng = np.random.RandomState(231)
    if spatial:
        n_features, axes = 4, (0, 2, 3)

        def batch() -> np.ndarray:
            return 2.3 * rng.randn(10, 4, 11, 12) + 13
    else:
        n_features, axes = 3, 0
        W1, W2 = rng.randn(50, 60), rng.randn(60, 3)

        def batch() -> np.ndarray:
            return np.maximum(0, rng.randn(200, 50) @ W1) @ W2
    bn = BatchNorm(n_features, momentum=0.9, eps=1e-5, unbiased_running_var=not cs231n)
    if cs231n:
        bn.running_var = np.zeros(n_features)
    for _ in range(50):
        bn.forward(batch(), training=True)
    out = bn.forward(batch(), training=False)
    return {"means": out.mean(axis=axes), "stds": out.std(axis=axes)}


def numerical_gradient_array(f, x: np.ndarray, dout: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """cs231n's eval_numerical_gradient_array: central differences of sum(f(x) * dout)."""
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        plus = f(x).copy()
        x[ix] = old - h
        minus = f(x).copy()
        x[ix] = old
        grad[ix] = np.sum((plus - minus) * dout) / (2 * h)
    return grad


def batchnorm_backward(spatial: bool = False) -> dict[str, float]:
    """cs231n's batchnorm backward check: relative errors of dx, dgamma, dbeta."""
    rng = np.random.RandomState(231)
    shape, D = ((2, 3, 4, 5), 3) if spatial else ((4, 5), 5)
    x = 5 * rng.randn(*shape) + 12
    gamma, beta, dout = rng.randn(D), rng.randn(D), rng.randn(*shape)
    bn = BatchNorm(D)
    bn.gamma, bn.beta = gamma, beta
    return _gradient_errors(lambda v: bn.forward(v, training=True), bn.backward, bn,
                            {"x": x, "gamma": gamma, "beta": beta}, dout)


def _gradient_errors(forward, backward, layer, inputs: dict, dout: np.ndarray) -> dict:
    """Relative errors of ``backward(dout)`` (dJ/dx) and of the layer's parameter gradients
    (``layer.dW``, ``layer.dgamma``, ...) against central differences of ``sum(forward(x) *
    dout)``; ``inputs`` holds the array "x" and the layer's parameters ("W", "gamma", ...)."""
    forward(inputs["x"])
    grads = {"dx": np.array(backward(dout))}  # a copy: layers may reuse their buffers
    params = [name for name in inputs if name != "x"]
    grads.update({"d" + name: getattr(layer, "d" + name).copy() for name in params})
    errors = {"dx": rel_error(numerical_gradient_array(forward, inputs["x"].copy(), dout),
                              grads["dx"])}
    for name in params:
        def f(v: np.ndarray, name: str = name) -> np.ndarray:
            setattr(layer, name, v)
            return forward(inputs["x"])
        num = numerical_gradient_array(f, inputs[name].copy(), dout)
        setattr(layer, name, inputs[name])
        errors["d" + name] = rel_error(num, grads["d" + name])
    return errors


def backward_checks() -> dict[str, dict[str, float]]:
    """cs231n's affine_backward, conv_backward_naive and max_pool_backward_naive checks
    (randn inputs after np.random.seed(231)): relative errors against central differences."""
    rng = np.random.RandomState(231)
    x, w, b, dout = rng.randn(10, 2, 3), rng.randn(6, 5), rng.randn(5), rng.randn(10, 5)
    flatten, dense = Flatten(), Dense(6, 5, activation="identity")
    dense.W, dense.b = w, b
    out = {"affine_backward": _gradient_errors(
        lambda v: dense.forward(flatten.forward(v)),
        lambda g: flatten.backward(dense.backward(g)), dense, {"x": x, "W": w, "b": b}, dout)}
    rng = np.random.RandomState(231)
    x, w, b = rng.randn(4, 3, 5, 5), rng.randn(2, 3, 3, 3), rng.randn(2)
    dout = rng.randn(4, 2, 5, 5)
    conv = Conv2D(3, 2, 3, stride=1, padding=1, activation="identity", init=w)
    conv.b = b
    out["conv_backward_naive"] = _gradient_errors(conv.forward, conv.backward, conv,
                                                  {"x": x, "W": w, "b": b}, dout)
    rng = np.random.RandomState(231)
    x, dout = rng.randn(3, 2, 8, 8), rng.randn(3, 2, 4, 4)
    pool = MaxPool2D(2, stride=2)
    out["max_pool_backward_naive"] = _gradient_errors(pool.forward, pool.backward, pool,
                                                      {"x": x}, dout)
    return out


def dropout_forward(p_keep: float, seed: int = 0) -> dict[str, float]:
    """cs231n's dropout test on randn(500, 500) + 10 with keep probability ``p_keep``."""
    x = np.random.RandomState(231).randn(500, 500) + 10
    drop = Dropout(rate=1 - p_keep, seed=seed)
    train, test = drop.forward(x, training=True), drop.forward(x, training=False)
    return {"input mean": x.mean(), "train mean": train.mean(), "test mean": test.mean(),
            "train zeros": (train == 0).mean(), "test zeros": (test == 0).mean(),
            "test is input": bool(np.array_equal(test, x))}


def dropout_backward() -> float:
    """cs231n's dropout backward check (p = 0.2 kept, one fixed mask): dx's relative error."""
    rng = np.random.RandomState(231)
    x, dout = rng.randn(10, 10) + 10, rng.randn(10, 10)
    drop = Dropout(rate=0.8, seed=123)
    drop.fix_mask(np.random.default_rng(123).random(x.shape) < 0.2)
    drop.forward(x, training=True)
    dx = drop.backward(dout)
    return rel_error(numerical_gradient_array(lambda v: drop.forward(v, training=True), x,
                                              dout), dx)


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="cs231n_layer_checks.png")
    args = parser.parse_args()
    np.set_printoptions(precision=8, suppress=True)
    errors = {}

    def compare(name: str, got: np.ndarray) -> None:
        errors[name] = rel_error(got, PUBLISHED[name])
        print(f"{name}: chainrule\n{np.asarray(got)}\npublished\n{PUBLISHED[name]}\n"
              f"rel_error {errors[name]:.2e}\n")

    compare("affine_forward", affine_forward())
    compare("relu_forward", relu_forward())
    net, loss0 = two_layer_net(0.0)
    compare("TwoLayerNet scores", net.layers[1].Z)
    for reg, loss in ((0, loss0), (1, two_layer_net(1.0)[1])):
        name = f"TwoLayerNet loss, reg {reg}"
        errors[name] = abs(loss - PUBLISHED[name])
        print(f"{name}: chainrule {loss:.10f} (weight_decay {reg}), published "
              f"{PUBLISHED[name]}, |difference| {errors[name]:.1e}")
    print()
    compare("conv_forward_naive", conv_forward())
    compare("max_pool_forward_naive", max_pool_forward())
    # the notebooks' expected relative errors: "around 1e-10", "e-8 or less", "around 1e-12"
    for name, errs in backward_checks().items():
        errors[name] = max(errs.values())
        print(f"{name}, central differences: "
              + ", ".join(f"{k} rel_error {v:.2e}" for k, v in errs.items()))
    print()
    for spatial, prefix in ((False, "batchnorm"), (True, "spatial batchnorm")):
        train = batchnorm_train(spatial)
        print(f"{prefix}, train mode: input means {train['input means']}, stds "
              f"{train['input stds']}; normalised means {train['means']} (~0)")
        compare(f"{prefix} stds (gamma 1, beta 0)", train["stds"])
        scaled = "[3 4 5], beta [6 7 8]" if spatial else "[1 2 3], beta [11 12 13]"
        print(f"means with gamma {scaled}: {train['scaled means']}")
        compare(f"{prefix} stds (gamma {scaled})", train["scaled stds"])
        for key, value in batchnorm_test_time(spatial).items():
            compare(f"{prefix} test-time {key}", value)
        default = batchnorm_test_time(spatial, cs231n=False)
        print(f"(chainrule's default running variance instead: means {default['means']}, "
              f"stds {default['stds']})\n")
        backward = batchnorm_backward(spatial)
        errors[f"{prefix} backward"] = max(backward.values())
        print(f"{prefix} backward, central differences: "
              + ", ".join(f"{k} rel_error {v:.2e}" for k, v in backward.items()) + "\n")
    for p in (0.25, 0.4, 0.7):
        d = dropout_forward(p)
        print(f"dropout keep p = {p} (Dropout(rate={1 - p:g})): input mean "
              f"{d['input mean']:.6f}, train mean {d['train mean']:.6f}, test mean "
              f"{d['test mean']:.6f}, train zeros {d['train zeros']:.4f} (1 - p = {1 - p:g}), "
              f"test zeros {d['test zeros']:g}")
    errors["dropout backward"] = dropout_backward()
    print(f"dropout backward, central differences: dx rel_error "
          f"{errors['dropout backward']:.2e}")
    print(f"relative errors picture written to {plot(errors, args.out)}")
    return {"errors": errors}


def plot(errors: dict, path: str) -> str:
    """Each check's error (relative error, or |difference| for the losses), log scale."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 4.6), dpi=90, layout="constrained")
    ax = fig.subplots()
    names = list(errors)
    ax.barh(np.arange(len(names)), [max(errors[n], 1e-16) for n in names], color="tab:blue")
    ax.axvline(1e-7, color="black", lw=1, ls="--", label="1e-7")
    ax.set(yticks=range(len(names)), xscale="log", xlabel="error against cs231n")
    ax.set_yticklabels(names, fontsize=7)
    ax.invert_yaxis()
    ax.legend(loc="lower right")
    ax.set_title("cs231n assignment 2's layer checks in chainrule", fontsize=10)
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
