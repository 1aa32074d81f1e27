"""The net/out notation: node by node, every sum written out with its numbers.

Nodes are named ``i1, i2, ...`` (inputs), ``h1, h2, ...`` (hidden; ``h2_1``
for unit 1 of the second hidden layer when there are several) and ``o1, o2,
...`` (outputs); ``w(i1->h1)`` is the weight from ``i1`` to ``h1`` and
``b(h1)`` the bias of ``h1``.  Each line reads as in a hand-worked example::

    net_h1 = w(i1->h1)*out_i1 + w(i2->h1)*out_i2 = 1*1 + 1*1 = 2
"""

from __future__ import annotations

import numpy as np

from ._frozen import FROZEN
from .compute import LayerStep, StepTrace
from .formulas import (
    dE_dout_formula,
    decay_formula,
    decay_note,
    fprime_formula,
    from_net_note,
    fused_divisor,
    fused_note,
    loss_formula,
    loss_settings_note,
    overshoot_note,
    softmax_sum_note,
    target_note,
)
from .render import Block, Heading, Line, Note, Num, Part, Sym, fmt, tex_name

__all__ = ["netout_blocks", "netout_dict", "node_name", "weight_name"]

TIMES = Sym("*", r" \cdot ")
SEMI = Sym(";   ", r";\quad ")


def node_name(k: int, j: int, n_layers: int) -> Sym:
    """Name of unit ``j`` (from 1) of node layer ``k`` (0 = inputs, ``n_layers`` = outputs).

    Parameters
    ----------
    k, j, n_layers : int

    Returns
    -------
    Sym
        ``i<j>``, ``o<j>``, ``h<j>`` (one hidden layer) or ``h<k>_<j>``.
    """
    if k == 0:
        return Sym(f"i{j}", f"i_{{{j}}}")
    if k == n_layers:
        return Sym(f"o{j}", f"o_{{{j}}}")
    if n_layers == 2:
        return Sym(f"h{j}", f"h_{{{j}}}")
    return Sym(f"h{k}_{j}", f"h^{{({k})}}_{{{j}}}")


def weight_name(src: Sym | None, dst: Sym) -> Sym:
    """``w(src->dst)``, or ``b(dst)`` for the bias (``src`` None).

    Parameters
    ----------
    src : Sym or None
    dst : Sym

    Returns
    -------
    Sym
    """
    if src is None:
        return Sym(f"b({dst.text})", f"b_{{{dst.latex}}}")
    return Sym(f"w({src.text}->{dst.text})", f"w_{{{src.latex} {dst.latex}}}")


def _q(kind: str, n: Sym) -> Sym:
    """net_n, out_n, dE/dout_n, dout_n/dnet_n, delta_n, t_n."""
    if kind == "net":
        return Sym(f"net_{n.text}", rf"\mathrm{{net}}_{{{n.latex}}}")
    if kind == "out":
        return Sym(f"out_{n.text}", rf"\mathrm{{out}}_{{{n.latex}}}")
    if kind == "dout":
        return Sym(f"dE/dout_{n.text}",
                   rf"\frac{{\partial E}}{{\partial \mathrm{{out}}_{{{n.latex}}}}}")
    if kind == "fprime":
        return Sym(f"dout_{n.text}/dnet_{n.text}",
                   rf"\frac{{\partial \mathrm{{out}}_{{{n.latex}}}}}"
                   rf"{{\partial \mathrm{{net}}_{{{n.latex}}}}}")
    if kind == "delta":
        return Sym(f"delta_{n.text}", rf"\delta_{{{n.latex}}}")
    if kind == "target":
        return Sym(f"t_{n.text}", f"t_{{{n.latex}}}")
    raise KeyError(kind)


def _sum(terms: list[tuple[Part, Part]]) -> list[Part]:
    """``a1*b1 + a2*b2 + ...`` (second factors in parentheses when negative)."""
    parts: list[Part] = []
    for i, (a, b) in enumerate(terms):
        if i:
            parts.append(" + ")
            if isinstance(a, Num):
                a = Num(a.value, paren=True)
        parts += [a, TIMES, Num(b.value, paren=True) if isinstance(b, Num) else b]
    return parts


def _softmax_formula(net: Sym, nets: list[Sym]) -> Sym:
    """``exp(net) / (exp(net_o1) + exp(net_o2) + ...)``: the output of a softmax unit."""
    return Sym(f"exp({net.text}) / ({' + '.join(f'exp({m.text})' for m in nets)})",
               rf"\frac{{e^{{{net.latex}}}}}{{{' + '.join(f'e^{{{m.latex}}}' for m in nets)}}}")


def _softmax_delta_line(n: Sym, j: int, nodes: list[Sym], ls: LayerStep,
                        target: np.ndarray, differs: bool) -> Line:
    """``delta_n = sum_m dE/dout_m * out_m ([m = n] - out_n)``, every term with its numbers.

    ``out_m ([m = n] - out_n)`` is ``dout_m/dnet_n``: a softmax output depends on
    every net input of its layer.  A delta that the loss computes from ``net``
    and that this sum loses (see :func:`_from_net_lines`) is given from ``net``;
    the fused output of softmax + cross_entropy shows what is computed,
    ``out_n - t_n`` (``sum(t) out_n - t_n`` for targets that do not sum to 1),
    with its numbers (``target``: the example's targets, shape (fan_out,);
    ``differs``: this unit's :meth:`~.compute.LayerStep.product_differs`).
    """
    out_n = _q("out", n)
    symbolic: list[Part] = []
    numbers: list[Part] = []
    for i, m in enumerate(nodes):
        out_m = _q("out", m)
        same = Sym(f"(1 - {out_n.text})", rf"(1 - {out_n.latex})") if i == j else \
            Sym(f"(-{out_n.text})", rf"(-{out_n.latex})")
        symbolic += [" + " if i else "", _q("dout", m), TIMES, out_m, TIMES, same]
        numbers += [" + " if i else "", Num(ls.dE_da[i], paren=bool(i)), TIMES,
                    Num(ls.a[i]), TIMES, "(1 - " if i == j else "(-", Num(ls.a[j]), ")"]
    if differs and ls.from_net:
        return _from_net_lines(n, ls, j, (*symbolic, " = ", *numbers))
    if differs and not ls.fused:  # computed as out_n (dE/dout_n - s), whose terms cancel
        # below the printed digits where out saturates: the formulas, without the numbers
        s = [part for i, m in enumerate(nodes)
             for part in ((" + " if i else ""), _q("dout", m), TIMES, _q("out", m))]
        return Line((_q("delta", n), " = ", *symbolic, " = ", out_n, TIMES, "(", _q("dout", n),
                     " - (", *s, ")) = ", Num(ls.delta[j])))
    if ls.fused:  # computed as (sum(t)) out - t: the sum above may not come out to it
        t_n, total = _q("target", n), float(target.sum())
        scale: tuple[Part, ...] = () if abs(total - 1.0) <= 1e-12 else (Num(total), TIMES)
        numbers = [*scale, Num(ls.a[j]), " - ", Num(target[j], paren=True)]
        symbolic = [*symbolic, " = ",
                    *((Sym("sum(t)", r"\left(\sum t\right)"), TIMES) if scale else ()),
                    out_n, " - ", t_n]
    return Line((_q("delta", n), " = ", *symbolic, " = ", *numbers, " = ", Num(ls.delta[j])))


def _from_net_lines(n: Sym, ls: LayerStep, j: int, product: tuple[Part, ...]) -> Line:
    """``delta_n = dE/dnet_n`` from the net input, then what the printed factors multiply to.

    For an output delta computed from ``net`` in closed form whose factors
    ``dE/dout`` and ``dout/dnet`` (computed from a saturated output) lose it.
    """
    net = _q("net", n)
    dnet = Sym(f"dE/d{net.text}", rf"\frac{{\partial E}}{{\partial {net.latex}}}")
    return Line((_q("delta", n), " = ", dnet, " = ", Num(ls.delta[j]),
                 Sym(f"   (from {net.text} in closed form; ",
                     rf"\quad\text{{(from }}{net.latex}\text{{ in closed form; }}"),
                 *product, " = ", Num(ls.product[j]), Sym(" in float64)", r"\text{ in float64)}")))


def netout_blocks(step: StepTrace, digits: int = 6) -> list[Block]:
    """The trace as node-by-node lines in net/out notation.

    Parameters
    ----------
    step : StepTrace
    digits : int, default 6
        Significant digits of the numbers printed.

    Returns
    -------
    list of Heading, Note, Line or Table
        The layout blocks, for :func:`~chainrule.tracing.render.text` or
        :func:`~chainrule.tracing.render.markdown`.
    """
    L = len(step.layers)
    names = [[node_name(k, j + 1, L) for j in range(n)] for k, n in
             enumerate([step.layers[0].n_in] + [ls.n_out for ls in step.layers])]
    eta = Sym("eta", r"\eta")
    bl: list[Block] = [Heading("One step of gradient descent (net/out notation)", 1),
                       Note("w(a->b) is the weight from node a to node b, b(n) the bias of "
                            "node n; net = weighted sum of the inputs, out = f(net).")]
    for k, ls in enumerate(step.layers, start=1):
        for j, dst in enumerate(names[k]):
            ws = [weight_name(src, dst) for src in names[k - 1]]
            parts: list[Part] = [Sym(f"{ls.activation} node ",
                                     rf"{tex_name(ls.activation)}\text{{ node }}"),
                                 dst, ": "]
            for i, w in enumerate(ws):
                parts += [", " if i else "", w, " = ", Num(ls.W[i, j])]
            if ls.b is not None:
                parts += [", ", weight_name(None, dst), " = ", Num(ls.b[j])]
            bl.append(Line(tuple(parts)))
    inputs = [part for j, n in enumerate(names[0])
              for part in ((", " if j else ""), _q("out", n), " = ", Num(step.x[j]))]
    targets = [part for j, n in enumerate(names[L])
               for part in ((", " if j else ""), _q("target", n), " = ", Num(step.y[j]))]
    bl += [Line(tuple(inputs)), Line(tuple(targets)), Line((eta, " = ", Num(step.lr)))]
    if note := target_note(step.layers[-1].activation, step.loss, step.y):
        bl.append(Note(note))

    bl.append(Heading("Forward pass"))
    for k, ls in enumerate(step.layers, start=1):
        for j, dst in enumerate(names[k]):
            srcs = names[k - 1]
            sym_terms: list[tuple[Part, Part]] = [
                (weight_name(s, dst), _q("out", s)) for s in srcs]
            num_terms: list[tuple[Part, Part]] = [
                (Num(ls.W[i, j]), Num(ls.a_in[i])) for i in range(len(srcs))]
            if ls.b is not None:
                sym_terms.append((weight_name(None, dst), "1"))
                num_terms.append((Num(ls.b[j]), Num(1.0)))
            bl.append(Line((_q("net", dst), " = ", *_sum(sym_terms), " = ", *_sum(num_terms),
                            " = ", Num(ls.z[j]))))
            if ls.fprime is None:  # softmax: out_j = exp(net_j) / sum_m exp(net_m)
                f = _softmax_formula(_q("net", dst), [_q("net", m) for m in names[k]])
            else:
                f = Sym(f"{ls.activation}({_q('net', dst).text})",
                        rf"{tex_name(ls.activation)}({_q('net', dst).latex})")
            bl.append(Line((_q("out", dst), " = ", f, " = ", Num(ls.a[j]))))

    out_l = names[L]
    ft, fl = loss_formula(step.loss, ("out", r"\mathrm{out}"), ("t", "t"), "o")
    bl += [Heading("Error"), Line((Sym(ft, fl), " = ", Num(step.example_loss)))]
    if note := loss_settings_note(step.loss, step.loss_params, digits, len(step.y)):
        bl.append(Note(note))
    cost = ("J", "J") if step.weight_decay else ("E", "E")
    if step.weight_decay:  # the example's loss and the cost: two numbers, two names
        bl += [Line((Sym(*decay_formula(cost, ("E", "E"), "w")), " = ",
                     Num(step.example_loss), " + ", Num(step.decay_term), " = ",
                     Num(step.cost))),
               Note(decay_note(step.weight_decay, step.decay, digits))]

    bl.append(Heading("Backward pass"))
    for k in range(L, 0, -1):
        ls = step.layers[k - 1]
        # a fused delta is shown as out - t, whose numbers hold; a softmax's as computed
        differs = ls.product_differs(digits)
        for j, n in enumerate(names[k]):
            out, net = _q("out", n), _q("net", n)
            if k == L:
                dt, dlat = dE_dout_formula(step.loss, (out.text, out.latex),
                                           (_q("target", n).text, _q("target", n).latex))
                bl.append(Line((_q("dout", n), " = ", Sym(dt, dlat), " = ",
                                Num(ls.dE_da[j]))))
            else:
                above = step.layers[k]
                sym_terms = [(_q("delta", m), weight_name(n, m)) for m in names[k + 1]]
                num_terms = [(Num(above.delta[m]), Num(above.W[j, m]))
                             for m in range(above.n_out)]
                bl.append(Line((_q("dout", n), " = ", *_sum(sym_terms), " = ",
                                *_sum(num_terms), " = ", Num(ls.dE_da[j]))))
            if ls.fprime is None:  # softmax: delta_j = sum_m dE/dout_m * dout_m/dnet_j
                bl.append(_softmax_delta_line(n, j, names[k], ls, step.y, differs[j]))
                continue
            ft, fl = fprime_formula(ls.activation, (net.text, net.latex), (out.text, out.latex))
            # a constant derivative (identity's 1) is its own value: "= 1", not "= 1 = 1"
            value = () if ft == fmt(ls.fprime[j], digits) else (" = ", Num(ls.fprime[j]))
            bl.append(Line((_q("fprime", n), " = ", Sym(ft, fl), *value)))
            if ls.fused:  # computed as out - t: the product of the rounded (or, where the
                # output saturates, clipped) factors above need not come out to it
                worked: tuple[Part, ...] = (out, " - ", _q("target", n), " = ", Num(ls.a[j]),
                                            " - ", Num(step.y[j], paren=True))
            else:
                worked = (Num(ls.dE_da[j]), TIMES, Num(ls.fprime[j], paren=True))
            if differs[j] and ls.from_net:  # delta from net; the printed factors lose it
                bl.append(_from_net_lines(n, ls, j, (_q("dout", n), TIMES, _q("fprime", n),
                                                     " = ", *worked)))
                continue
            bl.append(Line((_q("delta", n), " = ", _q("dout", n), TIMES, _q("fprime", n), " = ",
                            *worked, " = ", Num(ls.delta[j]))))
        if ls.fused:
            bl.append(Note(fused_note(ls.activation, step.loss, float(step.y.sum()),
                                      fused_divisor(step.loss, "out", "dout/dnet"))))
        if differs.any() and ls.from_net:
            bl.append(Note(from_net_note(ls.activation, step.loss, "E", "net", "out",
                                         "dout/dnet")))
        elif differs.any() and not ls.fused:
            bl.append(Note(softmax_sum_note("E", "out", netout=True)))

    bl.append(Heading("Gradients and update"))
    lam = Sym("lambda", r"\lambda")
    for k, ls in enumerate(step.layers, start=1):
        for j, dst in enumerate(names[k]):
            entries = [(src, ls.W[i, j], ls.dW[i, j], ls.W_new[i, j], ls.a_in[i])
                       for i, src in enumerate(names[k - 1])]
            if ls.b is not None:
                entries.append((None, ls.b[j], ls.db[j], ls.b_new[j], None))
            for src, value, grad, new, a in entries:
                kept = ("W" if src is not None else "b") in ls.frozen
                w = weight_name(src, dst)
                dw = Sym(f"d{cost[0]}/d{w.text}",  # dJ/dw with weight decay
                         rf"\frac{{\partial {cost[1]}}}{{\partial {w.latex}}}")
                symbolic: list[Part] = [_q("delta", dst)]
                numbers: list[Part] = [Num(ls.delta[j])]
                if src is not None:
                    symbolic += [TIMES, _q("out", src)]
                    numbers += [TIMES, Num(a, paren=True)]
                    if step.weight_decay:  # one example: m = 1 in both decay conventions
                        symbolic += [" + ", lam, TIMES, w]
                        numbers += [" + ", Num(step.weight_decay), TIMES, Num(value, paren=True)]
                worked: list[Part] = [" = ", *numbers] if len(numbers) > 1 else []
                # a frozen parameter: its gradient shown, not applied (as training keeps it)
                update: tuple[Part, ...] = (
                    (w, " = ", Num(value), Sym(f" {FROZEN}", rf"\ \text{{{FROZEN}}}"))
                    if kept else
                    (Sym(f"new {w.text}", rf"{w.latex}^{{+}}"), " = ", Num(value), " - ",
                     Num(step.lr, paren=True), TIMES, Num(grad, paren=True), " = ", Num(new)))
                bl.append(Line((dw, " = ", *symbolic, *worked, " = ", Num(grad), SEMI,
                                *update)))
    final = [part for j, n in enumerate(out_l)
             for part in ((", " if j else ""), Sym(f"new {_q('out', n).text}",
                                                    rf"{_q('out', n).latex}^{{+}}"),
                          " = ", Num(step.output_new[j]))]
    bl += [Heading("After the update"), Line(tuple(final)),
           Line((Sym(f"new {cost[0]}", f"{cost[1]}^{{+}}"), " = ", Num(step.cost_new)))]
    if note := overshoot_note(step.cost, step.cost_new, step.lr, cost[0], digits):
        bl.append(Note(note))
    return bl


def netout_dict(step: StepTrace) -> dict:
    """Nodes and weights by name, every number of the step.

    Parameters
    ----------
    step : StepTrace

    Returns
    -------
    dict
        ``{"nodes": [...], "weights": [...]}``, plain JSON-able values.
    """
    L = len(step.layers)
    nodes = [{"name": node_name(0, j + 1, L).text, "layer": 0, "out": float(v)}
             for j, v in enumerate(step.x)]
    weights = []
    for k, ls in enumerate(step.layers, start=1):
        for j in range(ls.n_out):
            n = node_name(k, j + 1, L)
            nodes.append({
                "name": n.text, "layer": k, "activation": ls.activation,
                "net": float(ls.z[j]), "out": float(ls.a[j]), "dE_dout": float(ls.dE_da[j]),
                "dout_dnet": None if ls.fprime is None else float(ls.fprime[j]),
                "delta": float(ls.delta[j]),
                **({"target": float(step.y[j])} if k == L else {}),
            })
            for i in range(ls.n_in):
                src = node_name(k - 1, i + 1, L)
                weights.append({"name": weight_name(src, n).text, "from": src.text,
                                "to": n.text, "value": float(ls.W[i, j]),
                                "gradient": float(ls.dW[i, j]), "new": float(ls.W_new[i, j]),
                                **({"frozen": True} if "W" in ls.frozen else {})})
            if ls.b is not None:
                weights.append({"name": weight_name(None, n).text, "from": None, "to": n.text,
                                "value": float(ls.b[j]), "gradient": float(ls.db[j]),
                                "new": float(ls.b_new[j]),
                                **({"frozen": True} if "b" in ls.frozen else {})})
    return {"nodes": nodes, "weights": weights}

