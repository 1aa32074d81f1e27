"""``chainrule info``: its parser and handler (see :mod:`chainrule.cli_models`), which show
what a model file holds; and the reading of any model file (:func:`_load_any`) that
``chainrule plot`` (in ``_cli_models_plot``) shares with it."""

from __future__ import annotations

import argparse
import json

import numpy as np

from ._cli_args_rule import FULL_BATCH_OPTIMIZERS
from ._cli_models_data import _cost_words, _preview
from ._cli_models_show_range import features_line, range_text
from ._cli_models_show_tune import _chosen as _chosen
from ._cli_models_show_tune import _folds_words as _folds_words
from ._cli_models_show_tune import search_lines

# the files info and plot read (gradcheck --model's): predict's and evaluate's, and an autoencoder's
_SHOW_MODEL_HELP = ("model file written by chainrule train or Network.save, or the save of a "
                    "fitted MLPClassifier, MLPRegressor, SoftmaxRegression, StackedAutoencoder "
                    "or SparseAutoencoder")

# --- chainrule info --------------------------------------------------------------------------
def _add_info(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "info", help="summary of a model file: layers, shapes, activations, parameters",
        description="Print a model file's layers (input and output shapes, activation, "
        "parameter shapes and counts), its loss, and what chainrule train recorded: task, "
        "classes, features, target and training settings. An estimator's file (MLPClassifier"
        ".save() ...): its network, classes, features, get_params() and loss_curve_; its "
        "inputs are used as given (a Pipeline's other steps, such as a scaler, are not in "
        "the file).")
    p.add_argument("model", metavar="MODEL", help=_SHOW_MODEL_HELP)
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(handler=_info)


def _layer_rows(net) -> list[dict]:
    from .conv import Conv2D
    from .pooling import AvgPool2D, MaxPool2D

    rows = []
    for i, (layer, (shape, out)) in enumerate(zip(net.layers, net.layer_shapes(), strict=True)):
        act = getattr(layer, "activation", None)
        params = {s.name: list(s.shape) for s in layer.param_specs()}
        rows.append({
            "index": i, "layer": type(layer).__name__,
            "input": list(shape) if isinstance(shape, tuple) else shape,
            "output": list(out) if isinstance(out, tuple) else out,
            "activation": act.name if act is not None else None, "params": params,
            "count": int(sum(int(np.prod(s)) for s in params.values())),
        })
        frozen = sorted(layer._frozen_names())  # training kept them fixed (--freeze)
        if frozen:
            rows[-1]["frozen"] = frozen
        if isinstance(layer, (Conv2D, MaxPool2D, AvgPool2D)):  # the layer as built
            rows[-1]["window"] = repr(layer)
    return rows


def _load_any(path: str):
    """A model file (:class:`SavedModel`), or an estimator's or autoencoder's file
    (:class:`EstimatorModel`), for info and plot."""
    from .cli_gradcheck import _load_model  # the kinds of files gradcheck reads too
    from .saved_model import EstimatorModel, SavedModel

    model = _load_model(path)
    return model if isinstance(model, SavedModel) else EstimatorModel(model)


# What an MLP estimator's ``layers`` replaces (its fit refuses them away from their defaults):
# with layers, info leaves them out, as the network is not built from them
_REPLACED_BY_LAYERS = ("hidden_layer_sizes", "dropout", "batch_norm")


def _estimator_params(est) -> dict:
    """The estimator's ``get_params()`` as JSON values (tuples as lists, names for objects),
    less the parameters that ``layers`` replaces when it is given."""
    if hasattr(est, "_json_params"):
        params = est._json_params()
        if params.get("layers") is not None:
            params = {k: v for k, v in params.items() if k not in _REPLACED_BY_LAYERS}
        return params

    def plain(v):
        if isinstance(v, (tuple, list)):
            return [plain(x) for x in v]
        if isinstance(v, np.generic):
            return v.item()
        return v if v is None or isinstance(v, (str, int, float, bool)) else str(v)

    return {k: plain(v) for k, v in est.get_params().items()}


def _estimator_curve(est) -> dict:
    """What the estimator recorded of its fit: n_iter_, loss_curve_ and validation_scores_."""
    curve = {}
    for key in ("n_iter_", "best_loss_", "best_validation_score_"):
        if getattr(est, key, None) is not None:
            curve[key] = getattr(est, key)
    for key in ("loss_curve_", "validation_scores_"):
        values = getattr(est, key, None)
        if values:
            curve[key] = [float(v) for v in values]
    if getattr(est, "mean_activation_", None) is not None:  # a SparseAutoencoder's fit
        curve["loss_"] = float(est.loss_)
        curve["mean_activation_"] = [float(v) for v in est.mean_activation_]
    return curve


def _sparse_fit_lines(est, curve: dict) -> list[str]:
    """A sparse autoencoder's final cost and ``rho_hat`` on its training data, for info."""
    if "mean_activation_" not in curve:
        return []
    r = np.asarray(curve["mean_activation_"])
    return [f"final cost: J = {curve['loss_']:.6g} on its training data (reconstruction "
            "error + weight decay + sparsity penalty; SparseAutoencoder.cost_terms(X) "
            "gives each term)",
            f"mean activation rho_hat of the {r.size} hidden units on its training data: "
            f"{r.min():.4g} to {r.max():.4g} (their mean {r.mean():.4g}), against rho = "
            f"{est.rho:g}"]


# an estimator's file holds the estimator alone: a Pipeline's scaler is not in it, and
# evaluate / predict give it the columns as they are
_ESTIMATOR_INPUTS = ("inputs: used as given (the file records no scaling; an estimator "
                     "fitted in a Pipeline after a scaler, such as StandardScaler, needs "
                     "data scaled as it did: the file holds the estimator alone)")


def _estimator_info(args: argparse.Namespace, model) -> int:
    est, net = model.estimator, model.network
    rows = _layer_rows(net)
    name = type(est).__name__
    # a SparseAutoencoder reconstructs its inputs: it has no target to predict
    task = model.task if hasattr(est, "predict") else "reconstruction"
    about = {"estimator": name, "task": task, "labels": model.labels,
             "feature_names": model.feature_names, "n_features_in": model.n_features,
             "inputs": "as given", "params": _estimator_params(est),
             # as a train model's record says it: the file holds no statistics, the
             # estimator takes its inputs and gives its outputs as they are
             "scaling": {"inputs": "none", "target": False}}
    curve = _estimator_curve(est)
    if args.json:
        print(json.dumps({"layers": rows, "loss": net.loss.name, **_loss_params(net),
                          "n_params": net.n_params,
                          "dtype": net.dtype.name, **about, **curve}))
        return 0
    print(f"{args.model}: a fitted {name}; its network: {len(net.layers)} layers, "
          f"{net.n_params} parameters, {net.dtype}, loss {net.loss.label}")
    _print_layers(rows)
    print(f"total parameters: {net.n_params}")
    print(f"task: {task}")
    if model.labels is not None:
        print(f"classes ({len(model.labels)}): {_preview(model.labels, 20)}")
    if model.feature_names:
        print(f"features ({len(model.feature_names)}): {_preview(model.feature_names, 8)}")
    else:
        print(f"features: {model.n_features}, by position (fitted without feature names)")
    print(_ESTIMATOR_INPUTS)
    print("parameters: " + ", ".join(f"{k}={_param_text(k, v)}"
                                     for k, v in about["params"].items()))
    if "n_iter_" in curve:
        print(f"iterations: {curve['n_iter_']}")
    for line in _sparse_fit_lines(est, curve):
        print(line)
    if "loss_curve_" in curve:
        losses = curve["loss_curve_"]
        print(f"loss curve: {len(losses)} values, first {losses[0]:.4g}, last {losses[-1]:.4g}"
              f", best {min(losses):.4g}")
    if "validation_scores_" in curve:
        scores = curve["validation_scores_"]
        print(f"validation scores: {len(scores)} values, last {scores[-1]:.4g}, best "
              f"{max(scores):.4g}")
    return 0


def _param_text(key: str, value: object) -> str:
    """An estimator's parameter as info prints it: ``layers`` as JSON, ``class_weight`` as
    the dict it was given, ``{label: weight}`` with the labels as the data had them (the
    file's ``[label, weight]`` pairs keep them apart from text), the others as they are."""
    if key == "layers":
        return json.dumps(value)
    if key == "class_weight" and isinstance(value, list):
        from ._class_weight import class_weight_from_json

        return repr(class_weight_from_json(value))
    return str(value)


def _print_layers(rows: list[dict]) -> None:
    def fmt(s):
        return "x".join(map(str, s)) if isinstance(s, list) else str(s)
    head = ("#", "layer", "input", "output", "activation", "parameters", "count")
    cells = [(str(r["index"]), str(r["layer"]), fmt(r["input"]), fmt(r["output"]),
              r["activation"] or "-",
              ", ".join(f"{k} {fmt(v)}" for k, v in r["params"].items()) or "-",
              str(r["count"])) for r in rows]
    # each column as wide as its widest cell (at least the old fixed widths), so that a long
    # parameters cell (a LayerNorm's "gamma 2x3x3, beta 2x3x3") does not push the counts on
    least = (2, 10, 8, 8, 11, 20, 8)
    width = [max(least[j], len(head[j]), *(len(c[j]) for c in cells)) for j in range(7)]
    right = (True, False, True, True, False, False, True)
    gaps = ("  ", " ", " ", "  ", " ", " ", "")
    for line in (head, *cells):
        print("".join((cell.rjust(w) if r else cell.ljust(w)) + g
                      for cell, w, r, g in zip(line, width, right, gaps, strict=True)).rstrip())
    frozen = [r for r in rows if r.get("frozen")]
    if frozen:  # layer.trainable = False, layer.frozen (train --freeze)
        print("frozen (kept fixed by training): " + "; ".join(
            f"#{r['index']} {r['layer']} {', '.join(r['frozen'])}" for r in frozen))
    windows = [r for r in rows if r.get("window")]
    if windows:  # the geometry the shapes do not show: stride, padding, dilation
        print("windows: " + "; ".join(f"#{r['index']} {r['window']}" for r in windows))


_JSON = ("layers", "class_weight")  # the options of train's record shown as JSON by info


def _data_text(meta: dict, key: str = "data") -> str | None:
    """Where the model's training data came from, as train recorded it: a file's path (its
    absolute path, where evaluate looks for it), standard input or a bundled set, with the
    rows and the start of the SHA-256 that evaluate and --resume check; None for a model
    whose file records none (one written by the library, or before train recorded it).
    ``key`` "val_data": the same of its validation file (train --val-data).  A pipe
    (``train <(cmd)``), whose path (/dev/fd/63) names nothing after the run: ``a pipe
    (/dev/fd/63; 40 rows, SHA-256 ...)``, the digest of its text."""
    from ._cli_models_data import _from_pipe, _old_pipe
    from .tabular import BUNDLED

    source = meta.get(key)
    if not isinstance(source, str):
        return None
    if key == "data" and _from_pipe(meta):
        digest = meta["data_content_sha256"]
        return f"a pipe ({source}; {meta['data_rows']} rows, SHA-256 {digest[:16]}...)"
    if key == "data" and _old_pipe(meta):  # an older train's: its name and rows alone
        rows = meta.get("data_rows")
        return f"a pipe ({source}{f'; {rows} rows' if isinstance(rows, int) else ''})"
    if source == "-":
        text = "standard input"
    elif meta.get(f"{key}_path"):
        text = str(meta[f"{key}_path"])
    elif source in BUNDLED and key == "data":
        text = f"{source} (bundled with chainrule)"
    else:
        text = source
    facts = []
    if isinstance(meta.get(f"{key}_rows"), int):
        facts.append(f"{meta[f'{key}_rows']} rows")
    if isinstance(meta.get(f"{key}_sha256"), str):
        facts.append(f"SHA-256 {meta[f'{key}_sha256'][:16]}...")
    return text + (f" ({', '.join(facts)})" if facts else "")


def _scores_line(loss: str, labels: list | None) -> str:
    """What a margin-loss model's outputs are (scores) and how predict reads them."""
    rule = ("the class of the highest score" if loss == "multiclass_hinge" else
            f"{labels[1]} where the score is > 0, else {labels[0]}"
            if labels is not None and len(labels) == 2 else "+1 where the score is > 0, else -1")
    what = "class scores" if loss == "multiclass_hinge" else "one score"
    return (f"outputs: {what}, not probabilities (the margin loss {loss}): predict gives "
            f"{rule}; no --proba")


def _info(args: argparse.Namespace) -> int:
    from .saved_model import EstimatorModel

    model = _load_any(args.model)
    if isinstance(model, EstimatorModel):
        return _estimator_info(args, model)
    net, meta = model.network, model.metadata
    rows = _layer_rows(net)
    if args.json:
        print(json.dumps({"layers": rows, "loss": net.loss.name, **_loss_params(net),
                          "n_params": net.n_params,
                          "dtype": net.dtype.name,
                          **{k: v for k, v in meta.items() if k not in ("history", "x_mean",
                                                                        "x_scale")},
                          "scaling": _scaling(meta)}))
        return 0
    print(f"{args.model}: {len(net.layers)} layers, {net.n_params} parameters, {net.dtype}, "
          f"loss {net.loss.label}")
    _print_layers(rows)
    print(f"total parameters: {net.n_params}")
    if "task" in meta:
        print(f"task: {meta['task']}")
    if meta.get("labels") is not None and model.multilabel:  # two labels per target
        # a saved network of several sigmoid outputs names no targets: its outputs
        names = meta.get("target_names") or [f"output {j}" for j in range(net.n_outputs)]
        print("classes of each target: " + ", ".join(
            f"{name} ({'/'.join(map(str, pair))})"
            for name, pair in zip(names, meta["labels"], strict=True)))
    elif meta.get("labels") is not None:
        print(f"classes ({len(meta['labels'])}): {_preview(meta['labels'], 20)}")
    if getattr(model, "margin", False) and meta.get("task") != "regression":
        print(_scores_line(net.loss.name, meta.get("labels")))
    if meta.get("target_name"):
        print(f"target: {meta['target_name']}")
    if meta.get("target_names"):  # chainrule train --target a b ...: one output each
        print(f"targets ({len(meta['target_names'])}): {_preview(meta['target_names'], 8)}")
    if meta.get("feature_names"):
        print(features_line(meta))  # and the missing indicators counted among the inputs
    if meta.get("image_shape"):  # an MLP trained on images: predict checks their shape
        shape = meta["image_shape"]
        print(f"images {' x '.join(map(str, shape))} (C x H x W), taken as rows of "
              f"{int(np.prod(shape))} pixels: predict and evaluate refuse images of another "
              "shape")
    if meta.get("categories"):  # train's categorical columns, one-hot encoded
        print(f"columns ({len(meta['columns'])}): {_preview(meta['columns'], 8)}")
        for name, cats in meta["categories"].items():
            print(f"categorical column {name!r} (one-hot, {len(cats)} categories): "
                  f"{_preview(cats, 10)}")
    if meta.get("impute"):  # train --impute: the fill values, the missing indicators
        record = meta["impute"]
        fills = [f"{name} {value!r}" if isinstance(value, str) else f"{name} {value:.6g}"
                 for name, value in record["fill"].items()]
        print(f"missing cells filled (--impute {record['strategy']}): {_preview(fills, 8)}")
        if record["indicators"]:
            print(f"missing indicators ({len(record['indicators'])}, 0/1): "
                  + _preview([f"missingindicator_{c}" for c in record["indicators"]], 8))
    data = _data_text(meta)
    if data:
        print(f"data: {data}")
    val_data = _data_text(meta, "val_data")  # train --val-data
    if val_data:
        print(f"validation data: {val_data}")
    t = meta.get("training")
    if "x_mean" in meta:
        # chainrule train --input-shape: one mean and one deviation per channel (cli_architecture)
        whole = (" of each channel" if _scaling(meta)["inputs"] == "per_channel"
                 else " of each feature")
        print(f"inputs standardised with the training mean and standard deviation{whole}"
              + ((" (each target too)" if meta.get("target_names") else " (target too)")
                 if "y_mean" in meta else "")
              + (", the one-hot features left 0/1" if meta.get("categories") else ""))
    elif t:  # train --scale none (train standardises by default): no statistics recorded
        print("inputs used as given, not standardised (train --scale none)")
    if text := range_text(meta):  # train's record of the training rows' range
        print(text)
    if t:  # --layers and --class-weight as JSON, as they are given
        # a setting that is None means nothing to the run's optimizer (lbfgs's lr, momentum
        # and batch_size, adam's momentum), as a schedule or class weights not given are
        # left out of the record: not printed (--json keeps them)
        print("trained: " + ", ".join(f"{k}={json.dumps(v) if k in _JSON else v}"
                                      if k != "freeze" else f"freeze={','.join(v)}"
                                      for k, v in t.items() if v is not None
                                      and k not in ("class_weights", "input_shape_from_data")))
        if isinstance(t.get("input_shape_from_data"), bool):  # (a model of before: not said)
            print(f"input shape {' x '.join(map(str, t['input_shape']))} (C x H x W): "
                  + (f"taken from the network of --init-from {t['init_from']}"  # not typed
                     if t.get("init_from") else  # (its record's origin is MODEL's own)
                     "taken from the images of DATA (no --input-shape given)"
                     if t["input_shape_from_data"] else "given by --input-shape"))
        weights = t.get("class_weights")  # what --class-weight balanced made of the rows
        if weights and all(isinstance(w, dict) for w in weights.values()):  # multi-label
            print("class weights (balanced, of each target's training rows; an example "
                  "weighs the product over its targets): " + "; ".join(
                      f"{name}: " + ", ".join(f"{label} {w:.6g}" for label, w in each.items())
                      for name, each in weights.items()))
        elif weights:
            print("class weights (balanced, of the training rows' classes): " + ", ".join(
                f"{label} {w:.6g}" for label, w in weights.items()))
    for line in search_lines(meta):  # tune -o's search, tune-threshold -o's threshold
        print(line)
    h = meta.get("history") or {}
    if h.get("loss"):
        # the mean over the last epoch's batches, each taken before its update (train
        # prints the cost of the final parameters, which differs a little)
        last = (f"last iteration's training cost {h['loss'][-1]:.4g}"  # full batch
                if (t or {}).get("optimizer") in FULL_BATCH_OPTIMIZERS else
                f"last epoch's mean training cost {h['loss'][-1]:.4g}")
        if h.get("val_loss"):
            last += f", validation cost {h['val_loss'][-1]:.4g}"
        print(f"{last} ({_cost_words(model)})")
    return 0


def _scaling(meta: dict) -> dict:
    """How predict scales a model's inputs (and target), as train recorded it: ``inputs``
    "per_feature" (a mean and deviation per column), "per_channel" (one per channel of
    images, --layers with --input-shape) or "none" (--scale none, or a file with no
    statistics: inputs taken as given); ``target``: whether a regression target was
    standardised too."""
    t = meta.get("training") or {}
    inputs = ("none" if "x_mean" not in meta else
              "per_channel" if t.get("input_shape") else "per_feature")
    return {"inputs": inputs, "target": "y_mean" in meta}


def _loss_params(net) -> dict:
    """``{"loss_params": {"delta": 1.0}}`` of a loss with settings (huber), else ``{}``."""
    return {"loss_params": dict(net.loss.params)} if net.loss.params else {}
