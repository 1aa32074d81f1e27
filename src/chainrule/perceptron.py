"""The perceptron learning rule (Rosenblatt): a single step / sign unit, no gradient.

For each example in turn, the unit predicts ``o = f(w . x + b)`` with the
step function (targets 0/1) or the sign function (targets -1/+1), and on a
mistake moves its weights towards the example::

    w <- w + lr (t - o) x,      b <- b + lr (t - o)

Both functions output 1 at 0 (``step(0) = sign(0) = 1``): a point on the line counts as
positive, so from the default zero weights the first prediction is 1, a mistake on a
first example of label 0 (XOR's (0, 0)), which a trace by hand has to follow.

On linearly separable data this stops after finitely many mistakes (the
perceptron convergence theorem).  On data that no line separates, XOR
above all, it never stops; the weights keep moving.  Because the rule is
deterministic (examples in a fixed order), a state ``(w, b)`` at the start
of an epoch that was seen before means the run repeats itself forever: that
cycle is detected and reported, and ``max_epochs`` bounds every run anyway.

The unit is a chainrule :class:`~chainrule.Network` of one Dense layer with
the ``step`` or ``sign`` activation, so its predictions and decision regions
come from the same ``forward`` as any other network.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import check_finite_array, check_positive_float, check_positive_int
from .activations import ALIASES as ACTIVATION_ALIASES
from .layers import Dense
from .network import Network

__all__ = ["PerceptronResult", "train_perceptron"]

_LABELS = {"step": (0.0, 1.0), "sign": (-1.0, 1.0)}


@dataclass(eq=False)
class PerceptronResult:
    """What a run of the perceptron rule did.

    Attributes
    ----------
    network : Network
        One Dense layer (n_features -> 1) with the final weights.
    converged : bool
        True when an epoch made no mistake.
    reason : {"converged", "cycle", "max_epochs"}
    epochs : int
        Epochs run (the last one is the mistake-free epoch when converged).
    mistakes : list of int
        Mistakes (updates) in each epoch.
    cycle_start, cycle_length : int or None
        With ``reason == "cycle"``: the state at the start of epoch
        ``cycle_start + cycle_length`` equals the one at the start of epoch
        ``cycle_start`` (epochs counted from 1), so the run repeats with this period.
    weights : list of ndarray of shape (n_features + 1,)
        ``[b, w...]`` at the start of each epoch and at the end.
    """

    network: Network
    converged: bool
    reason: str
    epochs: int
    mistakes: list[int]
    cycle_start: int | None = None
    cycle_length: int | None = None
    weights: list[np.ndarray] = field(default_factory=list)

    @property
    def w(self) -> np.ndarray:
        """Final weights, shape (n_features,)."""
        return self.network.layers[0].W[:, 0].copy()

    @property
    def b(self) -> float:
        """Final bias."""
        return float(self.network.layers[0].b[0])

    def predict(self, X: object) -> np.ndarray:
        """Labels (0/1 or -1/+1) for X of shape (n_samples, n_features), shape (n_samples,).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self.network.predict(X)[:, 0]  # in blocks of rows, keeping nothing of X

    def summary(self) -> str:
        """How the run ended (converged, a cycle, the epoch limit), mistakes, final weights.

        Returns
        -------
        str
        """
        if self.reason == "converged":
            head = f"converged after {self.epochs} epochs: the last epoch made no mistake"
        elif self.reason == "cycle":
            head = (f"no convergence: the weights at the start of epoch "
                    f"{self.cycle_start + self.cycle_length} equal those at the start of "
                    f"epoch {self.cycle_start}, so the rule cycles forever with period "
                    f"{self.cycle_length} epoch(s); the data are not linearly separable")
        else:
            head = (f"no convergence within {self.epochs} epochs (still "
                    f"{self.mistakes[-1]} mistake(s) in the last one)")
        return (f"perceptron: {head}\n  mistakes per epoch: {self.mistakes}\n"
                f"  final w = {np.round(self.w, 6).tolist()}, b = {self.b:.6g}")

    __str__ = summary


def _check_xy(X: object, y: object, activation: str) -> tuple[np.ndarray, np.ndarray]:
    X = check_finite_array(X, "X", dtype=np.float64, ndim=2)
    y = check_finite_array(y, "y", dtype=np.float64).ravel()
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y.shape[0]} labels but X has {X.shape[0]} rows; they must match")
    labels = _LABELS[activation]
    bad = ~np.isin(y, labels)
    if bad.any():
        raise ValueError(
            f"y: the {activation} perceptron needs labels {labels[0]:g}/{labels[1]:g}, got "
            f"{np.unique(y[bad])[:5].tolist()}"
        )
    return X, y


def _overflow_message(lr: float, epoch: int, i: int, from_zero: bool) -> str:
    """The refusal of an update ``lr (t - o) x`` that took the weights past float64."""
    if from_zero:
        advice = ("from w0 = 0 and b0 = 0 the weights are lr times those of lr=1, so every "
                  "lr > 0 makes the same mistakes (up to rounding): lr=1 learns the same")
    else:
        advice = "take a smaller lr"
    largest = np.finfo(np.float64).max
    return (f"lr: the update lr * (t - o) * x of epoch {epoch}, example {i} (from 0) took "
            f"the weights past float64's largest ({largest:.4g}) or to NaN, got "
            f"lr={lr!r}; {advice}")


def train_perceptron(
    X: object,
    y: object,
    activation: str = "step",
    lr: float = 1.0,
    max_epochs: int = 1000,
    w0: object | None = None,
    b0: float = 0.0,
) -> PerceptronResult:
    """Train one step/sign unit with the perceptron rule, examples in the given order.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Labels 0/1 for ``activation="step"``, -1/+1 for ``"sign"``.
    activation : {"step", "sign"}, default "step"
        Or an alias of one (``"heaviside"`` is the step).
    lr : float, default 1.0
        Learning rate (> 0); one whose update takes the weights past float64's largest
        is refused, naming it.
    max_epochs : int, default 1000
        Upper bound on the epochs, whatever happens.
    w0 : array-like of shape (n_features,), optional
        Initial weights (default zeros).
    b0 : float, default 0.0
        Initial bias.

    Returns
    -------
    PerceptronResult
        ``reason`` is "converged", "cycle" (a repeated state: it would run
        forever) or "max_epochs".

    Examples
    --------
    >>> from chainrule.datasets import xor
    >>> X, y = xor()
    >>> train_perceptron(X, y).reason
    'cycle'
    """
    if isinstance(activation, str):  # an alias by what it is: "heaviside" is the step
        activation = ACTIVATION_ALIASES.get(activation, activation)
    if not isinstance(activation, str) or activation not in _LABELS:
        raise ValueError(f"activation must be 'step' or 'sign', got {activation!r}")
    X, y = _check_xy(X, y, activation)
    lr = check_positive_float(lr, "lr")
    max_epochs = check_positive_int(max_epochs, "max_epochs")
    n = X.shape[1]
    W = np.zeros((n, 1)) if w0 is None else check_finite_array(w0, "w0", dtype=np.float64)
    if W.size != n:
        raise ValueError(f"w0 must have {n} entries (one per feature), got shape {W.shape}")
    b = check_finite_array(b0, "b0", dtype=np.float64)
    if b.size != 1:
        raise ValueError(f"b0 must be one number, got shape {b.shape}")
    layer = Dense(n, 1, activation, init=W.reshape(n, 1))
    layer.b = b.reshape(1)
    net = Network([layer], loss="squared_error")
    theta = net.params  # [w..., b]: a live view of the layer's weights and bias

    from_zero = not (W.any() or b.any())  # then the weights scale with lr
    seen: dict[bytes, int] = {}
    mistakes: list[int] = []
    history: list[np.ndarray] = []
    reason = "max_epochs"
    cycle_start = cycle_length = None
    for epoch in range(1, max_epochs + 1):
        key = theta.tobytes()
        if key in seen:
            reason, cycle_start, cycle_length = "cycle", seen[key], epoch - seen[key]
            break
        seen[key] = epoch
        history.append(np.concatenate([layer.b, layer.W[:, 0]]))
        errors = 0
        for i, (xi, ti) in enumerate(zip(X, y, strict=True)):
            o = net.forward(xi)[0, 0]
            if o != ti:
                errors += 1
                with np.errstate(over="ignore", invalid="ignore"):
                    step = lr * (ti - o)
                    w, bias = layer.W[:, 0] + step * xi, layer.b[0] + step
                if not (np.isfinite(w).all() and np.isfinite(bias)):
                    # written, they were refused by the next forward as "an in-place write"
                    raise ValueError(_overflow_message(lr, epoch, i, from_zero))
                layer.W[:, 0], layer.b[0] = w, bias
        mistakes.append(errors)
        if errors == 0:
            reason = "converged"
            break
    history.append(np.concatenate([layer.b, layer.W[:, 0]]))
    return PerceptronResult(net, reason == "converged", reason, len(mistakes), mistakes,
                            cycle_start, cycle_length, history)
