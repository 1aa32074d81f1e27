"""``chainrule info``'s line of the training rows' range (``x_range``, which ``train``
records and ``predict`` checks its data against): the first few features' (or each
channel's) smallest and largest training value, as the model takes them (before its
standardisation)."""

from __future__ import annotations

_SHOWN = 4  # features shown; the rest are counted (info --json has them all)


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
        names += [f"missingindicator_{c}"
                  for c in (meta.get("impute") or {}).get("indicators") or []]
        if len(names) != len(low):  # a record of unnamed inputs
            names = [f"feature {j}" for j in range(len(low))]
    parts = [f"{name} {a:.4g} to {b:.4g}" for name, a, b in zip(names, low, high,
                                                              strict=True)][:_SHOWN]
    what = "channel" if record["per"] == "channel" else "feature"
    count = f"{len(low)} {what}{'s' if len(low) != 1 else ''}"
    return ("training range (smallest to largest value of the training rows, as predict "
            "takes them): " + ", ".join(parts) + (", ..." if len(low) > _SHOWN else "")
            + f" ({count}; info --json: x_range; predict warns of data on another scale)")
