"""deeplearning.ai, course 2 week 2, "Optimization Methods", in chainrule: mini-batch
gradient descent, momentum and Adam on the moons, and (in the later release) the
learning-rate decay of its "schedule_lr_decay".

    python examples/dlai_optimization.py                  # the 10,000-epoch release
    python examples/dlai_optimization.py --release 2021   # 5,000 epochs, and the decay
    python examples/dlai_optimization.py --release all
    (--out dlai_optimization.png: the cost every 100 epochs and each rule's decision regions)

The set-up (:func:`moons`, :func:`network`, :func:`mini_batches`): ``make_moons(300,
noise=0.2)`` after ``np.random.seed(3)`` (the course's ``load_dataset``); a 2-5-2-1
network, ReLU, ReLU, sigmoid, ``loss="log_loss"`` (the course's cross-entropy), its
weights ``randn(n, n_prev) * sqrt(2 / n_prev)`` after ``np.random.seed(3)`` (the course's
``initialize_parameters``; the course's ``W`` of shape (units out, units in) goes in with
``Network.from_ufldl``) and biases 0; mini-batches of 64 from ``np.random.seed(seed)``,
``permutation(300)``, the seed 11 in the first epoch and one more each epoch, the last
batch the 44 left over.  Each batch's ``net.loss_and_grad`` (its mean cost and gradient,
divided by the batch's own size as the course's ``1./m`` is) and the optimizer's ``step``
on ``net.params`` do the work: :func:`model`.  chainrule's ``train`` shuffles with its own
generator, so the course's batches need this loop of a few lines.

The update rules, mapped to ``chainrule.optimizers``:

* gradient descent: ``SGD(lr)``.
* momentum: the course keeps ``v <- beta v + (1 - beta) dW``, ``W <- W - lr v``, an
  exponential average; chainrule's ``SGD(momentum=beta)`` keeps PyTorch's ``u <- beta u +
  g``.  Both start at 0, so ``v = (1 - beta) u`` at every step and ``SGD(lr=lr * (1 -
  beta), momentum=beta)`` takes the course's steps exactly (in real arithmetic; the
  printed costs agree to every digit).  ``SGD(dampening=1 - beta)`` does not: it
  follows PyTorch, whose first velocity is ``g`` undamped, a first step ten times the
  course's.  No new option is needed.
* Adam: ``Adam(lr, beta1=0.9, beta2=0.999, eps=1e-8)``, whose bias corrections count
  ``t`` in optimizer steps (mini-batches), as the course's ``t`` does, with ``eps``
  added to ``sqrt(v_hat)`` (``eps_on="v_hat"``, the default), as the course adds it.
* the decay (2021 release): the course sets the rate after epoch ``i`` to ``lr0 / (1 +
  decay_rate * floor(i / time_interval))`` (``schedule_lr_decay``; ``time_interval=1``
  is ``update_lr``), used from epoch ``i + 1`` on: Keras's ``InverseTimeDecay``
  (``decay_steps = time_interval``, ``staircase``) one epoch late, chainrule's built-in
  ``InverseTimeDecay(decay_rate, time_interval, staircase=True, delay=1)`` (the
  schedule ``"inverse_time"``; :func:`course_decay`), which ``chainrule.train(...,
  schedule=course_decay())`` takes too.

The two releases print different costs:

* 2017 (``num_epochs=10000``): "Cost after epoch i" is the cost of the epoch's last
  mini-batch (before its step).  Every published cost of gradient descent and momentum
  comes out to its six printed decimals, and the accuracies 0.7966666666666666 (both).
  Adam: 0.690552, 0.185567, 0.150852, ... 0.197648 and 0.94, the figures of three public
  copies of the notebook and of a NumPy write-up of the course's code.  A fourth copy
  prints 0.690552, 0.185501, 0.150830, 0.074454, 0.125959, ... (also 0.94): not rounding
  (inputs moved by one unit in the last place leave eight digits of these costs as they
  are) but Adam with ``epsilon`` inside the square root, ``m_hat / sqrt(s_hat +
  epsilon)``, which gives all ten of its figures (``"adam_eps_in_sqrt"``:
  ``Adam(eps_on="v_hat_in_sqrt")``).
* 2021 (``num_epochs=5000``): the cost printed is the epoch's mean (``cost_total / m``).
  Every published cost comes out to six decimals, with and without decay; accuracies
  0.7166666666666667 (gradient descent and momentum, as printed; the summary table: ">71%"),
  0.9433 (Adam; the table: ">94%").  With decay: 0.9433, 0.9533 and 0.94, where the
  notebook's second table says ">94.6%", ">95.6%" and "94%": its costs are those printed
  with the decay runs, which come out here, so that table is not from those runs.
"""

from __future__ import annotations

import argparse
import itertools
from typing import Any

import numpy as np

from chainrule.network import Network
from chainrule.optimizers import SGD, Adam
from chainrule.schedules import InverseTimeDecay, Schedule

LAYERS = (2, 5, 2, 1)
# 2017 release, 10,000 epochs: "Cost after epoch i", i = 0, 1000, ..., 9000 (last mini-batch)
PUBLISHED_2017 = {
    "gd": [0.690736, 0.685273, 0.647072, 0.619525, 0.576584, 0.607243, 0.529403, 0.460768,
           0.465586, 0.464518],
    "momentum": [0.690741, 0.685341, 0.647145, 0.619594, 0.576665, 0.607324, 0.529476,
                 0.460936, 0.465780, 0.464740],
    "adam": [0.690552, 0.185567, 0.150852, 0.074454, 0.125936, 0.104235, 0.100552, 0.031601,
             0.111709, 0.197648]}
# the one public copy whose Adam differs (accuracy 0.94 too)
PUBLISHED_2017_ADAM_OTHER = [0.690552, 0.185501, 0.150830, 0.074454, 0.125959, 0.104344,
                             0.100676, 0.031652, 0.111973, 0.197940]
PUBLISHED_2017_ACCURACY = {"gd": 0.7966666666666666, "momentum": 0.7966666666666666,
                           "adam": 0.94}
# 2021 release, 5,000 epochs: "Cost after epoch i", i = 0, 1000, ..., 4000 (epoch means)
PUBLISHED_2021 = {
    "gd": [0.702405, 0.668101, 0.635288, 0.600491, 0.573367],
    "momentum": [0.702413, 0.668167, 0.635388, 0.600591, 0.573444],
    "adam": [0.702166, 0.167845, 0.141316, 0.138788, 0.136066]}
PUBLISHED_2021_ACCURACY = {"gd": 0.7166666666666667, "momentum": 0.7166666666666667}
# 2021 release with decay: (optimizer, lr0, time_interval): costs and "learning rate after
# epoch i" (printed to six decimals)
PUBLISHED_2021_DECAY = {
    ("gd", 0.1, 1): ([0.701091, 0.661884, 0.658620, 0.656765, 0.655486],
                     [0.1, 0.0001, 0.00005, 0.000033, 0.000025]),
    ("gd", 0.1, 1000): ([0.701091, 0.127161, 0.120304, 0.117033, 0.117512],
                        [0.1, 0.05, 0.033333, 0.025, 0.02]),
    ("momentum", 0.1, 1000): ([0.702226, 0.128974, 0.125965, 0.123375, 0.123218],
                              [0.1, 0.05, 0.033333, 0.025, 0.02]),
    ("adam", 0.01, 1000): ([0.699346, 0.130074, 0.129826, 0.129282, 0.128361],
                           [0.01, 0.005, 0.003333, 0.0025, 0.002])}


def course_decay(decay_rate: float = 1.0, time_interval: int = 1000) -> InverseTimeDecay:
    """The course's ``schedule_lr_decay`` (``time_interval=1``: its ``update_lr``) as
    chainrule's built-in schedule: epoch ``e`` (from 0) runs at ``lr0`` for ``e = 0`` and
    at ``lr0 / (1 + decay_rate * floor((e - 1) / time_interval))`` after, since the course
    computes the rate after each epoch for the next one (``delay=1``).

    Parameters
    ----------
    decay_rate : float, default 1
    time_interval : int, default 1000

    Returns
    -------
    InverseTimeDecay
        ``{"name": "inverse_time", "decay_rate": decay_rate, "decay_steps": time_interval,
        "staircase": True, "delay": 1}`` for ``chainrule.train``'s ``schedule``.
    """
    return InverseTimeDecay(decay_rate, time_interval, staircase=True, delay=1)


CourseDecay = course_decay  # its name when the example wrote the rule out itself


def moons() -> tuple[np.ndarray, np.ndarray]:
    """The course's ``load_dataset``: X (300, 2), y (300,)."""
    from sklearn.datasets import make_moons

    return make_moons(n_samples=300, noise=0.2, random_state=np.random.RandomState(3))


def course_weights() -> list[np.ndarray]:
    """``initialize_parameters([2, 5, 2, 1])``: ``W1`` (5, 2), ``W2`` (2, 5), ``W3`` (1, 2)."""
    rs = np.random.RandomState(3)
    return [rs.randn(n, n_prev) * np.sqrt(2 / n_prev)
            for n_prev, n in itertools.pairwise(LAYERS)]


def network() -> Network:
    """The 2-5-2-1 ReLU/ReLU/sigmoid network at the course's start."""
    return Network.from_ufldl(course_weights(), [np.zeros(n) for n in LAYERS[1:]],
                              activation=["relu", "relu", "sigmoid"], loss="log_loss")


def mini_batches(m: int, seed: int, size: int = 64) -> list[np.ndarray]:
    """The course's ``random_mini_batches``: row indices of each batch, the last one short."""
    order = np.random.RandomState(seed).permutation(m)
    return [order[k:k + size] for k in range(0, m, size)]


def optimizer(name: str, lr: float, beta: float = 0.9) -> tuple[Any, float]:
    """chainrule's optimizer for the course's ``"gd"``, ``"momentum"`` or ``"adam"`` (or
    ``"adam_eps_in_sqrt"``, ``Adam(eps_on="v_hat_in_sqrt")``), and the factor of its rate
    (``1 - beta`` for momentum: see the module's notes)."""
    if name == "gd":
        return SGD(lr=lr), 1.0
    if name == "momentum":
        return SGD(lr=lr * (1 - beta), momentum=beta), 1 - beta
    if name == "adam":
        return Adam(lr=lr, beta1=0.9, beta2=0.999, eps=1e-8), 1.0
    if name == "adam_eps_in_sqrt":
        return Adam(lr=lr, beta1=0.9, beta2=0.999, eps=1e-8, eps_on="v_hat_in_sqrt"), 1.0
    raise ValueError(f"optimizer must be 'gd', 'momentum', 'adam' or 'adam_eps_in_sqrt', got "
                     f"{name!r}")


def model(name: str = "gd", lr: float = 0.0007, epochs: int = 10_000,
          schedule: Schedule | None = None, batch_size: int = 64) -> dict[str, Any]:
    """The course's ``model``: ``epochs`` passes over the course's mini-batches.

    Returns
    -------
    dict
        ``"net"``; ``"last"`` and ``"mean"``, arrays of shape (epochs,): each epoch's last
        mini-batch cost (the 2017 printout) and its mean over the examples (2021's); ``"lr"``
        (epochs,): each epoch's rate; ``"accuracy"``: the course's ``predict`` on the
        training set (output above 0.5 is class 1).
    """
    X, y = moons()
    net = network()
    opt, scale = optimizer(name, lr)
    last, mean, rates = np.empty(epochs), np.empty(epochs), np.empty(epochs)
    for epoch in range(epochs):
        rates[epoch] = lr if schedule is None else schedule.lr(epoch, lr, {})
        opt.lr = rates[epoch] * scale
        total = 0.0
        for rows in mini_batches(len(y), 11 + epoch, batch_size):
            J, grad = net.loss_and_grad(X[rows], y[rows])
            opt.step(net.params, grad)
            total += J * len(rows)
        last[epoch], mean[epoch] = J, total / len(y)
    accuracy = float(np.mean((net.predict(X)[:, 0] > 0.5) == y))
    return {"net": net, "last": last, "mean": mean, "lr": rates, "accuracy": accuracy}


def _report(title: str, costs: np.ndarray, published: list[float], accuracy: float,
            published_accuracy: object) -> None:
    print(title)
    for i, (got, ref) in enumerate(zip(costs[::1000], published, strict=False)):
        mark = "" if f"{got:.6f}" == f"{ref:.6f}" else "   <- differs"
        print(f"  Cost after epoch {1000 * i}: {got:.6f}   (published {ref:.6f}){mark}")
    print(f"  Accuracy: {accuracy!r}   (published {published_accuracy})")


def release_2017() -> dict[str, Any]:
    """The 10,000-epoch runs at rate 0.0007."""
    runs = {}
    for name in ("gd", "momentum", "adam"):
        runs[name] = run = model(name, 0.0007, 10_000)
        _report(f"2017 release, {name}, 10,000 epochs:", run["last"], PUBLISHED_2017[name],
                run["accuracy"], PUBLISHED_2017_ACCURACY[name])
    runs["adam_eps_in_sqrt"] = run = model("adam_eps_in_sqrt", 0.0007, 10_000)
    _report("2017 release, Adam with epsilon under the square root (one public copy's "
            "figures; three others print those above):", run["last"],
            PUBLISHED_2017_ADAM_OTHER, run["accuracy"], 0.94)
    return runs


def release_2021() -> dict[Any, Any]:
    """The 5,000-epoch runs, without decay at rate 0.0007, then with the course's decay."""
    runs: dict[Any, Any] = {}
    for name in ("gd", "momentum", "adam"):
        runs[name] = run = model(name, 0.0007, 5000)
        _report(f"2021 release, {name}, 5,000 epochs:", run["mean"], PUBLISHED_2021[name],
                run["accuracy"], PUBLISHED_2021_ACCURACY.get(name, "'>94%' in its table"))
    table = {"gd": ">94.6%", "momentum": ">95.6%", "adam": "94%"}
    for (name, lr0, interval), (costs, rates) in PUBLISHED_2021_DECAY.items():
        schedule = course_decay(1.0, interval)
        runs[name, lr0, interval] = run = model(name, lr0, 5000, schedule)
        rule = "update_lr" if interval == 1 else "schedule_lr_decay"
        _report(f"2021 release, {name}, rate {lr0}, {rule}:", run["mean"], costs,
                run["accuracy"], "not printed" if interval == 1
                else f"'{table[name]}' in its table")
        after = [schedule.lr(i + 1, lr0, {}) for i in range(0, 5000, 1000)]
        print("  learning rate after epoch 0, 1000, ...: "
              + ", ".join(f"{r:.6f}" for r in after)
              + "   (published " + ", ".join(f"{r:.6f}" for r in rates) + ")")
    return runs


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", choices=("2017", "2021", "all"), default="2017")
    parser.add_argument("--out", default="dlai_optimization.png")
    args = parser.parse_args()
    out = {}
    if args.release in ("2017", "all"):
        out["2017"] = release_2017()
    if args.release in ("2021", "all"):
        out["2021"] = release_2021()
    print(f"picture written to {plot(out, args.out)}")
    return out


def plot(out: dict[str, Any], path: str) -> str:
    """The cost every 100 epochs (as the course plots it) and the decision regions of
    gradient descent, momentum and Adam (the 2017 runs, else 2021's without decay)."""
    from matplotlib.figure import Figure

    release, runs = next(iter(out.items()))
    column = "last" if release == "2017" else "mean"
    X, y = moons()
    g0, g1 = np.linspace(-1.5, 2.5, 161), np.linspace(-1.0, 1.5, 101)
    grid = np.column_stack([a.ravel() for a in np.meshgrid(g0, g1)])
    fig = Figure(figsize=(11.0, 2.9), dpi=80, layout="constrained")
    axes = fig.subplots(1, 4)
    for name in ("gd", "momentum", "adam"):
        axes[0].plot(np.arange(0, runs[name][column].size, 100), runs[name][column][::100],
                     label=name)
    axes[0].set(xlabel="epoch", ylabel="cost", title=f"{release} release, rate 0.0007")
    axes[0].legend(fontsize=8)
    for ax, name in zip(axes[1:], ("gd", "momentum", "adam"), strict=True):
        region = (runs[name]["net"].predict(grid)[:, 0] > 0.5).reshape(g1.size, g0.size)
        ax.contourf(g0, g1, region, levels=[-0.5, 0.5, 1.5], colors=["#f4c6c0", "#c0d4f4"])
        ax.scatter(X[:, 0], X[:, 1], c=np.where(y > 0, "C0", "C3"), s=4)
        ax.set(title=f"{name}: accuracy {runs[name]['accuracy']:.4g}")
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
