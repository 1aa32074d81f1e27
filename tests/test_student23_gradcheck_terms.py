"""``chainrule gradcheck`` prints a network's ``J`` term by term when weight decay is set.

Reference: the penalty from the saved network's weights by NumPy, ``(lambda/2) sum W^2``
(``decay="ufldl"``) or ``lambda/(2m) sum W^2`` (``decay="per_sample"``, deeplearning.ai's
and Ng's ex4's convention); the data term is then ``J - penalty`` of the printed ``J``.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main


@pytest.mark.parametrize("decay", ["ufldl", "per_sample"])
def test_gradcheck_prints_a_networks_cost_term_by_term(tmp_path, capsys, decay):
    net = cr.mlp([3, 4, 2], hidden="tanh", output="softmax", seed=3, weight_decay=0.5,
                 decay=decay)
    path = tmp_path / "net.npz"
    net.save(path)
    assert main(["gradcheck", "--model", str(path), "--samples", "4"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("cost J = "))
    J = float(lines[i].split()[3])
    # the penalty from the saved weights, by NumPy: (lambda/2) sum W^2, / m per sample
    sum_w2 = np.sum(net.layers[0].W ** 2) + np.sum(net.layers[1].W ** 2)
    penalty = 0.25 * sum_w2 / (4 if decay == "per_sample" else 1)
    assert lines[i + 1].startswith(f"J = {J:.6g} = data term {J - penalty:.6g} [(1/m) sum_i "
                                   "-sum_j y_ij log a_ij (cross_entropy); m = 4]")
    formula = ('(lambda/(2 m)) sum W^2, decay="per_sample"; lambda = 0.5, m = 4'
               if decay == "per_sample" else '(lambda/2) sum W^2, decay="ufldl"; lambda = 0.5')
    assert lines[i + 2] == f"    + weight decay {penalty:.6g} [{formula}]"
    share = 100 * penalty / J
    assert lines[i + 3] == (f"shares of J: data term {100 - share:.3g}%, weight decay "
                            f"{share:.3g}%")
    assert lines[i + 4] == "decayed: layers[0].W, layers[1].W (biases never)"
    assert lines[i + 5].startswith("gradient check over ")


def test_gradcheck_without_weight_decay_prints_no_terms(capsys):
    assert main(["gradcheck", "--sizes", "3", "4", "2", "--weight-decay", "0"]) == 0
    out = capsys.readouterr().out
    assert "data term" not in out and "weight decay [" not in out
    assert main(["gradcheck", "--sizes", "3", "4", "2"]) == 0  # default lambda = 0.1
    assert "+ weight decay " in capsys.readouterr().out
