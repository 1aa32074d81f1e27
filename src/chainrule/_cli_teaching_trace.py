"""Command-line glue of ``chainrule trace``: its options, and its handler.

:func:`_add_trace` registers the subcommand (:mod:`chainrule.cli_teaching` calls it
with the other teaching commands); :func:`_trace` reads the network from a preset,
a file, standard input or ``--weights``, puts the options over it, names whose
value an error is about, and prints or writes the step
:func:`chainrule.tracing.trace` traces.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ._cli_args_files import STDOUT, picture_named, trace_path
from ._cli_stdout import utf8_stdout
from .cli_args import (
    backprop_activation_name,
    check_loss_output,
    finite_float,
    integer,
    loss_name,
    nonnegative_float,
    positive_float,
    print_written,
    refuse_overwriting,
)

__all__ = ["_add_trace"]


# --- chainrule trace ---------------------------------------------------------------------------
def _preset_name(text: str) -> str:
    """argparse type of ``--preset``: the name of a preset of :data:`chainrule.tracing.PRESETS`.

    Checked as it is parsed: ``--preset nope`` went to the reader of ``--network``, which
    takes files and JSON too, and was refused naming ``network`` rather than the option.
    """
    from .tracing import PRESETS

    if text not in PRESETS:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(PRESETS)}, got {text!r} "
                                         "(--network takes a file or inline JSON)")
    return text


_preset_name.__name__ = "preset name"


def _add_trace(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "trace", help="print every number of one training step of a small network",
        description="One forward pass, backward pass and gradient-descent update of a small "
        "network, printed node by node in the notation of a course. The network comes from "
        "a preset, a JSON/YAML file or inline JSON (--network), or from --weights; the other "
        "options override what it says.",
        epilog="example: chainrule trace --preset integer-example --notation ufldl; "
        "chainrule trace --weights '[[[1,1],[2,1]],[[2,1],[1,0]]]' --layout ufldl "
        "--activation square --input 1 1 --target 290 14 --lr 0.5",
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--preset", type=_preset_name,
                     help="transfer-example (SPEC 10 A) or integer-example (B)")
    src.add_argument("--network", metavar="FILE_OR_JSON",
                     help="a .json/.yaml file, or inline JSON text '{...}' with keys weights, "
                     "layout, biases, activation, loss, input, target, lr, frozen, "
                     "trainable; - reads the JSON from standard input")
    p.add_argument("--weights", metavar="JSON", help="one matrix per layer, as JSON")
    p.add_argument("--layout", choices=["transfer", "ufldl", "chainrule"],
                   help="how --weights is written (default: transfer)")
    p.add_argument("--biases", metavar="JSON", help="ufldl/chainrule layouts: JSON list, "
                   "one vector or null per layer; transfer layout: false (no layer has "
                   "biases; row 0 must be zeros) or one true/false per layer")
    p.add_argument("--frozen", metavar="JSON", help="the parameters the step keeps, one "
                   "list of names per layer: '[[\"b\"], [\"b\"]]' freezes the biases (their "
                   "gradients shown, not applied, as training does)")
    p.add_argument("--trainable", metavar="JSON", help="one true/false per layer: false "
                   "keeps all of the layer's parameters")
    p.add_argument("--activation", type=backprop_activation_name, nargs="+", metavar="NAME",
                   help="one activation, or one per layer (default: the preset's or the "
                   "network's, else sigmoid)")
    p.add_argument("--loss", type=loss_name,
                   help="squared_error, mean_squared_error, log_loss, cross_entropy, "
                   "poisson, huber (its delta 1: another, or label smoothing, in a --network "
                   "description: \"loss\": {\"name\": \"huber\", \"delta\": 2}), "
                   "mean_absolute_error (mae), multiclass_hinge (svm), hinge (default: the "
                   "preset's or the network's, else squared_error)")
    p.add_argument("--weight-decay", type=nonnegative_float, dest="weight_decay",
                   help="lambda of (lambda/2) sum W^2 (default: the preset's or the "
                   "network's, else 0)")
    p.add_argument("--input", type=finite_float, nargs="+", action="append", metavar="X",
                   help="the example; given again, a mini-batch of m examples (--input 0 1 "
                   "--input 1 0), one --target each")
    p.add_argument("--target", type=finite_float, nargs="+", action="append", metavar="Y",
                   help="its target (one --target per --input)")
    p.add_argument("--lr", type=positive_float,
                   help="learning rate (default: the preset's or the network's, else 1)")
    p.add_argument("--rho", "--sparsity", type=finite_float, metavar="RHO",
                   help="UFLDL's sparse autoencoder: add beta * sum_j KL(RHO || rho_hat_j) to "
                   "the cost, rho_hat_j the mean activation of hidden unit j over the "
                   "mini-batch, and beta (-RHO/rho_hat_j + (1-RHO)/(1-rho_hat_j)) to each "
                   "hidden delta before f'; a network with one hidden layer, m > 1 examples "
                   "(\"rho\" in a --network description)")
    p.add_argument("--beta", type=nonnegative_float, metavar="BETA",
                   help="the weight of the --rho sparsity penalty (default: the network's, "
                   "else 3, as SparseAutoencoder's)")
    p.add_argument("--notation", choices=["transfer", "ufldl", "netout"],
                   help="default: the preset's, else transfer")
    p.add_argument("--format", choices=["text", "markdown", "json"], default=None,
                   help="plain text, Markdown with LaTeX formulas, or JSON of every number "
                   "(default: by the suffix of --output, .md or .markdown and .json, else "
                   "text)")
    p.add_argument("--digits", type=integer(1, 17), default=6,
                   help="significant digits (default: 6)")
    p.add_argument("--output", type=trace_path, metavar="FILE",
                   help="write to FILE instead of printing, its missing folders created (a "
                   "file name, not a folder, such as trace.txt, trace.md or trace.json: "
                   "without --format, the suffix chooses the format; -: standard output, as "
                   "without --output)")
    p.add_argument("--plot", type=picture_named("trace.png"), metavar="PNG",
                   help="also draw the step on the network's graph (each weight, its "
                   "gradient and its new value) to PNG; a name without a suffix gets .png")
    p.add_argument("--hvp", metavar="V", help="trace H v (Pearlmutter's R-operator: forward, "
                   "backward, R-forward and R-backward passes) instead of the step: V a JSON "
                   "list in the layout of net.params, a JSON file of one, or random")
    p.add_argument("--sample-weight", type=nonnegative_float, nargs="+", metavar="W",
                   dest="sample_weight", help="with --hvp: one weight per --input row, "
                   "H v of the weighted cost (sum_i w_i L_i / sum(w), as training with "
                   "sample weights minimises it)")
    p.add_argument("--list-presets", action="store_true", help="list the presets and exit")
    p.set_defaults(handler=_trace)


#: How messages name ``--network -``.
_STDIN_NETWORK = "--network - (standard input)"


def _stdin_json() -> str:
    """The text of standard input for ``--network -``, read once, whole, as UTF-8 (a byte
    order mark dropped); a ValueError naming it when it is closed, empty or not UTF-8."""
    from ._tabular_text import _stdin_bytes

    expected = "expected a JSON network description ('{\"weights\": ..., ...}')"
    if sys.stdin is None:  # closed before Python started (``<&-``)
        raise ValueError(f"{_STDIN_NETWORK}: closed; {expected} piped or redirected to "
                         "the command (chainrule trace --network - < net.json)")
    raw = _stdin_bytes("a JSON network description")
    try:
        text = raw if isinstance(raw, str) else raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{_STDIN_NETWORK}: not UTF-8 text; {expected}") from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ValueError(f"{_STDIN_NETWORK}: empty; {expected} (a YAML description: "
                         "give the .yaml file's path)")
    return text


def _json_option(text: str | None, name: str) -> object:
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name}: not valid JSON ({exc})") from None


def _rows(given: list[list[float]] | None) -> list | None:
    """The values of one ``--input`` (or ``--target``) as a list; of several, one row each."""
    return None if given is None else given[0] if len(given) == 1 else given


def _trace(args: argparse.Namespace) -> int:
    from .tracing import PRESETS, load_spec, spec_network, trace
    from .tracing.spec import _json_spec, _spec_with

    if args.list_presets:
        for name, spec in PRESETS.items():
            print(f"{name}: {spec['description']}")
        return 0
    stdin = args.network == "-"  # the JSON description on standard input: no file
    files = {"network file": None if stdin else args.network}
    refuse_overwriting(args.output, "--output", files)
    refuse_overwriting(args.plot, "--plot", files)
    weights = _json_option(args.weights, "--weights")
    overrides = {
        "weights": weights, "layout": args.layout, "biases": _json_option(args.biases, "--biases"),
        "activation": (args.activation[0] if args.activation and len(args.activation) == 1
                       else args.activation),
        "loss": args.loss, "weight_decay": args.weight_decay, "input": _rows(args.input),
        "target": _rows(args.target), "lr": args.lr, "rho": args.rho, "beta": args.beta,
        "frozen": _json_option(args.frozen, "--frozen"),
        "trainable": _json_option(args.trainable, "--trainable"),
    }
    given = {k: v for k, v in overrides.items() if v is not None}
    # a network's required keys (input, target) may come from the options; --loss is put
    # over the description's loss below, once a note has named the settings it drops
    kept = {k: v for k, v in given.items() if k != "loss"}
    filled: set[str] = set()  # the description's keys left to their defaults
    if stdin:
        spec = _json_spec(_stdin_json(), _STDIN_NETWORK, kept, filled)
    elif args.network is not None:
        spec = _spec_with(args.network, kept, filled)
    elif args.preset is not None or weights is None:
        spec = load_spec(args.preset or "transfer-example")
    else:
        spec = {"weights": weights}
    if isinstance(spec.get("loss"), dict) and args.loss is not None:
        dropped = {k: v for k, v in spec["loss"].items() if k != "name"}
        if dropped:  # the whole dict is replaced: say so rather than trace other settings
            print(f"chainrule trace: note: --loss {args.loss} replaces the network's loss "
                  f"{json.dumps(spec['loss'])}, and its settings with it "
                  f"({', '.join(f'{k}={v}' for k, v in dropped.items())} not kept)",
                  file=sys.stderr)
    _margin_scores(spec, given)
    preset = None  # the preset whose network the options change, to name in an error
    if args.network is None and (args.preset is not None or weights is None):
        preset = (f"--preset {args.preset}" if args.preset is not None else
                  "--preset transfer-example (the default: no --preset, --network or "
                  "--weights given)")
    try:
        spec = load_spec({**spec, **given})
    except (TypeError, ValueError) as exc:
        if preset is None:
            raise
        raise type(exc)(f"{_blamed(preset, given, exc)}: {exc}") from None
    acts = spec.get("activation") or "sigmoid"
    source = "the network's" if args.network is not None else (
        "the preset's" if args.preset is not None or weights is None else "the default")
    try:
        if isinstance(acts, str) or (isinstance(acts, list) and acts
                                     and isinstance(acts[-1], str)):
            check_loss_output(spec.get("loss") or "squared_error",
                              acts if isinstance(acts, str) else acts[-1],
                              output_given=args.activation is not None, default=source,
                              loss_from=None if args.loss is not None else source,
                              output_option="--activation")
        # rows named by their options: given there, or a preset's (--weights's) to change
        built = spec_network(spec, set(given) | ({"input", "target"} if args.network is None
                                                  else set()))
    except (TypeError, ValueError) as exc:  # named by the description's key: say whose
        if preset is not None:
            raise type(exc)(f"{_blamed(preset, given, exc)}: {exc}") from None
        if args.network is None:
            raise
        options = ", ".join("--" + k.replace("_", "-") for k in given)
        inline = args.network.lstrip().startswith("{")  # JSON text, not a file name
        where = (_STDIN_NETWORK if stdin else "--network" if inline else args.network) + (
            f" (with {options})" if options else "")
        raise type(exc)(f"{where}: {exc}") from None
    last = acts if isinstance(acts, str) else acts[-1] if isinstance(acts, list) else None
    # no loss from --loss, the preset or the description (--weights alone, or a --network
    # without "loss"): the default, squared_error, is seldom what a softmax output means
    no_loss = source == "the default" or (args.network is not None and "loss" in filled)
    if no_loss and args.loss is None and last == "softmax":
        where = "" if source == "the default" else \
            ' (the network description gives no "loss")'
        also = "" if source == "the default" else ' (or "loss": "cross_entropy" in it)'
        print(f"chainrule trace: note: the softmax output is traced with the default loss, "
              f"squared_error{where}; its canonical loss is cross_entropy (delta = out - "
              f"target): give --loss cross_entropy for it{also}", file=sys.stderr)
    notation = args.notation or built.notation or "transfer"
    import numpy as np

    rows = np.shape(built.x)[0] if np.ndim(built.x) == 2 else 1
    if rows > 1 and notation == "netout" and args.notation is None and preset is not None:
        # a preset's default, not the user's choice: the batch is traced in the transfer
        # notation (a description's "notation": "netout" or --notation netout is refused)
        print(f"chainrule trace: note: m = {rows} examples are traced in the transfer "
              f"notation, not the preset's default netout, which writes the sums of one "
              f"example out (--notation ufldl for UFLDL's)", file=sys.stderr)
        notation = "transfer"
    if rows > 1 and notation == "netout":  # named by the option, or by whose default it is
        whose = "--notation netout" if args.notation else \
            f"the notation netout ({source} default)"
        raise ValueError(f"{whose}: net/out writes every sum of one example out; a trace of "
                         f"m = {rows} examples needs --notation transfer or ufldl")
    sparsity = _sparsity_settings(args, built, rows, stdin)
    if args.hvp is not None:  # H v at the network's point, not a training step
        from .tracing._hvp_direction import hvp_direction
        from .tracing.hvp_trace import trace_hvp

        if args.plot or sparsity.get("rho") is not None:
            raise ValueError("--hvp: traces H v of the cost without --plot, --rho or --beta")
        w = args.sample_weight
        if w is not None and len(w) != rows:
            raise ValueError(f"--sample-weight: expected one weight per --input row ({rows}), "
                             f"got {len(w)}")
        if w is not None and not any(w):
            raise ValueError("--sample-weight: expected weights with a positive sum, got all 0")
        out = trace_hvp(built.network, built.x, built.y,
                        hvp_direction(args.hvp, built.network), digits=args.digits,
                        sample_weight=w)
    elif args.sample_weight is not None:
        raise ValueError("--sample-weight: weighs the rows of --hvp's cost; the step trace "
                         "takes no weights (give --hvp V, or leave --sample-weight out)")
    else:
        out = trace(built.network, built.x, built.y, built.lr, notation, args.digits,
                    **sparsity)
    m = getattr(getattr(out, "step", None), "m", 1)
    if args.plot and m > 1:  # refused before anything is written
        raise ValueError(f"--plot: the picture shows one example's numbers on the network's "
                         f"graph; this trace has m = {m} examples (give one --input to draw it)")
    to_file = args.output not in (None, STDOUT)  # --output -: printed, as without it
    text = out.render(args.format or _trace_format(args.output if to_file else None))
    text = text if text.endswith("\n") else text + "\n"  # ends its last line, wherever written
    if to_file:
        from .io import atomic_text

        with atomic_text(args.output) as fh:  # its folders created, as for other outputs
            fh.write(text)
        print_written(f"trace written to {args.output}", args.output)
    elif args.output == STDOUT:  # the file's bytes, as predict -o - writes its CSV
        with utf8_stdout() as fh:
            fh.write(text)
    else:
        print(text, end="")
    if args.plot:
        written = f"picture written to {out.plot(args.plot)}"
        if to_file:
            print_written(written, args.plot)
        else:  # the trace itself is on stdout (JSON, say): the line goes beside it
            print(written, file=sys.stderr)
    return 0


def _sparsity_settings(args: argparse.Namespace, built: object, rows: int,
                       stdin: bool) -> dict[str, float]:
    """The ``rho`` and ``beta`` of the trace (``{}``: no penalty), checked and named by the
    option that gave them, or by the network description's key."""
    from .tracing._sparsity import check_sparsity

    rho, beta = built.rho, built.beta  # type: ignore[attr-defined]
    if rho is None and beta is None:
        return {}

    def named(key: str) -> str:
        if getattr(args, key) is not None:
            return f"--{key}"
        where = (_STDIN_NETWORK if stdin else "--network" if args.network.lstrip()
                 .startswith("{") else args.network)
        return f'{where}: "{key}"'

    if rho is None:
        raise ValueError(f"{named('beta')}: the weight of the sparsity penalty goes with its "
                         "target average activation, --rho RHO (\"rho\" in a --network "
                         "description); got beta without rho")
    rho, beta = check_sparsity(rho, 3.0 if beta is None else beta,
                               len(built.network.layers), rows,  # type: ignore[attr-defined]
                               (named("rho"), named("beta") if beta is not None else "--beta"))
    return {"rho": rho, "beta": beta}


def _blamed(preset: str, given: dict[str, object], exc: Exception) -> str:
    """Whom an error about a preset changed by options blames: ``--weights`` for a message
    about the weights (``weights[0] contains ...``) when they came from ``--weights``, else
    the preset, saying that ``--weights`` replaced its network when it did; ``--frozen``
    and ``--trainable`` for a message about them."""
    for key in ("frozen", "trainable"):
        if key in given and str(exc).startswith((f"{key}:", f"{key}[")):
            return f"--{key}"
    if "weights" not in given:
        return preset
    if str(exc).startswith(("weights ", "weights[", "weights:")):
        return "--weights"
    return f"{preset} (its network replaced by --weights)"


def _trace_format(output: str | None) -> str:
    """The format a trace written to ``output`` takes when ``--format`` is not given: its
    suffix's (``.json``; ``.md`` or ``.markdown``), else plain text, as matplotlib picks a
    picture's format by its suffix."""
    suffix = os.path.splitext(output or "")[1].lower()
    return {".json": "json", ".md": "markdown", ".markdown": "markdown"}.get(suffix, "text")


def _margin_scores(spec: dict, given: dict) -> None:
    """A margin loss (multiclass_hinge, hinge) with no activation given anywhere: the
    hidden layers keep the default (sigmoid) and the output is identity, the scores the
    loss reads (a sigmoid's (0, 1) never reaches its margins of 1), as in gradcheck."""
    from .losses import get_loss

    loss = given.get("loss", spec.get("loss"))
    weights = given.get("weights", spec.get("weights"))
    if (loss is None or "activation" in given or spec.get("activation") is not None
            or not isinstance(weights, list) or not weights):
        return
    try:
        name = get_loss(loss).name
    except (TypeError, ValueError):  # refused later, where the description is read
        return
    if name in ("multiclass_hinge", "hinge"):
        spec["activation"] = ["sigmoid"] * (len(weights) - 1) + ["identity"]
