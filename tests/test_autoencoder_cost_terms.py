"""``SparseAutoencoder.cost_terms`` and ``chainrule gradcheck --sparse-autoencoder``'s
decomposition of J: each term against the UFLDL formulas written out in NumPy."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning

import chainrule as cr
from chainrule.cli import main


def _kl(rho, r):
    return rho * np.log(rho / r) + (1 - rho) * np.log((1 - rho) / (1 - r))


def _terms(W1, b1, W2, b2, X, lam, beta, rho):
    """UFLDL's sparseAutoencoderCost, term by term (row-major: X of shape (m, n))."""
    a2 = expit(X @ W1 + b1)
    a3 = expit(a2 @ W2 + b2)
    rho_hat = a2.mean(axis=0)
    return (0.5 * np.sum((a3 - X) ** 2) / X.shape[0],
            lam / 2 * (np.sum(W1**2) + np.sum(W2**2)),
            beta * np.sum(_kl(rho, rho_hat)), rho_hat)


def test_cost_terms_are_ufldls_terms_and_add_up_to_the_cost():
    rng = np.random.default_rng(3)
    X = rng.uniform(0.1, 0.9, size=(30, 9))
    ae = cr.SparseAutoencoder(4, rho=0.05, beta=2.0, weight_decay=0.01, max_iter=10,
                              random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae.fit(X)
    W1, b1, W2, b2 = [a for lay in ae.network_.layers for a in (lay.W, lay.b)]
    rec, dec, spa, rho_hat = _terms(W1, b1, W2, b2, X, 0.01, 2.0, 0.05)
    t = ae.cost_terms(X)
    assert t.reconstruction == pytest.approx(rec, rel=1e-12)
    assert t.weight_decay == pytest.approx(dec, rel=1e-12)
    assert t.sparsity == pytest.approx(spa, rel=1e-12)
    np.testing.assert_allclose(t.rho_hat, rho_hat, rtol=1e-12)
    assert t.cost == pytest.approx(ae.cost(ae.params, X)[0], rel=1e-12)
    # the settings as they are now, as cost takes them
    ae.set_params(beta=5.0, weight_decay=0.0)
    t = ae.cost_terms(X)
    assert (t.weight_decay, t.beta) == (0.0, 5.0)
    assert t.sparsity == pytest.approx(spa * 5.0 / 2.0, rel=1e-12)
    text = t.summary()
    assert "sparsity penalty" in text and "rho_hat_j is a mean over the examples" in text


def test_gradcheck_of_a_sparse_autoencoder_prints_its_cost_term_by_term(capsys):
    """Before: only "cost J = 50.14...", with nothing saying which term it is made of."""
    assert main(["gradcheck", "--sparse-autoencoder", "--sizes", "9", "4",
                 "--samples", "6"]) == 0
    out = capsys.readouterr().out
    J = float(re.search(r"cost J = ([\d.e+-]+)", out).group(1))
    rec = float(re.search(r"reconstruction error ([\d.e+-]+) \[", out).group(1))
    dec = float(re.search(r"\+ weight decay ([\d.e+-]+) \[", out).group(1))
    spa = float(re.search(r"\+ sparsity penalty ([\d.e+-]+) \[", out).group(1))
    # the check's inputs, redrawn as the command draws them: its generator, seed 0
    # (the inputs first, then UFLDL's initial weights from the same generator)
    rng = np.random.default_rng(0)
    X = rng.uniform(0.1, 0.9, size=(6, 9))
    net = cr.SparseAutoencoder(4, random_state=rng)._build(9)
    W1, b1, W2, b2 = [a for lay in net.layers for a in (lay.W, lay.b)]
    r_rec, r_dec, r_spa, rho_hat = _terms(W1, b1, W2, b2, X, 1e-4, 3.0, 0.01)
    assert J == pytest.approx(r_rec + r_dec + r_spa, rel=1e-12)
    assert (rec, dec, spa) == pytest.approx((r_rec, r_dec, r_spa), rel=1e-5)
    # at the initial weights the units are about half on: the penalty is nearly all of J
    assert r_spa > 0.8 * J
    assert "(the sparsity penalty dominates)" in out
    low, high = re.search(r"hidden units over the 6 examples: ([\d.e+-]+) to ([\d.e+-]+) ",
                          out).groups()
    assert (float(low), float(high)) == pytest.approx((rho_hat.min(), rho_hat.max()),
                                                      rel=1e-3)


def test_gradcheck_of_another_model_prints_no_sparse_terms(capsys):
    assert main(["gradcheck", "--sizes", "3", "4", "2"]) == 0
    assert "sparsity penalty" not in capsys.readouterr().out


def test_gradcheck_counts_one_example_in_the_singular(tmp_path, capsys):
    """Before: "on 1 random inputs in [0.1, 0.9]" and "on 1 normalised 8x8 ... patches"."""
    assert main(["gradcheck", "--sparse-autoencoder", "--sizes", "4", "2",
                 "--samples", "1"]) == 0
    assert "; on 1 random input in [0.1, 0.9]\n" in capsys.readouterr().out
    assert main(["gradcheck", "--sparse-autoencoder", "--sizes", "4", "2",
                 "--samples", "2"]) == 0
    assert "; on 2 random inputs in [0.1, 0.9]\n" in capsys.readouterr().out
    net_file = tmp_path / "net.npz"
    cr.mlp([3, 2]).save(net_file)
    assert main(["gradcheck", "--model", str(net_file), "--samples", "1"]) == 0
    assert "\non 1 random example\n" in capsys.readouterr().out
