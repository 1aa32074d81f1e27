"""A size no array could have names the options that size it (robust30).

``chainrule gradcheck --samples 10**30`` said "chainrule: error: Maximum allowed dimension
exceeded" -- NumPy's words for ``np.empty`` of more rows than an index can count, raised
before any memory is asked for -- naming no option; ``importance --repeats``, ``perceptron
--n``, ``select --n-train`` and ``tune-threshold --thresholds`` alike.  The line now names
the command's size options, as an out-of-memory line does.
"""

from __future__ import annotations

import numpy as np
import pytest

from file_helpers import cli_fails, cli_ok

HUGE = "1" * 30


def test_numpy_refuses_such_a_size() -> None:
    # the independent fact the message stands on: NumPy's own refusal of the size
    with pytest.raises(ValueError, match="Maximum allowed dimension exceeded"):
        np.empty((int(HUGE), 2))


@pytest.mark.parametrize("argv, option", [
    (["gradcheck", "--sizes", "2", "3", "2", "--samples", HUGE], "--samples"),
    (["perceptron", "--n", HUGE], "--n"),
    (["select", "--max-hidden", "1", "--starts", "1", "--n-val", HUGE], "--n-val"),
])
def test_too_large_size_names_the_option(capsys, argv: list, option: str) -> None:
    err = cli_fails(capsys, argv)
    assert "Traceback" not in err
    # NumPy's words, or (perceptron, select: the data sets' n, refused before NumPy sees
    # it since robust31) chainrule.datasets' own, which name the Python argument n
    assert err.startswith(("chainrule: error: an array too large to exist (Maximum allowed",
                           "chainrule: error: an array too large to exist (n must be a "
                           "number of examples an array holds"))
    assert option in err


def test_importance_repeats_too_large(capsys, tmp_path) -> None:
    model = tmp_path / "m.npz"
    cli_ok(capsys, ["train", "iris", "--epochs", "2", "-o", model])
    err = cli_fails(capsys, ["importance", model, "iris", "--repeats", HUGE])
    assert "--repeats" in err and "too large" in err, err
