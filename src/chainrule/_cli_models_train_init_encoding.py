"""``chainrule train --init-from MODEL``'s encoding of DATA with MODEL's records (moved out
of :mod:`chainrule._cli_models_train_init`, which reads and checks MODEL): its one-hot
category lists (:func:`categories_options`, a category MODEL never saw as all zeros, said
in train's terms by :func:`unknown_said`) and its ``--impute`` fill values
(:func:`imputer_record`), options other than MODEL's refused (:func:`check_encoding`)."""

from __future__ import annotations

import argparse
import contextlib
import warnings


def check_encoding(args: argparse.Namespace, path: str, meta: dict) -> None:
    """Refuse an encoding of DATA other than MODEL's (``--categorical``; ``--impute``,
    ``--fill-value``, ``--missing-indicator`` other than MODEL's), and set ``--impute``'s
    options to MODEL's, whose fill values the run reuses (:func:`imputer_record`)."""
    if getattr(args, "categorical", None) and meta.get("categories") is not None:
        raise ValueError(f"--categorical {' '.join(args.categorical)}: the model of "
                         f"--init-from {path} one-hot encodes "
                         f"{', '.join(map(repr, meta['categories']))} over the categories "
                         "of its training data, which the run reuses; leave --categorical "
                         "out")
    record = meta.get("impute")
    if record is None:  # --impute fills DATA's gaps with DATA's statistics (own_fill_note)
        if getattr(args, "missing_indicator", False):
            raise ValueError(
                f"--missing-indicator: the model of --init-from {path} was trained without "
                "--impute, so its network has no input for missing indicators; leave "
                "--missing-indicator out (--impute alone fills DATA's missing cells, with "
                "DATA's own statistics, the model recording none)")
        return
    fill = f"--impute {record['strategy']}" + (
        f" --fill-value {record['fill_value']}" if record.get("fill_value") is not None else
        "") + (" --missing-indicator" if record.get("indicators") else "")
    given = {"--impute": (args.impute, record["strategy"]),
             "--fill-value": (args.fill_value, record.get("fill_value")),
             "--missing-indicator": (args.missing_indicator or None,
                                     bool(record.get("indicators")) or None)}
    for option, (value, own) in given.items():
        if value is not None and value != own:
            raise ValueError(f"{option}: the model of --init-from {path} fills missing cells "
                             f"with the values of its training data ({fill}), which the run "
                             f"reuses so that the inputs mean what they meant; leave {option} "
                             "out")
    args.impute, args.fill_value = record["strategy"], record.get("fill_value")
    args.missing_indicator = bool(record.get("indicators"))


def imputer_record(args: argparse.Namespace) -> dict | None:
    """MODEL's ``--impute`` record, which fills DATA's missing cells; None for a run not
    from a model, or from a model without one (``--impute`` then fits DATA's)."""
    model = getattr(args, "init_model", None)
    return None if model is None else model.metadata.get("impute")


def own_fill_note(args: argparse.Namespace, source: str) -> str:
    """What train says after its ``--impute`` line where MODEL recorded no fill values
    (a model trained without ``--impute``): DATA's own statistics fill DATA's gaps; ""
    otherwise (a new network, or MODEL's record used)."""
    model = getattr(args, "init_model", None)
    if model is None or model.metadata.get("impute") is not None:
        return ""
    return (f"; the fill values are {source}'s own (the model of --init-from "
            f"{args.init_from} was trained without --impute and records none)")


def categories_options(args: argparse.Namespace) -> dict | None:
    """``read_data``'s options that encode DATA with MODEL's categories, a category MODEL
    never saw as all zeros (as ``predict --unknown-categories zeros``, and said); None for
    a run not from a model of categorical columns."""
    model = getattr(args, "init_model", None)
    categories = None if model is None else model.metadata.get("categories")
    return None if not categories else {"categories": categories,
                                        "unknown_categories": "zeros"}


def read_options(args: argparse.Namespace, categories: dict | None) -> dict:
    """``read_data``'s options that encode a file other than DATA (``--val-data``) as
    DATA is: with MODEL's categories under ``--init-from`` (:func:`categories_options`),
    else with DATA's ``categories`` (a category DATA lacks refused); ``{}`` for none."""
    return categories_options(args) or ({"categories": categories} if categories else {})


@contextlib.contextmanager
def unknown_said(args: argparse.Namespace, what: str = ""):
    """Within it, read_data's warning of categories MODEL never saw (encoded as all zeros,
    :func:`categories_options`) says so in train's terms, naming MODEL (whose training
    data lacked them, not DATA, the run's) and why: MODEL has no input for them;
    ``what`` goes before the file's name (``"--val-data "``)."""
    if categories_options(args) is None:
        yield
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    model = f"the model of --init-from {args.init_from}"
    for w in caught:  # whose training data: MODEL's, not DATA (the run's training data)
        text = what + str(w.message).replace(
            "a category that the training data did not have",
            f"a category that {model} did not have in its training data").replace(
            "as asked (unknown categories: zeros)",
            "as that model has no input for it (its weights of that column see a row of "
            "no category)")
        warnings.warn_explicit(text, w.category, w.filename, w.lineno)
