"""What decides a run of ``chainrule train``, and the checks that ``--resume`` continues
the same one (the checkpoint options themselves are :mod:`chainrule._cli_checkpoint`'s).

The options are recorded in the checkpoint's notes as they were resolved, with a
SHA-256 of the arrays the run trained on; a resumed run must give the same
options (those that have an effect, once resolved) and prepare the same arrays,
or it is refused, naming the option (the data: :mod:`chainrule._cli_resume_data`).
Import from :mod:`chainrule._cli_checkpoint`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path

from ._checkpoints_data import fingerprint as fingerprint  # the library's resume's too

# the options that decide a run (--epochs aside, which --resume may change), by their
# attribute in the parsed arguments, as the notes record them once resolved
_RUN_OPTIONS = {
    "target": "--target", "features": "--features", "task": "--task",
    "hidden": "--hidden", "activation": "--activation", "dropout": "--dropout",
    "layers": "--layers", "input_shape": "--input-shape", "output": "--output",
    "loss": "--loss", "init": "--init", "optimizer": "--optimizer", "lr": "--lr",
    "momentum": "--momentum", "batch_size": "--batch-size", "weight_decay": "--weight-decay",
    "decay": "--decay", "clip_norm": "--clip-norm", "ema": "--ema",
    "schedule": "--schedule", "patience": "--patience", "scale": "--scale", "seed": "--seed",
    "class_weight": "--class-weight", "huber_delta": "--huber-delta",
    "label_smoothing": "--label-smoothing", "categorical": "--categorical",
    "sample_weight": "--sample-weight", "impute": "--impute", "fill_value": "--fill-value",
    "missing_indicator": "--missing-indicator", "groups": "--groups",
    "time_ordered": "--time-ordered", "gap": "--gap", "max_train_rows": "--max-train-rows",
    "dtype": "--dtype", "amsgrad": "--amsgrad", "centered": "--centered",
    "decoupled_decay": "--decoupled-decay", "dampening": "--dampening",
    "lr_decay": "--lr-decay", "initial_accumulator_value": "--initial-accumulator-value",
    "momentum_decay": "--momentum-decay", "divergence_threshold": "--divergence-threshold",
    "freeze": "--freeze",
}
# --init-from (the SHA-256 of MODEL's parameters), compared first: a run without it differs
# in its architecture options too, which it sets
_RUN_OPTIONS = {"init_from": "--init-from", **_RUN_OPTIONS}


def run_options(args: argparse.Namespace, steps: Mapping[str, object]) -> dict:
    """The options that decide a run, resolved (``steps``: :func:`optimizer_settings`)."""
    options = {name: getattr(args, name, None) for name in _RUN_OPTIONS
               if name != "categorical"}
    # --missing-indicator not given: None, as a run from before it recorded nothing
    options["missing_indicator"] = True if options["missing_indicator"] else None
    options["time_ordered"] = True if options["time_ordered"] else None  # (as it)
    options["gap"] = options["gap"] or None  # 0: none, as a run from before it
    # float64: none, as a run from before --dtype
    options["dtype"] = None if options["dtype"] in (None, "float64") else options["dtype"]
    # the columns named categorical, in any order (a run from before it: None, as none)
    forced = getattr(args, "categorical", None)
    options["categorical"] = sorted(set(forced)) if forced else None
    # --init-from: the SHA-256 of MODEL's parameters (another file of them is the same run)
    options["init_from"] = getattr(args, "init_from_sha256", None)
    options["init_from_file"] = getattr(args, "init_from", None)  # named by the refusal
    options.update(steps)  # the momentum and batch size the rule uses (defaults filled in)
    return json.loads(json.dumps(options))  # as the checkpoint's JSON gives them back


def _shown(option: str, value: object) -> str:
    if value is None:
        return f"no {option}"
    if value is True:  # a flag: --missing-indicator, --time-ordered
        return option
    if isinstance(value, list) and not any(isinstance(v, (dict, list)) for v in value):
        return f"{option} {' '.join(map(str, value))}"
    if isinstance(value, (dict, list)):
        return f"{option} '{json.dumps(value)}'"
    return f"{option} {value}"


def _refuse(path: Path, option: str, recorded: object, given: object) -> ValueError:
    return ValueError(
        f"{option}: the run in {path} was started with {_shown(option, recorded)}, got "
        f"{_shown(option, given)}; give the run's options again to continue it (--epochs "
        "may extend it), or another --checkpoint to start a new run")


def _schedule(spec: object) -> object:
    """A --schedule as it decides the run: every setting, defaults filled in (no
    --schedule, "constant" and '{"name": "constant"}' are one schedule)."""
    from ._cli_args_optimizer import EPOCHS_STAND_IN
    from .schedules import get_schedule, length_from_run

    if spec is None:
        spec = "constant"
    given = {"name": spec} if isinstance(spec, str) else spec
    if not isinstance(given, dict):
        return spec
    try:  # the run's epochs are not known here: "cosine" without T_max anneals over them
        config = get_schedule(dict(given), epochs=EPOCHS_STAND_IN).get_config()
    except (TypeError, ValueError):
        return spec
    if config.get("name") == "cosine" and "T_max" not in given:
        config["T_max"] = "epochs"
    if (config.get("name") == "onecycle" and given.get("total_steps") is None
            and given.get("epochs") is None):  # spans the run: its epochs' steps
        config["epochs"] = "epochs"
    if length_from_run(given) == "total_iters":  # "linear", "polynomial": over the run
        config["total_iters"] = "epochs"
    after = given.get("after")
    if (config.get("name") == "warmup" and config["after"].get("name") == "cosine"
            and (after == "cosine" or (isinstance(after, dict) and "T_max" not in after))):
        config["after"]["T_max"] = "epochs after the warm-up"
    if config.get("name") == "warmup" and length_from_run(after) == "total_iters":
        config["after"]["total_iters"] = "epochs after the warm-up"
    return config


def _init(options: dict) -> object:
    """--init as it decides the run: the initialiser's own name (``he`` is ``he_normal``),
    or ``auto`` when that is the initialiser auto picks for every layer --init applies to
    (each hidden Dense or Conv2D layer that names none, and the output layer)."""
    from .initializers import ALIASES, auto_init

    init = options.get("init")
    if not isinstance(init, str) or init == "auto":
        return init
    init = ALIASES.get(init, init)
    # the outputs that train infers (softmax, sigmoid, identity, exp) all start as identity's
    output = options.get("output") or "identity"
    layers = options.get("layers")
    if layers is None:
        activation = options.get("activation") or ["relu"]
        hidden = options.get("hidden") or []
        acts = activation * len(hidden) if len(activation) == 1 else activation
    elif isinstance(layers, list) and all(isinstance(spec, dict) for spec in layers):
        acts = [spec.get("activation", "relu") for spec in layers  # relu: train's default
                if spec.get("type") in ("Dense", "Conv2D") and "init" not in spec]
    else:
        return init
    return "auto" if all(auto_init(a) == init for a in [*acts, output]) else init


def _layers(options: dict) -> object:
    """--layers as it decides the run: each layer's settings with its defaults filled in.

    ``"kernel_size": 3`` and ``[3, 3]``, ``"padding": "valid"`` and ``0``, ``"same"``
    and ``1`` for a 3x3 kernel (a convolution's padding is compared by the zeros it
    adds on each side), a pool's stride left out and given as its size, a Dense dict
    without an activation and with ``"relu"`` (train's default) build the same
    network: each list is built as train builds it and compared by the layers'
    settings (their own :meth:`get_config`).  The sizes inferred from the layer
    before (``fan_in``, ``in_channels``, ``n_features``) are left out: the data,
    checked apart, fix them.  What the settings do not hold stays as given: an
    ``init`` (its alias resolved; --init applies to the layers that name none).  A
    list that does not build is compared as written.
    """
    from .architecture import network_from_layers
    from .initializers import ALIASES
    from .io import network_config

    layers = options.get("layers")
    if not (isinstance(layers, list) and layers
            and all(isinstance(spec, dict) for spec in layers)):
        return layers
    inferred = ("fan_in", "in_channels", "n_features", "init")
    specs = [{key: value for key, value in spec.items() if key not in inferred}
             for spec in layers]
    specs = [{**spec, "activation": "relu"}  # a Dense dict without one: relu in train
             if spec.get("type") == "Dense" and "activation" not in spec else spec
             for spec in specs]
    shape = options.get("input_shape")
    output = {"type": "Dense", "fan_out": 1, "activation": "identity"}  # as check_architecture
    try:  # 1 feature stands in for flat rows: the first Dense layer's fan_in is left out
        net = network_from_layers([*specs, output], input_shape=tuple(shape) if shape else 1,
                                  seed=0)
    except (TypeError, ValueError, MemoryError):
        return layers
    configs = network_config(net)["layers"][:-1]
    for config, spec, layer in zip(configs, layers, net.layers[:-1], strict=True):
        for key in inferred[:3]:
            config.pop(key, None)
        if hasattr(layer, "padding_sides"):  # "same", "valid" or numbers: the zeros it adds
            config["padding"] = [list(sides) for sides in layer.padding_sides]
        for key, value in spec.items():  # what the settings do not hold: init
            if key not in config and key not in inferred[:3]:
                config[key] = ALIASES.get(value, value) if key == "init" and isinstance(
                    value, str) else value
    return configs


def _decisive(options: dict) -> dict:
    """``options`` (:func:`run_options`) as they decide the run: --activation of an MLP
    without hidden layers (a linear model) has none to apply to, one name per hidden
    layer, all the same, is that one name for every layer, a --schedule is its
    settings, defaults filled in, --decay is ufldl when not given and when there is
    no --weight-decay to apply it to, --init is auto when it names what auto picks
    for every layer (:func:`_init`), and --layers is each layer's settings
    (:func:`_layers`)."""
    options = dict(options)
    activation = options.get("activation")
    if options.get("layers") is None and isinstance(activation, list):
        if options.get("hidden") == []:
            options["activation"] = None
        elif activation and activation.count(activation[0]) == len(activation):
            options["activation"] = activation[:1]
    options["schedule"] = _schedule(options.get("schedule"))
    options["init"] = _init(options)  # from the layers as written (their own inits)
    options["layers"] = _layers(options)
    # --loss huber's threshold, 1.0 when not given; no threshold (a run from before it) else
    options["huber_delta"] = (float(options.get("huber_delta") or 1.0)
                              if options.get("loss") == "huber" else None)
    options["label_smoothing"] = float(options.get("label_smoothing") or 0.0)  # none: 0
    options["dtype"] = options.get("dtype") or "float64"  # none: float64
    # no --decay (or a run from before it) is ufldl, and without weight decay neither applies
    if not options.get("decay") or not options.get("weight_decay"):
        options["decay"] = "ufldl"
    return options


# the options whose meaning only the data tell (the task and output by the target, the
# loss by the output, the last column as target, a batch of all the training rows, the
# classes that the keys of --class-weight name, the columns that are every one but the
# target): compared once resolved, by check_resolved, when the run recorded them so
_RESOLVED = ("task", "output", "loss", "target", "batch_size", "class_weight", "features")


def check_options(run: dict | None, options: dict, path: Path,
                  shape_from: object = None) -> None:
    """Refuse to continue ``run`` (:func:`check_checkpoint_options`) with other options.

    Only what decides the run is compared (:func:`_decisive`): an option that has no
    effect may change (``--activation`` without hidden layers), one that has may not.
    The options of ``_RESOLVED`` are left to :func:`check_resolved` (the batch size
    always; the others when the run recorded them resolved).  ``shape_from``: the data
    file whose images gave ``input_shape`` (no --input-shape typed), which the refusal
    of another shape names in its place; the run's own, when its notes say its DATA
    gave it (``input_shape_from_data``), are named so too.
    """
    if run is None:
        return
    recorded = run["notes"]["options"]
    later = {"batch_size", *(_RESOLVED if "resolved" in run["notes"] else ())}
    old, new = _decisive(recorded), _decisive(options)
    for name, option in _RUN_OPTIONS.items():
        if name == "huber_delta" and (old[name] is None) != (new[name] is None):
            continue  # one run of --loss huber, one not: --loss itself is refused, by name
        if name not in later and old.get(name) != new[name]:
            was, got = recorded.get(name), options[name]
            if name == "huber_delta":  # not given: name the default the run used (1.0)
                was, got = (f"{used} (the default)" if value is None else value
                            for value, used in ((was, old[name]), (got, new[name])))
            if name == "freeze":  # as typed: a comma list
                was, got = (",".join(v) if v else None for v in (was, got))
            if name == "init_from":  # MODEL's file, and its parameters' SHA-256
                was, got = (None if sha is None else f"{file} (parameters' SHA-256 {sha[:12]})"
                            for file, sha in ((recorded.get("init_from_file"), was),
                                              (options.get("init_from_file"), got)))
            if name == "dtype":  # float64 not given: named all the same
                was, got = old[name], new[name]
            if name == "input_shape" and ((shape_from is not None and got is not None)
                                          or _shape_from_data(run["notes"], was)):
                raise _other_images(path, run["notes"], was, got, shape_from)
            raise _refuse(path, option, was, got)


def _shape_from_data(notes: dict, shape: object) -> bool:
    """Whether the run of ``notes`` took its --input-shape ``shape`` from the images of
    its DATA (no --input-shape typed), as its notes record since ``input_shape_from_data``
    (a run from before it: False, named as an option)."""
    return notes.get("input_shape_from_data") is True and isinstance(shape, list)


def _other_images(path: Path, notes: dict, was: object, got: object,
                  shape_from: object) -> ValueError:
    """The refusal of another --input-shape where one side (or both) took it from the
    images of its DATA, not from an option typed: those images are named."""
    if _shape_from_data(notes, was):
        data = notes.get("data")
        was_words = (f"images of {' x '.join(map(str, was))} taken from its DATA"
                     + (f" ({data})" if isinstance(data, str) else ""))
    else:
        was_words = f"with {_shown('--input-shape', was)}"
    if shape_from is not None and got is not None:  # not typed: the images of DATA gave it
        got_words = (f"the images of {shape_from} ({' x '.join(map(str, got))}, C x H x W; "
                     "no --input-shape given, so theirs)")
    else:
        got_words = _shown("--input-shape", got)
    return ValueError(
        f"--input-shape: the run in {path} was started "
        f"{'on ' if was_words.startswith('images') else ''}{was_words}, got {got_words}; "
        "continue the run on its own data, or give another --checkpoint to start a new "
        "run on these")


def resolved_options(options: dict, *, task: str, output: str, loss: str | None,
                     target: str | None, n_train: int, class_weight: object = None,
                     features: list[str] | None = None) -> dict:
    """What the options of ``_RESOLVED`` mean once the data are read.

    Parameters
    ----------
    options : dict
        :func:`run_options`.
    task, output : str
        The task and output activation in force.
    loss : str or None
        --loss (None: the output's default loss, :func:`resolved_loss`).
    target : str or None
        The name of the target column or array.
    n_train : int
        The number of training rows: a batch of at least that many is all of them.
    class_weight : None, "balanced" or dict
        What --class-weight means (``meaning`` of
        :func:`~chainrule._cli_class_weight.resolve_class_weight`).
    features : list of str, optional
        The names of the feature columns, in order (those of --features, or every
        column but the target).
    """
    from .activations import get_activation

    output = get_activation(output).name
    batch = options.get("batch_size")
    return {"task": task, "output": output, "loss": resolved_loss(output, loss),
            "target": target, "batch_size": None if batch is None else min(batch, n_train),
            "class_weight": class_weight,
            "features": None if features is None else list(features)}


def resolved_loss(output: str, loss: str | None) -> str:
    """The name of the loss in force: ``loss``'s, or the ``output`` activation's default
    (cross_entropy for softmax, log_loss for sigmoid, squared_error for any other, exp
    included: not its canonical poisson)."""
    from .activations import get_activation
    from .losses import get_loss
    from .network import _DEFAULT_LOSS

    return (get_loss(loss).name if loss is not None
            else _DEFAULT_LOSS.get(get_activation(output).name, "squared_error"))


def check_resolved(run: dict | None, options: dict, resolved: dict, path: Path,
                   n_train: int) -> None:
    """Refuse to continue ``run`` whose options of ``_RESOLVED`` mean another run.

    ``--task classification`` where the run inferred it, ``--output softmax`` or
    ``--loss cross_entropy`` where they were its defaults, ``--target`` naming the
    last column, ``--features`` naming every column but the target in their order,
    or two batch sizes of at least ``n_train`` rows (one batch of all
    of them, in their order) are the same run.

    Parameters
    ----------
    run : dict or None
        What :func:`check_checkpoint_options` returned (None: a new run).
    options : dict
        :func:`run_options` of the command.
    resolved : dict
        :func:`resolved_options` of the command.
    path : Path
        The checkpoint.
    n_train : int
        The number of training rows.
    """
    if run is None:
        return
    recorded = run["notes"]["options"]
    before = run["notes"].get("resolved")
    for name in _RESOLVED:
        if recorded.get(name) == options[name]:  # as given: the data may differ (check_data)
            continue
        if name == "batch_size":
            batch = recorded.get(name)
            if batch is not None and (not isinstance(batch, int) or isinstance(batch, bool)
                                      or batch < 1):  # a damaged record: min() cannot take it
                raise ValueError(f"{path}: corrupted checkpoint (notes.options.batch_size: "
                                 f"expected null or a positive integer, found {batch!r:.40})")
            old, new = (None if b is None else min(b, n_train) for b in (batch, options[name]))
        elif before is None:  # compared as given, by check_options
            continue
        else:
            old, new = before.get(name), resolved[name]
        if old != new:
            raise _refuse(path, _RUN_OPTIONS[name], recorded.get(name), options[name])
