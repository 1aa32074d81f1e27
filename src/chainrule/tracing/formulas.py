"""Formulas of losses and activation derivatives, spelled in plain text and LaTeX.

Only the spelling lives here: every number of a trace comes from the
library's own computation.  ``o`` and ``t`` stand for an output and its
target, ``net``/``out`` for a unit's net input and output; a notation
substitutes its own symbols.
"""

from __future__ import annotations

from ._step_notes import overshoot_note as overshoot_note
from ._step_notes import target_note as target_note
from .render import fmt, tex_name

__all__ = ["dE_dout_formula", "decay_formula", "fprime_formula", "from_net_note",
           "fused_divisor", "fused_note", "fused_product_note", "loss_formula",
           "loss_settings_note", "overshoot_note", "softmax_sum_note", "target_note"]

# loss name -> (text, latex) with {o}, {t} placeholders for one output unit k
_LOSS = {
    "squared_error": ("E = sum_{k} 1/2 ({t}_{k} - {o}_{k})^2",
                      r"E = \sum_{{{k}}} \frac{{1}}{{2}} ({t}_{{{k}}} - {o}_{{{k}}})^2"),
    "mean_squared_error": ("E = 1/K sum_{k} ({o}_{k} - {t}_{k})^2",
                           r"E = \frac{{1}}{{K}} \sum_{{{k}}} ({o}_{{{k}}} - {t}_{{{k}}})^2"),
    "log_loss": ("E = -sum_{k} [{t}_{k} log {o}_{k} + (1 - {t}_{k}) log(1 - {o}_{k})]",
                 r"E = -\sum_{{{k}}} \left[{t}_{{{k}}} \log {o}_{{{k}}} + (1 - {t}_{{{k}}}) "
                 r"\log(1 - {o}_{{{k}}})\right]"),
    "cross_entropy": ("E = -sum_{k} {t}_{k} log {o}_{k}",
                      r"E = -\sum_{{{k}}} {t}_{{{k}}} \log {o}_{{{k}}}"),
    "poisson": ("E = sum_{k} [{t}_{k} log({t}_{k} / {o}_{k}) - {t}_{k} + {o}_{k}]",
                r"E = \sum_{{{k}}} \left[{t}_{{{k}}} \log \frac{{{t}_{{{k}}}}}{{{o}_{{{k}}}}} "
                r"- {t}_{{{k}}} + {o}_{{{k}}}\right]"),
    # h first: the trace writes the loss's value after the formula, which ends with E's sum
    "huber": ("h(r) = r^2 / 2 for |r| <= delta, delta (|r| - delta / 2) beyond; "
              "E = sum_{k} h({o}_{k} - {t}_{k})",
              r"h(r) = \begin{{cases}} r^2 / 2 & |r| \le \delta \\ \delta (|r| - \delta / 2) "
              r"& |r| > \delta \end{{cases}},\quad E = \sum_{{{k}}} h({o}_{{{k}}} - {t}_{{{k}}})"),
    "mean_absolute_error": ("E = 1/K sum_{k} |{o}_{k} - {t}_{k}|",
                            r"E = \frac{{1}}{{K}} \sum_{{{k}}} |{o}_{{{k}}} - {t}_{{{k}}}|"),
    # the margin losses (cs231n's svm_loss; micrograd's demo): c is the target's class
    "multiclass_hinge": ("E = sum_{{{k} != c}} max(0, {o}_{k} - {o}_c + 1) (c: {t}_c = 1)",
                         r"E = \sum_{{{k} \ne c}} \max(0, {o}_{{{k}}} - {o}_c + 1)\ "
                         r"(c\colon {t}_c = 1)"),
    "hinge": ("E = sum_{k} max(0, 1 - {t}_{k} {o}_{k})",
              r"E = \sum_{{{k}}} \max(0, 1 - {t}_{{{k}}} {o}_{{{k}}})"),
}

# loss name -> dE/do_k (text, latex)
_DLOSS = {
    "squared_error": ("{o} - {t}", "{o} - {t}"),
    "mean_squared_error": ("2/K ({o} - {t})", r"\frac{{2}}{{K}} ({o} - {t})"),
    "log_loss": ("({o} - {t}) / ({o} (1 - {o}))", r"\frac{{{o} - {t}}}{{{o} (1 - {o})}}"),
    "cross_entropy": ("-{t} / {o}", r"-\frac{{{t}}}{{{o}}}"),
    "poisson": ("1 - {t} / {o}", r"1 - \frac{{{t}}}{{{o}}}"),
    "huber": ("clip({o} - {t}, -delta, delta)", r"\mathrm{{clip}}({o} - {t}, -\delta, \delta)"),
    "mean_absolute_error": ("1/K sign({o} - {t})",
                            r"\frac{{1}}{{K}} \operatorname{{sign}}({o} - {t})"),
    # the scores' outputs are coupled: written with a generic o, whatever the notation's
    "multiclass_hinge": ("[o_k - o_c + 1 > 0] for k != c, -sum_{{j != c}} [o_j - o_c + 1 > 0] "
                         "for k = c (o: the outputs, c: the target's class)",
                         r"\begin{{cases}} \mathbf{{1}}[o_k - o_c + 1 > 0] & k \ne c \\ "
                         r"-\sum_{{j \ne c}} \mathbf{{1}}[o_j - o_c + 1 > 0] & k = c "
                         r"\end{{cases}}"),
    "hinge": ("-{t} [1 - {t} {o} > 0]",
              r"\begin{{cases}} -{t} & {t} {o} < 1 \\ 0 & {t} {o} \ge 1 \end{{cases}}"),
}


def _cases(positive: str, otherwise: str) -> str:
    """A derivative's two branches, at ``{net} > 0`` and at ``{net} <= 0``, as LaTeX cases."""
    return (r"\begin{{cases}} " + positive + r" & {net} > 0 \\ " + otherwise
            + r" & {net} \le 0 \end{{cases}}")


# activation name -> f'(net) (text, latex) with {net}, {out} placeholders
_DACT = {
    "identity": ("1", "1"),
    "sigmoid": ("{out} (1 - {out})", r"{out} (1 - {out})"),
    "tanh": ("1 - {out}^2", r"1 - {{{out}}}^2"),  # braced: a^{(2)}^2 is a double superscript
    "lecun_tanh": ("2/3 (1.7159 - {out}^2 / 1.7159)",
                   r"\frac{{2}}{{3}} \left(1.7159 - {{{out}}}^2 / 1.7159\right)"),
    # the piecewise ones as cases (KaTeX, MathJax; mathtext has no environments), f' at the
    # corner z = 0 the left derivative, as chainrule takes it
    "relu": ("[{net} > 0]", _cases("1", "0")),
    "leaky_relu": ("1 if {net} > 0 else 0.01", _cases("1", "0.01")),
    "softplus": ("sigmoid({net})", r"\sigma({net})"),
    "elu": ("1 if {net} > 0 else {out} + 1", _cases("1", "{out} + 1")),
    # Phi(net) + net phi(net), spelled out: the transfer-matrix notation calls f itself phi
    "gelu": ("(1 + erf({net} / sqrt(2))) / 2 + {net} exp(-{net}^2 / 2) / sqrt(2 pi)",
             r"\frac{{1}}{{2}} \left(1 + \mathrm{{erf}}({net} / \sqrt{{2}})\right) + "
             r"{net}\, e^{{-{{{net}}}^2 / 2}} / \sqrt{{2 \pi}}"),
    "silu": ("sigmoid({net}) (1 + {net} (1 - sigmoid({net})))",
             r"\sigma({net}) \left(1 + {net} \left(1 - \sigma({net})\right)\right)"),
    "square": ("2 {net}", r"2\,{net}"),
    "exp": ("{out}", "{out}"),
}


def _braces(latex: str) -> str:
    """``latex`` inside a template that ``str.format`` fills in later: braces doubled."""
    return latex.replace("{", "{{").replace("}", "}}")


def loss_formula(loss: str, o: tuple[str, str], t: tuple[str, str], k: str = "k",
                 E: tuple[str, str] = ("E", "E")) -> tuple[str, str]:
    """The per-example loss as (text, latex).

    Parameters
    ----------
    loss : str
        The loss's name.
    o, t : (str, str)
        The (text, latex) symbols of an output and its target.
    k : str, default "k"
        The index over output units.
    E : (str, str), default ("E", "E")
        The (text, latex) name of the loss.

    Returns
    -------
    text, latex : str
    """
    text, latex = _LOSS.get(loss, (f"E = {loss}({{o}}, {{t}})",
                                   rf"E = {_braces(tex_name(loss))}({{o}}, {{t}})"))
    text = text.replace("E = ", f"{E[0]} = ", 1)  # the loss's name where E is defined
    latex = latex.replace("E = ", f"{E[1]} = ", 1)
    return (text.format(o=o[0], t=t[0], k=k), latex.format(o=o[1], t=t[1], k=k))


def dE_dout_formula(loss: str, o: tuple[str, str], t: tuple[str, str]) -> tuple[str, str]:
    """``dE/do`` of one output unit as (text, latex).

    Parameters
    ----------
    loss : str
    o, t : (str, str)
        The (text, latex) symbols of the output and its target.

    Returns
    -------
    text, latex : str
    """
    text, latex = _DLOSS.get(loss, ("dE/do", r"\partial E / \partial o"))
    return text.format(o=o[0], t=t[0]), latex.format(o=o[1], t=t[1])


def fprime_formula(activation: str, net: tuple[str, str], out: tuple[str, str]
                   ) -> tuple[str, str]:
    """``f'(net)`` as (text, latex), written from the output where the library does so.

    Parameters
    ----------
    activation : str
    net, out : (str, str)
        The (text, latex) symbols of the unit's net input and output.

    Returns
    -------
    text, latex : str
    """
    text, latex = _DACT.get(activation, (f"{activation}'({{net}})",
                                         rf"{_braces(tex_name(activation))}'({{net}})"))
    return text.format(net=net[0], out=out[0]), latex.format(net=net[1], out=out[1])


def decay_formula(J: tuple[str, str], E: tuple[str, str], w: str = "W") -> tuple[str, str]:
    """``J = E + (lambda/2) sum W^2`` as (text, latex): the cost of one example with weight
    decay (``m = 1``, so the "ufldl" and "per_sample" conventions agree).

    Parameters
    ----------
    J, E : (str, str)
        The (text, latex) names of the cost and of the loss.
    w : str, default "W"
        The weights' symbol.

    Returns
    -------
    text, latex : str
    """
    return (f"{J[0]} = {E[0]} + (lambda/2) sum {w}^2",
            rf"{J[1]} = {E[1]} + \frac{{\lambda}}{{2}} \sum {w}^2")


def loss_settings_note(loss: str, params: dict[str, float], digits: int = 6,
                       n_outputs: int | None = None) -> str | None:
    """The note under :func:`loss_formula` that gives the loss's settings their values.

    Parameters
    ----------
    loss : str
        The loss's name.
    params : dict of str to float
        Its settings that the formula names (huber's ``delta``).
    digits : int, default 6
        Significant digits of the values.
    n_outputs : int, optional
        The network's outputs: the classes K of a label-smoothed ``cross_entropy``.

    Returns
    -------
    str or None
        The note, or None for a loss without settings.  With ``label_smoothing`` it says
        that the target shown is the one given, smoothed (the trace computes the plain loss
        of the smoothed target, whose formulas hold of the numbers shown).
    """
    if not params:
        return None
    if "label_smoothing" in params:
        eps = fmt(params["label_smoothing"], digits)
        k = 2 if loss == "log_loss" else n_outputs  # log_loss: each output two classes
        return (f"(label_smoothing = {eps}: the target shown is the one given, smoothed to "
                f"(1 - {eps}) target + {eps} / {k if k else 'K'}; E is the plain {loss} of "
                "it)")
    values = ", ".join(f"{k} = {fmt(v, digits)}" for k, v in params.items())
    if loss == "huber":  # two deltas in one trace: say which this is
        return (f"({values}: the threshold of the Huber loss, quadratic within it and linear "
                "beyond; not the error terms delta of the units)")
    return f"({values}: the settings of the {loss} loss)"


def decay_note(weight_decay: float, decay: str, digits: int = 6) -> str:
    """The note under :func:`decay_formula`: lambda at ``digits`` significant digits, the
    decay convention, ``m = 1`` and the biases left out of the decay."""
    return (f"(lambda = {fmt(weight_decay, digits)}, decay={decay!r}: one example, m = 1; "
            "biases are not decayed)")


def fused_divisor(loss: str, out: str, fprime: str) -> str | None:
    """What a canonical pair's fused delta never divides by, in the notation's symbols.

    ``dE/d(out)`` of log_loss is ``(out - y) / (out (1 - out))``, whose divisor is the
    sigmoid's ``f'``; cross_entropy's ``-y / out`` and poisson's ``1 - y / out`` divide
    by the output; squared_error's ``out - y`` divides by nothing (None).

    Parameters
    ----------
    loss : str
    out, fprime : str
        The output's symbol and its derivative's, as printed (``"x^(2)"``,
        ``"phi'(s^(2))"``).

    Returns
    -------
    str or None
    """
    if loss == "log_loss":
        return f"{fprime} = {out} (1 - {out})"
    if loss in ("cross_entropy", "poisson"):
        return out
    return None


def fused_note(activation: str, loss: str, target_sum: float, divisor: str | None,
               sums: str | None = None) -> str:
    """The note under a canonical pair's output deltas: how chainrule computes them.

    ``target_sum`` is the sum of the example's targets: cross-entropy's delta is
    ``sum(target) * out - target``, which is ``out - target`` only for targets
    that sum to 1 (a one-hot row, or probabilities).

    Parameters
    ----------
    activation, loss : str
    target_sum : float
    divisor : str or None
        What the fused computation never divides by, as printed
        (:func:`fused_divisor`); None where the loss's dE/d(out) divides by nothing.
    sums : str, optional
        Which targets sum to what, in place of "the targets sum to {target_sum}, not 1"
        (a mini-batch: "example 1's targets sum to 1.1, not 1"); given, the note is
        that of targets that do not sum to 1.

    Returns
    -------
    str
    """
    how = "delta = out - target"
    if loss == "cross_entropy" and (sums is not None or abs(target_sum - 1.0) > 1e-12):
        which = sums if sums is not None else f"the targets sum to {target_sum:g}, not 1"
        how = f"delta = sum(target) * out - target ({which})"
    never = "" if divisor is None else f", never dividing by {divisor}"
    return f"({activation} output with {loss}: chainrule computes {how} directly{never})"


def _lost(E: str, out: str, f: str) -> str:
    """Why printed factors dE/d(out) and f' need not multiply to the delta."""
    return (f"the factors d{E}/d{out} and {f} printed here are computed from {out} rounded "
            "to float64 (and clipped before the loss divides by it): where it saturates they "
            "lose delta, and where the terms of their product cancel, their rounding errors "
            "are all that is left, so they no longer multiply to delta (above: their float64 "
            "product)")


def from_net_note(activation: str, loss: str, E: str, net: str, out: str, f: str) -> str:
    """The note under output deltas whose printed factors do not multiply to them.

    A non-canonical pair with a closed form of ``dE/d(net)`` (sigmoid +
    cross_entropy, ...) computes delta from the net input, not from the
    factors.

    Parameters
    ----------
    activation, loss : str
    E, net, out, f : str
        The notation's symbols (``f`` the derivative, or the softmax Jacobian).

    Returns
    -------
    str
    """
    return (f"({activation} output with {loss}: chainrule computes delta = d{E}/d{net} "
            f"straight from {net}, in closed form, not as this product; {_lost(E, out, f)}. "
            "The delta printed is the exact one, and the one the gradients use.)")


def fused_product_note(E: str, out: str, f: str) -> str:
    """The note under a canonical pair's output deltas whose printed factors do not
    multiply to them.

    Parameters
    ----------
    E, out, f : str
        The notation's symbols (``f`` the derivative, or the softmax Jacobian).

    Returns
    -------
    str
    """
    return (f"({_lost(E, out, f)}; the delta printed, computed as the note above the table "
            "says, without them, is the exact one, and the one the gradients use.)")


def softmax_sum_note(E: str, out: str, netout: bool = False) -> str:
    """The note under softmax deltas that the numbers printed cannot show: computed as
    ``out (dE/dout - sum_m dE/dout_m out_m)``, whose terms cancel where out saturates.

    Parameters
    ----------
    E, out : str
        The notation's symbols.
    netout : bool, default False
        The net/out notation, which then gives those deltas without numbers.

    Returns
    -------
    str
    """
    where = ("those deltas are given without their numbers: written out term by term, or "
             "factored, the numbers rounded to the digits printed would not come to them" if
             netout else "the Jacobian sum written out term by term comes out otherwise in "
             "float64 (above)")
    return (f"(softmax: chainrule computes delta = {out} (d{E}/d{out} - sum_m d{E}/d{out}_m "
            f"{out}_m), the Jacobian sum factored; where {out} saturates its terms cancel, so "
            f"{where}. The delta printed is the one the gradients use.)")
