"""The one rule of a gradient check's verdict: PASS, FAIL or INCONCLUSIVE.

:attr:`GradientCheck.verdict` and ``chainrule gradcheck`` both read it
(:func:`_judgement`), each with its own words for what to try next.  A
difference at or above the tolerance is told apart as truncation, rounding or
a wrong gradient by the checks at ``eps/2`` and ``eps/4``
(:func:`_needs_series` says when :func:`gradient_check` runs them).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np

from ._differences import relative_difference

if TYPE_CHECKING:
    from ._result import GradientCheck


# Gradients whose entries are all below this (times max(1, |J|)) are too small to check by
# central differences: around 1e-16 they are the rounding of the forward pass itself.
_TINY = 1e-10

# below this eps the rounding of J(theta + eps) - J(theta - eps), about 1e-16 |J| / eps,
# outweighs the eps^2 truncation of a cost of ordinary size: its growth is blamed on eps
_SMALL_EPS = 1e-7
# the float64 spacings of J that a cost's rounding may reach: each J sums many terms, so
# J(theta + eps e_i) - J(theta - eps e_i) can be off by this many spacings of J, and the
# central difference by that over 2 eps
_ROUNDING_SPACINGS = 100

# what the verdicts advise, in Python's words (the command line passes its options' words)
_ADVICE = {
    "eps": "a smaller eps",
    "larger_eps": "a larger eps (1e-4 to 1e-6 suit float64)",
    "examples": "other examples (more rows of X, or other rows)",
    "elsewhere": "on random examples, or on other examples",
    "kinks": "exclude_kinks=True",
}


def _largest_compared(result: GradientCheck) -> float:
    """The largest magnitude among the compared entries of both gradients (0 if none)."""
    keep = slice(None) if result.near_kink is None else ~result.near_kink
    both = np.concatenate([np.abs(result.numerical[keep]), np.abs(result.analytical[keep])])
    return float(both.max()) if both.size else 0.0


def _needs_series(result: GradientCheck) -> bool:
    """Whether the verdict reads the checks at eps/2 and eps/4: a difference at or above
    the tolerance, with something compared, that is neither 0 / 0 nor tiny gradients."""
    zero = not np.any(result.analytical) and not np.any(result.numerical)
    return (bool(result.compared) and not zero and result.rel_diff >= result.tolerance
            and _largest_compared(result) >= _TINY * max(1.0, abs(result.cost)))


def _below_resolution(r: GradientCheck) -> bool:
    """Whether ``eps`` is too small for the central differences to see the cost move: the
    largest change the analytical gradient predicts for a step, ``2 eps max|g_i|``, is
    within a few float64 spacings of ``J`` (``np.spacing(J)``), and no step moved it:
    every ``J(theta + eps e_i) - J(theta - eps e_i)`` is exactly 0.  (At an exact fit the
    gradient is tiny but the steps move J by their truncation error: not this.)  A cost
    that truly ignores its parameters at a sane eps still FAILs: there ``2 eps |g|`` is far
    above the spacing."""
    keep = slice(None) if r.near_kink is None else ~r.near_kink
    g = np.abs(r.analytical[keep])
    if (not g.size or not np.all(np.isfinite(g)) or not np.isfinite(r.cost)
            or np.any(r.numerical[keep])):  # a step that moved J: eps was seen
        return False
    return bool(2.0 * r.eps * g.max() < 4.0 * np.spacing(abs(r.cost)))


def _within_rounding(r: GradientCheck) -> float | None:
    """At an ``eps`` below :data:`_SMALL_EPS`, the bound ``_ROUNDING_SPACINGS x
    spacing(J) / eps`` on the rounding of each central difference, where every compared
    entry of the two gradients differs by less than it (the difference is then rounding
    as far as it can be told); None otherwise."""
    if r.eps >= _SMALL_EPS or not np.isfinite(r.cost):
        return None
    keep = np.ones(r.numerical.size, dtype=bool) if r.near_kink is None else ~r.near_kink
    if not keep.any():
        return None
    bound = _ROUNDING_SPACINGS * float(np.spacing(abs(r.cost))) / r.eps
    gap = np.abs(r.numerical[keep] - r.analytical[keep])
    return bound if np.all(np.isfinite(gap)) and float(gap.max()) < bound else None


def _not_finite(r: GradientCheck, advice: dict[str, str] | None = None) -> str:
    """What of the compared entries is NaN or infinite, naming the first such parameter
    (empty when all are finite): no relative difference can be measured there."""
    keep = np.ones(r.numerical.size, dtype=bool) if r.near_kink is None else ~r.near_kink
    found = []
    for name, g in (("analytical gradient has", r.analytical),
                    ("central differences have", r.numerical)):
        bad = keep & ~np.isfinite(g)
        if bad.any():
            i, k = int(np.flatnonzero(bad)[0]), int(np.count_nonzero(bad))
            where = r._described(i)
            found.append(f"the {name} {k} NaN or infinite entr{'y' if k == 1 else 'ies'}, "
                         f"the first at parameter {i}{where}: {g[i]:g}")
    if not found:
        return ""
    text = ("; ".join(found) + ". Backpropagation (for the analytical gradient) or the cost "
            "(for the central differences) is not a number there: look for an overflow, a "
            "log of 0 or a division by 0 at these parameters")
    if (advice is not None and len(found) == 1 and "central" in found[0]
            and np.isfinite(r.cost) and r.eps > 1.0):
        # the cost is finite at theta and backprop's gradient too: the steps broke it
        text += (f"; the cost is finite at the parameters themselves, so a step of eps = "
                 f"{r.eps:g} may be what overflowed: try {advice['eps']}")
    return text


def _richardson(coarse: GradientCheck, fine: GradientCheck) -> tuple[np.ndarray, np.ndarray]:
    """``(4 g(eps/2) - g(eps)) / 3`` of two checks' central differences (eps, eps/2), and
    the mask of the parameters that neither check left out near a kink."""
    keep = np.ones(fine.numerical.size, dtype=bool)
    for check in (coarse, fine):
        if check.near_kink is not None:
            keep &= ~check.near_kink
    return (4.0 * fine.numerical - coarse.numerical) / 3.0, keep


def _extrapolated(coarse: GradientCheck, fine: GradientCheck) -> float:
    """Relative difference of the analytical gradient and the Richardson extrapolation
    ``(4 g(eps/2) - g(eps)) / 3`` of two checks' central differences (eps, eps/2).

    The extrapolation cancels the ``eps**2`` term of the truncation error, so what is
    left is its ``eps**4`` term, rounding, and any error of the gradient itself.  Only
    the parameters that neither check left out near a kink are compared.
    """
    g, keep = _richardson(coarse, fine)
    return relative_difference(g[keep], fine.analytical[keep])


def _judgement(r: GradientCheck, advice: dict[str, str]) -> tuple[str, str]:
    """``(verdict, text)`` of a check: the one rule of :attr:`GradientCheck.verdict`
    (:func:`_rule`), and on a FAIL whose central differences straddle a kink, a note
    that says so (:attr:`GradientCheck.kink_check`; ``advice["kinks"]`` words what
    leaves them out).  The note changes no verdict: at a kink there is no derivative.
    """
    verdict, text = _rule(r, advice)
    check = r.kink_check
    if verdict == "FAIL" and check is not None and check.compared < check.numerical.size:
        k, n = check.numerical.size - check.compared, check.numerical.size
        without = (f"without them the relative difference is {check.rel_diff:.3e}"
                   if check.compared else "no other parameter is left to compare")
        text += (f"\nnote: {k} of the {n} parameters have steps of +-eps that move "
                 f"{check.kink_units} net input(s) across a kink of their activation (ReLU's "
                 "corner, as at a net input of exactly 0) or change the largest pixel of a "
                 "max-pooling window: there the cost has no derivative and the central "
                 f"difference mixes the two one-sided slopes, however right backpropagation "
                 f"is; {without}. To leave such parameters out, check with "
                 f"{advice.get('kinks', _ADVICE['kinks'])}")
    return verdict, text


def _rule(r: GradientCheck, advice: dict[str, str]) -> tuple[str, str]:
    """``(verdict, text)`` of a check by the one rule of :attr:`GradientCheck.verdict`.

    Of the three things that make the two gradients differ, truncation falls as
    ``eps**2`` (by 4 at each halving), a wrong gradient stays (about 1), and the
    rounding of ``J(theta + eps e_i) - J(theta - eps e_i)``, divided by ``2 eps``,
    grows as ``1 / eps`` (about 2): the series at eps, eps/2 and eps/4
    (:attr:`GradientCheck.series`) says which.  ``advice`` words what to try
    (keys ``eps``, ``examples``, ``elsewhere``), for Python or the command line.
    """
    tol = r.tolerance
    note = ""
    zero = not np.any(r.analytical) and not np.any(r.numerical)
    if zero:  # 0 / 0: the relative difference is 0 by convention, and says nothing
        note = ("note: both gradients are exactly 0 at these parameters (saturated units, or "
                "examples the loss no longer sees), so the check compares nothing; try "
                f"{advice['examples']}\n")
    if not r.compared:
        return "FAIL", (f"{note}FAIL: every one of the {r.numerical.size} parameters is near "
                        f"a kink, so nothing could be compared; try {advice['eps']} or other "
                        "examples")
    bad = _not_finite(r, advice)
    if bad:
        return "FAIL", f"{note}FAIL: relative difference {r.rel_diff:.3e}: {bad}"
    ok = r.rel_diff < tol
    if not ok and not zero and _below_resolution(r):
        return "INCONCLUSIVE", (
            f"{note}INCONCLUSIVE: relative difference {r.rel_diff:.3e} >= {tol:g}, but eps = "
            f"{r.eps:g} is too small for float64 here: a step of +-eps changes the cost J = "
            f"{r.cost:.6g} by at most {2 * r.eps * np.abs(r.analytical).max():.2e} (2 eps "
            f"times the largest gradient entry), below the spacing of float64 numbers at J "
            f"({np.spacing(abs(r.cost)):.2e}): no step moved J, and the central differences "
            f"of all {r.compared} parameters compared are exactly 0; try "
            f"{advice.get('larger_eps', _ADVICE['larger_eps'])}")
    rounding = None if ok or zero else _within_rounding(r)
    if rounding is not None:  # eps so small that its rounding hides any smaller error
        keep = slice(None) if r.near_kink is None else ~r.near_kink
        gap = float(np.abs(r.numerical[keep] - r.analytical[keep]).max())
        return "INCONCLUSIVE", (
            f"{note}INCONCLUSIVE: relative difference {r.rel_diff:.3e} >= {tol:g}, but eps = "
            f"{r.eps:g} is below the steps that suit float64: the two gradients differ by "
            f"at most {gap:.2e}, within the rounding of the central differences at this "
            f"eps ({_ROUNDING_SPACINGS} x the spacing of float64 at J / eps = "
            f"{rounding:.2e}), which hides any error smaller than it; try "
            f"{advice.get('larger_eps', _ADVICE['larger_eps'])}")
    checks = (r, *r.series)
    if len(checks) == 3 and all(c.compared for c in checks):  # only when _needs_series
        diffs = [c.rel_diff for c in checks]
        shown = ", ".join(f"{d:.2e}" for d in diffs)
        if all(b > 1.4 * a for a, b in itertools.pairwise(diffs)):
            if r.eps < _SMALL_EPS:  # the rounding is eps's, not the gradient's size
                return "INCONCLUSIVE", (
                    f"{note}INCONCLUSIVE: relative difference {r.rel_diff:.3e} >= {tol:g}, "
                    "but it is the rounding error of the central differences: with eps, "
                    f"eps/2 and eps/4 it grew ({shown}), as rounding divided by 2 eps does, "
                    f"and eps = {r.eps:g} is below the steps that suit float64; try "
                    f"{advice.get('larger_eps', _ADVICE['larger_eps'])}")
            return "INCONCLUSIVE", (
                f"{note}INCONCLUSIVE: relative difference {r.rel_diff:.3e} >= {tol:g}, but it "
                "is the rounding error of the central differences: with eps, eps/2 and eps/4 "
                f"it grew ({shown}), where a wrong gradient would keep it and truncation "
                "would shrink it by 4 each time. The gradient is too small here for central "
                "differences (as for a model that fits these examples well); check it where "
                f"it is larger: {advice['elsewhere']}")
        if all(3.0 < a / b < 5.0 for a, b in itertools.pairwise(diffs)):
            # falling as eps^2: truncation, unless a wrong gradient hides under it; the
            # Richardson extrapolation (4 g(eps/2) - g(eps)) / 3 cancels the eps^2 term
            early, late = (_extrapolated(c, f) for c, f in itertools.pairwise(checks))
            falls = (f"relative difference {r.rel_diff:.3e} >= {tol:g}, falling by about 4 "
                     f"each time eps is halved ({shown}), as the truncation error of central "
                     "differences does; extrapolated to eps -> 0 (Richardson, from eps/2 and "
                     "eps/4) it is")
            if late < tol:
                return "PASS", f"{note}PASS: {falls} {late:.3e} < {tol:g}"
            # still falling: the eps^4 term would divide it by 16 at each halving, and at a
            # large eps the higher terms still pull that down to about 7; a wrong gradient
            # keeps it at about 1
            if late < early / 4:
                return "INCONCLUSIVE", (
                    f"{note}INCONCLUSIVE: {falls} {late:.3e} (from eps and eps/2: "
                    f"{early:.3e}), still falling: eps is too large for this cost; try "
                    f"{advice['eps']}")
            return "FAIL", (f"{note}FAIL: {falls} {late:.3e} (from eps and eps/2: "
                            f"{early:.3e}) >= {tol:g}: the gradient is wrong by about that "
                            "much, under a truncation error that hid it")
    largest, what = _largest_compared(r), ""
    if len(checks) == 3 and all(c.compared for c in checks):
        # at a stationary point (a model that fits its examples exactly) the central
        # differences hold nothing but their eps^2 truncation error, which the series
        # shows falling towards 0 while the relative difference stays at 1: judge the size
        # of the gradient on their extrapolation to eps -> 0, not on that error
        g, keep = _richardson(*checks[1:])
        largest = float(max(np.abs(g[keep]).max(initial=0.0),
                            np.abs(r.analytical[keep]).max(initial=0.0)))
        what = " of the analytical gradient and of the central differences extrapolated to " \
               "eps -> 0 (Richardson, from eps/2 and eps/4)"
    if not ok and not zero and largest < _TINY * max(1.0, abs(r.cost)):
        return "INCONCLUSIVE", (
            f"{note}INCONCLUSIVE: relative difference {r.rel_diff:.3e} >= {tol:g}, but the "
            f"gradients here are tiny (largest entry{what} {largest:.2e}, below {_TINY:g} x "
            "max(1, |J|)): at that size both are mostly the rounding of the numbers they are "
            "computed from, as at a minimum the model has fitted its examples to, and their "
            "difference says nothing about backpropagation. Check where the gradient is "
            f"larger: {advice['elsewhere']}")
    return ("PASS" if ok else "FAIL"), (f"{note}{'PASS' if ok else 'FAIL'}: relative "
                                        f"difference {r.rel_diff:.3e} {'<' if ok else '>='} "
                                        f"{tol:g}")
