"""info's layer table: each column is as wide as its widest cell, so that a parameters cell
over 20 characters (a LayerNorm over (2, 3, 3): "gamma 2x3x3, beta 2x3x3") leaves every row's
columns at the offsets of the header's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from test_cli import run_main

LEFT = ("layer", "activation", "parameters")  # the others are right-aligned


def test_layer_table_columns_line_up_with_a_long_parameters_cell(tmp_path, capsys):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(12, 18)), columns=[f"x{i}" for i in range(18)])
    frame["y"] = np.arange(12) % 2
    data, model = tmp_path / "d.csv", tmp_path / "m.npz"
    frame.to_csv(data, index=False)
    layers = '[{"type": "LayerNorm"}, {"type": "Flatten"}]'
    code, _, err = run_main(capsys, "train", str(data), "--layers", layers, "--input-shape",
                            "2", "3", "3", "--epochs", "1", "-q", "-o", str(model))
    assert code == 0, err
    code, out, err = run_main(capsys, "info", str(model))
    assert code == 0, err
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.split()[:2] == ["#", "layer"])
    header, rows = lines[at], lines[at + 1:at + 4]  # LayerNorm, Flatten, Dense
    names = header.split()
    starts = [header.index(name) for name in names]
    ends = [s + len(n) for s, n in zip(starts, names, strict=True)]
    for row in rows:
        for name, start, end in zip(names, starts, ends, strict=True):
            if name in LEFT:  # the cell starts where the header's word does
                assert row[start] != " " and row[start - 1] == " ", (name, header, row)
            else:  # the cell ends where the header's word does
                assert row[end - 1] != " " and row[end:end + 1] in ("", " "), (name, header, row)
    p = names.index("parameters")
    cells = [row[starts[p]:starts[p + 1]].strip() for row in rows]
    # the cell holds the whole of what the layer has: gamma and beta of (2, 3, 3) each
    assert cells[0] == "gamma 2x3x3, beta 2x3x3", cells
    counts = [int(row[starts[-1]:].split()[-1]) for row in rows]
    assert counts == [2 * 18, 0, 18 + 1]  # gamma and beta; none; W (18, 1) and b
