"""The small CSV tables of the fine-tuning tests (test_finetune_encoding,
test_finetune3_val_data, test_finetune3_impute): a numeric column x, a categorical
column colour and a target y = x + [colour == red] + noise."""

from __future__ import annotations

import numpy as np


def colour_table(path, n: int, colours, seed: int, gaps: tuple[int, int] | None = None,
                 loc: float = 0.0) -> str:
    """Write ``n`` rows (x ~ N(loc, 1), colour drawn from ``colours``) to ``path``; with
    ``gaps=(every, at)`` the x cells of rows i with i % every == at are left empty.
    Returns the path as a string."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(loc=loc, size=n), 4)
    colour = rng.choice(colours, n)
    y = np.round(x + (colour == "red") + rng.normal(scale=0.1, size=n), 4)
    cells = ["" if gaps and i % gaps[0] == gaps[1] else f"{v:.4f}" for i, v in enumerate(x)]
    path.write_text("x,colour,y\n" + "".join(f"{a},{c},{t:.4f}\n"
                                             for a, c, t in zip(cells, colour, y, strict=True)))
    return str(path)
