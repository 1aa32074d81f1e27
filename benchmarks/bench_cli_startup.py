"""The command line's start-up: each command's CPU and wall time in fresh processes, and
the heavy packages it imports.

Every command runs as ``python -m chainrule ...`` in a new process (one BLAS thread),
so its time is mostly that of its imports: ``--help``, ``--version``, ``cv --help``,
``info MODEL``, ``predict``, ``evaluate``, ``plot loss``, ``trace``, ``gradcheck`` and
``train`` on a 150-row CSV (iris, written here), the model trained once by this tree.
With ``--base OTHER/src`` each command runs in this tree and in OTHER in turn (the
order swapped every repetition), medians of ``--reps`` of each, their ratio
(base / this tree), and whether the two printed the same stdout, stderr and status
(byte for byte; ``train``'s "trained ... in 0.03 s" line is compared without its
seconds).  The last column lists the packages among scikit-learn, SciPy's
``special``, ``linalg`` and ``sparse``, matplotlib, pandas, joblib, threadpoolctl
and tqdm that the command imported (this tree's run; ``python -X importtime``
shows from where).

    python benchmarks/bench_cli_startup.py [--reps 7] [--base OTHER/src]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_mlp import positive_int

HEAVY = ("sklearn", "scipy.special", "scipy.linalg", "scipy.sparse", "matplotlib", "pandas",
         "joblib", "threadpoolctl", "tqdm")

COMMANDS = {
    "--help": ["--help"],
    "--version": ["--version"],
    "cv --help": ["cv", "--help"],
    "info": ["info", "{model}"],
    "predict": ["predict", "{model}", "{csv}", "--proba"],
    "evaluate": ["evaluate", "{model}", "{csv}"],
    "plot loss": ["plot", "loss", "{model}", "-o", "{tmp}/loss-{tree}.png"],
    "trace": ["trace", "--preset", "transfer-example"],
    "gradcheck": ["gradcheck", "--sizes", "4", "5", "3", "--activation", "tanh",
                  "--output", "softmax"],
    "train": ["train", "{csv}", "--target", "species", "--hidden", "8", "--epochs", "5",
              "-q", "-o", "{tmp}/trained-{tree}.npz"],
}

# run after the command, in its process: which heavy packages it left in sys.modules
_PROBE = (
    "import runpy, sys, json\n"
    "names = json.loads(sys.argv[2])\n"
    "sys.argv = ['chainrule', *json.loads(sys.argv[1])]\n"
    "try:\n"
    "    runpy.run_module('chainrule', run_name='__main__')\n"
    "except SystemExit as exc:\n"
    "    code = exc.code\n"
    "heavy = [m for m in names if m in sys.modules]\n"
    "sys.__stderr__.write('\\n#heavy ' + json.dumps(heavy))\n"
    "sys.exit(code)\n"
)


def _files(tmp: Path) -> dict[str, str]:
    """iris as a CSV (150 rows, the species' names) and a model ``train`` wrote of it."""
    from sklearn.datasets import load_iris

    iris = load_iris()
    csv = tmp / "iris.csv"
    with open(csv, "w") as f:
        f.write("sepal_length,sepal_width,petal_length,petal_width,species\n")
        for x, y in zip(iris.data, iris.target, strict=True):
            f.write(",".join(f"{v:g}" for v in x) + f",{iris.target_names[y]}\n")
    model = tmp / "iris.model.npz"
    here = str(Path(__file__).resolve().parents[1] / "src")
    subprocess.run([sys.executable, "-m", "chainrule", "train", str(csv), "--target",
                    "species", "--hidden", "8", "--epochs", "20", "-q", "-o", str(model)],
                   env={**os.environ, "PYTHONPATH": here}, check=True, capture_output=True)
    return {"csv": str(csv), "model": str(model), "tmp": str(tmp)}


def _run(argv: list[str], src: str, probe: bool = False) -> tuple[float, float, tuple]:
    """Wall and CPU seconds of one fresh process, and what it printed (stdout, stderr, status);
    ``probe``: the heavy packages it imported are printed last on its stderr."""
    env = {**os.environ, "PYTHONPATH": src, "OPENBLAS_NUM_THREADS": "1"}
    cmd = ([sys.executable, "-c", _PROBE, json.dumps(argv), json.dumps(HEAVY)] if probe
           else [sys.executable, "-m", "chainrule", *argv])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, (proc.stdout, proc.stderr, proc.returncode)


def _printed(result: tuple, tree: str) -> tuple:
    """What a command printed, with the run's own seconds and paths taken out."""
    out, err, code = result
    text = (out + b"\x00" + err).replace(f"-{tree}.".encode(), b"-TREE.")  # its own files
    return re.sub(rb"in \d+\.\d+ s", b"in S s", text), code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=positive_int, default=7)
    parser.add_argument("--base", help="another tree's src: each command run there in turn")
    args = parser.parse_args()
    here = str(Path(__file__).resolve().parents[1] / "src")
    trees = {"this": here, **({"base": args.base} if args.base else {})}
    print(f"load {os.getloadavg()[0]:.2f}; fresh processes, one BLAS thread; medians of "
          f"{args.reps}; CPU = user + system time of the process")
    with tempfile.TemporaryDirectory() as tmp:
        files = _files(Path(tmp))
        header = f"{'command':12s} {'this CPU':>9s} {'wall':>6s}"
        if args.base:
            header += f" {'base CPU':>9s} {'wall':>6s} {'ratio':>6s} same"
        print(header + "  imports (this tree)")
        for name, template in COMMANDS.items():
            times: dict[str, list[tuple[float, float]]] = {t: [] for t in trees}
            printed: dict[str, tuple] = {}
            for rep in range(args.reps):
                for tree in list(trees)[:: 1 if rep % 2 else -1]:
                    argv = [a.format(tree=tree, **files) for a in template]
                    wall, cpu, result = _run(argv, trees[tree])
                    times[tree].append((cpu, wall))
                    printed[tree] = _printed(result, tree)
            argv = [a.format(tree="probe", **files) for a in template]
            err = _run(argv, here, probe=True)[2][1].decode()
            heavy = json.loads(err.rpartition("#heavy ")[2] or "[]")
            cpu = {t: statistics.median(c for c, _ in r) for t, r in times.items()}
            wall = {t: statistics.median(w for _, w in r) for t, r in times.items()}
            line = f"{name:12s} {cpu['this']:8.2f}s {wall['this']:5.2f}s"
            if args.base:
                same = "yes" if printed["this"] == printed["base"] else "NO"
                line += (f" {cpu['base']:8.2f}s {wall['base']:5.2f}s "
                         f"{cpu['base'] / cpu['this']:5.2f}x {same:4s}")
            print(f"{line}  {', '.join(heavy) or '-'}")
    print(f"load {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
