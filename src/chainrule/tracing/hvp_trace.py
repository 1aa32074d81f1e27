"""Every number of an exact Hessian-vector product ``H v``: Pearlmutter's R-operator traced.

:func:`chainrule.hessian_vector_product` computes ``H v`` in four passes (the equations are
in :mod:`chainrule._hessian_rop`); :func:`trace_hvp` prints each of them layer by layer for a
tiny network of Dense layers, one example or a small batch, in chainrule's row convention
(``Z = A_prev W + b``, one example per row, ``W`` of shape (fan_in, fan_out)):

1. forward: ``Z_l = A_{l-1} W_l + b_l``, ``A_l = f(Z_l)``;
2. backward: ``delta_L = dJ/dZ_L``, ``delta_l = (delta_{l+1} W_{l+1}^T) * f'(Z_l)``,
   ``dW_l = A_{l-1}^T delta_l``, ``db_l = sum_rows delta_l`` (the mean over the ``m`` rows is
   in ``delta``: each row carries ``1/m``, or ``w_i / sum(w)`` with sample weights);
3. R-forward, ``R{x} = d/dr x(theta + r v)`` at ``r = 0`` (``R{A_0} = 0``; ``V_l``, ``c_l``
   the parts of ``v`` at ``W_l``, ``b_l``): ``R{Z_l} = A_{l-1} V_l + R{A_{l-1}} W_l + c_l``,
   ``R{A_l} = f'(Z_l) * R{Z_l}``;
4. R-backward: ``R{delta_L} = H_out R{Z_L}`` (the loss's curvature in ``z``),
   ``R{delta_l} = (R{delta_{l+1}} W_{l+1}^T + delta_{l+1} V_{l+1}^T) * f'(Z_l)
   + (delta_{l+1} W_{l+1}^T) * f''(Z_l) * R{Z_l}``,
   ``R{dW_l} = R{A_{l-1}}^T delta_l + A_{l-1}^T R{delta_l}``, ``R{db_l} = sum_rows R{delta_l}``;

and ``H v = R{grad}``, laid out as ``net.params`` (each layer's ``W`` row by row, then ``b``),
plus ``c v`` on the weights under weight decay.  The forward and backward passes are the
network's own (as :func:`chainrule.hessian_vector_product` runs them, on a copy); the R
passes are written out here from the formulas above, so their ``H v`` is that function's to
rounding.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._activations_second import SECOND_DERIVATIVES
from .._validation import check_positive_int
from .._validation_arrays import check_finite_array
from ..network import Network
from ._text_trace import TextTrace
from .conv_trace import _check_digits, _val

__all__ = ["HvpTrace", "trace_hvp"]

#: The most parameters a traced network may have (the trace prints every one several times).
MAX_PARAMS = 200


def _mat(a: np.ndarray, digits: int) -> str:
    """A vector or matrix as nested brackets, each number with ``digits`` significant digits."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 1:
        return "[" + ", ".join(_val(x, digits) for x in a) + "]"
    return "[" + ", ".join(_mat(row, digits) for row in a) + "]"


@dataclass(eq=False)
class HvpTrace(TextTrace):
    """The four passes of one ``H v`` and their numbers, layer by layer.

    Attributes
    ----------
    X : ndarray of shape (m, n_inputs)
    Y : ndarray of shape (m, n_outputs)
    v, hv : ndarray of shape (n_params,)
        The direction and ``H v``, in the layout of ``net.params``.
    layers : list of dict
        One per Dense layer ``l = 1..L``: ``activation``; the forward ``Z``, ``A`` (m, n_l);
        ``W``, ``V`` (n_{l-1}, n_l); ``b``, ``c`` (n_l,) or None; the backward ``delta``
        (m, n_l), ``dW``, ``db``; the R passes ``RZ``, ``RA``, ``fp`` (``f'(Z)``), ``fpp``
        (``f''(Z)``, hidden layers), ``Rdelta``, ``RdW``, ``Rdb``.
    loss, output : str
        The loss and the output activation (they fix ``H_out``).
    H_out : ndarray of shape (m, n_L) or None
        The elementwise ``d delta_L / d Z_L`` (None for a softmax output, whose ``H_out``
        is a full matrix per row: ``s p_j (delta_jk - p_k)``, ``s`` the row's weight).
    decay : float
        ``c`` of the weight decay's ``c v`` added to the weights' entries of ``H v`` (0: none).
    cost : float
    digits : int
        Significant digits printed (:meth:`to_dict` keeps full precision).
    sample_weight : ndarray of shape (m,) or None
        The rows' weights (None: unweighted, or weights all 1); each row of ``delta`` and of
        ``H_out`` then carries ``w_i / sum(w)`` instead of ``1/m``.
    """

    X: np.ndarray
    Y: np.ndarray
    v: np.ndarray
    hv: np.ndarray
    layers: list = field(repr=False)
    loss: str = "squared_error"
    output: str = "identity"
    H_out: np.ndarray | None = None
    decay: float = 0.0
    cost: float = 0.0
    digits: int = 6
    sample_weight: np.ndarray | None = None

    def text(self) -> str:
        """The four passes, each with its formula and numbers, then ``H v`` by parameter.

        Returns
        -------
        str
        """
        d, L = self.digits, len(self.layers)
        m = self.X.shape[0]

        def mat(a: np.ndarray) -> str:
            return _mat(a, d)

        out = [f"H v by Pearlmutter's R-operator: {L} Dense layer(s), m = {m} example(s), "
               f"loss {self.loss}, output {self.output}",
               "rows are examples: Z = A_prev W + b, W of shape (fan_in, fan_out)",
               f"A0 = X = {mat(self.X)}", f"Y = {mat(self.Y)}", "",
               "1. forward pass: Z_l = A_{l-1} W_l + b_l, A_l = f(Z_l)"]
        w = self.sample_weight
        if w is not None:  # the rows' weights, and what each row of delta carries
            out[4:4] = [f"sample weights w = {mat(w)}: J = sum_i w_i L_i / sum(w) (+ decay)"]
        share = (f"1/m = {_val(1 / m, d)}" if w is None else
                 f"w_i / sum(w) = {mat(w / np.sum(w))}")
        row_s = "1/m" if w is None else "w_i / sum(w)"
        for i, ly in enumerate(self.layers, 1):
            out += [f"  layer {i} ({ly['activation']}): W{i} = {mat(ly['W'])}"
                    + ("" if ly["b"] is None else f", b{i} = {mat(ly['b'])}"),
                    f"    Z{i} = A{i - 1} W{i}" + ("" if ly["b"] is None else f" + b{i}")
                    + f" = {mat(ly['Z'])}",
                    f"    A{i} = {ly['activation']}(Z{i}) = {mat(ly['A'])}"]
        out += [f"  cost J = {_val(self.cost, d)}", "",
                f"2. backward pass: delta{L} = dJ/dZ{L} (each row carries {share}), "
                f"delta_l = (delta_{{l+1}} W_{{l+1}}^T) * f'(Z_l)"]
        for i in range(L, 0, -1):
            ly = self.layers[i - 1]
            if i == L:
                out.append(f"  delta{i} = {mat(ly['delta'])}")
            else:
                out.append(f"  delta{i} = (delta{i + 1} W{i + 1}^T) * f'(Z{i}) = "
                           f"{mat(self.layers[i]['delta'] @ self.layers[i]['W'].T)} * "
                           f"{mat(ly['fp'])} = {mat(ly['delta'])}")
            out.append(f"    dW{i} = A{i - 1}^T delta{i} = {mat(ly['dW'])}"
                       + ("" if ly["db"] is None else
                          f", db{i} = sum_rows delta{i} = {mat(ly['db'])}"))
        out += ["", "3. R-forward pass (R{A0} = 0; V_l, c_l: the parts of v at W_l, b_l):",
                "   R{Z_l} = A_{l-1} V_l + R{A_{l-1}} W_l + c_l, R{A_l} = f'(Z_l) * R{Z_l}"]
        for i, ly in enumerate(self.layers, 1):
            line = f"  layer {i}: V{i} = {mat(ly['V'])}"
            out.append(line + ("" if ly["c"] is None else f", c{i} = {mat(ly['c'])}"))
            terms = [f"A{i - 1} V{i}"] + ([f"R{{A{i - 1}}} W{i}"] if i > 1 else []) + (
                [] if ly["c"] is None else [f"c{i}"])
            nums = [mat(ly["X"] @ ly["V"])] + (
                [mat(self.layers[i - 2]["RA"] @ ly["W"])] if i > 1 else []) + (
                [] if ly["c"] is None else [mat(ly["c"])])
            out.append(f"    R{{Z{i}}} = {' + '.join(terms)} = {' + '.join(nums)} = "
                       f"{mat(ly['RZ'])}")
            if i < L:
                out.append(f"    R{{A{i}}} = f'(Z{i}) * R{{Z{i}}} = {mat(ly['fp'])} * "
                           f"{mat(ly['RZ'])} = {mat(ly['RA'])}")
        out += ["", "4. R-backward pass: R{delta_l} = (R{delta_{l+1}} W_{l+1}^T + "
                "delta_{l+1} V_{l+1}^T) * f'(Z_l) + (delta_{l+1} W_{l+1}^T) * f''(Z_l) * "
                "R{Z_l}", "   R{dW_l} = R{A_{l-1}}^T delta_l + A_{l-1}^T R{delta_l}, "
                "R{db_l} = sum_rows R{delta_l}"]
        for i in range(L, 0, -1):
            ly = self.layers[i - 1]
            if i == L and self.H_out is not None:
                out.append(f"  R{{delta{i}}} = H_out * R{{Z{i}}} = {mat(self.H_out)} * "
                           f"{mat(ly['RZ'])} = {mat(ly['Rdelta'])}   (H_out = d delta{i} / "
                           f"d Z{i}, elementwise)")
            elif i == L:
                out.append(f"  R{{delta{i}}} = s P * (R{{Z{i}}} - sum_k P_k R{{Z{i}}}_k) = "
                           f"{mat(ly['Rdelta'])}   (softmax: P = A{i}, s = {row_s} per row)")
            else:
                nxt = self.layers[i]
                out.append(f"  R{{delta{i}}} = (R{{delta{i + 1}}} W{i + 1}^T + delta{i + 1} "
                           f"V{i + 1}^T) * f'(Z{i}) + (delta{i + 1} W{i + 1}^T) * f''(Z{i}) "
                           f"* R{{Z{i}}}")
                out.append(f"    = ({mat(nxt['Rdelta'] @ nxt['W'].T)} + "
                           f"{mat(nxt['delta'] @ nxt['V'].T)}) * {mat(ly['fp'])} + "
                           f"{mat(nxt['delta'] @ nxt['W'].T)} * {mat(ly['fpp'])} * "
                           f"{mat(ly['RZ'])}")
                out.append(f"    = {mat(ly['Rdelta'])}")
            if i > 1:
                prev = self.layers[i - 2]
                out.append(f"    R{{dW{i}}} = R{{A{i - 1}}}^T delta{i} + A{i - 1}^T "
                           f"R{{delta{i}}} = {mat(prev['RA'].T @ ly['delta'])} + "
                           f"{mat(ly['X'].T @ ly['Rdelta'])} = {mat(ly['RdW'])}")
            else:
                out.append(f"    R{{dW1}} = A0^T R{{delta1}} = {mat(ly['RdW'])}   (R{{A0}} = 0)")
            if ly["Rdb"] is not None:
                out.append(f"    R{{db{i}}} = sum_rows R{{delta{i}}} = {mat(ly['Rdb'])}")
        out += ["", "H v = R{grad}, laid out as net.params (W1 row by row, b1, W2, ...)"
                + (f"; weight decay adds c v on the weights, c = {_val(self.decay, d)}"
                   if self.decay else "") + ":"]
        for name, part in self._parts(self.hv):
            out.append(f"  {name} = {mat(part)}")
        out.append(f"  H v = {mat(self.hv)}")
        return "\n".join(out) + "\n"

    def render(self, format: str = "text") -> str:
        """The trace as "text", "markdown" (the text in a code block) or "json".

        Parameters
        ----------
        format : {"text", "markdown", "json"}, default "text"

        Returns
        -------
        str

        Raises
        ------
        ValueError
            If ``format`` is not one of these.
        """
        import json

        if format == "json":
            return json.dumps(self.to_dict(), indent=2)
        if format == "markdown":
            return "```text\n" + self.text() + "```\n"
        if format == "text":
            return self.text()
        raise ValueError(f"format must be text, markdown or json, got {format!r}")

    def _parts(self, vec: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """``vec`` of the params' layout cut into ``(name, W or b)`` pieces."""
        parts, off = [], 0
        for i, ly in enumerate(self.layers, 1):
            W = ly["W"]
            parts.append((f"W{i}", vec[off:off + W.size].reshape(W.shape)))
            off += W.size
            if ly["b"] is not None:
                parts.append((f"b{i}", vec[off:off + W.shape[1]]))
                off += W.shape[1]
        return parts

    def to_dict(self) -> dict[str, Any]:
        """Every number of the four passes (nested lists, full precision), and ``H v``.

        Returns
        -------
        dict
            JSON-serialisable: ``X``, ``Y``, ``v``, ``hv`` (flat), ``hv_parts`` (by parameter
            name), ``layers`` (one dict of arrays per layer), ``loss``, ``output``, ``H_out``,
            ``decay``, ``cost``, ``sample_weight`` (None when unweighted).
        """
        def lst(a: object) -> object:
            return None if a is None else np.asarray(a, dtype=float).tolist()

        return {
            "X": lst(self.X), "Y": lst(self.Y), "v": lst(self.v), "hv": lst(self.hv),
            "hv_parts": {k: lst(p) for k, p in self._parts(self.hv)},
            "layers": [{k: (val if isinstance(val, str) else lst(val))
                        for k, val in ly.items()} for ly in self.layers],
            "loss": self.loss, "output": self.output, "H_out": lst(self.H_out),
            "decay": float(self.decay), "cost": float(self.cost),
            "sample_weight": lst(self.sample_weight),
        }


def _rows(net: Network, x: object, y: object) -> tuple[np.ndarray, object]:
    """One example (a 1-D ``x``) as a row, its target as that row's; ``x`` and ``y`` that
    are no arrays of finite numbers (text, a dict, ragged rows) refused by name, as
    :func:`chainrule.tracing.trace` refuses them."""
    X = check_finite_array(x, "x")
    y = check_finite_array(y, "y")
    if X.ndim == 1:
        X = X[None, :]
        n_out = net.layers[-1].W.shape[1]
        if np.ndim(y) == 1 and n_out > 1 and len(y) == n_out:
            y = np.asarray(y)[None, :]
        elif np.ndim(y) == 0:
            y = np.asarray([y])
    return X, y


def trace_hvp(net: Network, x: object, y: object, v: object, *,
              digits: int = 6, max_params: int = MAX_PARAMS,
              sample_weight: object = None) -> HvpTrace:
    """Trace ``H v`` of ``net``'s cost on ``x, y``: forward, backward, R-forward, R-backward.

    Parameters
    ----------
    net : Network
        Dense layers only, as :func:`chainrule.hessian_vector_product` takes them (built-in
        activations with a second derivative; its output / loss pairs).  Not changed.
    x : array-like of shape (n_inputs,), or (m, n_inputs)
        One example, or ``m`` examples one per row.
    y : array-like of shape (n_outputs,), or (m, n_outputs), or labels
        The target(s), as :meth:`chainrule.Network.loss_and_grad` takes them.
    v : array-like of shape (n_params,)
        The direction, in the layout of ``net.params`` (each layer's ``W`` row by row, then
        ``b``).
    digits : int, default 6
        Significant digits printed.
    max_params : int, default MAX_PARAMS
        Refuse a network with more parameters than this (the trace is for tiny ones).
    sample_weight : array-like of shape (m,), optional
        The rows' weights: ``H v`` of the weighted cost, as
        :meth:`chainrule.Network.loss_and_grad` weighs it (``sum_i w_i L_i / sum(w)``, and
        ``decay="per_sample"`` dividing by ``sum(w)``), as
        :func:`chainrule.hessian_vector_product` takes them; the trace prints ``w`` and
        each row's share ``w_i / sum(w)``.

    Returns
    -------
    HvpTrace
        ``print(t)`` shows every pass; ``t.hv`` is ``H v``; ``t.to_dict()`` every number.

    Raises
    ------
    TypeError
        ``net`` is not a Network.
    ValueError
        A layer, activation or loss the R-operator does not cover (named), ``v`` of another
        shape or not finite, bad ``digits``, more than ``max_params`` parameters, or
        ``sample_weight`` not of shape (m,), negative or summing to 0.

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> net = cr.mlp([2, 2, 1], hidden="tanh", seed=0)
    >>> t = cr.tracing.trace_hvp(net, [1.0, 2.0], [0.5], np.ones(net.n_params))
    >>> bool(np.allclose(t.hv, cr.hessian_vector_product(net, [[1.0, 2.0]], [0.5],
    ...                                                  np.ones(net.n_params))))
    True
    """
    from ..hessian import _check_v, _point

    if not isinstance(net, Network):
        raise TypeError(f"net: expected a chainrule Network, got {type(net).__name__}")
    digits = _check_digits(digits)
    max_params = check_positive_int(max_params, "max_params")
    if net.n_params > max_params:
        raise ValueError(f"trace_hvp: net has {net.n_params} parameters, more than "
                         f"max_params={max_params}; the trace is for tiny networks")
    work = copy.deepcopy(net)
    X, y = _rows(work, x, y)
    work, point = _point(work, X, y, sample_weight, "trace_hvp", dense_only=True)
    v = _check_v(work, v)
    sw = work.check_sample_weight(sample_weight, np.shape(X)[0])  # None: all 1, or none
    Y = np.asarray(work._check_xy(X, y)[1], dtype=float)
    L = len(work.layers)
    layers: list[dict] = []
    off = 0
    for i, layer in enumerate(work.layers):
        W = point.W[i]
        V = v[off:off + W.size].reshape(W.shape)
        off += W.size
        c = None
        if point.has_b[i]:
            c = v[off:off + W.shape[1]]
            off += W.shape[1]
        name = layer.activation.name
        hidden = i < L - 1
        layers.append({
            "activation": name, "X": np.array(point.X[i], dtype=float),
            "W": W.copy(), "b": None if layer.b is None else np.array(layer.b),
            "V": V.copy(), "c": None if c is None else c.copy(),
            "Z": np.array(layer.Z), "A": np.array(point.A[i]), "delta": np.array(point.delta[i]),
            "dW": point.X[i].T @ point.delta[i],
            "db": np.sum(point.delta[i], axis=0) if point.has_b[i] else None,
            "fp": np.array(point.fp[i]) if hidden else None,
            "fpp": SECOND_DERIVATIVES[name](layer.Z, layer.A) if hidden else None,
        })
    # R-forward
    prev = None
    for i, ly in enumerate(layers):
        rz = ly["X"] @ ly["V"]
        if prev is not None:
            rz = rz + prev @ ly["W"]
        if ly["c"] is not None:
            rz = rz + ly["c"]
        ly["RZ"] = rz
        prev = ly["fp"] * rz if i < L - 1 else None
        ly["RA"] = prev
    # R-backward
    out = layers[-1]
    if point.D is None:  # softmax output
        p = out["A"]
        rd = point.softmax_scale * p * (out["RZ"] - np.sum(p * out["RZ"], axis=1,
                                                            keepdims=True))
    else:
        rd = point.D * out["RZ"]
    for i in range(L - 1, -1, -1):
        ly = layers[i]
        ly["Rdelta"] = rd
        rdw = ly["X"].T @ rd
        if i > 0:
            rdw = rdw + layers[i - 1]["RA"].T @ ly["delta"]
        ly["RdW"] = rdw
        ly["Rdb"] = None if ly["c"] is None else rd.sum(axis=0)
        if i > 0:
            below = layers[i - 1]
            rd = ((rd @ ly["W"].T + ly["delta"] @ ly["V"].T) * below["fp"]
                  + (ly["delta"] @ ly["W"].T) * below["fpp"] * below["RZ"])
    hv = np.concatenate([part for ly in layers for part in
                         ([ly["RdW"].ravel()] + ([] if ly["Rdb"] is None else [ly["Rdb"]]))])
    if point.c:
        for s in point.decay_slices:
            hv[s] += point.c * v[s]
    act, loss = out["activation"], work.loss.name
    return HvpTrace(X=np.array(X, dtype=float), Y=Y, v=np.array(v), hv=hv, layers=layers,
                    loss=loss, output=act, H_out=None if point.D is None else
                    np.array(point.D), decay=float(point.c), cost=float(point.J),
                    digits=digits, sample_weight=None if sw is None else np.array(sw, float))

