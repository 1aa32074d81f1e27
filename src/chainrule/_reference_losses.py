"""The losses of one example for :mod:`chainrule.reference`: E and dE/dout, on Python floats.

Each loss is written from its textbook formula, unit by unit, sharing no arithmetic
with the vectorised engine (:mod:`chainrule.losses`): dE/dout comes from the formula
itself (dividing by a and 1 - a for the log losses, by a for ``poisson``), so an
output saturated to exactly 0 or 1 there is refused (:func:`_check_open`).
"""

from __future__ import annotations

import math

Vector = list[float]


# --- losses of one example: E and dE/dout_j -----------------------------------------------
def _ylog(y: float, a: float) -> float:
    return 0.0 if y == 0 else y * math.log(a)  # 0 log 0 = 0


def _check_open(name: str, a: Vector) -> None:
    """Refuse an output on which the loss formula divides by zero or takes log 0."""
    upper = name == "log_loss"  # dE/dout = (a - y) / (a (1 - a)); the others divide by a
    if name not in ("log_loss", "cross_entropy", "poisson"):
        return
    for j, v in enumerate(a):
        if not (v > 0.0 and (v < 1.0 or not upper)):
            raise ValueError(
                f"output unit {j}: out = {v!r}, saturated to exactly {0 if v <= 0 else 1} in "
                f"float64; the reference takes dE/dout from the {name} formula, which divides "
                f"by {'out and 1 - out' if upper else 'out'}, so expected an output strictly "
                f"inside {'(0, 1)' if upper else '(0, inf)'}: use smaller weights or inputs, or "
                "the engine (net.loss_and_grad), whose delta does not divide by the output"
            )


def _loss(name: str, a: Vector, y: Vector, delta: float = 1.0,
          label_smoothing: float = 0.0) -> tuple[float, Vector]:
    _check_open(name, a)
    n = len(a)
    if label_smoothing:  # the loss of softened targets: eps / n over a softmax's n, eps / 2 each
        share = label_smoothing / (n if name == "cross_entropy" else 2)
        y = [(1.0 - label_smoothing) * y[j] + share for j in range(n)]
    if name == "squared_error":  # 1/2 sum (a - y)^2
        return 0.5 * sum((a[j] - y[j]) ** 2 for j in range(n)), [a[j] - y[j] for j in range(n)]
    if name == "mean_squared_error":  # mean (a - y)^2
        E = sum((a[j] - y[j]) ** 2 for j in range(n)) / n
        return E, [2.0 * (a[j] - y[j]) / n for j in range(n)]
    if name == "log_loss":  # -sum [y log a + (1 - y) log(1 - a)]
        E = -sum(_ylog(y[j], a[j]) + _ylog(1 - y[j], 1 - a[j]) for j in range(n))
        return E, [-y[j] / a[j] + (1 - y[j]) / (1 - a[j]) for j in range(n)]
    if name == "cross_entropy":  # -sum y log a
        return -sum(_ylog(y[j], a[j]) for j in range(n)), [-y[j] / a[j] for j in range(n)]
    if name == "poisson":  # half the Poisson deviance: sum y log(y / a) - y + a
        E = sum(_ylog(y[j], y[j]) - _ylog(y[j], a[j]) - y[j] + a[j] for j in range(n))
        return E, [1.0 - y[j] / a[j] for j in range(n)]
    if name == "huber":  # sum h(a - y): (a - y)^2 / 2 within delta, delta (|a - y| - delta / 2)
        r = [a[j] - y[j] for j in range(n)]
        E = sum(0.5 * r[j] ** 2 if abs(r[j]) <= delta else delta * (abs(r[j]) - 0.5 * delta)
                for j in range(n))
        return E, [max(-delta, min(delta, r[j])) for j in range(n)]
    if name == "mean_absolute_error":  # mean |a - y|; its gradient sign(a - y) / n, 0 at a == y
        return (sum(abs(a[j] - y[j]) for j in range(n)) / n,
                [((a[j] > y[j]) - (a[j] < y[j])) / n for j in range(n)])
    if name == "multiclass_hinge":  # sum over the wrong classes j of max(0, a_j - a_c + 1)
        c = y.index(1.0)  # the target's class (a one-hot row)
        wrong = [j for j in range(n) if j != c and a[j] - a[c] + 1.0 > 0]
        grad = [1.0 if j in wrong else 0.0 for j in range(n)]
        grad[c] = -float(len(wrong))
        return sum(a[j] - a[c] + 1.0 for j in wrong), grad
    if name == "hinge":  # sum max(0, 1 - y a), targets -1 or +1; its gradient -y where > 0
        E = sum(max(0.0, 1.0 - y[j] * a[j]) for j in range(n))
        return E, [-y[j] if 1.0 - y[j] * a[j] > 0 else 0.0 for j in range(n)]
    raise ValueError(f"loss {name!r} is not supported by the reference implementation")
