"""The three notations of a trace: how a course names and lays out the same numbers.

* ``transfer``: one matrix ``W0, W1, ...`` per layer of shape (fan_in + 1,
  fan_out) whose first row holds the biases; ``s = W^T [1; x]``,
  ``x_next = phi(s)``.
* ``ufldl``: ``W^(l)`` of shape (fan_out, fan_in) (rows = destination) and
  ``b^(l)``; ``z^(l+1) = W^(l) a^(l) + b^(l)``, ``a^(l+1) = f(z^(l+1))``.
* ``netout``: node by node, ``net_h1 = sum w * out + b``, ``out_h1 = f(net_h1)``,
  with every sum written out, as in hand-worked examples.

Each notation turns a :class:`~.compute.StepTrace` into blocks (see
:mod:`.render`) and into a JSON-able dict.  Both read the same numbers;
they only name, order and orient them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._frozen import frozen_masks, frozen_words
from ._vector_layout import (
    _NAMES,
    _marked_rows,
    _matrices,
    _Names,
    _transfer_matrix,
    _weight_flags,
    _weight_rows,
)
from .compute import LayerStep, StepTrace
from .formulas import (
    dE_dout_formula,
    decay_formula,
    decay_note,
    fprime_formula,
    from_net_note,
    fused_divisor,
    fused_note,
    fused_product_note,
    loss_formula,
    loss_settings_note,
    overshoot_note,
    softmax_sum_note,
    target_note,
)
from .netout import netout_blocks, netout_dict
from .render import Arr, Block, Heading, Line, Note, Num, Sym, Table, fmt, fmt_latex, tex_name

__all__ = ["NOTATIONS", "blocks", "to_dict"]

SEP = Sym(",   ", r",\quad ")
ASSIGN = Sym(" <- ", r" \leftarrow ")
TIMES = Sym(" * ", r" \cdot ")

NOTATIONS = ("transfer", "ufldl", "netout")


def _list(a: np.ndarray | None) -> Any:
    return None if a is None else np.asarray(a, dtype=np.float64).tolist()


def _plain_zeros(value: Any) -> Any:
    """``value`` with every -0.0 written 0.0 (``x + 0.0``), as the reports print 0.

    A dead unit's delta is a negative dE/d(out) times f' = 0: IEEE gives -0.0,
    whose sign says nothing about the step, and the text prints it 0.
    """
    if isinstance(value, float):
        return value + 0.0
    if isinstance(value, dict):
        return {k: _plain_zeros(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_zeros(v) for v in value]
    return value


def _kept(mask: np.ndarray) -> tuple[Sym, ...]:
    """The words after an array's new value when the step kept some of it (frozen)."""
    words = frozen_words(mask)
    return (Sym(f"   {words}", rf"\quad\text{{{words}}}"),) if words else ()


def _product_lines(names: _Names, k: int, ls: LayerStep, differs: np.ndarray,
                   example: int | None = None) -> list[Block]:
    """One line per unit whose printed factors do not multiply to its delta (in float64);
    of a mini-batch, ``example`` (counted from 1) names whose values they are."""
    lines: list[Block] = []
    who = "" if example is None else f"example {example}, "
    for j in np.flatnonzero(differs):
        u = int(j) + 1
        dout, d = names.sym("dout", k, u), names.sym("delta", k, u)
        if ls.fprime is None:
            x, s = names.sym("out", k), names.sym("net", k)
            what: tuple = (Sym(f"((d{x.text}/d{s.text})^T d{names.E}/d{x.text})_{u}",
                               rf"\left(\left(\frac{{\partial {x.latex}}}{{\partial {s.latex}}}"
                               rf"\right)^\top \frac{{\partial {names.E}}}{{\partial {x.latex}}}"
                               rf"\right)_{{{u}}}"),)
        else:
            fp = names.sym("fprime", k, u)
            what = (dout, TIMES, fp, " = ", Num(ls.dE_da[j]), TIMES, Num(ls.fprime[j], paren=True))
        not_ = Sym(" in float64, not ", r"\text{ in float64, not }")
        lines.append(Line((Sym(f"{who}unit {u}: ", rf"\text{{{who}unit {u}: }}"), *what, " = ",
                           Num(ls.product[j]), not_, d, " = ", Num(ls.delta[j]))))
    return lines


def _product_note(names: _Names, k: int, ls: LayerStep, loss: str) -> Note:
    """The note under :func:`_product_lines`: how layer k's delta is computed instead."""
    x, s = names.sym("out", k), names.sym("net", k)
    f = names.sym("fprime", k).text if ls.fprime is not None else f"d{x.text}/d{s.text}"
    if ls.from_net:
        return Note(from_net_note(ls.activation, loss, names.E, s.text, x.text, f))
    if ls.fused:  # the note above the table says how delta is computed
        return Note(fused_product_note(names.E, x.text, f))
    return Note(softmax_sum_note(names.E, x.text))  # a softmax layer: the Jacobian sum factored


def _vector_blocks(step: StepTrace, notation: str, digits: int = 6) -> list[Block]:
    L = len(step.layers)
    names = _NAMES[notation]
    x_in = names.sym("out", 0)
    eta = Sym("eta", r"\eta") if notation == "transfer" else Sym("alpha", r"\alpha")
    bl: list[Block] = [Heading(f"One step of gradient descent ({names.title})", 1)]
    if notation == "transfer":
        bl.append(Note("Transfer matrices of shape (fan_in + 1, fan_out): row 0 holds the "
                       "biases, row i the weights from unit i of the layer below; column j "
                       "feeds unit j."))
    else:
        bl.append(Note("W^(l) has shape (units of layer l+1, units of layer l): W^(l)_ij is "
                       "the weight to unit i of layer l+1 from unit j of layer l."))
    for k, ls in enumerate(step.layers, start=1):
        for name, M, _, _ in _matrices(notation, k, ls):
            if not name.text.startswith("W"):
                bl.append(Line((name, " = ", Arr(M))))
                continue
            what = ""
            if ls.b is None:
                what = ", no biases: row 0 stays 0" if notation == "transfer" else ", no biases"
            latex = rf"\quad({tex_name(ls.activation)}" + (rf"\text{{{what}}})" if what else ")")
            bl.append(Line((name, " = ", Arr(M), Sym(f"   ({ls.activation}{what})", latex))))
    y_sym = Sym("y", "y")
    bl += [Line((x_in, " = ", Arr(step.x), SEP, y_sym, " = ", Arr(step.y), SEP,
                 eta, " = ", Num(step.lr)))]
    if note := target_note(step.layers[-1].activation, step.loss, step.y):
        bl.append(Note(note))

    bl.append(Heading("Forward pass"))
    for k, ls in enumerate(step.layers, start=1):
        s, x, xp = names.sym("net", k), names.sym("out", k), names.sym("out", k - 1)
        if notation == "transfer":
            W = _transfer_matrix(k)
            bl.append(Line((s, " = ", Sym(f"{W.text}^T [1; {xp.text}]",
                                           rf"{{{W.latex}}}^\top \begin{{bmatrix}}1 \\ {xp.latex}"
                                           r"\end{bmatrix}"),
                            SEP, x, " = ", Sym(f"{ls.activation}({s.text})",
                                                  rf"{tex_name(ls.activation)}({s.latex})"))))
        else:
            bias = "" if ls.b is None else f" + b^({k})"
            bias_l = "" if ls.b is None else f" + b^{{({k})}}"
            bl.append(Line((s, " = ", Sym(f"W^({k}) {xp.text}{bias}",
                                           f"W^{{({k})}} {xp.latex}{bias_l}"),
                            SEP, x, " = ", Sym(f"{ls.activation}({s.text})",
                                                  rf"{tex_name(ls.activation)}({s.latex})"))))
        rows = tuple((str(j + 1), Num(ls.z[j]), Num(ls.a[j])) for j in range(ls.n_out))
        bl.append(Table((Sym("unit", r"\text{unit}"), s, x), rows))

    out_sym = names.sym("out", L)
    # with weight decay the example's loss and the cost are two numbers with two names
    E, J = (names.E, names.E), (names.E, names.E)
    if step.weight_decay:
        E, J = (("J(W,b; x,y)", "J(W,b; x,y)"), ("J(W,b)", "J(W,b)")) if names.E == "J" else \
            ((names.E, names.E), ("J", "J"))
    ft, fl = loss_formula(step.loss, (out_sym.text, out_sym.latex), ("y", "y"), E=E)
    bl += [Heading("Error"), Line((Sym(ft, fl), " = ", Num(step.example_loss)))]
    if note := loss_settings_note(step.loss, step.loss_params, digits, len(step.y)):
        bl.append(Note(note))
    if step.weight_decay:
        bl += [Line((Sym(*decay_formula(J, E)), " = ", Num(step.example_loss), " + ",
                     Num(step.decay_term), " = ", Num(step.cost))),
               Note(decay_note(step.weight_decay, step.decay, digits))]

    bl.append(Heading("Backward pass"))
    for k in range(L, 0, -1):
        ls = step.layers[k - 1]
        x, s, d = names.sym("out", k), names.sym("net", k), names.sym("delta", k)
        dout, fp = names.sym("dout", k), names.sym("fprime", k)
        if k == L:
            dt, dlat = dE_dout_formula(step.loss, (x.text, x.latex), ("y", "y"))
            bl.append(Line((dout, " = ", Sym(dt, dlat))))
        elif notation == "transfer":
            Wn = _transfer_matrix(k + 1)
            bl.append(Line((dout, " = ", Sym(f"{Wn.text}[1:] {names.sym('delta', k + 1).text}",
                                              f"{Wn.latex}_{{1:}} "
                                              f"{names.sym('delta', k + 1).latex}"))))
        else:
            bl.append(Line((dout, " = ", Sym(f"W^({k + 1})^T {names.sym('delta', k + 1).text}",
                                              f"W^{{({k + 1})\\top}} "
                                              f"{names.sym('delta', k + 1).latex}"))))
        if ls.fprime is None:  # softmax: out_j depends on every net input of the layer
            # not "J": the UFLDL notation calls the cost J; the fused delta is computed as
            # out - y (sum(y) out - y for targets that do not sum to 1): see the note below
            ft = fl = ""
            if ls.fused:
                one = abs(float(step.y.sum()) - 1.0) <= 1e-12
                ft = f" = {x.text} - y" if one else f" = sum(y) {x.text} - y"
                fl = rf" = {x.latex} - y" if one else rf" = \left(\sum y\right) {x.latex} - y"
            bl.append(Line((d, " = ", Sym(f"(d{x.text}/d{s.text})^T {dout.text}{ft}  (the "
                                          f"softmax Jacobian: d{x.text}_i/d{s.text}_j = "
                                          f"{x.text}_i ([i = j] - {x.text}_j))",
                                          rf"\left(\frac{{\partial {x.latex}}}"
                                          rf"{{\partial {s.latex}}}\right)^\top {dout.latex}"
                                          + fl))))
        else:
            ft, fl = fprime_formula(ls.activation, (s.text, s.latex), (x.text, x.latex))
            # the fused output delta is computed as out - y (see the note below)
            fused = Sym(f" = {x.text} - y", rf" = {x.latex} - y") if ls.fused else ""
            bl.append(Line((fp, " = ", Sym(ft, fl), SEP, d, " = ",
                            Sym(f"{dout.text} * {fp.text}", rf"{dout.latex} \odot {fp.latex}"),
                            fused)))
        if ls.fused:
            bl.append(Note(fused_note(ls.activation, step.loss, float(step.y.sum()),
                                      fused_divisor(step.loss, x.text, fp.text))))
        fcol = [None if ls.fprime is None else Num(ls.fprime[j]) for j in range(ls.n_out)]
        rows = tuple((str(j + 1), Num(ls.dE_da[j]), fcol[j], Num(ls.delta[j]))
                     for j in range(ls.n_out))
        bl.append(Table((Sym("unit", r"\text{unit}"), dout, fp, d), rows))
        if (differs := ls.product_differs(digits)).any():
            bl += _product_lines(names, k, ls, differs)
            bl.append(_product_note(names, k, ls, step.loss))

    bl.append(Heading("Gradients and update"))
    if step.weight_decay:
        bl.append(Note(f"(weight gradients include the decay term lambda * W, lambda = "
                       f"{fmt(step.weight_decay, digits)}; biases are not decayed)"))
    # with weight decay the gradient is that of the cost J, not of the example's loss
    # (E in the transfer notation; UFLDL calls the example's cost J too)
    g = "J" if step.weight_decay else names.E
    for k, ls in enumerate(step.layers, start=1):
        xp, d = names.sym("out", k - 1), names.sym("delta", k)
        if notation == "transfer":
            W = _transfer_matrix(k)
            one = "1" if ls.b is not None else "0"  # no biases: row 0 is no parameter, stays 0
            # the decay term lambda W, row 0 (the biases) excepted
            decay = (Sym(f" + lambda [0; {W.text}[1:]]",
                         rf" + \lambda \begin{{bmatrix}}0 \\ {W.latex}_{{1:}}\end{{bmatrix}}")
                     if step.weight_decay else "")
            dW = Sym(f"d{g}/d{W.text}", rf"\frac{{\partial {g}}}{{\partial {W.latex}}}")
            bl.append(Line((dW,
                            " = ", Sym(f"[{one}; {xp.text}] {d.text}^T",
                                       rf"\begin{{bmatrix}}{one} \\ {xp.latex}\end{{bmatrix}} "
                                       rf"{{{d.latex}}}^\top"), decay,
                            SEP, W, ASSIGN, W, " - ", eta, TIMES, dW)))
        else:
            decay = (Sym(f" + lambda W^({k})", rf" + \lambda W^{{({k})}}")
                     if step.weight_decay else "")
            bl.append(Line((Sym(f"grad_W^({k}) J", rf"\nabla_{{W^{{({k})}}}} J"), " = ",
                            Sym(f"{d.text} {xp.text}^T", rf"{d.latex} {{{xp.latex}}}^\top"), decay,
                            *((SEP, Sym(f"grad_b^({k}) J", rf"\nabla_{{b^{{({k})}}}} J"),
                               " = ", d) if ls.b is not None else ()))))
        for (name, _, G, N), mask in zip(_matrices(notation, k, ls), frozen_masks(notation, ls),
                                         strict=True):
            gsym = Sym(f"d{g}/d{name.text}", rf"\frac{{\partial {g}}}{{\partial {name.latex}}}")
            if notation == "ufldl":
                gsym = Sym(f"grad_{name.text} J", rf"\nabla_{{{name.latex}}} J")
            bl += [Line((gsym, " = ", Arr(G))),
                   Line((Sym(f"new {name.text}", rf"{name.latex}_{{\text{{new}}}}"), " = ",
                         Arr(N), *_kept(mask)))]
        rows = tuple((lab, Num(v), Num(g), Num(n)) for lab, v, g, n in
                     _marked_rows(notation, k, ls))
        lr, lr_tex = fmt(step.lr, digits), fmt_latex(step.lr, digits)
        # the column names the quantity as the formulas above do: dE/dw, or dJ/dw
        dw = (f"d{g}/dw", rf"\partial {g} / \partial w")
        bl.append(Table((Sym("weight", r"\text{weight}"), Sym("value", r"\text{value}"),
                         Sym(*dw), Sym(f"new value (value - {lr} * {dw[0]})",
                                       rf"\text{{value}} - {lr_tex} \cdot {dw[1]}")),
                        rows))
    bl += [Heading("After the update"), Line((Sym(f"new {out_sym.text}",
                                                   rf"{out_sym.latex}_{{\text{{new}}}}"),
                                               " = ", Arr(step.output_new))),
           Line((Sym(f"new {J[0]}", rf"{J[1]}_{{\text{{new}}}}"), " = ",
                 Num(step.cost_new)))]
    if note := overshoot_note(step.cost, step.cost_new, step.lr, J[0], digits):
        bl.append(Note(note))
    return bl


# --- dispatch ------------------------------------------------------------------------------------
def _check(notation: str) -> str:
    if notation not in NOTATIONS:
        raise ValueError(f"notation must be one of {', '.join(NOTATIONS)}, got {notation!r}")
    return notation


def blocks(step: StepTrace, notation: str, digits: int = 6) -> list[Block]:
    """The trace as layout blocks in ``notation``.

    Parameters
    ----------
    step : StepTrace
    notation : {"transfer", "ufldl", "netout"}
    digits : int, default 6
        Significant digits of the numbers printed.

    Returns
    -------
    list of Heading, Note, Line or Table
        The layout blocks, for :func:`~chainrule.tracing.render.text` or
        :func:`~chainrule.tracing.render.markdown`.
    """
    bl = (netout_blocks(step, digits) if _check(notation) == "netout"
          else _vector_blocks(step, notation, digits))
    if step.dtype != "float64":  # under the title: why 0.4 may print as 0.400000
        bl.insert(1, Note(f"The network holds {step.dtype} numbers: the step is computed in "
                          f"float64 from its parameters widened exactly ({step.dtype} 0.4 "
                          f"is {float(np.dtype(step.dtype).type(0.4))!r} in float64)."))
    return bl


_SYMBOLS = {
    "transfer": {"net": "s", "out": "x", "dE_dout": "dE/dx", "fprime": "phi'(s)",
                 "delta": "delta"},
    "ufldl": {"net": "z", "out": "a", "dE_dout": "dJ/da", "fprime": "f'(z)", "delta": "delta"},
}


def to_dict(step: StepTrace, notation: str) -> dict[str, Any]:
    """Every number of the step as plain JSON-able values, laid out in ``notation``.

    Parameters
    ----------
    step : StepTrace
    notation : {"transfer", "ufldl", "netout"}

    Returns
    -------
    dict
        JSON-able; ``cost`` is ``J = example_loss + decay_term`` (E and the weight decay);
        ``dtype`` is the traced network's dtype (the step is computed in float64).
        ``loss_params`` holds the loss's settings (left out without any); with
        ``label_smoothing`` among them, ``target`` is the target given, smoothed.
        Every number at full precision, a zero as 0.0 (never IEEE's -0.0, which
        the text and Markdown print as 0 too).
    """
    _check(notation)
    doc: dict[str, Any] = {
        "format": "chainrule.trace", "notation": notation, "dtype": step.dtype,
        "loss": step.loss,
        **({"loss_params": dict(step.loss_params)} if step.loss_params else {}),
        "activations": [ls.activation for ls in step.layers],
        "learning_rate": step.lr, "weight_decay": step.weight_decay, "decay": step.decay,
        "input": _list(step.x), "target": _list(step.y),
        "example_loss": float(step.example_loss), "decay_term": float(step.decay_term),
        "cost": float(step.cost), "output": _list(step.output),
        "cost_after": float(step.cost_new), "output_after": _list(step.output_new),
    }
    if notation == "netout":
        doc.update(netout_dict(step))
        return _plain_zeros(doc)
    doc["symbols"] = _SYMBOLS[notation]
    layers, weights = [], []
    for k, ls in enumerate(step.layers, start=1):
        a_in = np.concatenate([[1.0], ls.a_in]) if notation == "transfer" else ls.a_in
        layers.append({
            "layer": k, "activation": ls.activation, "fused_output_delta": ls.fused,
            "delta_from_net": ls.from_net,
            "input": _list(a_in), "net": _list(ls.z), "out": _list(ls.a),
            "dE_dout": _list(ls.dE_da), "fprime": _list(ls.fprime), "delta": _list(ls.delta),
            "matrices": [{"name": name.text, "value": _list(M), "gradient": _list(G),
                          "new": _list(N)} for name, M, G, N in _matrices(notation, k, ls)],
        })
        weights += [{"name": lab.text, "layer": k, "value": float(v), "gradient": float(g),
                     "new": float(n), **({"frozen": True} if kept else {})}
                    for (lab, v, g, n), kept in zip(_weight_rows(notation, k, ls),
                                                    _weight_flags(notation, ls), strict=True)]
        if ls.frozen:  # the parameters the step kept (their gradients shown, not applied)
            layers[-1]["frozen"] = sorted(ls.frozen)
    doc["layers"], doc["weights"] = layers, weights
    return _plain_zeros(doc)
