"""A --weight-decay whose penalty alone is infinite is named when training diverges (robust30).

``chainrule train iris --weight-decay 1e308`` diverged at the starting parameters and
the line blamed only the data ("look for huge or non-finite values in the data"): the
loss there is the data term plus ``weight_decay / 2 * sum(W ** 2)``, and with
weight_decay = 1e308 that sum times 5e307 is above the largest float for any weights of
a usual initialization.  The line now names --weight-decay and its value too.
"""

from __future__ import annotations

import numpy as np

from file_helpers import cli_fails


def test_penalty_alone_overflows() -> None:
    # the independent fact: 1e308 / 2 * s is infinite once s > 3.6 (the largest float
    # is 1.797e308); iris's 4-16-3 network of Glorot-sized weights has sum(W ** 2) ~ 10
    with np.errstate(over="ignore"):
        assert np.isinf(np.float64(1e308) / 2 * np.float64(10.0))


def test_huge_weight_decay_named(capsys) -> None:
    err = cli_fails(capsys, ["train", "iris", "--epochs", "1", "--weight-decay", "1e308"])
    assert "Traceback" not in err
    assert "before any step" in err
    assert "a smaller --weight-decay (this run: 1e+308)" in err, err


def test_no_weight_decay_not_named(capsys, tmp_path) -> None:
    bad = tmp_path / "huge.csv"
    bad.write_text("a,y\n1e308,0\n-1e308,1\n1e308,1\n-1e308,0\n")
    err = cli_fails(capsys, ["train", bad, "--epochs", "1", "--scale", "none"])
    assert "--weight-decay" not in err
