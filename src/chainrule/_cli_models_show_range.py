"""``chainrule info``'s line of the training rows' range (``x_range``, which ``train``
records and ``predict`` checks its data against): the first few features' (or each
channel's) smallest and largest training value, as the model takes them (before its
standardisation); and its line of the features (:func:`features_line`), which counts
the missing indicators of ``--missing-indicator`` among the network's inputs."""

from __future__ import annotations

_SHOWN = 4  # features shown; the rest are counted (info --json has them all)


def _indicators(meta: dict) -> list[str]:
    """The columns of ``train --missing-indicator``'s 0/1 inputs, in their order."""
    return list((meta.get("impute") or {}).get("indicators") or [])


def features_line(meta: dict) -> str:
    """``features (5): x0, x1, ...``; with missing indicators, which are inputs of the
    network after the features, the count of both: ``features (5; the network's 7
    inputs are these and the 2 missing indicators below): x0, ...``.

    Parameters
    ----------
    meta : dict
        A model file's metadata, with ``feature_names`` (a list of n_features names)
        and, of ``--impute`` with ``--missing-indicator``, ``impute["indicators"]``.

    Returns
    -------
    str
    """
    from ._cli_models_data import _preview

    names, extra = meta["feature_names"], len(_indicators(meta))
    inputs = (f"; the network's {len(names) + extra} inputs are these and the {extra} "
              f"missing indicator{'s' if extra != 1 else ''} below" if extra else "")
    return f"features ({len(names)}{inputs}): {_preview(names, 8)}"


def range_text(meta: dict) -> str | None:
    """The line, or None for a file without the record (older ones, ``Network.save``).

    Parameters
    ----------
    meta : dict
        A model file's metadata: ``x_range`` (``{"per", "min", "max"}``, lists of
        n_inputs or C floats), with ``feature_names`` and the ``impute`` record's
        missing indicators naming a feature's entries.

    Returns
    -------
    str or None
        ``training range (smallest to largest value of the training rows, as predict
        takes them): age -0.1072 to 0.1107, ... (10 features; info --json: ...)``.
    """
    record = meta.get("x_range")
    if not record:
        return None
    low, high = record["min"], record["max"]
    if record["per"] == "channel":
        names = [f"channel {j}" for j in range(len(low))]
    else:
        names = list(meta.get("feature_names") or [])
        names += [f"missingindicator_{c}" for c in _indicators(meta)]
        if len(names) != len(low):  # a record of unnamed inputs
            names = [f"feature {j}" for j in range(len(low))]
    parts = [f"{name} {a:.4g} to {b:.4g}" for name, a, b in zip(names, low, high,
                                                              strict=True)][:_SHOWN]
    what = "channel" if record["per"] == "channel" else "feature"
    count = f"{len(low)} {what}{'s' if len(low) != 1 else ''}"
    extra = len(_indicators(meta)) if record["per"] != "channel" else 0
    if extra and len(low) > extra:  # the indicators are inputs, not features
        count = (f"{len(low)} inputs: {len(low) - extra} feature"
                 f"{'s' if len(low) - extra != 1 else ''} and {extra} missing indicator"
                 f"{'s' if extra != 1 else ''}")
    return ("training range (smallest to largest value of the training rows, as predict "
            "takes them): " + ", ".join(parts) + (", ..." if len(low) > _SHOWN else "")
            + f" ({count}; info --json: x_range; predict warns of data on another scale)")
