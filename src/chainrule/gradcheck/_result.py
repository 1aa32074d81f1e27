"""The result of a gradient check: :class:`GradientCheck`, its figures and its report.

The verdict itself (PASS, FAIL or INCONCLUSIVE) is the rule of :mod:`._verdict`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._differences import MEASURES, check_measure, relative_difference
from ._verdict import _ADVICE, _judgement

__all__ = ["GradientCheck"]


@dataclass(frozen=True, eq=False)
class GradientCheck:
    """Result of :func:`gradient_check`.

    Attributes
    ----------
    numerical : ndarray of shape (n_params,)
        Central-difference estimate.
    analytical : ndarray of shape (n_params,)
        Backpropagation's gradient.
    rel_diff : float
        ``||numerical - analytical|| / ||numerical + analytical||``.
    cost : float
        The cost at the unperturbed parameters.
    eps : float
        The step used.
    near_kink : ndarray of bool, shape (n_params,), or None
        With ``exclude_kinks``: the parameters whose steps ``+-eps`` move a net
        input of a kinked activation (ReLU, leaky ReLU, see
        :attr:`Activation.kinks`) across its kink, or change which pixel of a
        max-pooling window is the largest, so that the central difference
        straddles the corner and is no estimate of the derivative.
        ``rel_diff`` leaves them out.  None without ``exclude_kinks``.
    kink_units : int
        With ``exclude_kinks``: how many net inputs (one per example and unit)
        some step moved across a kink, and max-pooling windows (one per
        example, channel and output pixel) whose largest pixel some step changed.
    rel_diff_all : float or None
        The relative difference over every parameter (``rel_diff`` itself
        without ``exclude_kinks``); :func:`gradient_check` always sets it, None
        only in a GradientCheck made without it.
    tolerance : float
        The largest relative difference that passes (:attr:`verdict`).
    series : tuple of GradientCheck
        The checks at ``eps/2`` and ``eps/4`` when the verdict needed them (a
        difference at or above ``tolerance`` that is neither 0 / 0 nor from tiny
        gradients); empty otherwise.
    kink_check : GradientCheck or None
        Without ``exclude_kinks``, when the check FAILS on a model with kinks
        (a ReLU-like activation, max pooling): the same check at ``eps`` with
        ``exclude_kinks=True``, whose ``near_kink`` says which parameters' steps
        cross a kink and whose ``rel_diff`` leaves them out.  The verdict stays
        FAIL (there is no derivative at a kink); its text says so when some
        parameter straddles one.  None otherwise.
    layout : tuple of (str, tuple of int), or None
        Where each parameter of the flat vector lives, in its order: one
        ``("layers[i].W", shape)`` per parameter array of the model's layers
        (``W``, ``b``, a convolution's kernels, batch normalisation's ``gamma``
        and ``beta``); None when the model's layers do not account for its
        ``params``.  :meth:`parameter_name` reads it.
    ufldl : bool
        Whether every layer of the model is Dense, so that a parameter also has a name
        in UFLDL's notation, as ``chainrule trace --notation ufldl`` prints it
        (:meth:`ufldl_name`): ``layers[k]`` is UFLDL's ``W^(k+1)`` and ``b^(k+1)``.
    measure : str
        The course's formula :meth:`summary` prints beside ``rel_diff`` (one of
        :data:`~chainrule.gradcheck.MEASURES`; ``"ufldl"``, ``rel_diff`` itself, prints
        nothing more): the default of :meth:`difference`.  The verdict is judged on
        ``rel_diff`` whatever the measure.

    ``print(check)`` shows the figures and the verdict, PASS, FAIL or
    INCONCLUSIVE, by the rule and in the words of ``chainrule gradcheck``
    (:attr:`verdict`, :attr:`verdict_text`).
    """

    numerical: np.ndarray
    analytical: np.ndarray
    rel_diff: float
    cost: float
    eps: float
    near_kink: np.ndarray | None = None
    kink_units: int = 0
    rel_diff_all: float | None = None
    tolerance: float = 1e-7
    series: tuple[GradientCheck, ...] = ()
    kink_check: GradientCheck | None = None
    layout: tuple[tuple[str, tuple[int, ...]], ...] | None = None
    ufldl: bool = False
    measure: str = "ufldl"

    def difference(self, measure: str | None = None, array: str | None = None) -> float:
        """The two gradients' difference by a course's formula, over the compared parameters.

        Parameters
        ----------
        measure : {"ufldl", "dlai", "cs231n", "cs231n_notes"}, optional
            The formula (:func:`~chainrule.gradcheck.relative_difference`), default
            :attr:`measure`: ``"dlai"`` for deeplearning.ai's ``||a - b|| / (||a|| +
            ||b||)``, ``"cs231n"`` for cs231n's ``rel_error``; ``"ufldl"`` is
            ``rel_diff``.
        array : str, optional
            One parameter array only, by its name in :attr:`layout`, e.g.
            ``"layers[0].W"``, as cs231n's notebooks report each of ``W1``, ``b1``, ...;
            default all.

        Returns
        -------
        float
            Over the parameters not left out near a kink (:attr:`near_kink`).

        Raises
        ------
        ValueError
            If ``measure`` is unknown, or ``array`` names no array of :attr:`layout`.
        """
        measure = self.measure if measure is None else check_measure(measure)
        keep = (np.ones(self.numerical.size, dtype=bool) if self.near_kink is None
                else ~self.near_kink)
        if array is not None:
            names = [name for name, _ in self.layout or ()]
            if array not in names:
                raise ValueError(f"array must name a parameter array of this check's layout "
                                 f"({', '.join(names) or 'none: the model has no layout'}), "
                                 f"got {array!r}")
            offset = 0
            for name, shape in self.layout or ():
                n = int(np.prod(shape))
                if name == array:
                    inside = np.zeros_like(keep)
                    inside[offset:offset + n] = True
                    keep &= inside
                offset += n
        return relative_difference(self.numerical[keep], self.analytical[keep], measure)

    @property
    def compared(self) -> int:
        """How many parameters ``rel_diff`` compares (all but those near a kink)."""
        n = self.numerical.size
        return n if self.near_kink is None else n - int(np.count_nonzero(self.near_kink))

    @property
    def worst(self) -> int:
        """Index of the compared parameter with the largest absolute disagreement."""
        gap = np.abs(self.numerical - self.analytical)
        if self.near_kink is not None and self.compared:
            gap = np.where(self.near_kink, -1.0, gap)
        return int(np.argmax(gap))

    @property
    def verdict(self) -> str:
        """``"PASS"``, ``"FAIL"`` or ``"INCONCLUSIVE"``: the rule of ``chainrule gradcheck``.

        PASS when ``rel_diff < tolerance``.  Otherwise INCONCLUSIVE when the
        difference is rounding error, where the gradient is too small for central
        differences: every compared entry of both gradients is below ``1e-10 x
        max(1, |J|)`` (the central differences extrapolated to ``eps -> 0`` when
        those at ``eps/2`` and ``eps/4`` ran: at a model that fits its examples
        exactly they hold only their ``eps**2`` truncation error), or the difference
        grows by more than 1.4 at each of two halvings of ``eps``.  A difference
        that falls by 3 to 5 at each halving (the ``eps**2`` truncation error) is
        judged on the central differences
        extrapolated to ``eps -> 0`` (Richardson): PASS below ``tolerance``,
        INCONCLUSIVE while it still falls, FAIL when it stays.  Anything else
        at or above ``tolerance`` is a FAIL, as is a check that compared no
        parameter (all near a kink), and one whose gradients hold a NaN or an
        infinity (``rel_diff`` is then NaN; the text names the first such
        parameter).
        """
        return _judgement(self, _ADVICE)[0]

    @property
    def verdict_text(self) -> str:
        """The verdict and why, as ``chainrule gradcheck`` words it (a note first for 0 / 0)."""
        return _judgement(self, _ADVICE)[1]

    def __repr__(self) -> str:
        return (f"GradientCheck(verdict={self.verdict!r}, rel_diff={self.rel_diff:.3e}, "
                f"compared={self.compared}, eps={self.eps:g}, tolerance={self.tolerance:g}, "
                f"worst={self.parameter_name(self.worst)!r})")

    def parameter_name(self, i: int) -> str:
        """Which layer and entry the flat parameter ``i`` is, e.g. ``"layers[1].W[2, 0]"``.

        ``layers[1]`` is ``net.layers[1]`` (the numbering of ``net.summary()``) and
        ``W[2, 0]`` the entry of its weight matrix of shape (fan_in, fan_out): from
        unit 2 of the layer below to unit 0, every index counted from 0, as NumPy
        indexes ``net.layers[1].W``.  Just ``i`` without a :attr:`layout`.
        :meth:`ufldl_name` gives the same parameter as a trace names it, from 1.

        Parameters
        ----------
        i : int
            An index into the flat parameter vector, 0 <= i < ``numerical.size``.

        Returns
        -------
        str
        """
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"i must be an integer parameter index, got {i!r}")
        i = int(i)
        if not 0 <= i < self.numerical.size:
            raise ValueError(f"i must be a parameter index in 0..{self.numerical.size - 1}, "
                             f"got {i}")
        found = self._locate(i)
        if found is None:
            return str(i)
        name, entry, _ = found
        return f"{name}[{', '.join(map(str, entry))}]"

    def _locate(self, i: int) -> tuple[str, tuple[int, ...], tuple[int, ...]] | None:
        """``(array name, entry, array shape)`` of the checked parameter index ``i`` in
        :attr:`layout`, or None without one."""
        offset = 0
        for name, shape in self.layout or ():
            n = int(np.prod(shape))
            if i < offset + n:
                entry = tuple(int(k) for k in np.unravel_index(i - offset, shape))
                return name, entry, shape
            offset += n
        return None

    def ufldl_name(self, i: int) -> str | None:
        """The flat parameter ``i`` in UFLDL's notation, as ``chainrule trace --notation
        ufldl`` names it, e.g. ``"W^(2)_13"`` for ``layers[1].W[2, 0]``.

        UFLDL counts from 1 and writes ``W^(l)`` with rows = destination: ``W^(l)_ij``
        is the weight to unit ``i`` of layer ``l+1`` from unit ``j`` of layer ``l``
        (layer 1 the inputs), so ``layers[k].W[r, c]`` (from 0, (fan_in, fan_out)) is
        ``W^(k+1)_(c+1)(r+1)`` and ``layers[k].b[c]`` is ``b^(k+1)_(c+1)``; a comma
        parts the two indices where a side has 10 or more units (``W^(1)_3,12``), as
        in the trace.  None where the model is not all Dense layers (:attr:`ufldl`) or
        has no :attr:`layout`.

        Parameters
        ----------
        i : int
            An index into the flat parameter vector, 0 <= i < ``numerical.size``.

        Returns
        -------
        str or None
        """
        self.parameter_name(i)  # checks i
        found = self._locate(int(i)) if self.ufldl else None
        if found is None:
            return None
        name, entry, shape = found
        layer, _, array = name.partition("].")
        level = int(layer[len("layers["):]) + 1
        if array == "b" and len(entry) == 1:
            return f"b^({level})_{entry[0] + 1}"
        if array == "W" and len(entry) == 2:
            sep = "," if max(shape) >= 10 else ""
            return f"W^({level})_{entry[1] + 1}{sep}{entry[0] + 1}"
        return None

    def _described(self, i: int) -> str:
        """`` (layers[1].W[2, 0], UFLDL's W^(2)_13)`` for the reports; empty without a
        :attr:`layout`."""
        if self.layout is None:
            return ""
        ufldl = self.ufldl_name(i)
        also = "" if ufldl is None else f", UFLDL's {ufldl}"
        return f" ({self.parameter_name(i)}{also})"

    def __str__(self) -> str:
        return f"{self.summary()}\n{self.verdict_text}"

    def summary(self) -> str:
        """The figures without the verdict: relative difference and the worst parameter.

        Returns
        -------
        str
        """
        i = self.worst
        text = (
            f"gradient check over {self.compared} parameters (eps={self.eps:g}): "
            f"relative difference {self.rel_diff:.3e}; worst parameter {i}"
            f"{self._described(i)}: "
            f"numerical {self.numerical[i]:.10g}, analytical {self.analytical[i]:.10g}"
        )
        if self.measure != "ufldl":
            text += (f"\n{self.measure}'s {MEASURES[self.measure]}: {self.difference():.3e} "
                     "(the verdict reads the relative difference above)")
        if self.near_kink is not None and self.compared < self.numerical.size:
            k = self.numerical.size - self.compared
            text += (
                f"\n{k} parameter(s) near a kink, not comparable: their steps of +-eps move "
                f"{self.kink_units} net input(s) across a kink of their activation (ReLU's "
                f"corner, ELU's jump of f'') "
                f"or change the largest pixel of a max-pooling window, where the central "
                f"difference is no derivative (relative difference with "
                f"them: {self.rel_diff_all:.3e})"
            )
        return text
