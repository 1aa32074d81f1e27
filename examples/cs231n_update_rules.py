"""cs231n assignment 2's update rules (optim.py: sgd_momentum, rmsprop, adam) checked on
chainrule's optimizers, beside the arrays the FullyConnectedNets notebook prints.

    python examples/cs231n_update_rules.py [--out cs231n_update_rules.png] [--epochs 10]

The notebook's check of each rule: ``N, D = 4, 5``; ``w = np.linspace(-0.4, 0.6,
num=N*D).reshape(N, D)``, ``dw = np.linspace(-0.6, 0.4, ...)``, the rule's state from
``np.linspace`` too (velocity and cache ``(0.6, 0.9)``, Adam's ``m`` ``(0.6, 0.9)`` and
``v`` ``(0.7, 0.5)``, ``t = 5``), one step, and cs231n's ``rel_error`` (the largest
``|x - y| / max(1e-8, |x| + |y|)``) against ``expected_next_w`` and the expected state.
Here the state goes in through :meth:`Optimizer.set_state` and the step is the
optimizer's own ``step(w, dw)``, in place.  The conventions:

* ``sgd_momentum`` (learning rate 1e-3, momentum 0.9): cs231n keeps ``v <- mu v - lr dw``,
  ``w <- w + v``; chainrule keeps PyTorch's ``u <- mu u + dw``, ``w <- w - lr u``.  They
  are the same rule with ``u = -v / lr``: ``SGD(lr, momentum=mu)`` with the velocity
  ``-v / lr`` set takes cs231n's step, and cs231n's next velocity is ``-lr`` times
  chainrule's.  From a zero velocity (training) no conversion is needed at all.
* ``rmsprop`` (learning rate 1e-2, ``decay_rate`` 0.99, ``epsilon`` 1e-8): ``cache <- dr
  cache + (1 - dr) dw^2``, ``w <- w - lr dw / (sqrt(cache) + eps)``, eps outside the root:
  ``RMSProp(lr, rho=0.99, eps=1e-8)`` (``rho``'s default is Keras's 0.9), its ``"mean_sq"``
  is the cache.
* ``adam`` (learning rate 1e-2, ``beta1`` 0.9, ``beta2`` 0.999, ``epsilon`` 1e-8): the
  notebook's ``t`` is the count of steps taken, incremented before the bias corrections
  ``m / (1 - beta1^t)``, ``v / (1 - beta2^t)``, with eps added to ``sqrt(v_hat)``:
  ``Adam(lr)`` with its defaults (``eps_on="v_hat"``), ``set_state({"m": m, "v": v},
  t=5)``: chainrule's ``step`` also counts ``t`` up first, so the step uses ``t = 6``.

Then the notebook's comparison of the rules in training, on a bundled problem in place of
its CIFAR-10 subset: the 8x8 digits (scaled to [0, 1]), a 64-100-100-100-100-100-10 ReLU
network with a softmax output (the notebook's ``FullyConnectedNet([100] * 5)``), the
weights ``5e-2 * randn`` from one seed for every rule, mini-batches of 100 in one order
for every rule, the notebook's rates (SGD and momentum 1e-2, RMSProp 1e-4, Adam 1e-3).
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

from chainrule.datasets import load_digits_split
from chainrule.layers import Dense
from chainrule.network import Network
from chainrule.optimizers import SGD, Adam, Optimizer, RMSProp

N, D = 4, 5

# FullyConnectedNets.ipynb, "SGD+Momentum", "RMSProp and Adam": the arrays printed in the
# 2017 (Python 2) and 2018-2019 (Python 3) releases and in EECS 598's PyTorch port, alike
PUBLISHED = {
    "sgd_momentum next_w": np.array([
        [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
        [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
        [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
        [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096]]),
    "sgd_momentum velocity": np.array([
        [0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158],
        [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105],
        [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053],
        [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096]]),
    "rmsprop next_w": np.array([
        [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
        [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
        [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
        [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619]]),
    "rmsprop cache": np.array([
        [0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321],
        [0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377],
        [0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936],
        [0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926]]),
    "adam next_w": np.array([
        [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
        [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
        [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
        [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]]),
    "adam m": np.array([
        [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474],
        [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316],
        [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158],
        [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85]]),
    "adam v": np.array([
        [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853],
        [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385],
        [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767],
        [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966]]),
}


def rel_error(x: np.ndarray, y: np.ndarray) -> float:
    """cs231n's relative error: the largest ``|x - y| / max(1e-8, |x| + |y|)``."""
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def course_inputs() -> dict[str, np.ndarray]:
    """The notebook's ``w``, ``dw`` and states, each of shape (4, 5), by ``np.linspace``."""
    def grid(a: float, b: float) -> np.ndarray:
        return np.linspace(a, b, num=N * D).reshape(N, D)

    return {"w": grid(-0.4, 0.6), "dw": grid(-0.6, 0.4), "velocity": grid(0.6, 0.9),
            "cache": grid(0.6, 0.9), "m": grid(0.6, 0.9), "v": grid(0.7, 0.5)}


def sgd_momentum(lr: float = 1e-3, mu: float = 0.9) -> dict[str, np.ndarray]:
    """cs231n's ``sgd_momentum`` check by ``SGD(lr, momentum=mu)``: ``next_w`` and
    cs231n's velocity (``-lr`` times chainrule's)."""
    c = course_inputs()
    opt = SGD(lr=lr, momentum=mu)
    w = c["w"].copy()
    opt.set_state({"velocity": -c["velocity"] / lr}, params=w)  # u = -v / lr
    opt.step(w, c["dw"])
    return {"next_w": w, "velocity": -lr * opt.state["velocity"]}


def rmsprop(lr: float = 1e-2, decay_rate: float = 0.99) -> dict[str, np.ndarray]:
    """cs231n's ``rmsprop`` check by ``RMSProp(lr, rho=decay_rate)``."""
    c = course_inputs()
    opt = RMSProp(lr=lr, rho=decay_rate, eps=1e-8)
    w = c["w"].copy()
    opt.set_state({"mean_sq": c["cache"]}, params=w)
    opt.step(w, c["dw"])
    return {"next_w": w, "cache": opt.state["mean_sq"]}


def adam(lr: float = 1e-2, t: int = 5) -> dict[str, np.ndarray]:
    """cs231n's ``adam`` check by ``Adam(lr)`` (beta1 0.9, beta2 0.999, eps 1e-8)."""
    c = course_inputs()
    opt = Adam(lr=lr, beta1=0.9, beta2=0.999, eps=1e-8)
    w = c["w"].copy()
    opt.set_state({"m": c["m"], "v": c["v"]}, t=t, params=w)
    opt.step(w, c["dw"])
    return {"next_w": w, "m": opt.state["m"], "v": opt.state["v"]}


def checks() -> dict[str, tuple[np.ndarray, float]]:
    """Every published array's chainrule value and its rel_error, by name."""
    out = {}
    for rule, got in (("sgd_momentum", sgd_momentum()), ("rmsprop", rmsprop()),
                      ("adam", adam())):
        for key, value in got.items():
            name = f"{rule} {key}"
            out[name] = (value, rel_error(value, PUBLISHED[name]))
    return out


# the notebook's rates for its comparison (optim_config's learning_rate)
RULES = {
    "sgd": lambda: SGD(lr=1e-2),
    "sgd_momentum": lambda: SGD(lr=1e-2, momentum=0.9),
    "rmsprop": lambda: RMSProp(lr=1e-4, rho=0.99, eps=1e-8),
    "adam": lambda: Adam(lr=1e-3),
}


def network(seed: int = 0) -> Network:
    """64-100-100-100-100-100-10, ReLU, softmax output, weights ``5e-2 * randn`` from
    ``seed`` (cs231n's ``weight_scale=5e-2``), biases 0."""
    rng = np.random.RandomState(seed)
    sizes = [64, 100, 100, 100, 100, 100, 10]
    layers = [Dense(a, b, "softmax" if i == len(sizes) - 2 else "relu",
                    init=5e-2 * rng.randn(a, b))
              for i, (a, b) in enumerate(itertools.pairwise(sizes))]
    return Network(layers, loss="cross_entropy")


def train_curves(epochs: int = 10, batch_size: int = 100, seed: int = 0) -> dict:
    """Each rule's training loss per mini-batch and its final training / validation
    accuracy, the same network, start and batches for every rule."""
    data = load_digits_split(seed=seed)
    X, y = data.X_train, data.y_train
    Y = np.eye(10)[y]
    order = np.random.RandomState(seed)
    batches = [rows for _ in range(epochs) for rows in
               np.array_split(order.permutation(len(X)), int(np.ceil(len(X) / batch_size)))]
    out = {}
    for name, make in RULES.items():
        net, opt = network(seed), make()
        losses = []
        for rows in batches:
            J, grad = net.loss_and_grad(X[rows], Y[rows])
            opt.step(net.params, grad)
            losses.append(J)
        out[name] = {
            "loss": np.array(losses),
            "train accuracy": float(np.mean(net.predict(X).argmax(1) == y)),
            "validation accuracy": float(np.mean(net.predict(data.X_val).argmax(1)
                                                 == data.y_val)),
        }
    return out


def describe(opt: Optimizer) -> str:
    """The optimizer's name and settings, as the check lines print them."""
    return ", ".join(f"{k}={v}" for k, v in opt.get_config().items())


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="cs231n_update_rules.png")
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    np.set_printoptions(precision=8, suppress=True)
    results = checks()
    for name, (value, err) in results.items():
        print(f"{name}: chainrule\n{value}\ncs231n\n{PUBLISHED[name]}\nrel_error {err:.2e}\n")
    curves = train_curves(args.epochs)
    for name, c in curves.items():
        print(f"{name} ({describe(RULES[name]())}): training loss {c['loss'][0]:.4f} -> "
              f"{c['loss'][-1]:.4f}, train accuracy {c['train accuracy']:.3f}, validation "
              f"accuracy {c['validation accuracy']:.3f}")
    print(f"picture written to {plot(results, curves, args.out)}")
    return {"checks": results, "curves": curves}


def plot(results: dict, curves: dict, path: str) -> str:
    """Left: each published array's rel_error; right: the rules' training loss."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10.0, 4.0), dpi=90, layout="constrained")
    ax, ax2 = fig.subplots(1, 2, width_ratios=[1, 1.4])
    names = list(results)
    ax.barh(np.arange(len(names)), [max(results[n][1], 1e-16) for n in names])
    ax.axvline(1e-7, color="black", lw=1, ls="--", label="1e-7")
    ax.set(yticks=range(len(names)), xscale="log", xlabel="rel_error against cs231n")
    ax.set_yticklabels(names, fontsize=8)
    ax.invert_yaxis()
    ax.legend(loc="lower right")
    ax.set_title("one step from the notebook's inputs", fontsize=10)
    for name, c in curves.items():
        ax2.plot(c["loss"], lw=1, label=f"{name} (val. acc. {c['validation accuracy']:.2f})")
    ax2.set(xlabel="iteration (mini-batch of 100)", ylabel="training loss")
    ax2.set_title("digits, 64-100x5-10 ReLU, same start and batches", fontsize=10)
    ax2.legend(fontsize=8)
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
