"""The notes of a trace about the step as a whole, under the target and under the new cost.

:func:`target_note` says when the output cannot reach the target (a bounded output) or
cross-entropy on a softmax gets no distribution; :func:`overshoot_note` when the step
raised the cost.  Import them from :mod:`chainrule.tracing.formulas`.
"""

from __future__ import annotations

import numpy as np

from .render import fmt

__all__ = ["overshoot_note", "target_note"]


def target_note(activation: str, loss: str, target: np.ndarray) -> str | None:
    """A note under the target when the output cannot reach it, or cross-entropy on a
    softmax gets no distribution.

    A bounded output (sigmoid, tanh, ReLU, softmax, ...: :data:`OUTPUT_RANGES`) never
    leaves its range, so a target outside it (a sigmoid output and the target 2) is out of
    reach of any weights: E cannot come down to 0, and each step only drives the output
    towards the bound.  ``chainrule train`` refuses such targets; the trace computes the
    step all the same (its numbers hold) and says so under the target.

    The loss takes any targets in [0, 1] (its gradient holds for them), but
    ``-sum_k y_k log p_k`` is a log-likelihood only for targets that sum to 1: for
    others it is smallest at ``p = y / sum(y)``, not at ``p = y``, and a typed
    ``0.5 0.6`` is more likely a typo than meant.

    Parameters
    ----------
    activation, loss : str
    target : ndarray of shape (n_outputs,)

    Returns
    -------
    str or None
        None when there is nothing to say.
    """
    target = np.asarray(target, dtype=np.float64)
    if (note := _range_note(activation, target)) is not None:
        return note
    total = float(target.sum())
    if loss != "cross_entropy" or activation != "softmax" or target.size < 2 \
            or abs(total - 1.0) <= 1e-12:
        return None
    closest = ", ".join(f"{v:.6g}" for v in target / total) if total > 0 else None
    where = (f"smallest where the outputs are y / {total:g} = [{closest}], not y" if closest
             else "smallest nowhere: it is 0 for every output")
    return (f"note: the cross_entropy loss reads the target as the probabilities of the "
            f"{target.size} classes, which sum to 1; these sum to {total:g}, so E is no "
            f"log-likelihood and is {where}. Meant a class? Give its label, or a one-hot "
            "target such as " + str([1 if j == 0 else 0 for j in range(target.size)]))


def _range_note(activation: str, target: np.ndarray) -> str | None:
    """The note of :func:`target_note` for a target outside a bounded output's range."""
    from ..activations import OUTPUT_RANGES, _outside

    low, high = {**OUTPUT_RANGES, "softmax": (0.0, 1.0)}.get(activation, (-np.inf, np.inf))
    if not (np.isfinite(low) or np.isfinite(high)) or not _outside(target, low, high):
        return None
    span = f"[{low:g}, {'inf)' if np.isinf(high) else f'{high:g}]'}"
    out = [(k, v) for k, v in enumerate(target.ravel().tolist(), start=1)
           if not low <= v <= high]
    held = ", ".join(f"{v:g} (unit {k})" for k, v in out[:5]) + (", ..." if len(out) > 5 else "")
    article = "an" if activation[:1] in tuple("aeiou") else "a"  # an exp, an elu output
    return (f"note: {article} {activation} output lies in {span}, but the target holds {held}, "
            f"outside it: no weights bring the output there, so E cannot come down to 0 (the "
            f"nearest the output gets is the bound). For such a target use an output without "
            f"bounds (identity), or rescale the target to lie in {span}")


def overshoot_note(cost: float, cost_new: float, lr: float, J: str,
                   digits: int = 6) -> str | None:
    """A note under the new cost when the step raised it: the learning rate overshot.

    The gradient is the slope at the start only; a step of ``lr`` times it can pass the
    valley and land higher (SPEC 10 B: E from 2.5 to 4.6e27 with learning rate 0.5).
    A smaller rate, a shorter step along the same gradient, lowers the cost wherever it
    is smooth; the note says so, as the trace printed the rise without a word.

    Parameters
    ----------
    cost, cost_new : float
        The cost before and after the step.
    lr : float
    J : str
        The cost's symbol in the notation (``"E"`` or ``"J"``).
    digits : int, default 6

    Returns
    -------
    str or None
        None when the step did not raise the cost (beyond rounding).
    """
    if not cost_new - cost > 1e-12 * max(1.0, abs(cost)):
        return None
    return (f"note: the step raised {J} from {fmt(cost, digits)} to {fmt(cost_new, digits)}: "
            f"the gradient is the slope at the start only, and a step of {fmt(lr, digits)} "
            f"times it went past the valley. A smaller learning rate takes a shorter step "
            f"along the same gradient (halve it until {J} falls)")
