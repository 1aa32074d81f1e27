"""``max_time`` of the SciPy solvers: ``chainrule.minimize`` and ``train --optimizer lbfgs``.

The clock is ``chainrule.scipy_fit._clock``, patched here to advance one second at
each reading, so that no test depends on the machine's speed.  The reference of a
run stopped by the budget after iteration k is the run stopped there by its
iteration limit (``maxiter=k``, ``--epochs k``) from the same weights.
"""

from __future__ import annotations

import csv
import itertools

import numpy as np
import pytest

import chainrule as cr
import chainrule.scipy_fit as scipy_fit
from chainrule.cli import main
from chainrule.io import load_metadata


def _ticking(monkeypatch) -> None:
    """Make each reading of the solvers' clock one second later than the one before."""
    ticks = itertools.count()
    monkeypatch.setattr(scipy_fit, "_clock", lambda: float(next(ticks)))


def _problem():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)
    net = cr.mlp([3, 5, 2], output="softmax", seed=4)
    return net, X, y


@pytest.mark.parametrize("method", ["L-BFGS-B", "CG"])
def test_max_time_stops_at_the_iterate_maxiter_would_keep(monkeypatch, method):
    net, X, y = _problem()
    ref = net.copy()
    expected = cr.minimize(ref, X, y, method=method, maxiter=3)
    assert expected.nit == 3 and not expected.timed_out
    _ticking(monkeypatch)
    # the deadline is read at 0 and set at 3; iterations 1, 2, 3 read 1, 2, 3: the third stops
    result = cr.minimize(net, X, y, method=method, maxiter=50, max_time=3)
    assert result.timed_out and not result.success
    assert result.message == "stopped: max_time = 3 s spent"
    assert result.nit == 3 and len(result.loss_curve) == 3
    np.testing.assert_allclose(result.loss_curve, expected.loss_curve, rtol=1e-12)
    np.testing.assert_allclose(net.params, ref.params, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(result.x, ref.params, rtol=1e-12, atol=1e-15)
    # the cost of the iterate the network keeps is the last one recorded
    J, _ = net.loss_and_grad(X, y)
    np.testing.assert_allclose(J, result.loss_curve[-1], rtol=1e-12)


def test_max_time_spent_at_the_last_iteration_stops_nothing(monkeypatch):
    net, X, y = _problem()
    ref = net.copy()
    expected = cr.minimize(ref, X, y, maxiter=3)
    _ticking(monkeypatch)
    result = cr.minimize(net, X, y, maxiter=3, max_time=3)
    assert not result.timed_out
    assert result.status == expected.status and result.message == expected.message
    np.testing.assert_allclose(net.params, ref.params, rtol=1e-12, atol=1e-15)


def test_max_time_verbose_line_says_why(monkeypatch, capsys):
    net, X, y = _problem()
    _ticking(monkeypatch)
    result = cr.minimize(net, X, y, maxiter=50, max_time=2, verbose=1)
    assert capsys.readouterr().out == (
        f"L-BFGS-B: stopped: max_time = 2 s spent after 2 iterations, J={result.fun:.6g}\n")


def test_no_max_time_reads_no_clock(monkeypatch):
    def clock():
        raise AssertionError("the clock was read without max_time")

    monkeypatch.setattr(scipy_fit, "_clock", clock)
    net, X, y = _problem()
    assert not cr.minimize(net, X, y, maxiter=5).timed_out


@pytest.mark.parametrize("bad, error, text", [
    (0, ValueError, "max_time"), (-1.0, ValueError, "max_time"),
    (float("nan"), ValueError, "max_time"), ("5", TypeError, "max_time"),
])
def test_max_time_is_checked(bad, error, text):
    net, X, y = _problem()
    before = net.params.copy()
    with pytest.raises(error, match=text):
        cr.minimize(net, X, y, max_time=bad)
    np.testing.assert_array_equal(net.params, before)


@pytest.fixture()
def blobs(tmp_path):
    rng = np.random.default_rng(8)
    centres = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    X = np.round(np.concatenate([c + rng.normal(size=(15, 2)) for c in centres]), 6)
    y = np.repeat(["a", "b", "c"], 15)
    path = tmp_path / "data.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["f1", "f2", "kind"])
        writer.writerows([[f"{a:.6f}", f"{b:.6f}", c] for (a, b), c in zip(X, y, strict=True)])
    return path


def test_cli_lbfgs_max_time_writes_the_last_iterate(blobs, tmp_path, monkeypatch, capsys):
    """``--max-time`` was refused with lbfgs; it now stops L-BFGS after the iteration in
    which it is spent, writes that iterate's model (a run of L-BFGS has no checkpoint to
    continue) and exits with status 3, as a mini-batch run stopped by it does."""
    ref = tmp_path / "ref.npz"
    assert main(["train", str(blobs), "--optimizer", "lbfgs", "--epochs", "2", "-q",
                 "--seed", "1", "-o", str(ref)]) == 0
    capsys.readouterr()
    _ticking(monkeypatch)
    out = tmp_path / "m.npz"
    assert main(["train", str(blobs), "--optimizer", "lbfgs", "--epochs", "40", "-q",
                 "--seed", "1", "--max-time", "2", "-o", str(out)]) == 3
    err = capsys.readouterr().err
    assert (f"chainrule train: --max-time 2 s spent after iteration 2 of 40; {out} holds "
            "the last iterate") in err
    assert "without converging" not in err
    np.testing.assert_allclose(cr.load_model(out).network.params,
                               cr.load_model(ref).network.params, rtol=1e-12, atol=1e-15)
    t, t_ref = load_metadata(out)["training"], load_metadata(ref)["training"]
    assert t["stop_reason"] == "max_time" and t["epochs"] == 2
    np.testing.assert_allclose(load_metadata(out)["history"]["loss"],
                               load_metadata(ref)["history"]["loss"], rtol=1e-12)
    assert t_ref["stop_reason"] == "epochs"
