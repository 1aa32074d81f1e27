"""``chainrule gradcheck --model sae.npz --data DATA``: a SparseAutoencoder's sparse cost
(reconstruction error, weight decay, KL sparsity penalty) on DATA's rows, its inputs."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy.special import expit

import chainrule as cr
from chainrule.cli import main


def _kl(rho, r):
    return rho * np.log(rho / r) + (1 - rho) * np.log((1 - rho) / (1 - r))


@pytest.fixture
def sae_file(tmp_path):
    rng = np.random.default_rng(0)
    ae = cr.SparseAutoencoder(3, rho=0.1, beta=2.0, weight_decay=0.003, max_iter=15,
                              random_state=0)
    with pytest.warns(Warning):  # stopped by max_iter: any fitted weights do
        ae.fit(rng.uniform(0.05, 0.95, size=(40, 6)))
    ae.save(tmp_path / "sae.npz")
    return tmp_path / "sae.npz"


def test_gradcheck_checks_a_sparse_autoencoder_file_on_the_rows_of_data(sae_file, tmp_path,
                                                                        capsys):
    """Before: refused ("which predicts no target; it is checked on random inputs")."""
    rows = np.random.default_rng(7).uniform(0.1, 0.9, size=(9, 6))
    csv = tmp_path / "rows.csv"
    np.savetxt(csv, rows, delimiter=",", header="a,b,c,d,e,f", comments="")
    assert main(["gradcheck", "--model", str(sae_file), "--data", str(csv),
                 "--samples", "6"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert f"on the first 6 of 9 examples of {csv} (its inputs, as given)" in out
    cost = float(re.search(r"cost J = ([\d.e+-]+)", out).group(1))
    rel = float(re.search(r"relative difference ([\d.e+-]+)", out).group(1))
    # the cost by hand on the first 6 rows, from the file's weights
    ae = cr.load_autoencoder(sae_file)
    W1, b1, W2, b2 = [a for lay in ae.network_.layers for a in (lay.W, lay.b)]
    X = rows[:6]
    A = expit(X @ W1 + b1)
    rho_hat = A.mean(axis=0)
    expected = (0.5 * np.sum((expit(A @ W2 + b2) - X) ** 2) / 6
                + 0.003 / 2 * (np.sum(W1**2) + np.sum(W2**2)) + 2.0 * np.sum(_kl(0.1, rho_hat)))
    assert cost == pytest.approx(expected, rel=1e-12)
    # the library's own check, called directly on the same rows
    direct = cr.gradient_check(ae, X, eps=1e-4, exclude_kinks=True)
    assert direct.cost == pytest.approx(expected, rel=1e-12)
    assert rel == pytest.approx(direct.rel_diff, rel=1e-3)
    assert rel < 1e-7


def test_gradcheck_of_a_sparse_autoencoder_refuses_a_target_and_unreachable_rows(
        sae_file, tmp_path, capsys):
    assert main(["gradcheck", "--model", str(sae_file), "--data", "iris",
                 "--target", "species"]) == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: --target: {sae_file} holds a SparseAutoencoder, which "
        "reconstructs its inputs and predicts no target (got --target 'species'); leave "
        "--target out and give DATA's features alone\n")
    # rows outside the [0, 1] its sigmoid decoder reconstructs, refused as fit refuses them
    wide = tmp_path / "wide.npz"
    np.savez(wide, X=np.linspace(0, 2, 18).reshape(3, 6))
    assert main(["gradcheck", "--model", str(sae_file), "--data", str(wide)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"chainrule: error: --data {wide}: X: with output='sigmoid' the "
                          "data must lie in [0, 1] (it is reconstructed by a sigmoid), got "
                          "values from 0 to 2;")
