"""``--freeze`` of ``chainrule train`` (and cv's, tune's): parameters that training keeps
fixed, as the library's ``layer.trainable = False`` and ``layer.frozen = {"b"}``.

A SPEC is a layer's index, ``0`` (every parameter of the layer), or an index and one of
its parameters' names, ``0:b``; several are given as a comma list (``--freeze 0,2:b``) or
by repeating the option.  A negative index counts from the end, as Python's
``net.layers[-1]`` (``-1`` is the output layer), and is resolved to the index from 0.
The index is the network's own, the one the layer table that train prints and
``chainrule info`` shows in its ``#`` column, ``net.layers[i]`` in Python: with
``--dropout`` the Dropout layers count (``--hidden 8 4 --dropout 0.1``: the
Dense layers are 0, 2 and the output 4), with ``--layers`` it is the list's index, and
the output layer that the command appends is the last.  Everything is checked before the
data is read, from the architecture options alone (a layer's parameters do not depend on
the data's width): an index past the network, a name the layer does not have, a layer
without parameters, or every parameter of the network frozen is refused, naming the
layers and their parameters.

The freeze is resolved to one form, a sorted list of ``"i"`` (the whole layer) and
``"i:name"`` (a layer's parameters, all of them written as ``"i"``), which the model
file's training record and the checkpoint's notes keep (``--resume`` compares it).
"""

from __future__ import annotations

import argparse
import re

_SPEC = re.compile(r"(-?\d+)(?::([A-Za-z_]\w*))?")

# the parameters of each layer type of --layers (its dict), in param_specs' order
_PARAMS = {"Dense": ("W", "b"), "Conv2D": ("W", "b"), "BatchNorm": ("gamma", "beta"),
           "LayerNorm": ("gamma", "beta"), "Embedding": ("W",)}


def freeze_spec(text: str) -> list[str]:
    """argparse type of ``--freeze``: the comma (or space) list's entries, each ``I`` or
    ``I:NAME`` (``I`` negative: from the end, as Python's ``net.layers[-1]``).

    Raises
    ------
    argparse.ArgumentTypeError
        For an entry of another form (an empty entry, a name that is no identifier).
    """
    # commas or spaces: one value of tune's --grid freezes several things as --hidden's
    # value holds several widths, its words split at spaces ('freeze=0:b 1:W,2': two values)
    entries = re.split(r"\s*,\s*|\s+", text.strip())
    for entry in entries:
        if not _SPEC.fullmatch(entry):
            raise argparse.ArgumentTypeError(
                f"expected a layer's index as train's layer table and chainrule info number "
                f"them (0 for the first, -1 for the last), or an index and a parameter's "
                f"name (0:b), comma separated (0,2:b), got {entry!r}"
                + (f" in {text!r}" if entry != text else ""))
    return entries


freeze_spec.__name__ = "--freeze SPEC"


def add_freeze_option(p: argparse.ArgumentParser) -> None:
    """``--freeze SPEC`` on the parser ``p`` (train's options: cv and tune take them too)."""
    p.add_argument("--freeze", type=freeze_spec, action="extend", default=None,
                   metavar="SPEC",
                   help="keep parameters fixed while training (the library's layer.trainable "
                   "= False, layer.frozen): a layer's index as the layer table numbers it "
                   "(Dropout layers count; the output layer, which the command appends, is "
                   "the last; -1 is the last, -2 the one before, as Python's net.layers[-1], "
                   "recorded as the index from 0), 0 for all its parameters, or 0:b for one "
                   "of them (Dense and Conv2D: W, b; BatchNorm and LayerNorm: gamma, beta; "
                   "Embedding: W, its table, as pretrained embeddings are kept); "
                   "a comma (or space) list or the option repeated (--freeze 0,2:b; in "
                   "tune's --grid, whose commas separate values, one value's entries are "
                   "separated by spaces as --hidden's widths are: --grid 'freeze=0:b 1:W,2' "
                   "tries 0:b and 1:W frozen together, then 2). The frozen parameters keep their "
                   "initial values, bit for bit; the model file records them, and --resume "
                   "refuses another freeze (default: every parameter trains)")


def layer_plan(args: argparse.Namespace) -> list[tuple[str, tuple[str, ...]]]:
    """The network's layers as build_network makes them: each one's type and parameter
    names, from the architecture options alone (checked: ``check_architecture``); with
    ``--init-from``, MODEL's network's own layers."""
    model = getattr(args, "init_model", None)
    if model is not None:
        from ._cli_models_train_init import network_plan

        return network_plan(model.network)
    output = ("Dense", ("W", "b"))
    if args.layers is None:
        plan = []
        for _ in args.hidden:
            plan.append(("Dense", ("W", "b")))
            if args.dropout:
                plan.append(("Dropout", ()))
        return [*plan, output]
    plan = []
    for spec in args.layers:
        kind = str(spec.get("type"))
        names = _PARAMS.get(kind, ())
        if kind in ("Dense", "Conv2D") and spec.get("bias", True) is False:
            names = ("W",)
        if kind == "LayerNorm" and spec.get("elementwise_affine", True) is False:
            names = ()
        plan.append((kind, names))
    return [*plan, output]


def _layers_text(plan: list[tuple[str, tuple[str, ...]]]) -> str:
    last = len(plan) - 1
    return "; ".join(f"{i} {kind}" + (" (output)" if i == last else "")
                     + (f": {', '.join(names)}" if names else ": no parameters")
                     for i, (kind, names) in enumerate(plan))


def check_freeze(args: argparse.Namespace) -> list[str] | None:
    """Resolve ``args.freeze`` (the entries of :func:`freeze_spec`) against the network
    the architecture options build: the sorted canonical list, or None for none.

    Raises
    ------
    ValueError
        Naming the entry and the network's layers and their parameters: an index past
        the last layer, a layer without parameters, a name the layer does not have; or
        every parameter of the network frozen (nothing to train).
    """
    entries = getattr(args, "freeze", None)
    if not entries:
        return None
    plan = layer_plan(args)
    frozen: dict[int, set[str]] = {}
    for entry in entries:
        index, name = _SPEC.fullmatch(entry).groups()
        i = int(index)
        i += len(plan) if i < 0 else 0  # from the end, as Python's net.layers[-1]
        if not 0 <= i < len(plan):
            raise ValueError(f"--freeze {entry}: the network has {len(plan)} layers, 0 to "
                             f"{len(plan) - 1} ({_layers_text(plan)}), or -{len(plan)} "
                             "to -1 counted from the end")
        kind, names = plan[i]
        if not names:
            raise ValueError(f"--freeze {entry}: layer {i} ({kind}) has no parameters to "
                             f"freeze; the network's layers: {_layers_text(plan)}")
        if name is not None and name not in names:
            raise ValueError(f"--freeze {entry}: layer {i} ({kind}) has the parameters "
                             f"{', '.join(names)}, not {name!r}; the network's layers: "
                             f"{_layers_text(plan)}")
        frozen.setdefault(i, set()).update(names if name is None else (name,))
    if all(set(names) <= frozen.get(i, set()) for i, (_, names) in enumerate(plan)):
        raise ValueError(f"--freeze {','.join(entries)}: every parameter of the network would "
                         f"be frozen, leaving nothing to train ({_layers_text(plan)}); "
                         "leave a layer, the output layer for one, to train")
    resolved = []
    for i in sorted(frozen):
        names = plan[i][1]
        resolved += ([str(i)] if set(names) <= frozen[i] else
                     [f"{i}:{n}" for n in names if n in frozen[i]])
    return resolved


def apply_freeze(net, freeze: list[str] | None) -> None:
    """Mark the layers of ``net`` as :func:`check_freeze`'s list says: ``"i"`` sets
    ``net.layers[i].trainable = False``, ``"i:name"`` puts the name in its ``frozen``."""
    if not freeze:
        return
    names: dict[int, set[str]] = {}
    for entry in freeze:
        index, _, name = entry.partition(":")
        layer = net.layers[int(index)]
        if name:
            names.setdefault(int(index), set()).add(name)
        else:
            layer.trainable = False
    for i, given in names.items():
        net.layers[i].frozen = given
