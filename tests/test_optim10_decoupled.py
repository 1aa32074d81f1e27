"""``chainrule train --optimizer nadam|radam --decoupled-decay WD``: PyTorch's
``NAdam``/``RAdam(weight_decay=WD, decoupled_weight_decay=True)``, as ``--decoupled-decay``
is AdamW's ``weight_decay`` (``--weight-decay`` stays the network's L2 term, their
``weight_decay`` without the flag); recorded, and refused by ``--resume`` when changed.

Reference: ``torch.optim.NAdam`` and ``torch.optim.RAdam`` themselves (skipped without
torch), stepping full batch in float64 from the network's seeded initial weights, the
weights in a group decayed and the biases in one not (as chainrule decays weights only).
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
import optim7_checks as checks
from chainrule.cli_args import optimizer_settings

_RULES = {"nadam": "NAdam", "radam": "RAdam"}


def _torchs(rule, wd, **kw):
    """``hand(w, grad, lr, steps)`` of :func:`optim7_checks.cli_is_the_rule`: torch's
    ``rule`` with ``decoupled_weight_decay=True`` on the flat vector, its weights' entries
    (those chainrule decays) in a group of ``weight_decay=wd``, the biases' in one of 0."""
    torch = pytest.importorskip("torch")

    def hand(w, grad, lr, steps):
        net = cr.mlp([2, 3, 1], hidden="relu", output="sigmoid", seed=2)
        decayed = np.zeros(net.n_params, bool)
        for sl in net._decay_slices:
            decayed[sl] = True
        pw = torch.nn.Parameter(torch.from_numpy(w[decayed].copy()))
        pb = torch.nn.Parameter(torch.from_numpy(w[~decayed].copy()))
        opt = getattr(torch.optim, rule)(
            [{"params": [pw], "weight_decay": wd}, {"params": [pb], "weight_decay": 0.0}],
            lr=lr, decoupled_weight_decay=True, **kw)
        # NAdam's mu_product, a tensor of torch's default dtype: float64 as the weights
        with checks.torch_default_dtype(torch, np.float64):
            for _ in range(steps):
                flat = w.copy()
                flat[decayed], flat[~decayed] = pw.detach().numpy(), pb.detach().numpy()
                g = grad(flat)
                pw.grad, pb.grad = torch.from_numpy(g[decayed]), torch.from_numpy(g[~decayed])
                opt.step()
        w = w.copy()
        w[decayed], w[~decayed] = pw.detach().numpy(), pb.detach().numpy()
        return w
    return hand


@pytest.mark.parametrize("name, extra, rule, wd, kw", [
    ("nadam", ["--decoupled-decay", "0.3"], "NAdam", 0.3, {}),
    ("nadam", ["--decoupled-decay", "2", "--momentum-decay", "0.05"], "NAdam", 2.0,
     {"momentum_decay": 0.05}),
    ("radam", ["--decoupled-decay", "0.3"], "RAdam", 0.3, {}),
    ("radam", ["--decoupled-decay", "2"], "RAdam", 2.0, {}),
])
def test_fifty_steps_are_torchs_decoupled_rule(tmp_path, name, extra, rule, wd, kw):
    meta = checks.cli_is_the_rule(tmp_path, name, _torchs(rule, wd, **kw), extra=extra,
                                  lr=0.05, epochs=50)
    assert meta["training"]["decoupled_decay"] == wd


@pytest.mark.parametrize("name", ["nadam", "radam"])
def test_the_decay_changes_the_steps(tmp_path, name):
    """Without the decay (torch's rule with weight_decay 0) the run is another: the option
    is not ignored."""
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        checks.cli_is_the_rule(tmp_path, name, _torchs(_RULES[name], 0.0),
                               extra=["--decoupled-decay", "0.3"], lr=0.05, epochs=50)


@pytest.mark.parametrize("name", ["nadam", "radam"])
def test_settings_of_nadam_and_radam(name):
    """0 is no decay (recorded as not given, a run from before the option); AdamW's
    default 0.01 is no default of theirs."""
    assert optimizer_settings(name, None, None, decoupled_decay=0.0)["decoupled_decay"] is None
    assert optimizer_settings(name, None, None, decoupled_decay=0.01)["decoupled_decay"] == 0.01
    assert optimizer_settings("adamw", None, None, decoupled_decay=0.01)["decoupled_decay"] is None
    with pytest.raises(ValueError, match=r"--decoupled-decay 0\.1: a setting of adamw, nadam "
                       "and radam, which --optimizer adam does not take"):
        optimizer_settings("adam", None, None, decoupled_decay=0.1)
