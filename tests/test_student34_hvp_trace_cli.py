"""chainrule trace --hvp V: the R-operator's trace from the command line; its H v checked
against chainrule.hessian_vector_product and a plain-NumPy central difference of the
gradient along v (Mazur's 2-2-2 sigmoid network, tests/mazur_net.py)."""

from __future__ import annotations

import json

import numpy as np

import chainrule as cr
from chainrule.cli import main
from mazur_net import B1, B2, W1, W2, X, Y, mazur_network

MAZUR = ["trace", "--weights", json.dumps([W1.tolist(), W2.tolist()]), "--layout", "chainrule",
         "--biases", json.dumps([B1.tolist(), B2.tolist()]), "--activation", "sigmoid",
         "--loss", "squared_error", "--input", "0.05", "0.1", "--target", "0.01", "0.99"]


def _grad(theta):
    """Plain NumPy gradient of Mazur's cost sum (a - y)^2 / 2 at the flat params theta."""
    w1, b1 = theta[:4].reshape(2, 2), theta[4:6]
    w2, b2 = theta[6:10].reshape(2, 2), theta[10:]
    a1 = 1 / (1 + np.exp(-(X @ w1 + b1)))
    a2 = 1 / (1 + np.exp(-(a1 @ w2 + b2)))
    d2 = (a2 - Y) * a2 * (1 - a2)
    d1 = (d2 @ w2.T) * a1 * (1 - a1)
    return np.concatenate([(X.T @ d1).ravel(), d1.sum(0), (a1.T @ d2).ravel(), d2.sum(0)])


def test_cli_hvp_json_matches_hessian_vector_product(tmp_path, capsys):
    v = np.linspace(1.0, -1.0, 12)
    vfile = tmp_path / "v.json"
    vfile.write_text(json.dumps(v.tolist()))
    assert main([*MAZUR, "--hvp", str(vfile), "--format", "json"]) == 0
    hv = np.array(json.loads(capsys.readouterr().out)["hv"])
    net = mazur_network()
    np.testing.assert_allclose(hv, cr.hessian_vector_product(net, X, Y, v), rtol=0, atol=1e-14)
    h = 1e-5  # central difference of the gradient along v: O(h^2) ~ 1e-10
    fd = (_grad(net.params + h * v) - _grad(net.params - h * v)) / (2 * h)
    np.testing.assert_allclose(hv, fd, rtol=0, atol=1e-9)


def test_cli_hvp_text_and_refusals(capsys):
    assert main([*MAZUR, "--hvp", "random", "--digits", "4"]) == 0
    out = capsys.readouterr().out
    assert "3. R-forward pass" in out and "R{delta1} = (R{delta2} W2^T" in out
    assert main([*MAZUR, "--hvp", "[1, 2]"]) == 2
    assert "--hvp: expected 12 numbers" in capsys.readouterr().err
