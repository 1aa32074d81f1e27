"""A mini-batch step (:class:`.batch.BatchStepTrace`) laid out in a vector notation.

Each example's forward values, ``dE/d(out)``, ``f'`` and deltas are a table with
a row per example; each example's gradient ``dE_i/dW`` follows, then their mean
``(1/m) sum_i``, the decay's gradient added once, the update, and ``J`` of the
batch before and after.  The net/out notation, which writes every sum of one
example out, does not lay a batch out: :func:`batch_blocks` refuses it by name.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import numpy as np

from . import _sparsity
from ._frozen import FROZEN, frozen_masks, frozen_words
from ._vector_layout import _NAMES, _marked_rows, _matrices, _transfer_matrix
from .batch import BatchLayer, BatchStepTrace
from .formulas import (
    dE_dout_formula,
    fprime_formula,
    fused_divisor,
    fused_note,
    loss_formula,
    loss_settings_note,
    overshoot_note,
    target_note,
)
from .notations import _product_lines, _product_note
from .render import Arr, Block, Heading, Line, Note, Num, Sym, Table, fmt, fmt_latex, tex_name

__all__ = ["batch_blocks", "batch_dict", "check_batch_notation"]

SEP = Sym(",   ", r",\quad ")
EX = Sym("example", r"\text{example}")
_LAYOUT_NOTE = {  # as the one-example trace says it
    "transfer": "Transfer matrices of shape (fan_in + 1, fan_out): row 0 holds the biases, "
                "row i the weights from unit i of the layer below; column j feeds unit j.",
    "ufldl": "W^(l) has shape (units of layer l+1, units of layer l): W^(l)_ij is the weight "
             "to unit i of layer l+1 from unit j of layer l.",
}


def check_batch_notation(notation: str) -> str:
    """``notation`` if a mini-batch can be laid out in it, else a ValueError naming it."""
    if notation == "netout":
        raise ValueError("notation: 'netout' writes every sum of one example out; a "
                         "trace of m > 1 examples is laid out in the 'transfer' or 'ufldl' "
                         "notation (or give one example)")
    return notation


def _mean_layer(ls: BatchLayer) -> SimpleNamespace:
    """``ls`` with the mean of the examples' gradients in place of ``dW`` and ``db``."""
    return SimpleNamespace(W=ls.W, b=ls.b, dW=ls.dW_mean, db=ls.db_mean, W_new=ls.W_new,
                           b_new=ls.b_new, n_out=ls.n_out, frozen=ls.frozen)


def _decay_parts(step: BatchStepTrace, notation: str, k: int) -> tuple[str, str]:
    """The decay's gradient of layer k's weights, (text, latex)."""
    lam_t, lam_l = ("lambda", r"\lambda") if step.decay == "ufldl" else \
        ("(lambda/m)", r"\frac{\lambda}{m}")
    if notation == "transfer":
        W = _transfer_matrix(k)
        return (f" + {lam_t} [0; {W.text}[1:]]",
                rf" + {lam_l} \begin{{bmatrix}}0 \\ {W.latex}_{{1:}}\end{{bmatrix}}")
    return f" + {lam_t} W^({k})", rf" + {lam_l} W^{{({k})}}"


def _grad(notation: str, name: Sym, of: str, of_latex: str) -> Sym:
    """The gradient of ``of`` with respect to the array ``name``, as the notation writes it:
    ``dE_1/dW0`` in the transfer notation, ``grad_W^(1) E_1`` in UFLDL's."""
    if notation == "ufldl":
        return Sym(f"grad_{name.text} {of}", rf"\nabla_{{{name.latex}}} {of_latex}")
    return Sym(f"d{of}/d{name.text}", rf"\frac{{\partial {of_latex}}}{{\partial {name.latex}}}")


def batch_blocks(step: BatchStepTrace, notation: str, digits: int = 6) -> list[Block]:
    """The mini-batch step as layout blocks in the "transfer" or "ufldl" notation.

    Parameters
    ----------
    step : BatchStepTrace
    notation : {"transfer", "ufldl"}
    digits : int, default 6

    Returns
    -------
    list of Heading, Note, Line or Table
    """
    check_batch_notation(notation)
    # each example's derivatives are of its own loss E_i, not of the batch's cost J (which
    # the UFLDL notation's one-example trace calls the example's loss)
    names, m, L = replace(_NAMES[notation], E="E_i"), step.m, len(step.layers)
    eta = Sym("eta", r"\eta") if notation == "transfer" else Sym("alpha", r"\alpha")
    bl: list[Block] = [Heading(f"One step of mini-batch gradient descent ({names.title}), "
                               f"m = {m} examples", 1)]
    if step.dtype != "float64":
        bl.append(Note(f"The network holds {step.dtype} numbers: the step is computed in "
                       "float64 from its parameters widened exactly."))
    bl.append(Note(_LAYOUT_NOTE[notation]))
    for k, ls in enumerate(step.layers, start=1):
        # as the one-example trace: a layer without biases says so (its row 0 is no bias)
        what = "" if ls.b is not None else \
            ", no biases: row 0 stays 0" if notation == "transfer" else ", no biases"
        for name, M, _, _ in _matrices(notation, k, ls):
            tail = f"   ({ls.activation}{what})" if name.text.startswith("W") else ""
            latex = rf"\quad({tex_name(ls.activation)}" + (rf"\text{{{what}}})" if what else ")")
            bl.append(Line((name, " = ", Arr(M), Sym(tail, latex if tail else ""))))
    x0 = names.sym("out", 0)
    bl.append(Table((EX, x0, Sym("y", "y")),
                    tuple((str(i), Arr(e.x), Arr(e.y)) for i, e in
                          enumerate(step.examples, start=1))))
    bl.append(Line((eta, " = ", Num(step.lr), SEP, Sym("m", "m"), " = ", Num(m))))
    for i, e in enumerate(step.examples, start=1):  # as the one-example trace, per example
        if note := target_note(step.layers[-1].activation, step.loss, e.y):
            bl.append(Note(note.replace("note: ", f"note (example {i}): ", 1)))

    bl.append(Heading("Forward pass, example by example"))
    for k in range(1, L + 1):
        s, x, xp = names.sym("net", k), names.sym("out", k), names.sym("out", k - 1)
        act = step.layers[k - 1].activation
        if notation == "transfer":
            W = _transfer_matrix(k)
            how = Sym(f"{W.text}^T [1; {xp.text}]",
                      rf"{{{W.latex}}}^\top \begin{{bmatrix}}1 \\ {xp.latex}\end{{bmatrix}}")
        else:
            bias = "" if step.layers[k - 1].b is None else (f" + b^({k})", f" + b^{{({k})}}")
            how = Sym(f"W^({k}) {xp.text}{bias[0] if bias else ''}",
                      f"W^{{({k})}} {xp.latex}{bias[1] if bias else ''}")
        bl.append(Line((s, " = ", how, SEP, x, " = ",
                        Sym(f"{act}({s.text})", rf"{tex_name(act)}({s.latex})"))))
        bl.append(Table((EX, s, x), tuple((str(i), Arr(e.layers[k - 1].z),
                                           Arr(e.layers[k - 1].a))
                                          for i, e in enumerate(step.examples, start=1))))

    if step.rho is not None:  # UFLDL's sparse autoencoder: rho_hat needs the whole forward pass
        bl += _sparsity.sparsity_blocks(step, names)

    out = names.sym("out", L)
    ft, fl = loss_formula(step.loss, (out.text, out.latex), ("y", "y"), E=("E_i", "E_i"))
    bl += [Heading("Error"), Line((Sym(ft, fl),)),
           Table((EX, Sym("E_i", "E_i")), tuple((str(i), Num(e.example_loss)) for i, e in
                                               enumerate(step.examples, start=1)))]
    if note := loss_settings_note(step.loss, step.loss_params, digits, step.outputs_new.shape[1]):
        bl.append(Note(note))
    terms = " + ".join(fmt(v, digits) for v in step.example_losses)
    terms_l = " + ".join(fmt_latex(v, digits) for v in step.example_losses)
    mean = Sym(f"(1/m) sum_i E_i = ({terms}) / {m}",
               rf"\frac{{1}}{{m}} \sum_i E_i = ({terms_l}) / {m}")
    if step.weight_decay or step.rho is not None:
        per = step.decay == "per_sample"
        c = ("(1/m)(lambda/2)", r"\frac{1}{m}\frac{\lambda}{2}") if per else \
            ("(lambda/2)", r"\frac{\lambda}{2}")
        bl.append(Line((mean, " = ", Num(step.mean_loss))))
        if step.rho is not None:
            bl.append(_sparsity.cost_line(step, c if step.weight_decay else None))
        else:
            bl.append(Line((Sym(f"J = (1/m) sum_i E_i + {c[0]} sum W^2",
                                rf"J = \frac{{1}}{{m}} \sum_i E_i + {c[1]} \sum W^2"), " = ",
                            Num(step.mean_loss), " + ", Num(step.decay_term), " = ",
                            Num(step.cost))))
        if step.weight_decay:
            bl.append(Note(f"(lambda = {fmt(step.weight_decay, digits)}, decay={step.decay!r}: "
                           f"the decay is added once for the batch"
                           f"{', divided by m' if per else ''}; biases are not decayed)"))
    else:
        bl.append(Line((Sym("J = ", "J = "), mean, " = ", Num(step.cost))))

    bl.append(Heading("Backward pass, example by example"))
    for k in range(L, 0, -1):
        x, s, d = names.sym("out", k), names.sym("net", k), names.sym("delta", k)
        dout, fp = names.sym("dout", k), names.sym("fprime", k)
        sparse = step.rho is not None and k < L  # its column: dE_i/da + the sparsity term
        if sparse:
            dout = _sparsity.hidden_label(dout)
        first = step.examples[0].layers[k - 1]
        if k == L:
            dt, dlat = dE_dout_formula(step.loss, (x.text, x.latex), ("y", "y"))
            bl.append(Line((dout, " = ", Sym(dt, dlat))))
        elif step.rho is not None:  # the hidden layer: UFLDL's sparsity term added
            bl += _sparsity.hidden_dout(names, k, notation) + _sparsity.sparsity_row_blocks(step)
        elif notation == "transfer":
            Wn, dn = _transfer_matrix(k + 1), names.sym("delta", k + 1)
            bl.append(Line((dout, " = ", Sym(f"{Wn.text}[1:] {dn.text}",
                                             f"{Wn.latex}_{{1:}} {dn.latex}"))))
        else:
            dn = names.sym("delta", k + 1)
            bl.append(Line((dout, " = ", Sym(f"W^({k + 1})^T {dn.text}",
                                             f"W^{{({k + 1})\\top}} {dn.latex}"))))
        fused: Sym | str = ""  # as the one-example trace: the fused delta, as computed
        if first.fused:
            # cross-entropy's is sum(y) out - y: out - y only for targets that sum to 1
            one = step.loss != "cross_entropy" or all(
                abs(float(e.y.sum()) - 1.0) <= 1e-12 for e in step.examples)
            fused = Sym(f" = {x.text} - y", rf" = {x.latex} - y") if one else \
                Sym(f" = sum(y) {x.text} - y", rf" = \left(\sum y\right) {x.latex} - y")
        if first.fprime is None:
            bl.append(Line((d, " = ", Sym(f"(d{x.text}/d{s.text})^T {dout.text}",
                                          rf"\left(\frac{{\partial {x.latex}}}"
                                          rf"{{\partial {s.latex}}}\right)^\top {dout.latex}"),
                            fused, Sym("  (the softmax Jacobian)", ""))))
        else:
            ft, fl = fprime_formula(first.activation, (s.text, s.latex), (x.text, x.latex))
            prod = (Sym(f"({dout.text}) * {fp.text}", rf"\left({dout.latex}\right) \odot "
                        f"{fp.latex}") if sparse else
                    Sym(f"{dout.text} * {fp.text}", rf"{dout.latex} \odot {fp.latex}"))
            bl.append(Line((fp, " = ", Sym(ft, fl), SEP, d, " = ", prod, fused)))
        if first.fused:  # sum(y) out - y names the examples whose targets do not sum to 1
            odd = [(i, float(e.y.sum())) for i, e in enumerate(step.examples, start=1)
                   if abs(float(e.y.sum()) - 1.0) > 1e-12]
            sums = None if not odd else " and ".join(
                f"example {i}'s targets sum to {v:g}" if n == 0 else f"example {i}'s to {v:g}"
                for n, (i, v) in enumerate(odd)) + ", not 1" + (
                "" if len(odd) == m else "; the others' sum to 1: theirs is out - target")
            bl.append(Note(fused_note(first.activation, step.loss, 1.0,
                                      fused_divisor(step.loss, x.text, fp.text), sums)))
        rows = tuple((str(i), Arr(e.layers[k - 1].dE_da),
                      None if e.layers[k - 1].fprime is None else Arr(e.layers[k - 1].fprime),
                      Arr(e.layers[k - 1].delta)) for i, e in enumerate(step.examples, start=1))
        bl.append(Table((EX, dout, fp, d), rows))
        # as the one-example trace: where a unit saturates (f' or the softmax Jacobian near
        # 0, dE/dout clipped), the printed factors need not multiply to its delta
        odd = [(i, e.layers[k - 1], differs) for i, e in enumerate(step.examples, start=1)
               if (differs := e.layers[k - 1].product_differs(digits)).any()]
        for i, lsi, differs in odd:
            bl += _product_lines(names, k, lsi, differs, example=i)
        if odd:
            bl.append(_product_note(names, k, odd[0][1], step.loss))

    bl.append(Heading("Gradients: each example's, their mean, the update"))
    for k, ls in enumerate(step.layers, start=1):
        xp, d = names.sym("out", k - 1), names.sym("delta", k)
        if notation == "transfer":
            W = _transfer_matrix(k)
            one = "1" if ls.b is not None else "0"
            bl.append(Line((Sym(f"dE_i/d{W.text}", rf"\frac{{\partial E_i}}{{\partial {W.latex}}}"),
                            " = ", Sym(f"[{one}; {xp.text}] {d.text}^T  (example i's values)",
                                       rf"\begin{{bmatrix}}{one} \\ {xp.latex}\end{{bmatrix}} "
                                       rf"{{{d.latex}}}^\top"))))
        else:
            bl.append(Line((Sym(f"grad_W^({k}) E_i", rf"\nabla_{{W^{{({k})}}}} E_i"), " = ",
                            Sym(f"{d.text} {xp.text}^T  (example i's values)",
                                rf"{d.latex} {{{xp.latex}}}^\top"),
                            *((SEP, Sym(f"grad_b^({k}) E_i", rf"\nabla_{{b^{{({k})}}}} E_i"),
                               " = ", d) if ls.b is not None else ()))))
        mean_mats = _matrices(notation, k, _mean_layer(ls))  # type: ignore[arg-type]
        for p, (name, _, G, N) in enumerate(_matrices(notation, k, ls)):
            for i, e in enumerate(step.examples, start=1):
                Gi = _matrices(notation, k, e.layers[k - 1])[p][2]
                bl.append(Line((_grad(notation, name, f"E_{i}", f"E_{{{i}}}"), " = ", Arr(Gi))))
            Ei = _grad(notation, name, "E_i", "E_i")
            avg = Sym(f"(1/m) sum_i {Ei.text}", rf"\frac{{1}}{{m}} \sum_i {Ei.latex}")
            dJ = _grad(notation, name, "J", "J")
            if step.weight_decay and name.text.startswith("W"):
                dt, dl = _decay_parts(step, notation, k)
                bl += [Line((avg, " = ", Arr(mean_mats[p][2]))),
                       Line((dJ, " = ", avg, Sym(dt, dl), " = ", Arr(G)))]
            else:
                bl.append(Line((dJ, " = ", avg, " = ", Arr(G))))
            words = frozen_words(frozen_masks(notation, ls)[p])
            if words == FROZEN:  # kept whole: its value, its gradient not applied
                bl.append(Line((Sym(f"new {name.text}", rf"{name.latex}_{{\text{{new}}}}"),
                                " = ", name, " = ", Arr(N), Sym(f"   {words}",
                                                               rf"\quad\text{{{words}}}"))))
                continue
            kept = (Sym(f"   {words}", rf"\quad\text{{{words}}}"),) if words else ()
            bl.append(Line((Sym(f"new {name.text}", rf"{name.latex}_{{\text{{new}}}}"), " = ",
                            name, " - ", eta, Sym(" * ", r" \cdot "), dJ, " = ", Arr(N),
                            *kept)))
        rows = tuple((lab, Num(v), Num(g), Num(n)) for lab, v, g, n in
                     _marked_rows(notation, k, ls))  # type: ignore[arg-type]
        lr, lr_tex = fmt(step.lr, digits), fmt_latex(step.lr, digits)
        bl.append(Table((Sym("weight", r"\text{weight}"), Sym("value", r"\text{value}"),
                         Sym("dJ/dw", r"\partial J / \partial w"),
                         Sym(f"new value (value - {lr} * dJ/dw)",
                             rf"\text{{value}} - {lr_tex} \cdot \partial J / \partial w")),
                        rows))
    bl += [Heading("After the update"),
           Table((EX, Sym(f"new {out.text}", rf"{out.latex}_{{\text{{new}}}}")),
                 tuple((str(i), Arr(v)) for i, v in enumerate(step.outputs_new, start=1))),
           Line((Sym("new J", r"J_{\text{new}}"), " = ", Num(step.cost_new)))]
    if note := overshoot_note(step.cost, step.cost_new, step.lr, "J", digits):
        bl.append(Note(note))
    return bl


def _list(a: Any) -> Any:
    return None if a is None else np.asarray(a, dtype=np.float64).tolist()


def batch_dict(step: BatchStepTrace, notation: str) -> dict[str, Any]:
    """Every number of the mini-batch step, JSON-able, laid out in ``notation``.

    Parameters
    ----------
    step : BatchStepTrace
    notation : {"transfer", "ufldl"}

    Returns
    -------
    dict
        ``examples``: each example's input, target, loss, output and per layer its
        net inputs, outputs, ``dE/dout``, ``f'``, deltas and gradients;
        ``layers``: each parameter array's value, the mean of the examples'
        gradients, the batch gradient ``dJ/d`` (with the decay) and new value.
    """
    check_batch_notation(notation)
    examples = []
    for e in step.examples:
        layers = []
        for k, ls in enumerate(e.layers, start=1):
            a_in = np.concatenate([[1.0], ls.a_in]) if notation == "transfer" else ls.a_in
            dout = ({"dE_dout": _list(ls.dE_da)} if ls.backprop is None else  # --rho's hidden
                    {"dE_dout": _list(ls.backprop), "dE_dout_plus_sparsity": _list(ls.dE_da)})
            layers.append({"layer": k, "input": _list(a_in), "net": _list(ls.z),
                           "out": _list(ls.a), **dout,
                           "fprime": _list(ls.fprime), "delta": _list(ls.delta),
                           "gradients": [{"name": name.text, "value": _list(G)}
                                         for name, _, G, _ in _matrices(notation, k, ls)]})
        examples.append({"input": _list(e.x), "target": _list(e.y),
                         "example_loss": float(e.example_loss), "output": _list(e.output),
                         "layers": layers})
    layers = []
    for k, ls in enumerate(step.layers, start=1):
        mean = _matrices(notation, k, _mean_layer(ls))  # type: ignore[arg-type]
        first = step.examples[0].layers[k - 1]  # how the deltas are computed: every example's
        layers.append({"layer": k, "activation": ls.activation,
                       "fused_output_delta": first.fused, "delta_from_net": first.from_net,
                       "matrices": [
            {"name": name.text, "value": _list(M), "mean_example_gradient": _list(mean[p][2]),
             "gradient": _list(G), "new": _list(N),
             **({"frozen": F.tolist()} if F.any() else {})}
            for p, ((name, M, G, N), F) in enumerate(zip(  # type: ignore[arg-type]
                _matrices(notation, k, ls), frozen_masks(notation, ls), strict=True))]})
        if ls.frozen:  # the parameters the step kept (their gradients shown, not applied)
            layers[-1]["frozen"] = sorted(ls.frozen)
    doc = {
        "format": "chainrule.trace", "notation": notation, "dtype": step.dtype,
        "loss": step.loss, **({"loss_params": dict(step.loss_params)} if step.loss_params
                              else {}),
        "activations": [ls.activation for ls in step.layers], "batch_size": step.m,
        "learning_rate": step.lr, "weight_decay": step.weight_decay, "decay": step.decay,
        "examples": examples, "mean_loss": step.mean_loss,
        "decay_term": float(step.decay_term), "cost": step.cost, "layers": layers,
        "cost_after": step.cost_new, "outputs_after": _list(step.outputs_new),
    }
    if step.rho is not None:  # the penalty's numbers, before the cost that includes them
        doc = {**{k: v for k, v in doc.items() if k not in ("cost", "layers", "cost_after",
                                                          "outputs_after")},
               "sparsity": _sparsity.sparsity_dict(step),
               **{k: doc[k] for k in ("cost", "layers", "cost_after", "outputs_after")}}
    from .notations import _plain_zeros

    return _plain_zeros(doc)
