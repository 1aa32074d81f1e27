"""``chainrule train``: its parser and handler (see :mod:`chainrule.cli_models`), with
the task inferred from the target and the validation split.

Here are the parser (:func:`_add_train`) and the handler's frame (:func:`_train`, which
turns SIGTERM into Ctrl-C); the handler proper, which prepares the data and trains, is in
``_cli_models_train_run``, and the task inference and the validation split are in
``_cli_models_train_task``; every name is importable from here as before."""

from __future__ import annotations

import argparse
import sys

from ._cli_args_optimizer import add_rule_options, train_optimizer_name
from ._cli_checkpoint import (
    EXIT_MAX_TIME,
    EXIT_SIGINT,
    EXIT_SIGTERM,
    SigtermAsCtrlC,
    add_checkpoint_args,
)
from ._cli_groups import add_groups_option
from ._cli_models_data import _DATA_HELP
from ._cli_models_find_lr import GivenOption, add_find_lr_args, check_find_lr
from ._cli_models_train_freeze import add_freeze_option
from ._cli_models_train_init import add_init_from_option, refuse_init_from_option
from ._cli_models_train_run import _train_run as _train_run
from ._cli_models_train_task import _infer_task as _infer_task
from ._cli_models_train_task import _refuse_stray_text as _refuse_stray_text
from ._cli_models_train_task import _split as _split
from ._cli_sample_weight import SAMPLE_WEIGHT_HELP
from ._cli_time_order import add_time_ordered_option
from ._tabular_table import MISSING_SPELLINGS_TEXT
from .cli_architecture import add_architecture_args
from .cli_args import (
    OPTIMIZER_NAMES,
    backprop_activation_name,
    column_name,
    fraction,
    initializer_name,
    loss_name,
    model_path,
    nonnegative_float,
    picture_path,
    positive_float,
    positive_int,
    real,
    schedule_spec,
    seed_int,
)
from .initializers import RELU_FAMILY


# --- chainrule train -------------------------------------------------------------------------
def _add_train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train", help="train an MLP (or any --layers) on a CSV/NPZ file or a bundled data set; "
        "write the model",
        description="Train a multilayer perceptron (--hidden), or any network of layers "
        "(--layers, with --input-shape for images: a convolutional network), on a table of "
        "examples and write the model "
        "file (.npz: arrays + JSON, never pickle). The task is inferred from the target "
        "(text, or at most 20 distinct whole numbers: classification; else regression; "
        "regression whatever it holds with --loss poisson, huber or mae; --task to "
        "override); so are the output "
        "layer (softmax for 3+ classes, sigmoid for 2 unless --loss cross_entropy, identity "
        "for regression, exp for a "
        "regression with --loss poisson) and the loss (cross_entropy for softmax, log_loss "
        "for sigmoid, squared_error for any other output, an --output exp included; "
        "--loss to override). "
        "Features (and a regression target, unless the output is bounded: sigmoid, tanh, "
        "lecun_tanh, relu, elu, gelu, silu, softplus, exp, square) are standardised with "
        "the training statistics (--scale none: as they are), "
        "which the model file keeps together with the class labels, feature names and "
        "target name, so predict and evaluate take raw data. "
        "A run that must fit time slots (or may be interrupted) writes a --checkpoint; "
        "--max-time ends a slot, and the same command with --resume continues the run. "
        "Ctrl-C, or SIGTERM (a scheduler ending the job), stops training after the "
        "mini-batch (lbfgs, newton-cg ...: the iteration; one in the iteration after which "
        "it converges "
        "stops nothing) and writes the model so far (a second one "
        "aborts: no model written). "
        "Exit status: 0 when the run finished and its model is written, 1 when training "
        f"diverged or memory ran out (no model written), 2 for bad input, {EXIT_MAX_TIME} when "
        "--max-time stopped the run (no model written: repeat the command with --resume), "
        f"{EXIT_SIGINT} (Ctrl-C) or {EXIT_SIGTERM} (SIGTERM) when the run was stopped "
        "before its last epoch (the model so far is written, its stop_reason "
        "'interrupted'; with --checkpoint, repeat the command with --resume to finish it), "
        "so that 'chainrule train ... && deploy' does not take it for a finished run.",
        epilog="examples: chainrule train iris -o iris.npz; chainrule train data.csv --target "
        "price --hidden 64 32 --epochs 200 -o price.npz; chainrule train digits --layers "
        "'[{\"type\": \"Conv2D\", \"out_channels\": 8, \"kernel_size\": 3, \"padding\": 1}, "
        "{\"type\": \"MaxPool2D\", \"size\": 2}, {\"type\": \"Flatten\"}]' --input-shape "
        "1 8 8 -o cnn.npz; a run in slots of an hour: chainrule train data.csv --epochs 500 "
        "--checkpoint run.ckpt.npz --max-time 3600 --resume -o model.npz (repeat while it "
        f"exits with status {EXIT_MAX_TIME})",
    )
    add_train_options(p, init_from="train")
    p.set_defaults(handler=_train)


def add_train_options(p: argparse.ArgumentParser, init_from: str | None = None) -> None:
    """DATA and train's options on the parser ``p``: train's, and cv's (which refuses
    those that write a file or go on with a run: ``_cli_models_cv``); ``--init-from`` in
    the words of ``init_from`` ("train"; "cv", "tune": each fold fine-tunes MODEL),
    refused where None (the parser of tune's ``--grid`` values)."""
    if init_from is None:
        refuse_init_from_option(p)
    else:
        add_init_from_option(p, init_from)
    # DATA may follow --target's names, as it followed one name before --target took several
    p.add_argument("data", metavar="DATA", nargs="?",
                   help=f"{_DATA_HELP}; - reads a CSV file from standard input (the model "
                   "records its SHA-256: evaluate MODEL - knows the same bytes again)")
    p.add_argument("--target", nargs="+", metavar="NAME", type=column_name,
                   help="target column (CSV; default: the last column) or array (NPZ; "
                   "default: y); two or more names (or an NPZ array of shape (n, k): its k "
                   "columns, named Y[0] .. Y[k-1]): a multi-output regression, one identity "
                   "output per target (numeric columns; each standardised on its own, scored "
                   "by the mean of the targets' MSE and R^2), or, when every target is "
                   "class-like (text, or at most 20 distinct whole numbers) of two classes "
                   "(0/1, yes/no), a multi-label classifier: a sigmoid unit per target, "
                   "scored by subset accuracy, hamming loss and log loss")
    p.add_argument("--features", nargs="+", metavar="NAME", type=column_name,
                   help="feature columns (default: every column but the target); a CSV "
                   "column of text, none of it a number, is categorical: one-hot encoded, "
                   "one 0/1 feature per category (its distinct cells, sorted as text), "
                   "which the model file records for predict and evaluate (a column of "
                   "numbers and text is refused: see --categorical)")
    p.add_argument("--categorical", nargs="+", metavar="NAME", default=None, type=column_name,
                   help="feature columns of a CSV file to one-hot encode though they hold "
                   "numbers (zip codes, integer codes); columns of text are categorical "
                   "without it (default: none)")
    p.add_argument("--max-categories", type=positive_int, default=100, metavar="N",
                   dest="max_categories",
                   help="the most categories a categorical column may have; one of more is "
                   "refused (an ID or free text, which one-hot encoding would make as many "
                   "features), as is a text column whose 20 or more rows each hold another "
                   "value (default: 100)")
    p.add_argument("--impute", choices=["mean", "median", "most_frequent", "constant"],
                   default=None,
                   help="fill missing feature cells as scikit-learn's SimpleImputer(strategy) "
                   "does, with statistics of the training rows (weighted by --sample-weight), "
                   "before the standardisation; recorded in the model, which fills every "
                   "table it is given the same way. Missing: an NPZ file's NaN, and in a "
                   f"column of numbers {MISSING_SPELLINGS_TEXT} (pandas' read_csv default "
                   "markers, case as written, and ?; a text column takes them as categories; "
                   "'-', 'na', 'none', 'missing' are refused, not filled). A categorical "
                   "column takes its most frequent category (mean, median, "
                   "most_frequent; ties: the first in sorted order) or --fill-value as a "
                   "category (constant). Default: missing cells are refused")
    p.add_argument("--fill-value", default=None, metavar="V", dest="fill_value",
                   help="--impute constant's fill: a number for the columns of numbers "
                   "(default 0), a category for the categorical ones (default "
                   "missing_value)")
    p.add_argument("--missing-indicator", action="store_true", dest="missing_indicator",
                   help="with --impute: a 0/1 feature missingindicator_COLUMN for each "
                   "column with a missing cell in the training rows (SimpleImputer's "
                   "add_indicator), after the others, left 0/1 by --scale")
    p.add_argument("--task", choices=["auto", "classification", "regression"], default="auto",
                   help="default: auto (inferred from the target; regression for --loss poisson, "
                   "huber or mean_absolute_error)")
    add_architecture_args(p)  # --hidden, --activation, --dropout, --layers, --input-shape
    p.add_argument("--output", type=backprop_activation_name, metavar="ACT",
                   help="output activation (default: softmax / sigmoid / identity by task; "
                   "softmax for two classes with --loss cross_entropy; exp for --loss "
                   "poisson)")
    p.add_argument("--loss", type=loss_name,
                   help="loss (default: by the output: cross_entropy for softmax, log_loss "
                   "for sigmoid, squared_error for every other output, exp included; "
                   "poisson, exp's canonical loss, only when given; huber or "
                   "mean_absolute_error (mae), for regression targets with outliers, only "
                   "when given)")
    p.add_argument("--huber-delta", type=positive_float, default=None, metavar="D",
                   help="threshold of --loss huber (regression only): the loss is r^2/2 of "
                   "a residual r within D, D (|r| - D/2) beyond; in standardised target "
                   "units (standard deviations), in the target's own units with --scale none "
                   "or a bounded --output such as sigmoid, whose target is not standardised "
                   "(default: 1.0)")
    p.add_argument("--label-smoothing", type=fraction, default=None, metavar="EPS",
                   help="classification only: train on softened labels, (1 - EPS) y + EPS/K "
                   "over the K classes of a softmax (cross_entropy), (1 - EPS) y + EPS/2 for "
                   "each sigmoid output (log_loss); the training loss reported is the "
                   "smoothed one, evaluate's log loss the plain one (default: 0)")
    p.add_argument("--init", type=initializer_name, default="auto",
                   help=f"initialiser (default: auto: He after {', '.join(RELU_FAMILY)}, "
                   "else Glorot); with "
                   "--layers: of the output layer and each Dense or Conv2D layer that names "
                   "none")
    p.add_argument("--optimizer", type=train_optimizer_name, default="adam", metavar="NAME",
                   help=f"{', '.join(OPTIMIZER_NAMES)} (mini-batch rules), or lbfgs: "
                   "full-batch L-BFGS through chainrule.minimize, for at most --epochs "
                   "iterations, which refuses --lr, --momentum, --batch-size, --schedule, "
                   "--clip-norm, --ema, --dropout, --patience and the checkpoint options; "
                   "newton-cg, trust-ncg, trust-krylov: minimize's second-order methods, "
                   "given the exact Hessian-vector product, taken as lbfgs (networks "
                   "whose layers, activations and output/loss pair the hessian module "
                   "covers, others refused; BatchNorm layers too, their training-mode cost "
                   "minimised); adamw "
                   "is PyTorch's AdamW, its decoupled decay --decoupled-decay (--weight-decay "
                   "is the network's L2 penalty, another thing); nadam, radam, adamax are "
                   "PyTorch's NAdam, RAdam, Adamax (default: adam)")
    p.add_argument("--lr", type=positive_float, default=None,
                   help="learning rate (default: 0.01)")
    p.add_argument("--momentum", type=fraction, default=None,
                   help="momentum of sgd/gd/nesterov (default: 0.9) or of rmsprop "
                   "(PyTorch's RMSprop momentum; default: none)")
    add_rule_options(p)  # --amsgrad, --centered, --decoupled-decay
    p.add_argument("--clip-norm", type=positive_float, default=None, dest="clip_norm",
                   metavar="MAX",
                   help="gradient clipping: rescale each mini-batch's whole gradient to L2 "
                   "norm MAX when it is larger (g * MAX / ||g||, before the optimizer's "
                   "rule, so that momentum and Adam's moments see the clipped gradient), "
                   "a guard against exploding gradients (default: no clipping)")
    add_freeze_option(p)  # --freeze SPEC
    p.add_argument("--divergence-threshold", type=real(), default=None,
                   dest="divergence_threshold", metavar="LOSS",
                   help="stop when a mini-batch's training loss is above LOSS (or not "
                   "finite, as always), keeping the last parameters whose loss was not "
                   "above it, and write no model (default: only a loss not finite stops)")
    p.add_argument("--ema", type=real(0, 1, low_open=True, high_open=True), default=None,
                   metavar="DECAY",
                   help="weight averaging: keep avg = DECAY * avg + (1 - DECAY) * weights "
                   "after every step (BatchNorm's running statistics too), score the "
                   "validation data and early stopping with it, and write it as the model; "
                   "DECAY in (0, 1), such as 0.99: it spans about 1 / (1 - DECAY) steps, to be "
                   "fewer than the run's (default: no average)")
    p.add_argument("--weight-decay", type=nonnegative_float, default=0.0, dest="weight_decay",
                   help="L2 penalty on weights (default: 0)")
    p.add_argument("--decay", default=None, choices=["ufldl", "per_sample"],
                   help="weight decay convention: (lambda/2) sum W^2 (ufldl, the default) "
                   "or that divided by the number of examples (per_sample; of each "
                   "mini-batch); needs --weight-decay")
    p.add_argument("--batch-size", type=positive_int, default=None, dest="batch_size",
                   help="mini-batch size, for every optimizer but gd (default: 32); at least "
                   "the training rows' count: one batch of all rows, full batch as gd's")
    p.add_argument("--epochs", type=positive_int, default=100, action=GivenOption,
                   help="epochs; with --optimizer lbfgs (newton-cg, trust-ncg, "
                   "trust-krylov), the most iterations (it stops sooner once converged, or "
                   "once its line search or trust region finds no lower cost) "
                   "(default: 100)")
    p.add_argument("--schedule", type=schedule_spec, default=None, metavar="NAME|JSON",
                   help="learning-rate schedule: constant, step, multistep "
                   "('{\"name\": \"multistep\", \"milestones\": [30, 60]}'), exponential, "
                   "invscaling, inverse_time (Keras's InverseTimeDecay), "
                   "plateau (on the validation loss, the training loss with --val-fraction 0), "
                   "warmup (a linear warm-up, then the JSON object's \"after\" schedule; a "
                   "\"cosine\" there anneals over the epochs after the warm-up), "
                   "cosine (annealing over --epochs), "
                   "onecycle (the one-cycle policy, a rate for every step over --epochs), "
                   "cosine_restarts (SGDR: '{\"name\": \"cosine_restarts\", \"T_0\": 10, "
                   "\"T_mult\": 2}', \"per_step\": true for a rate every step), "
                   "linear, polynomial (PyTorch's LinearLR, PolynomialLR; over --epochs "
                   "without \"total_iters\"), "
                   "by name or as a JSON object of settings such as '{\"name\": \"step\", "
                   "\"step_size\": 20, \"gamma\": 0.5}' (default: constant)")
    p.add_argument("--patience", type=positive_int, default=None,
                   help="stop when the validation loss (the training loss with --val-fraction "
                   "0) has not improved for this many epochs and keep the best weights "
                   "(default: train all epochs and keep the last epoch's model; a run "
                   "whose final validation loss is more than 10%% above its lowest, "
                   "reached 5 or more epochs before the end, says so on stderr)")
    p.add_argument("--val-fraction", type=fraction, default=None, dest="val_fraction",
                   help="fraction held out for validation, stratified for classification "
                   "(default: 0.1, or 0 for fewer than 20 examples or a single group of "
                   "--groups; 0 for none; with --val-data none is held out)")
    p.add_argument("--val-data", default=None, metavar="FILE", dest="val_data",
                   help="validation examples of your own (a .csv or .npz file with DATA's "
                   "columns: its target(s) and features, by name; - reads standard input "
                   "when DATA is a file) in place of --val-fraction: all of DATA trains, and "
                   "the file is prepared with the training statistics and labels and used "
                   "for everything validation does (--patience, plateau, the validation "
                   "scores and history); the model file records it (default: none)")
    p.add_argument("--scale", choices=["standard", "none"], default="standard",
                   help="standardise features (and regression targets, unless the output "
                   "is bounded, as exp for --loss poisson) with the training mean and "
                   "standard deviation: of each feature, or with --input-shape of each "
                   "channel over all its pixels, so that every pixel of a channel is scaled "
                   "alike; an Embedding first layer's input columns are indices, left as "
                   "they are (default: standard)")
    p.add_argument("--class-weight", default=None, metavar="balanced|JSON", dest="class_weight",
                   help="weigh each training example by its class (classification only): "
                   "balanced (n / (k * count of the class) over the k classes of the training "
                   "examples), or a JSON object of weights >= 0 by class label as the data "
                   "file writes it, such as '{\"setosa\": 2, \"virginica\": 0.5}' or "
                   "'{\"1\": 9}' (classes left out weigh 1); several targets (multi-label): "
                   "balanced only, each target's two classes balanced and an example "
                   "weighing the product; the validation cost is not weighted (default: "
                   "none)")
    p.add_argument("--sample-weight", default=None, metavar="COLUMN", dest="sample_weight",
                   type=column_name,
                   help=SAMPLE_WEIGHT_HELP)
    add_groups_option(p)
    add_time_ordered_option(p)
    p.add_argument("--seed", type=seed_int, default=0, help="random seed (default: 0)")
    p.add_argument("-o", "--out", type=model_path, default="model.npz", metavar="MODEL",
                   action=GivenOption,
                   help="model file to write (.npz is appended; an existing directory, or a "
                   "name ending in /: DIR/model.npz; default: model.npz)")
    p.add_argument("--plot", type=picture_path, metavar="PNG",
                   help="also write the loss curve to PNG (or .pdf, .svg, ...)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress on stderr: no bar, and no line per epoch, or per lbfgs "
                   "iteration, when stderr is a file; stdout keeps its lines (the data, the "
                   "layer table, the result line; > /dev/null leaves them out), and "
                   "warnings still go to stderr")
    add_checkpoint_args(p)  # --checkpoint, --checkpoint-every, --max-time, --resume
    add_find_lr_args(p)  # --find-lr, --lr-min, --lr-max, --lr-steps
    # cv's and tune's too: each fold's network and features (tune: and -o's refit)
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                   help="the network's parameters and arithmetic: float32 halves the "
                   "memory of the data and the network (an NPZ file's float32 X is kept as "
                   "it is, a CSV file's numbers converted once), and predict and evaluate "
                   "compute in it too; recorded in the model file, shown by info; --resume "
                   "continues a run in its own (default: float64)")


def _train(args: argparse.Namespace) -> int:
    check_find_lr(args)  # the range test's options, before --lr gets its default
    with SigtermAsCtrlC() as sigterm:  # a scheduler's SIGTERM stops the run as Ctrl-C does
        try:
            return _train_run(args, sigterm)
        except KeyboardInterrupt:  # outside the training loop: main says "interrupted"
            if not sigterm.received:
                raise
            print("chainrule: stopped by SIGTERM", file=sys.stderr)
            return EXIT_SIGTERM
