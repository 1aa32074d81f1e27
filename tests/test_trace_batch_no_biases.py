"""A mini-batch trace of a network without biases says so beside each matrix, as the
one-example trace does: example B (SPEC 10 B) with a second example."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.cli import main

H = np.array([[1.0, 2.0], [1.0, 1.0]])  # (fan_in, fan_out): h1 = [1, 1], h2 = [2, 1]
O = np.array([[2.0, 1.0], [1.0, 0.0]])  # o1 = [2, 1], o2 = [1, 0]
X = np.array([[1.0, 1.0], [1.0, 0.0]])
Y = np.array([[290.0, 14.0], [5.0, 5.0]])


def _mean_gradients() -> tuple[np.ndarray, np.ndarray]:
    """NumPy: square units, no biases, E = 1/2 sum (o - t)^2, the mean over the examples."""
    gH, gO = np.zeros_like(H), np.zeros_like(O)
    for x, y in zip(X, Y, strict=True):
        zh = x @ H
        ah = zh**2
        zo = ah @ O
        do = (zo**2 - y) * 2 * zo
        dh = (O @ do) * 2 * zh
        gH += np.outer(x, dh) / len(X)
        gO += np.outer(ah, do) / len(X)
    return gH, gO


@pytest.mark.parametrize(("notation", "tail"), [("transfer", "(square, no biases: row 0 "
                                                 "stays 0)"), ("ufldl", "(square, no biases)")])
def test_a_batch_without_biases_says_so(notation, tail, capsys):
    args = ["trace", "--weights", "[[[1,1],[2,1]],[[2,1],[1,0]]]", "--layout", "ufldl",
            "--activation", "square", "--input", "1", "1", "--input", "1", "0", "--target",
            "290", "14", "--target", "5", "5", "--lr", "0.5", "--notation", notation]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.count(tail) == 2  # both layers
    gH, gO = _mean_gradients()
    if notation == "transfer":  # row 0: no bias, 0
        assert f"dJ/dW0 = (1/m) sum_i dE_i/dW0 = [[0, 0], [{gH[0, 0]:g}, {gH[0, 1]:g}], " \
               f"[{gH[1, 0]:g}, {gH[1, 1]:g}]]" in out
    else:  # W^(1) is (fan_out, fan_in)
        assert f"grad_W^(2) J = (1/m) sum_i grad_W^(2) E_i = [[{gO[0, 0]:g}, {gO[1, 0]:g}], " \
               f"[{gO[0, 1]:g}, {gO[1, 1]:g}]]" in out
