"""``chainrule info sae.npz``: a SparseAutoencoder's final cost and ``rho_hat`` on its
training data, which its file holds (``loss_``, ``mean_activation_``) and info did not
show, against the UFLDL formulas written in NumPy on the file's weights."""

from __future__ import annotations

import json
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


def test_info_shows_a_sparse_autoencoders_final_cost_and_rho_hat(tmp_path, capsys):
    X = np.random.default_rng(4).uniform(0.1, 0.9, size=(40, 9))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cr.SparseAutoencoder(4, rho=0.05, beta=2.0, weight_decay=1e-3, max_iter=20,
                             random_state=0).fit(X).save(tmp_path / "sae.npz")
    ae = cr.load_autoencoder(tmp_path / "sae.npz")
    W1, b1, W2, b2 = [a for lay in ae.network_.layers for a in (lay.W, lay.b)]
    A = expit(X @ W1 + b1)
    rho_hat = A.mean(axis=0)
    J = (0.5 * np.sum((expit(A @ W2 + b2) - X) ** 2) / 40
         + 1e-3 / 2 * (np.sum(W1**2) + np.sum(W2**2)) + 2.0 * np.sum(_kl(0.05, rho_hat)))

    assert main(["info", str(tmp_path / "sae.npz")]) == 0
    out = capsys.readouterr().out
    cost = float(re.search(r"final cost: J = ([\d.e+-]+) on its training data", out).group(1))
    assert cost == pytest.approx(J, rel=1e-5)  # printed to 6 digits
    low, high, mean = map(float, re.search(
        r"rho_hat of the 4 hidden units on its training data: ([\d.e+-]+) to ([\d.e+-]+) "
        r"\(their mean ([\d.e+-]+)\), against rho = 0.05", out).groups())
    assert (low, high, mean) == pytest.approx(
        (rho_hat.min(), rho_hat.max(), rho_hat.mean()), rel=1e-3)

    assert main(["info", str(tmp_path / "sae.npz"), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["loss_"] == pytest.approx(J, rel=1e-12)
    np.testing.assert_allclose(record["mean_activation_"], rho_hat, rtol=1e-12)


def test_info_of_another_estimator_shows_no_sparse_lines(tmp_path, capsys):
    X = np.random.default_rng(5).uniform(size=(20, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cr.SoftmaxRegression(max_iter=3).fit(X, np.arange(20) % 2).save(tmp_path / "s.npz")
    assert main(["info", str(tmp_path / "s.npz")]) == 0
    out = capsys.readouterr().out
    assert "rho_hat" not in out and "final cost" not in out
