"""benchmarks/bench_fullbatch_floor.py times the products a full-batch call makes, and
bench_overheads.py --only ab-fullbatch-mnist needs its --base (issue 4's (3); timings not
tested)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
sys.path.insert(0, BENCH)

import bench_fullbatch_floor  # noqa: E402
import bench_mlp  # noqa: E402

from matmul_spy import matmul_products  # noqa: E402

SIZES = [12, 9, 7, 4]


def test_the_products_alone_are_those_of_chainrules_full_batch_call(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.random((150, SIZES[0]), dtype=np.float32)
    y = np.arange(150) % SIZES[-1]
    net = bench_mlp.chainrule_net(SIZES, X.dtype)
    fun = bench_mlp.chainrule_objective(net, X, y)
    theta = net.params.astype(np.float64)
    ours = matmul_products(monkeypatch, lambda: fun(theta))
    alone = matmul_products(monkeypatch, bench_fullbatch_floor.products_alone(SIZES, X))
    assert sorted(alone) == sorted(ours)
    # 3 forward, 3 weight-gradient and 2 input-gradient products (none for the inputs)
    assert len(alone) == 8 and ((150, 9), (9, 12)) not in alone


def test_the_scripts_refuse_a_bad_count_and_a_missing_base():
    for script, args, message in (
            ("bench_fullbatch_floor.py", ["--repeats", "0"],
             "argument --repeats: expected a positive integer, got '0'"),
            ("bench_overheads.py", ["--only", "ab-fullbatch-mnist"],
             "--only ab-fullbatch-mnist needs --base")):
        proc = subprocess.run([sys.executable, os.path.join(BENCH, script), *args],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2
        assert message in proc.stderr and "Traceback" not in proc.stderr
