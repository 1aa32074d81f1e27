"""UFLDL's sparsity penalty in a mini-batch trace: ``beta * sum_j KL(rho || rho_hat_j)``.

The sparse autoencoder's cost (:class:`chainrule.autoencoder.SparseAutoencoder`) adds
to ``J`` the penalty on the hidden layer's average activations over the ``m`` examples,
``rho_hat_j = (1/m) sum_i a_ij``; backpropagation adds to each example's ``dE_i/da``
of the hidden layer the row ``beta (-rho / rho_hat + (1 - rho) / (1 - rho_hat))``
before it is multiplied by ``f'(z)`` (UFLDL's ``sparseAutoencoderCost``; its
gradients are then ``(1/m) sum_i delta_i a_i^T``).  :func:`check_sparsity` says
where the penalty applies (one hidden layer, ``m > 1`` examples: ``rho_hat`` needs
the batch), :func:`sparse_examples` puts the row into each example's hidden-layer
numbers, and :func:`sparsity_blocks` / :func:`sparsity_dict` lay the penalty out.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validation import number_text
from .render import Block, Heading, Line, Note, Num, Sym, Table

if TYPE_CHECKING:
    from .batch import BatchStepTrace
    from .compute import StepTrace

__all__ = ["check_sparsity", "kl_divergence", "sparse_examples", "sparsity_blocks",
           "sparsity_dict"]

#: How messages name the two settings, by default (the library's and the description's).
NAMES = ("rho", "beta")


def check_sparsity(rho: object, beta: object, n_layers: int, m: int,
                   names: tuple[str, str] = NAMES) -> tuple[float, float]:
    """``(rho, beta)`` as floats, once the penalty can be traced.

    Parameters
    ----------
    rho : float in (0, 1)
        The target average activation of each hidden unit.
    beta : float >= 0
        The weight of the penalty.
    n_layers : int
        The network's layers: the penalty is on the one hidden layer of a network of two.
    m : int
        The examples of the step: ``rho_hat`` is their mean, so ``m > 1``.
    names : (str, str), default ("rho", "beta")
        How the messages name ``rho`` and ``beta`` (``--rho``, ``--beta`` on the command
        line).

    Returns
    -------
    (float, float)

    Raises
    ------
    ValueError
        Naming ``rho`` or ``beta``: a value out of range, a network without exactly one
        hidden layer, or a single example.
    """
    from ..autoencoder import KLSparsity

    r, b = names
    if isinstance(rho, bool) or not isinstance(rho, (int, float, np.number)) or not (
            0 < _as_float(rho) < 1):
        raise ValueError(f"{r}: the sparsity target rho is a mean activation in (0, 1) "
                         f"(UFLDL's sparsityParam, e.g. 0.05), got {number_text(rho):.40}")
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.number)) or not (
            np.isfinite(_as_float(beta)) and _as_float(beta) >= 0):
        raise ValueError(f"{b}: the weight of the sparsity penalty is a finite number >= 0 "
                         f"(UFLDL's beta, e.g. 3), got {number_text(beta):.40}")
    if n_layers != 2:
        raise ValueError(f"{r}: the sparsity penalty is traced on the hidden layer of a "
                         f"network with one hidden layer (a sparse autoencoder: input -> "
                         f"hidden -> output); this network has {n_layers - 1} hidden "
                         f"layer(s) ({n_layers} weight matrices)")
    if m < 2:
        raise ValueError(f"{r}: the sparsity penalty compares rho with rho_hat_j, the "
                         f"average activation of hidden unit j over the mini-batch, which "
                         f"one example does not estimate; give m > 1 examples (--input "
                         f"and --target once per example), got m = {m}")
    penalty = KLSparsity(float(rho), float(beta))
    return penalty.rho, penalty.beta


def _as_float(value: object) -> float:
    """``float(value)``, or inf for an int past float's range (``10**400``), whose float()
    raises an OverflowError: out of every range checked here."""
    try:
        return float(value)
    except OverflowError:
        return float("inf")


def kl_divergence(rho: float, rho_hat: np.ndarray) -> np.ndarray:
    """``KL(rho || rho_hat_j) = rho log(rho / rho_hat_j) + (1 - rho) log((1 - rho) /
    (1 - rho_hat_j))`` of each unit, shape (n_hidden,)."""
    return rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))


def delta_term(rho: float, beta: float, rho_hat: np.ndarray) -> np.ndarray:
    """``beta (-rho / rho_hat_j + (1 - rho) / (1 - rho_hat_j))``, shape (n_hidden,)."""
    return beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))


def hidden_means(examples: list[StepTrace], name: str = "rho") -> np.ndarray:
    """``rho_hat``: the hidden layer's mean activation over the examples, shape (n_hidden,);
    a ValueError naming ``name`` where an activation is outside [0, 1] or a mean is 0 or 1."""
    A = np.stack([e.layers[0].a for e in examples])
    act = examples[0].layers[0].activation
    if A.min() < 0 or A.max() > 1 or examples[0].layers[0].fprime is None:
        raise ValueError(f"{name}: the sparsity penalty compares rho with mean activations "
                         f"as probabilities, so the hidden layer's activation gives values "
                         f"in [0, 1] and has a derivative per unit (sigmoid, as UFLDL's); "
                         f"the hidden layer's {act} gives values from {A.min():g} to "
                         f"{A.max():g}")
    rho_hat = A.mean(axis=0)
    if np.any((rho_hat <= 0) | (rho_hat >= 1)):
        j = int(np.flatnonzero((rho_hat <= 0) | (rho_hat >= 1))[0]) + 1
        raise ValueError(f"{name}: hidden unit {j} is saturated on every example (its "
                         f"average activation rho_hat_{j} is {rho_hat[j - 1]:g}), where "
                         f"KL(rho || rho_hat_{j}) is infinite; expected smaller weights "
                         "or inputs")
    return rho_hat


def sparse_examples(examples: list[StepTrace], rho: float, beta: float) -> list[StepTrace]:
    """The examples' steps with the sparsity row added to the hidden layer's ``dE_i/da``,
    and its delta ``(dE_i/da + row) * f'(z)`` and gradients recomputed from it."""
    row = delta_term(rho, beta, hidden_means(examples))
    out = []
    for e in examples:
        h = e.layers[0]
        dE_da = h.dE_da + row
        delta = dE_da * h.fprime
        hidden = replace(h, dE_da=dE_da, delta=delta, dW=np.outer(h.a_in, delta),
                         db=None if h.db is None else delta.copy(), backprop=h.dE_da)
        out.append(replace(e, layers=[hidden, *e.layers[1:]]))
    return out


_PENALTY = Sym("beta sum_j KL(rho || rho_hat_j)",
               r"\beta \sum_j \mathrm{KL}(\rho \,\|\, \hat\rho_j)")


def sparsity_blocks(step: BatchStepTrace, names: Any) -> list[Block]:
    """The penalty's section, after the forward pass: ``rho_hat``, each unit's KL and
    their weighted sum."""
    a, pen = names.sym("out", 1), _PENALTY
    rows = tuple((str(j), Num(r), Num(k)) for j, (r, k) in
                 enumerate(zip(step.rho_hat, step.kl, strict=True), start=1))
    return [
        Heading("Sparsity penalty on the hidden layer"),
        Line((Sym("rho", r"\rho"), " = ", Num(step.rho), Sym(",   ", r",\quad "),
              Sym("beta", r"\beta"), " = ", Num(step.beta))),
        Line((Sym(f"rho_hat_j = (1/m) sum_i {a.text}_j",
                  rf"\hat\rho_j = \frac{{1}}{{m}} \sum_i {a.latex}_j"), Sym(",   ", r",\quad "),
              Sym("KL(rho || rho_hat_j) = rho log(rho / rho_hat_j) + (1 - rho) log((1 - rho) "
                  "/ (1 - rho_hat_j))",
                  r"\mathrm{KL}(\rho \,\|\, \hat\rho_j) = \rho \log\frac{\rho}{\hat\rho_j} + "
                  r"(1 - \rho) \log\frac{1 - \rho}{1 - \hat\rho_j}"))),
        Table((Sym("unit j", r"\text{unit } j"), Sym("rho_hat_j", r"\hat\rho_j"),
               Sym("KL(rho || rho_hat_j)", r"\mathrm{KL}(\rho \,\|\, \hat\rho_j)")), rows),
        Line((pen, " = ", Num(step.sparsity_penalty))),
    ]


def cost_line(step: BatchStepTrace, decay: tuple[str, str] | None) -> Line:
    """``J = (1/m) sum_i E_i [+ decay] + beta sum_j KL(rho || rho_hat_j)`` with its terms."""
    pen = _PENALTY
    head_t = "J = (1/m) sum_i E_i" + (f" + {decay[0]} sum W^2" if decay else "")
    head_l = r"J = \frac{1}{m} \sum_i E_i" + (rf" + {decay[1]} \sum W^2" if decay else "")
    parts: list[Any] = [Sym(f"{head_t} + {pen.text}", rf"{head_l} + {pen.latex}"), " = ",
                        Num(step.mean_loss)]
    if decay:
        parts += [" + ", Num(step.decay_term)]
    parts += [" + ", Num(step.sparsity_penalty), " = ", Num(step.cost)]
    return Line(tuple(parts))


def hidden_label(dout: Sym) -> Sym:
    """What the hidden layer's column holds under the penalty: ``dE_i/da`` (the
    reconstruction error's, from the layer above) plus the sparsity term."""
    return Sym(f"{dout.text} + sparsity", rf"{dout.latex} + \text{{sparsity}}")


def hidden_dout(names: Any, k: int, notation: str) -> list[Block]:
    """The hidden layer's ``dE_i/da + sparsity`` (the sparsity row added), and that row's
    values."""
    dout, dn = hidden_label(names.sym("dout", k)), names.sym("delta", k + 1)
    term = Sym("beta (-rho / rho_hat + (1 - rho) / (1 - rho_hat))",
               r"\beta \left(-\frac{\rho}{\hat\rho} + \frac{1 - \rho}{1 - \hat\rho}\right)")
    if notation == "transfer":
        from ._vector_layout import _transfer_matrix

        Wn = _transfer_matrix(k + 1)
        back = Sym(f"{Wn.text}[1:] {dn.text}", f"{Wn.latex}_{{1:}} {dn.latex}")
    else:
        back = Sym(f"W^({k + 1})^T {dn.text}", f"W^{{({k + 1})\\top}} {dn.latex}")
    return [Line((dout, " = ", back, Sym(" + ", " + "), term))]


def sparsity_row_blocks(step: BatchStepTrace) -> list[Block]:
    """The row added to every example's hidden ``dE_i/da``, and what it means."""
    from .render import Arr

    return [
        Line((Sym("beta (-rho / rho_hat + (1 - rho) / (1 - rho_hat))",
                  r"\beta \left(-\frac{\rho}{\hat\rho} + \frac{1 - \rho}{1 - \hat\rho}\right)"),
              " = ", Arr(step.sparsity_delta))),
        Note("(the sparsity term, the same for every example: m times the penalty's "
             "derivative by each example's activation, as UFLDL's sparseAutoencoderCost adds "
             "it before f'; so the mean (1/m) sum_i of the examples' gradients below is the "
             "gradient of J: reconstruction error and penalty)"),
    ]


def sparsity_dict(step: BatchStepTrace) -> dict[str, Any]:
    """The penalty's numbers for the JSON trace (full precision)."""
    return {"rho": step.rho, "beta": step.beta, "layer": 1,
            "rho_hat": step.rho_hat.tolist(), "kl": step.kl.tolist(),
            "penalty": step.sparsity_penalty, "delta_term": step.sparsity_delta.tolist()}
