"""Fixed costs a user pays whatever the data: importing, starting the command line.

* ``import``: ``import chainrule`` in a fresh interpreter, as ``python -X
  importtime`` counts it (cumulative microseconds of the ``chainrule`` line),
  and the wall time of ``chainrule --version``, ``chainrule --help`` and
  ``chainrule trace --preset transfer-example`` (each a fresh process).

Each figure is the median of ``--reps`` runs, the commands taking turns.

    python benchmarks/bench_overheads.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "chainrule --version": ["--version"],
    "chainrule --help": ["--help"],
    "chainrule trace --preset transfer-example": ["trace", "--preset", "transfer-example"],
}


def _import_ms(env: dict) -> float:
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import chainrule"],
                         env=env, capture_output=True, text=True, check=True).stderr
    line = [row for row in err.splitlines() if row.rstrip().endswith("| chainrule")][-1]
    return int(line.split("|")[1]) / 1e3


def _command_ms(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "chainrule", *args], env=env, capture_output=True,
                   check=True)
    return (time.perf_counter() - start) * 1e3


def imports(reps: int) -> dict[str, float]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    times: dict[str, list[float]] = {"import chainrule (importtime)": []}
    times.update({name: [] for name in COMMANDS})
    for _ in range(reps):
        times["import chainrule (importtime)"].append(_import_ms(env))
        for name, args in COMMANDS.items():
            times[name].append(_command_ms(args, env))
    return {name: statistics.median(ts) for name, ts in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    print(f"fresh processes, median of {args.reps}")
    for name, ms in imports(args.reps).items():
        print(f"  {name:<44} {ms:7.0f} ms")


if __name__ == "__main__":
    main()
