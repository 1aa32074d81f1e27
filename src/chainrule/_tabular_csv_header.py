"""The header row of a CSV file for the CSV reader (:mod:`chainrule._tabular_csv`): whether
the first row is column names or an example, and what a header of one cell says of the
file's separator.  Import from :mod:`chainrule.tabular`."""

from __future__ import annotations

#: What follows the hint of a ';'-separated file whose rows a comma splits: a spreadsheet's
#: export in a locale of decimal commas, which a new separator alone would not mend.
_DECIMAL_COMMAS = ("; its rows' commas are decimal commas, which must become points too: "
                   "pandas.read_csv(FILE, sep=';', decimal=',').to_csv(NEW, index=False) "
                   "rewrites it comma-separated with decimal points")


def _separator_hint(header: list[str]) -> str:
    """A hint for the header of one cell that holds a ``;`` or a tab: the file's separator
    is likely that, where a CSV file is read comma-separated; else ""."""
    if len(header) != 1:
        return ""
    seen = [name for sep, name in ((";", "';'"), ("\t", "tab")) if sep in header[0]]
    if not seen:
        return ""
    save = ("save it with commas" if seen[0] != "tab" else  # a TSV file: how to save it
            "pandas.read_csv(FILE, sep='\\t').to_csv(NEW, index=False) rewrites it "
            "comma-separated")
    return (f"; the header is one column holding {' and '.join(seen)} characters: the file "
            f"looks {seen[0]}-separated, and CSV files are read comma-separated ({save})")


def _preview_row(cells: list[str], n: int = 5) -> str:
    return ", ".join(cells[:n]) + (", ..." if len(cells) > n else "")


def _example_as_header(header: list[str], body: list[tuple[int, list[str]]]
                       ) -> tuple[int, int] | None:
    """Whether the first row of a CSV file is an example rather than column names.

    A header-less file whose last column is text (the UCI iris file:
    ``5.1,3.5,1.4,0.2,Iris-setosa``) has a first row of both numbers and text,
    which a header may have too (a pandas export of integer column names:
    ``0,1,2,label``).  The first row is taken for an example only when it
    has a number, each of its numbers stands over a column of numbers, and
    each of its other cells is itself a value of its column further down
    (``Iris-setosa`` is; a name such as ``label`` is not).

    Returns
    -------
    (int, int) or None
        The column of the first text cell found among the values and the line
        where it is, or None (a header).
    """
    numeric = [_is_number(cell) for cell in header]
    if not any(numeric) or all(numeric):  # all numbers: refused on their own
        return None
    rows = [(n, [cell.strip() for cell in row]) for n, row in body if len(row) == len(header)]
    found = None
    # the text cells first: a column name (``label``) that no row holds ends the search
    # after one column, before the numbers of every other column are parsed
    for j, cell in enumerate(header):
        if not numeric[j]:
            line = next((n for n, row in rows if row[j] == cell), None)
            if line is None:
                return None
            found = found or (j, line)
    for j in range(len(header)):
        if numeric[j] and not all(_is_number(row[j]) for _, row in rows if row[j]):
            return None
    return found


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
