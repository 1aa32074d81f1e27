"""Symbols and array layouts of the two vector notations of a trace.

* ``transfer``: one matrix ``W0, W1, ...`` per layer of shape (fan_in + 1,
  fan_out) whose first row holds the biases; the output of layer k is
  ``x^(k)``, its net input ``s^(k)``.
* ``ufldl``: ``W^(l)`` of shape (fan_out, fan_in) and ``b^(l)``; layer k
  outputs ``a^(k+1)`` from the net input ``z^(k+1)``.

:mod:`.notations` lays the blocks and the JSON dict of a trace out with
these names; this module only names the numbers and orients the arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._frozen import FROZEN, frozen_masks
from .compute import LayerStep
from .render import Sym


# --- symbols of the two vector notations ---------------------------------------------------------
@dataclass(frozen=True)
class _Names:
    """Symbols of a vector notation; ``k`` = 1..L numbers the Dense layers, ``j`` units from 1.

    ``shift`` maps layer ``k`` to the superscript of its outputs: transfer
    matrices call the output of layer k ``x^(k)`` (input ``x^(0)``), UFLDL
    numbers node layers from 1, so layer k outputs ``a^(k+1)``.
    """

    title: str
    net: str
    out: str
    E: str
    f: tuple[str, str]
    shift: int

    def sym(self, kind: str, k: int, j: int | None = None) -> Sym:
        sub_t = "" if j is None else f"_{j}"
        sub_l = "" if j is None else f"_{{{j}}}"
        sup = k + self.shift
        if kind in ("net", "out"):
            letter = self.net if kind == "net" else self.out
            return Sym(f"{letter}^({sup}){sub_t}", f"{letter}^{{({sup})}}{sub_l}")
        if kind == "delta":
            return Sym(f"delta^({sup}){sub_t}", rf"\delta^{{({sup})}}{sub_l}")
        if kind == "dout":
            o = self.sym("out", k, j)
            return Sym(f"d{self.E}/d{o.text}", rf"\frac{{\partial {self.E}}}{{\partial {o.latex}}}")
        if kind == "fprime":
            z = self.sym("net", k, j)
            return Sym(f"{self.f[0]}'({z.text})", rf"{self.f[1]}'({z.latex})")
        raise KeyError(kind)


_NAMES = {
    "transfer": _Names("transfer-matrix notation", "s", "x", "E", ("phi", r"\phi"), 0),
    "ufldl": _Names("UFLDL notation", "z", "a", "J", ("f", "f"), 1),
}


def _transfer_matrix(k: int) -> Sym:
    return Sym(f"W{k - 1}", f"W^{{({k - 1})}}")


# --- transfer and ufldl: vectors, matrices and node tables ---------------------------------------
def _matrices(notation: str, k: int, ls: LayerStep) -> list[tuple[Sym, np.ndarray, np.ndarray,
                                                                    np.ndarray]]:
    """(name, value, gradient, new value) of each parameter array, in the notation's layout."""
    if notation == "transfer":
        zero = np.zeros(ls.n_out)

        def aug(b: np.ndarray | None, W: np.ndarray) -> np.ndarray:
            return np.vstack([zero if b is None else b, W])

        name = _transfer_matrix(k)
        return [(name, aug(ls.b, ls.W), aug(ls.db, ls.dW), aug(ls.b_new, ls.W_new))]
    out = [(Sym(f"W^({k})", f"W^{{({k})}}"), ls.W.T, ls.dW.T, ls.W_new.T)]
    if ls.b is not None:
        out.append((Sym(f"b^({k})", f"b^{{({k})}}"), ls.b, ls.db, ls.b_new))
    return out


def _weight_rows(notation: str, k: int, ls: LayerStep) -> list[tuple[Sym, float, float, float]]:
    """One row per weight: (label, value, gradient, new value)."""
    rows = []
    for name, M, G, N in _matrices(notation, k, ls):
        if M.ndim == 1:
            for i in range(M.shape[0]):
                rows.append((Sym(f"{name.text}_{i + 1}", f"{name.latex}_{{{i + 1}}}"),
                             M[i], G[i], N[i]))
            continue
        for i in range(M.shape[0]):
            for j in range(M.shape[1]):
                if notation == "transfer":  # row 0 = biases, column j feeds unit j + 1
                    if i == 0 and ls.b is None:
                        continue
                    lab = Sym(f"{name.text}[{i},{j + 1}]", f"{name.latex}_{{{i},{j + 1}}}")
                else:  # UFLDL W_ij: to unit i from unit j, both from 1; with 10 or more
                    # units on a side W_111 could be (1, 11) or (11, 1): a comma then
                    sep = "," if max(M.shape) >= 10 else ""
                    lab = Sym(f"{name.text}_{i + 1}{sep}{j + 1}",
                              f"{name.latex}_{{{i + 1}{sep}{j + 1}}}")
                rows.append((lab, M[i, j], G[i, j], N[i, j]))
    return rows


def _weight_flags(notation: str, ls: LayerStep) -> list[bool]:
    """Whether the step keeps each row of :func:`_weight_rows` (a frozen parameter), in
    its order."""
    flags: list[bool] = []
    for mask in frozen_masks(notation, ls):
        if mask.ndim == 1:
            flags += mask.tolist()
            continue
        start = 1 if notation == "transfer" and ls.b is None else 0  # (row 0: no biases)
        flags += mask[start:].ravel().tolist()
    return flags


def _marked_rows(notation: str, k: int, ls: LayerStep) -> list[tuple[Sym, float, float, float]]:
    """:func:`_weight_rows` with " (frozen)" after the label of each parameter the step
    keeps (its new value is its value; its gradient is shown, not applied)."""
    return [(Sym(f"{lab.text} {FROZEN}", rf"{lab.latex}\ \text{{{FROZEN}}}") if kept else lab,
             v, g, n)
            for (lab, v, g, n), kept in zip(_weight_rows(notation, k, ls),
                                            _weight_flags(notation, ls), strict=True)]
