"""benchmarks/bench_step_parts.py times the step that training runs, and changes nothing.

Its timed copy of the plain Dense classifier's step (``_TimedStep``) must make the same
calls as ``_training_dense_step._DenseStep``: an epoch trained inside ``timed_parts`` is
compared, bit for bit, with the same epoch trained outside it (the library's own step, the
reference), with and without the repeated calls of ``--again``; the products it times
alone are the products of a training epoch (``np.matmul`` spied on, as
tests/test_benchmarks.py checks the GEMM-only epoch).
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
sys.path.insert(0, BENCH)

import bench_step_parts  # noqa: E402

import chainrule as cr  # noqa: E402
from chainrule import _training_data, _training_loop, _validation_arrays  # noqa: E402
from chainrule._training_dense_step import _DenseStep  # noqa: E402
from chainrule.optimizers import Optimizer  # noqa: E402
from matmul_spy import matmul_products  # noqa: E402

SIZES, N, BATCH = [12, 9, 7, 4], 203, 32  # (a short last batch of 11 rows)


def _data(dtype) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.standard_normal((N, SIZES[0])).astype(dtype), np.arange(N) % SIZES[-1]


def _train(dtype, seed: int = 3) -> tuple[cr.Network, dict]:
    X, y = _data(dtype)
    net = cr.mlp(SIZES, hidden="relu", output="softmax", seed=0, dtype=dtype)
    hist = cr.train(net, X, y, optimizer="sgd", lr=0.1, momentum=0.9, batch_size=BATCH,
                    epochs=2, seed=seed)
    return net, hist


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("again", [False, True])
def test_the_timed_epoch_trains_as_the_librarys_step_to_the_bit(dtype, again):
    plain, plain_hist = _train(dtype)
    with bench_step_parts.timed_parts(again) as parts:
        timed, timed_hist = _train(dtype)
    assert np.array_equal(timed.params, plain.params)
    assert timed_hist["loss"] == plain_hist["loss"]
    for a, b in zip(timed.layers, plain.layers, strict=True):  # the last batch's arrays
        for name in ("X", "Z", "A", "delta"):
            assert np.array_equal(getattr(a, name), getattr(b, name))
    names = {"gather (X and Y rows)", "optimizer step", "guard (finite parameters)",
             "softmax", "cost", "output delta", "finite data check (call start)"}
    names |= {f"{part} {i}" for part in ("forward product", "bias", "weight gradient",
                                         "bias gradient") for i in range(3)}
    names |= {f"{part} {i}" for part in ("activation", "derivative") for i in range(2)}
    names |= {f"input gradient {i}" for i in (1, 2)}
    if again:
        names |= {f"forward product {i} again" for i in range(3)}
        names |= {f"weight gradient {i} again" for i in range(3)}
        names |= {f"activation {i} again" for i in range(2)}
        names |= {f"input gradient {i} again" for i in (1, 2)} | {"softmax again"}
    assert set(parts) == names
    assert all(ns >= 0 for ns in parts.values())


def test_the_library_is_put_back_after_the_block():
    saved = (_training_loop._DenseStep, _validation_arrays.all_finite,
             _training_data._Gather.__call__, Optimizer.step)
    with pytest.raises(RuntimeError, match="left"):
        with bench_step_parts.timed_parts():
            raise RuntimeError("left the block")
    assert (_training_loop._DenseStep, _validation_arrays.all_finite,
            _training_data._Gather.__call__, Optimizer.step) == saved
    assert _training_loop._DenseStep is _DenseStep


def test_the_products_alone_are_a_training_epochs_products(monkeypatch):
    X, y = _data(np.float32)
    net = cr.mlp(SIZES, hidden="relu", output="softmax", seed=0, dtype=np.float32)
    ours = matmul_products(monkeypatch, lambda: cr.train(
        net, X, y, optimizer="sgd", lr=0.1, momentum=0.9, batch_size=BATCH, epochs=1, seed=0))
    alone = bench_step_parts.products_alone(SIZES, BATCH, N)
    spent = {}
    theirs = matmul_products(monkeypatch, lambda: spent.update(alone()))
    assert sorted(theirs) == sorted(ours)
    assert len(ours) == 8 * -(-N // BATCH)  # 3 forward, 3 weight and 2 input gradients
    assert set(spent) == ({f"forward product {i}" for i in range(3)}
                          | {f"weight gradient {i}" for i in range(3)}
                          | {"input gradient 1", "input gradient 2"})
