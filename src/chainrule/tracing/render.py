"""Layout of a trace, independent of its numbers' meaning: blocks, then text or Markdown.

A notation (see :mod:`.notations`) describes a trace as a list of blocks:
headings, notes, equation lines and tables.  An equation line is a list of
parts: :class:`Sym` (a symbol, with a plain-text and a LaTeX spelling),
:class:`Num` (a number), :class:`Arr` (a vector or matrix) or a plain string
that reads the same in both.  This module turns blocks into an ASCII text
report or into Markdown with LaTeX formulas; numbers are formatted here, in
one place, by :func:`fmt`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

import numpy as np

__all__ = ["Arr", "Heading", "Line", "Note", "Num", "Sym", "Table", "fmt", "fmt_latex", "markdown",
           "tex_name", "text"]


@dataclass(frozen=True)
class Sym:
    """A symbol: ``text`` for the ASCII report, ``latex`` for Markdown.

    Attributes
    ----------
    text, latex : str
    """

    text: str
    latex: str


@dataclass(frozen=True)
class Num:
    """A number; ``paren`` wraps a negative value in parentheses (after an operator).

    Attributes
    ----------
    value : float
    paren : bool, default False
    """

    value: float
    paren: bool = False


@dataclass(frozen=True, eq=False)
class Arr:
    """A vector (printed as a row) or a matrix (printed row by row).

    Attributes
    ----------
    value : ndarray of shape (n,) or (n_rows, n_columns)
    """

    value: np.ndarray


Part = Sym | Num | Arr | str


@dataclass(frozen=True)
class Heading:
    """A heading; ``level`` 1 is a title (underlined with "=" in text), 2 a section.

    Attributes
    ----------
    text : str
    level : int, default 2
    """

    text: str
    level: int = 2


@dataclass(frozen=True)
class Note:
    """A line of prose, printed as it is.

    Attributes
    ----------
    text : str
    """

    text: str


@dataclass(frozen=True)
class Line:
    """One equation, e.g. ``[Sym("s", "s"), " = ", Arr(...)]``.

    Attributes
    ----------
    parts : tuple of Sym, Num, Arr or str
    """

    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Table:
    """Rows of parts under headers; a cell may be None (nothing to show).

    Attributes
    ----------
    headers : tuple of Sym
    rows : tuple of tuples of (Sym, Num, Arr, str or None)
        One cell per header in each row.
    """

    headers: tuple[Sym, ...]
    rows: tuple[tuple[Part | None, ...], ...]


Block = Heading | Note | Line | Table


def fmt(x: float, digits: int = 6) -> str:
    """A number as courses print it.

    A value that is exact with at most ``digits`` significant digits is
    printed without trailing zeros (``0.7``, ``-34``, ``2.5``), in its shortest
    spelling that reads back as the same float (``0.7`` at 17 digits too, not
    ``0.69999999999999996``); any other value
    is rounded to ``digits`` significant digits, trailing zeros kept
    (``0.710950``), so the printed precision is always visible.  A rounded value
    whose digits all stand before the point is printed in scientific notation
    (``123456.7`` -> ``1.23457e+05``): ``123457`` would read as exact.

    Rounding is done as by hand, on the number as Python writes it (its
    shortest spelling), half away from zero: ``0.7218735`` prints as
    ``0.721874`` and ``2.5`` at one digit as ``3``, although the float nearest
    0.7218735 lies just below it and Python's own ``f"{x:.6g}"`` gives
    ``0.721873``.

    Parameters
    ----------
    x : float
    digits : int, default 6
        Significant digits.

    Returns
    -------
    str
    """
    x = float(x)
    if x == 0:
        return "0"
    if not np.isfinite(x):
        return str(x)
    short = f"{x:.{digits}g}"
    if abs(float(short) - x) <= 1e-12 * abs(x):
        # the shortest spelling that reads back as x itself (Python's repr) when it has
        # no more digits: at 17 digits the 0.7 a user typed is "0.7", not
        # "0.69999999999999996"; "290.0" is written "290"
        mantissa, e, exponent = repr(x).partition("e")
        mantissa = mantissa.removesuffix(".0")
        if len(mantissa.lstrip("-").replace(".", "").lstrip("0")) <= digits:
            return mantissa + e + exponent
        return short
    dec = _round_half_up(x, digits)
    x = float(dec)  # now within rounding of a number of `digits` digits
    if not np.isfinite(x):  # rounded up past the largest float (1.797693e308 at 5 digits):
        return f"{dec:.{digits - 1}e}"  # the decimal's own digits, never "inf"
    # "#" keeps the trailing zeros, and also a point with no digit after it
    rounded = f"{x:#.{digits}g}"
    if rounded.endswith("."):  # 123456.7 -> "123457.": the digits in scientific notation
        return f"{x:.{digits - 1}e}"
    return rounded.replace(".e", "e")  # 9.96 at 1 digit: "1.e+01" -> "1e+01"


def _round_half_up(x: float, digits: int) -> Decimal:
    """``x`` rounded to ``digits`` significant digits, half away from zero, as its shortest
    decimal spelling ``repr(x)`` reads: that decimal number (whose nearest float may lie
    past the float range, for an ``x`` within half a unit of the last digit of the largest)."""
    d = Decimal(repr(x))
    with localcontext() as ctx:
        ctx.prec = max(digits, 17) + 8
        return d.quantize(Decimal(1).scaleb(d.adjusted() - digits + 1), rounding=ROUND_HALF_UP)


def fmt_latex(x: float, digits: int = 6) -> str:
    """:func:`fmt` for a LaTeX formula: a power of ten written as one, ``2.5 \\times 10^{-7}``.

    Inside ``$$...$$`` the text spelling ``2.5e-07`` would be read as 2.5 times a
    variable e, minus 7.

    Parameters
    ----------
    x : float
    digits : int, default 6
        Significant digits.

    Returns
    -------
    str
    """
    s = fmt(x, digits)
    mantissa, e, exponent = s.partition("e")
    if not e or not np.isfinite(float(x)):
        return s
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


_TEX_SPECIAL = {"_": r"\_", "#": r"\#", "%": r"\%", "&": r"\&", "$": r"\$"}


def tex_name(name: str) -> str:
    """A name (activation, loss) set upright in a LaTeX formula: ``\\mathrm{leaky\\_relu}``.

    The characters LaTeX reads as commands are escaped: a bare ``_`` would make
    ``\\mathrm{leaky_relu}`` "leaky" with a subscript "r", then "elu".

    Parameters
    ----------
    name : str

    Returns
    -------
    str
    """
    return r"\mathrm{" + "".join(_TEX_SPECIAL.get(c, c) for c in name) + "}"


def _arr_text(a: np.ndarray, digits: int) -> str:
    a = np.asarray(a)
    if a.ndim == 1:
        return "[" + ", ".join(fmt(v, digits) for v in a) + "]"
    return "[" + ", ".join(_arr_text(row, digits) for row in a) + "]"


def _arr_latex(a: np.ndarray, digits: int) -> str:
    a = np.asarray(a)
    rows = [a] if a.ndim == 1 else list(a)
    body = r" \\ ".join(" & ".join(fmt_latex(v, digits) for v in row) for row in rows)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def _part_text(p: Part | None, digits: int) -> str:
    if p is None:
        return "-"
    if isinstance(p, Sym):
        return p.text
    if isinstance(p, Num):
        s = fmt(p.value, digits)
        return f"({s})" if p.paren and p.value < 0 else s
    if isinstance(p, Arr):
        return _arr_text(p.value, digits)
    return p


def _part_latex(p: Part | None, digits: int) -> str:
    if p is None:
        return ""
    if isinstance(p, Sym):
        return p.latex
    if isinstance(p, Num):
        s = fmt_latex(p.value, digits)
        return f"({s})" if p.paren and p.value < 0 else s
    if isinstance(p, Arr):
        return _arr_latex(p.value, digits)
    return p


def text(blocks: list[Block], digits: int = 6) -> str:
    """The blocks as a plain ASCII report with aligned tables.

    Parameters
    ----------
    blocks : list of Heading, Note, Line or Table
    digits : int, default 6
        Significant digits of the numbers (see :func:`fmt`).

    Returns
    -------
    str
    """
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            if out and out[-1] != "":
                out.append("")
            out.append(b.text)
            out.append(("=" if b.level <= 1 else "-") * len(b.text))
        elif isinstance(b, Note):
            out.append(("  " if out and out[-1].startswith("  ") else "") + b.text)
        elif isinstance(b, Line):
            out.append("  " + "".join(_part_text(p, digits) for p in b.parts))
        elif isinstance(b, Table):
            cells = [[h.text for h in b.headers]]
            cells += [[_part_text(c, digits) for c in row] for row in b.rows]
            widths = [max(len(r[i]) for r in cells) for i in range(len(b.headers))]
            for k, row in enumerate(cells):
                out.append("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
                           .rstrip())
                if k == 0:
                    out.append("  " + "  ".join("-" * w for w in widths))
    return "\n".join(out) + "\n"


def _table_math(latex: str) -> str:
    """``latex`` for a pipe-table cell: GFM splits a row at every ``|`` and reads ``\\|`` as
    an escaped ``|``, even inside ``$...$``, so the bars are spelled ``\\vert``/``\\Vert``."""
    for bar, word in ((r"\\\|", r"\\Vert"), (r"(?<!\\)\|", r"\\vert")):
        latex = re.sub(bar + r"(?=[A-Za-z])", word + " ", latex)
        latex = re.sub(bar, word, latex)
    return latex


def _cell_md(p: Part | None, digits: int) -> str:
    if p is None:
        return ""
    if isinstance(p, (Num, str)):
        return _part_text(p, digits)
    return f"${_table_math(_part_latex(p, digits))}$"


def markdown(blocks: list[Block], digits: int = 6) -> str:
    """The blocks as Markdown: headings, display formulas ``$$...$$`` and pipe tables.

    Parameters
    ----------
    blocks : list of Heading, Note, Line or Table
    digits : int, default 6
        Significant digits of the numbers (see :func:`fmt`).

    Returns
    -------
    str
    """
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out += ["#" * (b.level + 1) + " " + b.text, ""]
        elif isinstance(b, Note):
            out += [b.text, ""]
        elif isinstance(b, Line):
            out += ["$$" + "".join(_part_latex(p, digits) for p in b.parts) + "$$", ""]
        elif isinstance(b, Table):
            out.append("| " + " | ".join(f"${_table_math(h.latex)}$" for h in b.headers) + " |")
            out.append("|" + "---|" * len(b.headers))
            for row in b.rows:
                out.append("| " + " | ".join(_cell_md(c, digits) for c in row) + " |")
            out.append("")
    return "\n".join(out)
