"""chainrule.train's fixed cost per epoch cut without changing a number or a behaviour.

Guards of the overhead2 work (benchmarks/bench_overheads.py, ``--only small_net``): a run
with nothing between its epochs (no callback, validation data or checkpoint) enters the
loop's blocks (NumPy's warnings off, the layers' reused buffers) once per call instead of
once per epoch; a run with something there still leaves them between epochs; and the
parameters of Mazur's 2-2-2 network after a few SGD-momentum steps are those of the same
steps written in plain NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

import chainrule as cr
from chainrule import _network_workspace
from mazur_net import B1, B2, W1, W2, X, Y, mazur_network

_network = mazur_network


@pytest.fixture
def entries(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the training loop entered the layers' buffers (the workspace)."""
    count = [0]
    enter = _network_workspace._Workspace.__enter__

    def counted(self):
        count[0] += 1
        return enter(self)

    monkeypatch.setattr(_network_workspace._Workspace, "__enter__", counted)
    return count


def test_plain_run_enters_its_blocks_once(entries):
    cr.train(_network(), X, Y, optimizer=cr.SGD(lr=0.5, momentum=0.9), batch_size=1,
             epochs=6)
    assert entries[0] == 1


@pytest.mark.parametrize("extra", [
    {"callbacks": [lambda state: None]},
    {"validation_data": (X, Y)},
    {"diagnostics": True},
    {"schedule": "step"},
])
def test_run_with_work_between_epochs_enters_them_per_epoch(entries, extra):
    cr.train(_network(), X, Y, optimizer=cr.SGD(lr=0.5, momentum=0.9), batch_size=1,
             epochs=6, **extra)
    assert entries[0] == 6


def test_epoch_callback_sees_warnings_on_and_no_reused_buffers():
    seen = []

    def look(state):
        seen.append((np.geterr()["over"], [layer._work for layer in state.net.layers]))

    with np.errstate(over="warn", invalid="warn"):
        cr.train(_network(), X, Y, optimizer=cr.SGD(lr=0.5, momentum=0.9), batch_size=1,
                 epochs=3, callbacks=[look])
    assert seen == [("warn", [None, None])] * 3


def test_plain_run_leaves_warnings_and_buffers_as_it_found_them():
    net = _network()
    with np.errstate(over="raise", invalid="warn"):
        cr.train(net, X, Y, optimizer=cr.SGD(lr=0.5, momentum=0.9), batch_size=1, epochs=4)
        assert np.geterr()["over"] == "raise" and np.geterr()["invalid"] == "warn"
    assert [layer._work for layer in net.layers] == [None, None]


def test_mazur_sgd_momentum_steps_match_numpy():
    net = _network()
    cr.train(net, X, Y, optimizer=cr.SGD(lr=0.5, momentum=0.9), batch_size=1, epochs=5)
    theta = [W1.copy(), B1.copy(), W2.copy(), B2.copy()]
    velocity = [np.zeros_like(p) for p in theta]
    for _ in range(5):  # v <- 0.9 v + g;  p <- p - 0.5 v
        w1, b1, w2, b2 = theta
        a1 = expit(X @ w1 + b1)
        a2 = expit(a1 @ w2 + b2)
        delta2 = (a2 - Y) * a2 * (1.0 - a2)
        delta1 = (delta2 @ w2.T) * a1 * (1.0 - a1)
        grads = [X.T @ delta1, delta1.sum(axis=0), a1.T @ delta2, delta2.sum(axis=0)]
        for p, g, v in zip(theta, grads, velocity, strict=True):
            v *= 0.9
            v += g
            p -= 0.5 * v
    np.testing.assert_allclose(net.params, np.concatenate([p.ravel() for p in theta]),
                               rtol=1e-13, atol=1e-15)
