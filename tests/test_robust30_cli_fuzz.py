"""A structured, seeded fuzz of the command line's option values (robust30).

Every value-taking option of train, evaluate, importance, predict, info, plot, trace,
trace-conv, gradcheck, hessian and perceptron (read from ``build_parser()``, so that a
new option is fuzzed too) is given values of the wrong kinds -- nan, inf, -inf, -1, 0,
1e308, 1e-320, '', 'abc', a 30-digit integer, a list ('1,2', '[1, 2]'), an unknown
choice, a missing path, a directory, a CSV where a model is expected and a model where a
CSV is expected -- on small real inputs (a model trained here on iris with --epochs 2, a
40-row CSV).  A seeded draw of CHUNKS x PER_CHUNK (command, option, value) runs, each in a
forked child (a hang is a failure after LIMIT_S), must end with exit 0 (a legal value),
or exit 2 and a stderr that names the option (or, for a positional, the word MODEL/DATA,
model/data, or the value given), with no Python traceback, and no file written or
changed.  Two exit-1 outcomes are the commands' own verdicts: a training run that
diverged (its line names the option to change) and gradcheck's "FAIL" (the check ran).

The wider scratch run (every option x every value, 17 commands) found the classes fixed
with their own tests: test_robust30_n_jobs.py, test_robust30_too_large.py,
test_robust30_weight_decay_diverged.py.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import time
import traceback

import numpy as np
import pytest

from chainrule.cli import build_parser, main

VALUES = ["nan", "inf", "-inf", "-1", "0", "1e308", "1e-320", "", "abc", "1" * 30,
          "1,2", "[1, 2]", "bogus-choice", "@missing", "@dir", "@csv", "@model"]
# a legal count that runs as long as it says (a 30-digit number of epochs): no hang to find
LONG = {"epochs", "lr_steps"}
CHUNKS = 8
PER_CHUNK = 6
LIMIT_S = 60.0


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("robust30")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    csv = root / "tiny.csv"
    csv.write_text("a,b,c,y\n" + "".join(
        ",".join(f"{v:.4f}" for v in row) + f",{t}\n" for row, t in zip(X, y, strict=True)))
    (root / "adir").mkdir()
    status, err, _ = _run(["train", "iris", "--epochs", "2", "-o", str(root / "model.npz")],
                          str(root))
    assert status == 0, err
    _warm(root)
    return {"root": root}


def _warm(root: object) -> None:
    """Each command run once in this process, so that the forked children start with
    the modules it imports (each child would import them again: seconds a run)."""
    import contextlib
    import io

    run = root.parent / f"{root.name}-warm"
    shutil.copytree(root, run / "in")
    fx = {"@model": str(run / "in" / "model.npz"), "@csv": str(run / "in" / "tiny.csv")}
    cwd = os.getcwd()
    os.chdir(run)
    try:
        for argv in _commands(fx).values():
            with contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()):
                assert main(argv) in (0, 1)
    finally:
        os.chdir(cwd)


def _commands(fx: dict) -> dict:
    m = fx["@model"]
    return {"train": ["train", "iris", "--epochs", "1", "--hidden", "3", "-o", "out.npz"],
            "evaluate": ["evaluate", m, "iris"],
            "importance": ["importance", m, "iris", "--repeats", "1"],
            "predict": ["predict", m, "iris", "-o", "pred.csv"],
            "info": ["info", m],
            "plot": ["plot", "loss", m, "-o", "p.png"],
            "trace": ["trace"],
            "trace-conv": ["trace-conv", "--input", "[[1,2,3],[4,5,6],[7,8,9]]",
                           "--kernel", "[[1,0],[0,-1]]"],
            "gradcheck": ["gradcheck", "--sizes", "2", "3", "2", "--samples", "2"],
            "hessian": ["hessian", m, "iris"],
            "perceptron": ["perceptron", "--n", "2"]}


def _draws() -> list[tuple[str, str, str]]:
    """The seeded (command, option dest, value) runs: every option's, shuffled."""
    sub = next(a for a in build_parser()._actions
               if isinstance(a, argparse._SubParsersAction))
    runs = [(c, a.dest, v) for c in _commands({"@model": "m", "@csv": "c"})
            for a in sub.choices[c]._actions
            if a.nargs != 0 and not isinstance(a, argparse._HelpAction)
            for v in VALUES if not (a.dest in LONG and v == "1" * 30)]
    order = np.random.default_rng(30).permutation(len(runs))
    return [runs[i] for i in order[:CHUNKS * PER_CHUNK]]


def _action(command: str, dest: str) -> argparse.Action:
    sub = next(a for a in build_parser()._actions
               if isinstance(a, argparse._SubParsersAction))
    return next(a for a in sub.choices[command]._actions if a.dest == dest)


def _with(base: list, action: argparse.Action, value: str) -> list:
    """``base`` with ``action`` given ``value`` (in place of its value there)."""
    argv = list(base)
    if not action.option_strings:  # a positional: its place in base
        place = {"kind": 1, "model": 2 if base[0] == "plot" else 1,
                 "data": {"plot": 3, "train": 1}.get(base[0], 2)}[action.dest]
        if place >= len(argv) or argv[place].startswith("-"):  # plot loss MODEL -o: DATA
            argv.insert(place, value)
        else:
            argv[place] = value
        return argv
    for flag in action.option_strings:
        if flag in argv:
            j = k = argv.index(flag)
            k += 1
            while k < len(argv) and not argv[k].startswith("-"):
                k += 1
            argv[j:k] = [flag, value]
            return argv
    n = action.nargs if isinstance(action.nargs, int) else 1
    return [*argv, action.option_strings[-1], *[value] * n]


def _run(argv: list, cwd: str) -> tuple[int, str, bool]:
    """``chainrule ARGV`` in a forked child in ``cwd``: (status, stderr, timed out);
    99: an exception escaped main."""
    err_path = os.path.join(cwd, "..", f"stderr-{os.getpid()}-{time.monotonic_ns()}")
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 98
        try:
            os.chdir(cwd)
            null = os.open(os.devnull, os.O_RDWR)
            err = os.open(err_path, os.O_WRONLY | os.O_CREAT)
            os.dup2(null, 0)
            os.dup2(null, 1)
            os.dup2(err, 2)
            sys.stdout = open(1, "w", closefd=False)
            sys.stderr = open(2, "w", closefd=False)
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else 2
            except BaseException:
                traceback.print_exc()
                code = 99
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    start = time.monotonic()
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - start > LIMIT_S:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return -9, "", True
        time.sleep(0.002)
    with open(err_path) as fh:
        text = fh.read()
    os.remove(err_path)
    return os.waitstatus_to_exitcode(status), text, False


def _files(folder: str) -> dict:
    found = {}
    for d, _, names in os.walk(folder):
        for n in names:
            with open(os.path.join(d, n), "rb") as fh:
                found[os.path.relpath(os.path.join(d, n), folder)] = fh.read()
    return found


def _verdict(action: argparse.Action, value: str, status: int, err: str) -> str | None:
    """None where the run passes, else what went wrong."""
    if "Traceback" in err or status == 99:
        return "a traceback"
    if status == 0:
        return None
    if status == 1 and (err == "" or "training diverged" in err):
        # gradcheck's FAIL (its verdict, on stdout) or a divergence naming what to change
        return None if err == "" or "--" in err else "a divergence naming no option"
    if status != 2:
        return f"exit {status}"
    lines = [line for line in err.splitlines() if "error:" in line]  # not the usage
    err = lines[-1] if lines else err
    names = [*action.option_strings, action.dest, action.dest.upper(), action.metavar]
    if not any(n and n in err for n in names) and not (value and value in err):
        return "no option named"
    return None


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_option_values_refused_cleanly(inputs: dict, tmp_path, chunk: int) -> None:
    root = inputs["root"]
    failures = []
    for command, dest, v in _draws()[chunk * PER_CHUNK:(chunk + 1) * PER_CHUNK]:
        run = tmp_path / f"run-{command}-{dest}-{VALUES.index(v)}"
        shutil.copytree(root, run / "in", ignore=shutil.ignore_patterns("stderr-*"))
        fx = {"@model": str(run / "in" / "model.npz"), "@csv": str(run / "in" / "tiny.csv"),
              "@dir": str(run / "in" / "adir"), "@missing": str(root / "no" / "such.csv")}
        action = _action(command, dest)
        value = fx.get(v, v)
        argv = _with(_commands(fx)[command], action, value)
        before = _files(str(run))
        status, err, hung = _run(argv, str(run))
        after = _files(str(run))
        bad = "a hang" if hung else _verdict(action, value, status, err)
        if not bad and status != 0 and before != after:
            bad = "a file written or changed: " + ", ".join(
                sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)))
        if bad:
            failures.append(f"{' '.join(argv)} -> {status}, {bad}: {err.strip()[-300:]}")
    assert not failures, "\n".join(failures)
