"""``chainrule train``'s checks of what needs no data, made before the data is read: the
targets named, the optimizer's options, --decay, --input-shape against an NPZ file of
images, the architecture and the form of --class-weight (see
:mod:`chainrule._cli_models_train_run`, which calls this first)."""

from __future__ import annotations

import argparse

from ._cli_args_optimizer import FULL_BATCH_OPTIMIZERS, rule_options
from ._cli_class_weight import class_weight_option
from ._cli_image_layout import file_image_shape
from ._cli_models_train_freeze import check_freeze
from ._cli_models_train_init import check_init_from, frozen_marks
from ._cli_models_train_lbfgs import refuse_lbfgs_options
from ._cli_models_train_read import other_shape
from .cli_architecture import _IMAGE_LAYERS, check_architecture
from .cli_args import optimizer_settings

# the suffixes of CSV text and its compressions: DATA so named is not probed for an NPZ
# array of several targets before it is read, which would open the file once more (an
# NPZ archive under such a name is refused once read: _cli_models_train_read)
CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".gz", ".bz2", ".xz")


def maybe_npz(data: object) -> bool:
    """Whether DATA may be an NPZ archive: a name without a CSV file's suffix."""
    from pathlib import Path

    return Path(str(data)).suffix.lower() not in CSV_SUFFIXES


def check_before_data(args: argparse.Namespace) -> tuple[bool, bool, dict, list[int] | None]:
    """Check (and resolve in ``args``) the options of ``chainrule train`` that need no data.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options; ``target``, ``lr``, ``input_shape`` and ``class_weight`` are
        resolved in place (one target as a name, adam's default rate, an NPZ file's image
        shape, --class-weight's form).

    Returns
    -------
    several : bool
        Whether there are several targets (one output per target).
    lbfgs : bool
        Whether the optimizer is L-BFGS or another full-batch method of
        :func:`chainrule.minimize` (newton-cg, trust-ncg, trust-krylov).
    steps : dict
        :func:`~chainrule.cli_args.optimizer_settings` (momentum and batch size in force).
    given_shape : list of int or None
        --input-shape as given, before an NPZ file of images filled it in.
    """
    from .tabular import npz_image_shape, npz_targets

    # what needs no data is checked before the data is read (argparse checked the names)
    model = check_init_from(args)  # --init-from: the network, its scaling, task, dtype
    if isinstance(args.target, list) and len(args.target) == 1:  # one target, as ever
        args.target = args.target[0]
    if args.data and not isinstance(args.target, list) and maybe_npz(args.data):
        # an NPZ array Y (n, k): k targets
        args.target = npz_targets(args.data, args.target) or args.target
    several = isinstance(args.target, list)  # --target a b ...: one output per target
    lbfgs = args.optimizer in FULL_BATCH_OPTIMIZERS
    if lbfgs:
        refuse_lbfgs_options(args)
    elif args.lr is None:  # None: not given, which lbfgs must know
        args.lr = 0.01
    steps = optimizer_settings(args.optimizer, args.momentum, args.batch_size,
                               **rule_options(args))
    if args.decay is not None and not args.weight_decay:  # refused, as --momentum of adam is
        raise ValueError(f"--decay {args.decay}: a convention of the weight decay, but "
                         "--weight-decay is 0 (the default): there is no penalty to apply it "
                         "to; give --weight-decay LAMBDA too, or leave --decay out")
    given_shape = args.input_shape
    if args.layers is not None and any(
            isinstance(spec, dict) and spec.get("type") in _IMAGE_LAYERS for spec in args.layers):
        # an NPZ file of images, shape (n, C, H, W): --input-shape is theirs (an MLP,
        # --hidden or a list of Dense layers, takes their flat rows)
        shape = npz_image_shape(args.data)
        if given_shape is None:  # images saved channels last refused: C would be H
            args.input_shape = file_image_shape(args.data, shape)
        elif shape is not None and tuple(given_shape) != shape:  # before the layers are
            # checked against it: a shape in another order (8 8 1) was blamed on a kernel
            raise ValueError(other_shape(args, given_shape, args.data, shape))
        if shape is not None and args.features is not None:  # said in the user's terms: the
            # check of the columns against --input-shape names an option perhaps not typed
            raise ValueError(
                f"--features {' '.join(args.features)}: {args.data} holds images (its X has "
                f"shape n x {' x '.join(map(str, shape))}), which the network of --layers "
                "takes whole: there are no columns to pick; leave --features out")
    if model is None:  # --init-from's network is built already
        check_architecture(args)
    args.freeze = check_freeze(args)  # its layers and names, from the architecture alone
    if model is not None and not args.freeze_given:  # the model's own marks, as recorded
        args.freeze = frozen_marks(model.network)
    impute = getattr(args, "impute", None)
    if impute is None and (getattr(args, "fill_value", None) is not None
                           or getattr(args, "missing_indicator", False)):
        option, does = (("--fill-value", "fills missing cells") if args.fill_value is not None
                        else ("--missing-indicator", "marks the missing cells filled"))
        raise ValueError(f"{option}: {does} with --impute, which is not given; "
                         "give --impute STRATEGY too")
    if impute is not None and impute != "constant" and args.fill_value is not None:
        raise ValueError(f"--fill-value {args.fill_value}: the fill of --impute constant; "
                         f"--impute {impute} fills with the training rows' statistics")
    if getattr(args, "missing_indicator", False) and args.input_shape is not None:
        raise ValueError("--missing-indicator: adds a feature per column to the images of "
                         f"--input-shape {' '.join(map(str, args.input_shape))}, which "
                         "would no longer be images; leave it out")
    args.class_weight = class_weight_option(args.class_weight)  # its form; its labels: below
    if several and isinstance(args.class_weight, dict):  # "balanced": multilabel_weights
        raise ValueError(
            f"--class-weight: a JSON object weighs the classes of one target; --target "
            f"{' '.join(args.target)} are several, each a yes/no label of its own, so a label "
            "would not say whose: give --class-weight balanced (each target's two classes "
            "balanced, an example weighing the product, as scikit-learn's "
            "compute_sample_weight), or train one model per target")
    return several, lbfgs, steps, given_shape
