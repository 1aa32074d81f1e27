"""What a CSV feature column holds, for the categorical encoding
(:mod:`chainrule._tabular_categories`): numbers, text or both (gaps aside), numbers
written with separators named as such, and its cells read as floats (missing cells as
NaN under ``--impute``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._tabular_table import GAP_TEXT, is_missing_number, missing_cells


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def column_kind(cells: np.ndarray, missing: bool = False) -> str:
    """What ``cells`` (strings of shape (n_rows,)) hold: "numbers", "text" or "mixed".

    Empty cells and the markers of a missing number ("NA", "?", "null", ...) are not
    counted: a column of numbers with such gaps is one of "numbers" (whose gaps are
    refused as missing values), not of categories; in a column of "text" they are
    categories as written.  A column of both numbers and other text is "mixed": a
    typing error as likely as categories, which only naming the column categorical
    makes categories.  ``missing`` (``--impute``): a NaN ("nan", any case) is a missing
    cell too, not a number.
    """
    values = np.char.strip(np.asarray(cells, dtype=str))
    values = values[~missing_cells(values, nan=missing)]
    try:  # at once, where every cell is a number (the usual case)
        values.astype(np.float64)
        return "numbers"
    except ValueError:
        pass
    numbers = text = False
    for cell in np.unique(values):
        if _is_number(str(cell)):
            numbers = True
        else:
            text = True
    return "mixed" if numbers and text else "text" if text else "numbers"


_NUMBER_MARKS = str.maketrans("", "", ",$\u20ac\u00a3% ")


def _written_numbers(cells: np.ndarray) -> str | None:
    """Where every cell of ``cells`` that is not a number reads as one once commas,
    currency signs, ``%`` and spaces are taken out (``"1,287"``, ``"$35103"``, as a
    spreadsheet exports a formatted column), what to do, naming the first such cell;
    else None."""
    odd = [str(c) for c in np.unique(np.char.strip(cells)) if str(c) and not _is_number(str(c))]
    plain = [c.translate(_NUMBER_MARKS) for c in odd]
    if not odd or not all(p and _is_number(p) for p in plain):
        return None
    return (f"its cells such as {odd[0]!r} are numbers written with separators or a currency "
            "sign: write them as plain numbers (no thousands separators or currency signs, a "
            "decimal point for the decimals)")


def _mixed_hint(name: str, cells: np.ndarray | None = None) -> str:
    """Said after the first text cell of a column of both numbers and text (``cells``,
    the column's: numbers written with separators are said to be)."""
    written = None if cells is None else _written_numbers(cells)
    if written:
        return f"the column holds numbers, but {written}"
    return (f"the column holds both numbers and text: correct the cell, or name the column "
            f"categorical to one-hot encode each of its values (--categorical {name} on the "
            f"command line, categorical=[{name!r}] from Python)")


def _finite_floats(cells: Sequence[str]) -> np.ndarray | None:
    """``cells`` as floats of shape (n_rows,), or None where one is no finite number."""
    try:
        values = np.fromiter(map(float, cells), np.float64, count=len(cells))
    except ValueError:
        return None
    return values if np.isfinite(values).all() else None


def _float_or_gap(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        if is_missing_number(cell):
            return np.nan
        raise


def _floats_with_gaps(cells: Sequence[str]) -> np.ndarray | None:
    """``cells`` as floats of shape (n_rows,), NaN where a cell is missing
    (:func:`is_missing_number`: "nan" is one), or None where one is neither a finite
    number nor missing (the caller then names it).  One pass of ``float``, as
    :func:`_finite_floats`, over the cells with each marker ("", "NA", ...) read as
    "nan"; where that fails (a marker with spaces around it), one cell at a time."""
    try:
        values = np.fromiter(map(float, map(GAP_TEXT.get, cells, cells)), np.float64,
                             count=len(cells))
    except ValueError:
        try:
            values = np.fromiter(map(_float_or_gap, cells), np.float64, count=len(cells))
        except ValueError:
            return None
    return None if np.isinf(values).any() else values
