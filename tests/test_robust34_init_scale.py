"""robust34: select_hidden_units(init_scale=1e308) said "b contains NaN"; it names init_scale."""

import warnings

import numpy as np
import pytest

import chainrule as cr

FMAX = float(np.finfo(np.float64).max)
RNG = np.random.default_rng(34)
X = RNG.normal(size=(12, 3))
YR = RNG.normal(size=12)


def _largest_draw(m: int, n_in: int = 3, n_out: int = 1) -> float:
    """|N(0, 1)| largest of the run (M = m, start 0, seed 0): its weights and biases are
    ``init_scale`` times these (n_in x m, m x n_out, m, n_out standard normals)."""
    z = np.random.default_rng([0, m, 0]).standard_normal(n_in * m + m * n_out + m + n_out)
    return float(np.abs(z).max())


def test_init_scale_whose_draws_overflow_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match=r"^init_scale: the initial weights of the run of "
                                         r"M = 1 hidden units drawn from the seed \[0, 1, 0\] "
                                         r".* got init_scale=1e\+308; take one far smaller"):
        cr.select_hidden_units(X, YR, X, YR, hidden_units=[1, 2], n_starts=1,
                               init_scale=1e308, maxiter=2)


def test_init_scale_refused_exactly_where_a_draw_passes_float64() -> None:
    """The largest draw of M = 2 (2.34 init_scale) is past that of M = 1 (1.97): a scale
    between FMAX / 2.34 and FMAX / 1.97 trains M = 1 and is refused at M = 2."""
    z1, z2 = _largest_draw(1), _largest_draw(2)
    assert z1 < z2
    below = FMAX / z2 * (1 - 1e-12)  # every draw finite: runs (that diverge), no refusal
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = cr.select_hidden_units(X, YR, X, YR, hidden_units=[1, 2], n_starts=1,
                                        init_scale=below, maxiter=2)
    assert result.val_errors.shape == (2, 1)
    above = FMAX / z2 * (1 + 1e-12)
    assert above * z1 < FMAX  # M = 1 draws nothing past float64
    with pytest.raises(ValueError, match=r"^init_scale: .* M = 2 hidden units drawn from the "
                                         r"seed \[0, 2, 0\]"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cr.select_hidden_units(X, YR, X, YR, hidden_units=[1, 2], n_starts=1,
                                   init_scale=above, maxiter=2)
