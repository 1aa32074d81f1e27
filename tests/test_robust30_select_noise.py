"""``chainrule select --noise 1e308`` names --noise (robust30).

The robust30 fuzz gave select --noise 1e308: every target is of that scale, every run's
sum of squared validation errors is inf, and the line was the plot's "val_errors has no
finite value to plot (shape (1, 1)): every run diverged (inf) or the errors are NaN",
naming no option.
"""

from __future__ import annotations

import numpy as np

from file_helpers import cli_fails


def test_squared_error_overflows() -> None:
    # the independent fact: (1e308) ** 2 is above the largest float (1.8e308)
    with np.errstate(over="ignore"):
        assert np.isinf(np.float64(1e308) ** 2)


def test_huge_noise_named(capsys, tmp_path) -> None:
    png = tmp_path / "s.png"
    err = cli_fails(capsys, ["select", "--max-hidden", "1", "--starts", "1", "--n-train",
                             "10", "--n-val", "5", "--noise", "1e308", "--plot", png])
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith(
        "chainrule: error: --noise 1e+308: every run's validation error is inf or NaN"), err
    assert not png.exists()
