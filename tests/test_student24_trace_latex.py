"""The Markdown of ``chainrule trace`` (``Trace.markdown()``, ``--format markdown``) as a
KaTeX / MathJax reader (GitHub, Jupyter) and matplotlib's mathtext read it.

References: GitHub Flavored Markdown's table rule (a row is split at every ``|`` not escaped
as ``\\|``, and ``\\|`` becomes ``|`` before the cell's contents are read, inside code and
math spans too: GFM spec 0.29, section 4.10, "Tables", example 200), the LaTeX
environments KaTeX documents (``bmatrix``: rows of equally many cells; ``cases``: rows of
a value ``&`` a condition), and matplotlib's own mathtext parser for everything outside
those environments (mathtext has none of them: each one is replaced by a symbol before
it parses the rest of the line).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from chainrule import Dense, Network
from chainrule.tracing import trace

NOTATIONS = ("transfer", "ufldl", "netout")
_ENV = re.compile(r"\\begin\{(\w+)\}((?:(?!\\begin\{).)*?)\\end\{(\w+)\}", re.S)


def _gfm_cells(row: str) -> list[str]:
    """A pipe-table row split as GFM splits it, ``\\|`` unescaped to ``|`` afterwards."""
    cells = re.split(r"(?<!\\)\|", row.strip())[1:-1]
    return [c.strip().replace(r"\|", "|") for c in cells]


def _tables(md: str) -> list[tuple[str, list[list[str]], list[str]]]:
    """(header line, each row's cells as GFM reads them, each row's cells as written)."""
    out, lines = [], md.splitlines()
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and lines[i + 1].startswith("|---"):
            block = [line]
            j = i + 2
            while j < len(lines) and lines[j].startswith("| "):
                block.append(lines[j])
                j += 1
            written = [re.split(r"(?<!\\)\|", r.strip())[1:-1] for r in block]
            out.append((line, [_gfm_cells(r) for r in block],
                        [[c.strip() for c in w] for w in written]))
    return out


def _formulas(md: str) -> list[str]:
    """Every display formula and every math cell of the tables, as the reader gets it."""
    found = re.findall(r"\$\$(.+?)\$\$", md, re.S)
    for _, rows, _written in _tables(md):
        found += [c[1:-1] for row in rows for c in row if c.startswith("$") and c.endswith("$")]
    return found


def _check_environments(formula: str) -> str:
    """Check each LaTeX environment's shape; return the formula with each replaced by M."""
    while True:
        m = _ENV.search(formula)
        if m is None:
            break
        env, body, end = m.groups()
        assert env == end, formula
        rows = body.split(r"\\")
        cells = [r.count("&") for r in rows]
        if env == "bmatrix":
            assert len(set(cells)) == 1, formula  # a rectangle
        else:
            assert env == "cases", formula
            assert len(rows) >= 2 and cells == [1] * len(rows), formula  # value & condition
        formula = formula[:m.start()] + "M" + formula[m.end():]
    assert r"\begin" not in formula and r"\end" not in formula, formula
    depth = 0
    for ch in re.sub(r"\\[{}]", "", formula):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0, formula
    assert depth == 0, formula
    return formula


def _net(hidden: str, loss: str, n_out: int) -> Network:
    out = "sigmoid" if loss == "log_loss" else "identity"
    return Network([Dense(2, 3, hidden, seed=0), Dense(3, n_out, out, seed=1)], loss=loss)


def _data(loss: str, batch: bool):
    x = np.array([[0.5, -0.3], [-0.2, 0.1]]) if batch else np.array([0.5, -0.3])
    if loss == "hinge":
        return x, (np.array([[1.0], [-1.0]]) if batch else np.array([1.0]))
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    return x, (y if batch else y[0])


_PIECEWISE = {  # activation -> (value for net > 0, value otherwise), chainrule's f'
    "relu": ("1", "0"), "leaky_relu": ("1", "0.01"), "elu": ("1", "{a} + 1")}


@pytest.mark.parametrize("notation", NOTATIONS)
@pytest.mark.parametrize("act", sorted(_PIECEWISE))
def test_piecewise_activation_derivatives_are_cases(act, notation):
    """Before: ReLU's f' as an Iverson bracket ``[z^{(2)} > 0]`` and leaky ReLU's and ELU's
    as ``1 \\text{ if } ... \\text{ else } ...`` run into the line: KaTeX shows the first as
    a bracketed inequality, not a function's two branches."""
    md = trace(_net(act, "squared_error", 2), [0.5, -0.3], [1.0, 0.0],
               notation=notation).markdown()
    z, a = {"transfer": ("s^{(1)}", "x^{(1)}"), "ufldl": ("z^{(2)}", "a^{(2)}"),
            "netout": (r"\mathrm{net}_{h_{1}}", r"\mathrm{out}_{h_{1}}")}[notation]
    pos, neg = (v.format(a=a) for v in _PIECEWISE[act])
    expected = (rf"\begin{{cases}} {pos} & {z} > 0 \\ {neg} & {z} \le 0 \end{{cases}}")
    assert expected in md
    assert r"\text{ else }" not in md and f"[{z} > 0]" not in md


@pytest.mark.parametrize("notation", NOTATIONS)
def test_hinge_derivatives_are_cases(notation):
    """Before: multiclass_hinge's dE/do in the net/out notation read
    ``... \\text{ for } k = c = -1``, the unit's value run into the condition k = c."""
    md = trace(_net("tanh", "multiclass_hinge", 2), [0.5, -0.3], [1.0, 0.0],
               notation=notation).markdown()
    assert "k = c = " not in md
    assert (r"\begin{cases} \mathbf{1}[o_k - o_c + 1 > 0] & k \ne c \\ -\sum_{j \ne c} "
            r"\mathbf{1}[o_j - o_c + 1 > 0] & k = c \end{cases}") in md
    if notation == "netout":
        assert re.search(r"\\end\{cases\} = -?1\$\$", md)
    md = trace(_net("tanh", "hinge", 1), [0.5, -0.3], [1.0], notation=notation).markdown()
    t, o = {"transfer": ("y", "x^{(2)}"), "ufldl": ("y", "a^{(3)}"),
            "netout": ("t_{o_{1}}", r"\mathrm{out}_{o_{1}}")}[notation]
    assert rf"\begin{{cases}} -{t} & {t} {o} < 1 \\ 0 & {t} {o} \ge 1 \end{{cases}}" in md


def test_table_cells_keep_their_bars_on_github():
    """Before: the sparsity table's header ``$\\mathrm{KL}(\\rho \\,\\|\\, \\hat\\rho_j)$``:
    GFM reads ``\\|`` in a table row as an escaped cell separator and hands the math
    ``\\rho \\,|\\, \\hat\\rho_j``, one bar where the divergence has two."""
    net = Network.from_ufldl([[[0.1, -0.2, 0.3], [0.4, 0.1, -0.3]],
                              [[0.2, -0.1], [0.3, 0.5], [-0.4, 0.2]]], loss="squared_error")
    X = np.array([[0.2, 0.9, 0.4], [0.7, 0.1, 0.5]])
    md = trace(net, X, X, notation="ufldl", rho=0.1, beta=3.0).markdown()
    tables = _tables(md)
    kl = [gfm for header, gfm, _ in tables if "KL" in header]
    assert kl and r"\mathrm{KL}(\rho \,\Vert\, \hat\rho_j)" in kl[0][0][2]
    for _, gfm, written in tables:
        assert all(cells == [c.replace(r"\|", "|") for c in w]
                   for cells, w in zip(gfm, written, strict=True))
        assert len({len(cells) for cells in gfm}) == 1  # every row as wide as the header
        assert not any(r"\|" in c for w in written for c in w)


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?: \\times 10\^\{-?\d+\})?")


@pytest.mark.parametrize("notation", NOTATIONS)
def test_every_formula_is_well_formed_and_mathtext_reads_the_rest(notation):
    """Every display formula and math cell of traces with the piecewise activations and
    each loss, one example and a batch: its environments well formed, the rest of it read
    by mathtext (each distinct formula once, every number written as 1)."""
    parser = pytest.importorskip("matplotlib.mathtext").MathTextParser("agg")
    seen: set[str] = set()
    for act in ("relu", "leaky_relu", "elu", "tanh"):
        for loss in ("squared_error", "hinge", "multiclass_hinge", "huber",
                     "mean_absolute_error", "log_loss"):
            for batch in (False, True) if notation != "netout" else (False,):
                x, y = _data(loss, batch)
                md = trace(_net(act, loss, 1 if loss == "hinge" else 2), x, y,
                           notation=notation).markdown()
                for _, gfm, _written in _tables(md):
                    assert len({len(cells) for cells in gfm}) == 1
                seen |= {_NUMBER.sub("1", _check_environments(f)) for f in _formulas(md)}
    assert len(seen) > 40
    for formula in sorted(seen):
        parser.parse(f"${formula}$")


@pytest.mark.parametrize("notation", NOTATIONS)
def test_the_huber_value_follows_the_loss_not_its_h(notation):
    """Before: ``E = \\sum_k h(o_k - t_k),\\quad h(r) = \\begin{cases} ... \\end{cases} =
    0.499977``: the loss's value came after h's definition and read as h(r) = 0.499977."""
    t = trace(_net("tanh", "huber", 2), [0.5, -0.3], [1.0, 0.0], notation=notation)
    E = t.step.example_loss
    md, text = t.markdown(), t.text()
    assert r"\end{cases} = " not in md and "beyond = " not in text
    line = [ln for ln in md.splitlines() if ln.startswith("$$h(r) = ")]
    assert len(line) == 1 and re.search(r",\\quad [EJ] = \\sum_\{\w+\} h\(.+\) = [0-9.]+\$\$$",
                                        line[0])
    value = float(line[0].rsplit(" = ", 1)[1].rstrip("$"))
    assert value == pytest.approx(E, rel=1e-5)  # the value printed is E's
    assert re.search(r"beyond; [EJ] = sum_\w+ h\(", text)
