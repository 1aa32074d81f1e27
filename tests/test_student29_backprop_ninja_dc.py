"""Karpathy's backprop ninja (examples/karpathy_backprop_ninja.py) with chainrule's Embedding
layer: dC, the last line of his exercise 1, is the layer's dW.

References computed here: his loop for dC (each row of demb added into the row of C it
used), and PyTorch autograd through ``C[Xb].view(n, -1)``.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def ninja() -> dict:
    return runpy.run_path(str(EXAMPLES / "karpathy_backprop_ninja.py"))


def test_ninja_dC_is_the_embedding_layers_gradient(ninja: dict) -> None:
    p = ninja["make_problem"]()
    got = ninja["chainrule_grads"](ninja["build"](p), p["Xb"], p["Yb"])
    # his loop: each row of demb = dembcat.view(32, 3, 10) added into the row of C it used
    demb = got["dembcat"].reshape(32, 3, 10)
    dC = np.zeros_like(p["C"])
    for k in range(32):
        for j in range(3):
            dC[p["Xb"][k, j]] += demb[k, j]
    np.testing.assert_allclose(got["dC"], dC, rtol=1e-13, atol=1e-17)
    assert np.count_nonzero(dC.any(axis=1)) == len(np.unique(p["Xb"]))  # unused rows: 0
    np.testing.assert_allclose(ninja["ninja"](p)["dC"], dC, rtol=1e-12, atol=1e-17)


def test_ninja_dC_equals_torch_autograd(ninja: dict) -> None:
    torch = pytest.importorskip("torch")
    p = ninja["make_problem"]()
    got = ninja["chainrule_grads"](ninja["build"](p), p["Xb"], p["Yb"])
    t = {k: torch.tensor(p[k], requires_grad=True)
         for k in ("C", "W1", "b1", "W2", "b2", "bngain", "bnbias")}
    hprebn = t["C"][torch.tensor(p["Xb"])].view(32, -1) @ t["W1"] + t["b1"]
    bnraw = (hprebn - hprebn.mean(0)) / torch.sqrt(hprebn.var(0, unbiased=False) + 1e-5)
    h = torch.tanh(t["bngain"] * bnraw + t["bnbias"])
    torch.nn.functional.cross_entropy(h @ t["W2"] + t["b2"], torch.tensor(p["Yb"])).backward()
    np.testing.assert_allclose(got["dC"], t["C"].grad.numpy(), rtol=1e-12, atol=1e-17)
