"""Missing feature cells filled as scikit-learn's ``SimpleImputer`` fills them
(``chainrule train --impute``), and the 0/1 missing indicators of its
``add_indicator=True`` (``--missing-indicator``).

The features are those :func:`chainrule.tabular.read_data` gives with ``missing=True``:
a column of numbers holds a NaN where its cell is missing, a categorical column's 0/1
features are all NaN in such a row.  :func:`fit_imputer` works out each column's fill
value from the training rows (weighted by ``--sample-weight`` where given) and returns
the record the model file keeps (``metadata["impute"]``); :func:`impute` applies it to
any rows, before the standardisation: the scaler's statistics are those of the filled
columns, as in ``Pipeline(SimpleImputer(), StandardScaler())``.

The record, a JSON object:

``strategy``
    "mean", "median", "most_frequent" or "constant".
``fill_value``
    ``--fill-value`` as given (a string), or null.
``fill``
    Each column read (``metadata["columns"]``, else ``feature_names``) to its fill
    value: a number, or a categorical column's category.
``indicators``
    The columns that had a missing cell in the training rows, in column order: each has
    a 0/1 feature ``missingindicator_<column>`` (scikit-learn's
    ``get_feature_names_out`` name), appended after every other feature; [] without
    ``--missing-indicator``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: ``--impute``'s strategies, SimpleImputer's.
STRATEGIES = ("mean", "median", "most_frequent", "constant")

#: ``--impute constant``'s fill of a categorical column without ``--fill-value``, as
#: SimpleImputer's of strings and objects.
TEXT_FILL = "missing_value"


def indicator_name(column: str) -> str:
    """The 0/1 feature that says ``column``'s cell is missing (scikit-learn's name)."""
    return f"missingindicator_{column}"


def _blocks(columns: Sequence[str], categories: dict | None) -> list[tuple[str, int, int]]:
    """Each column read, with the first of its features and how many (a categorical
    column's categories)."""
    out, j = [], 0
    for name in columns:
        k = len(categories[name]) if categories and name in categories else 1
        out.append((name, j, k))
        j += k
    return out


def _gaps(X: np.ndarray, j: int) -> np.ndarray:
    """The rows of ``X`` (shape (n, n_features)) whose column starting at feature ``j`` is
    missing: bool of shape (n,)."""
    return np.isnan(X[:, j])


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The weighted median of ``values`` (shape (n,), weights of shape (n,), >= 0 with a
    positive sum): the averaged inverted CDF at one half (scikit-learn's
    ``_weighted_percentile(values, weights, 50, average=True)``, NumPy's
    ``method="averaged_inverted_cdf"``).

    Sorted, the smallest value at which the cumulative weight reaches half the total;
    where it reaches exactly half there, the mean of that value and the next one of
    positive weight.  Equal weights give ``np.median``'s value (the mean of the two middle
    values of an even count), and integer weights the median of each row repeated as
    many times as its weight.
    """
    order = np.argsort(values, kind="stable")
    keep = weights[order] > 0  # a row of weight 0 is not there
    v, cumulative = values[order][keep], np.cumsum(weights[order][keep])
    half = 0.5 * cumulative[-1]
    i = min(int(np.searchsorted(cumulative, half, side="left")), len(v) - 1)
    if cumulative[i] == half and i + 1 < len(v):
        return float((v[i] + v[i + 1]) / 2)
    return float(v[i])


def _unit(values: np.ndarray) -> float:
    """1.0, or for a column with a cell past 1e150 the power of 2 just below its largest
    magnitude: a mean or median of cells near float64's limit (+-1.7e308) would overflow
    in their sum, and dividing by a power of 2 (then multiplying the result back) is
    exact."""
    big = float(np.max(np.abs(values))) if values.size else 0.0
    return 1.0 if big < 1e150 else math.ldexp(1.0, math.frexp(big)[1] - 1)


def _mode(values: np.ndarray, weights: np.ndarray | None) -> float:
    """The most frequent of ``values`` (weighted: the largest total weight), the smallest
    among ties (SimpleImputer's and ``weighted_mode``'s rule)."""
    distinct, inverse = np.unique(values, return_inverse=True)
    counts = np.bincount(inverse.reshape(-1), weights=weights, minlength=len(distinct))
    return float(distinct[int(np.argmax(counts))])


def fit_imputer(X: np.ndarray, columns: Sequence[str], categories: dict | None,
                strategy: str, fill_value: str | None, indicator: bool,
                weights: np.ndarray | None, source: str) -> dict:
    """The record of ``--impute`` fitted on the training rows ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_train, n_features)
        The training rows as read with ``missing=True`` (NaN where a cell is missing).
    columns : sequence of str
        The columns read, in order (a categorical one's features in its place).
    categories : dict of str to list of str, or None
        The categorical columns' categories.
    strategy : {"mean", "median", "most_frequent", "constant"}
        A categorical column is filled with its most frequent category under "mean",
        "median" and "most_frequent", with ``fill_value`` (or "missing_value") under
        "constant".
    fill_value : str or None
        ``--fill-value``: a column of numbers' fill under "constant" (None: 0).
    indicator : bool
        ``--missing-indicator``.
    weights : ndarray of shape (n_train,), optional
        ``--sample-weight``: a weighted mean, median (:func:`weighted_median`) or mode.
    source : str
        The data, for messages.

    Returns
    -------
    dict
        See the module's description.

    Raises
    ------
    ValueError
        For a column whose every training cell is missing (strategies other than
        "constant"; scikit-learn drops such a column, which would shift the model's
        inputs), or whose cells all weigh 0, and for a ``fill_value`` that is no
        finite number where a column of numbers is filled with it.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"--impute: expected one of {', '.join(STRATEGIES)}, got "
                         f"{strategy!r}")
    fill: dict = {}
    gaps = []
    for name, j, k in _blocks(columns, categories):
        gap = _gaps(X, j)
        if gap.any():
            gaps.append(name)
        seen = ~gap
        w = None if weights is None else weights[seen]
        categorical = bool(categories) and name in categories
        if strategy == "constant":
            if categorical:
                fill[name] = TEXT_FILL if fill_value is None else fill_value.strip()
            else:
                fill[name] = _number_fill(fill_value, name)
            continue
        if not seen.any() or (w is not None and not w.sum() > 0):
            why = ("every training row's cell is missing" if not seen.any() else
                   "every training row with a cell in it has --sample-weight 0")
            raise ValueError(
                f"{source}: column {name!r}: {why}, so --impute {strategy} has no value "
                "to fill it with (scikit-learn's SimpleImputer drops such a column); leave "
                "it out (--features naming the others), or give --impute constant")
        if categorical:
            block = X[seen, j:j + k]
            counts = block.sum(axis=0) if w is None else w @ block
            fill[name] = categories[name][int(np.argmax(counts))]  # sorted: smallest first
            continue
        values = X[seen, j]
        unit = _unit(values)  # 1, or a power of 2 for cells past 1e150 (sums overflow)
        scaled = values if unit == 1.0 else values / unit  # exact: a power of 2
        if strategy == "mean":
            fill[name] = unit * float(np.average(scaled, weights=w))
        elif strategy == "median":
            fill[name] = unit * (float(np.median(scaled)) if w is None
                                 else weighted_median(scaled, w))
        else:
            fill[name] = _mode(values, w)
    return {"strategy": strategy, "fill_value": fill_value, "fill": fill,
            "indicators": gaps if indicator else []}


def _number_fill(fill_value: str | None, name: str) -> float:
    if fill_value is None:
        return 0.0
    try:
        value = float(fill_value)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"--fill-value {fill_value!r}: the column of numbers {name!r} "
                         "is filled with it under --impute constant, so it must be a "
                         "finite number")
    return value


def unknown_fills(X: np.ndarray, record: dict, columns: Sequence[str],
                  categories: dict | None) -> list[tuple[str, int, int, np.ndarray]]:
    """The categorical columns with a missing cell in ``X`` whose fill category is none
    of the column's categories (``--impute constant`` of a column that had no missing
    cell in the training rows, so that its encoder never saw the fill): each as its name,
    first feature, number of features and the rows of ``X`` missing there (ints)."""
    out = []
    for name, j, k in _blocks(columns, categories):
        if not categories or name not in categories:
            continue
        rows = np.flatnonzero(_gaps(X, j))
        if rows.size and record["fill"][name] not in categories[name]:
            out.append((name, j, k, rows))
    return out


def unknown_fill_message(where: str, name: str, value: str, remedy: str) -> str:
    """The refusal of a missing cell whose fill category the model lacks (``remedy``:
    what to do, in the parentheses at its end)."""
    return (f"{where}, column {name!r}: missing value, which the model fills with the "
            f"category {value!r} (--impute constant), not one of the column's categories: "
            f"its training data had no missing cell there ({remedy})")


def impute(X: np.ndarray, record: dict, columns: Sequence[str],
           categories: dict | None, unknown: str = "error") -> np.ndarray:
    """``X`` with its missing cells filled and the missing indicators appended.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Features as read with ``missing=True``.
    record : dict
        :func:`fit_imputer`'s (a model file's ``metadata["impute"]``).
    columns, categories
        As for :func:`fit_imputer`.
    unknown : {"error", "zeros"}, default "error"
        A categorical column's missing cell whose fill category is none of the column's
        categories (:func:`unknown_fills`): refused, or all zeros in the column's 0/1
        features, as ``OneHotEncoder(handle_unknown="ignore")`` after a
        ``SimpleImputer(strategy="constant")`` encodes a fill it never saw.

    Returns
    -------
    ndarray of shape (n_samples, n_features + n_indicators)
        A new array of ``X``'s dtype (float32 or float64; float64 for any other), each
        fill value (computed in float64) cast to it; the indicators are 0/1.

    Raises
    ------
    ValueError
        For such a missing cell with ``unknown="error"``, naming its row and column.
    """
    given = np.asarray(X)
    # float32 features stay float32 (train --dtype float32): no float64 copy of them
    dtype = given.dtype if given.dtype in (np.float32, np.float64) else np.float64
    # one new array, the indicators' columns included (the caller's X is left as it is)
    X = np.empty((given.shape[0], given.shape[1] + len(record["indicators"])), dtype=dtype)
    width = given.shape[1]
    X[:, :width] = given
    del given
    missing = {}
    for name, j, k in _blocks(columns, categories):
        gap = _gaps(X, j)
        missing[name] = gap
        if not gap.any():
            continue
        value = record["fill"][name]
        if categories and name in categories:
            known = categories[name]
            block = np.zeros((int(gap.sum()), k), dtype=dtype)
            if value in known:
                block[:, known.index(value)] = 1.0
            elif unknown != "zeros":
                raise ValueError(unknown_fill_message(
                    f"X row {int(np.flatnonzero(gap)[0])} (from 0)", name, value,
                    "unknown_categories='zeros' encodes it as all zeros, as an unknown "
                    "category"))
            X[gap, j:j + k] = block
        else:
            X[gap, j] = value
    for k, name in enumerate(record["indicators"]):
        X[:, width + k] = missing[name]
    return X


def _gap_counts(table, rows: slice, written: dict | None = None) -> str:
    """The columns of ``table`` with a missing cell among ``rows``, each with how many,
    and how they are written where ``written`` (``table.gaps_written``, of those rows)
    has the column: ``'b' (6: 2 empty, 3 'NA', 1 '?')``."""
    columns = table.columns or table.feature_names
    counts = [(name, int(_gaps(table.X[rows], j).sum()))
              for name, j, _ in _blocks(columns, table.categories)]
    gaps = [f"{name!r} ({n}{_spellings((written or {}).get(name))})"
            for name, n in counts if n]
    return ", ".join(gaps) if gaps else "no column"


def _spellings(counts: dict | None) -> str:
    """``": 2 empty, 3 'NA'"``: each spelling of a column's missing cells and how many
    hold it ("" an empty cell, first); "" for none."""
    if not counts:
        return ""
    order = sorted(counts, key=lambda s: s != "")  # stable: the others as first seen
    return ": " + ", ".join(f"{counts[s]} {'empty' if s == '' else repr(s)}" for s in order)


def imputed_line(table, record: dict, n_data: int | None = None,
                 val_data: str | None = None, val_written: dict | None = None) -> str:
    """The line train prints of ``--impute``: each column with missing cells in ``table``
    (``X`` as read, NaN where missing) and how many, with how they are written where not
    all are empty cells (``table.gaps_written``), and the indicators added; with
    ``--val-data`` (its rows after DATA's ``n_data``), DATA's counts and the file's, spelt
    as its ``val_written`` (the file's ``gaps_written``) says."""
    n = table.n_samples if n_data is None else n_data
    extra = (f"; {len(record['indicators'])} missing indicator"
             f"{'' if len(record['indicators']) == 1 else 's'} added"
             if record["indicators"] else "")
    val = (f"; --val-data {val_data}: {_gap_counts(table, slice(n, None), val_written)}"
           if val_data is not None and n < table.n_samples else "")
    return (f"{table.source}: missing cells filled (--impute {record['strategy']}) in "
            f"{_gap_counts(table, slice(0, n), getattr(table, 'gaps_written', None))}"
            f"{val}{extra}")


def imputer_problem(meta: dict) -> str | None:
    """What is wrong with a model file's ``impute`` record, or None (none recorded):
    its strategy, a fill value of the right kind for each column read (``columns``,
    else ``feature_names``), and indicators that are distinct columns of them."""
    record = meta.get("impute")
    if record is None:
        return None
    if not isinstance(record, dict) or record.get("strategy") not in STRATEGIES:
        return "impute: expected a JSON object with a strategy"
    fill, indicators = record.get("fill"), record.get("indicators")
    columns = meta.get("columns") or meta.get("feature_names")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        return "impute: the model records no feature names"
    if not isinstance(fill, dict) or set(fill) != set(columns):
        return "impute: fill: expected a value for each column read"
    categories = meta.get("categories") if isinstance(meta.get("categories"), dict) else {}
    for name, value in fill.items():
        ok = isinstance(value, str) if name in categories else (
            isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))
        if not ok:
            return f"impute: fill: {name!r}: {value!r} is not a fill of its column"
    if not isinstance(indicators, list) or not all(c in fill for c in indicators) or len(
            set(indicators)) != len(indicators):
        return "impute: indicators: expected distinct columns of the model"
    return None


def n_indicators(meta: dict) -> int:
    """The missing-indicator inputs of a model's network (0 without ``--impute``)."""
    record = meta.get("impute")
    if not isinstance(record, dict) or not isinstance(record.get("indicators"), list):
        return 0
    return len(record["indicators"])
