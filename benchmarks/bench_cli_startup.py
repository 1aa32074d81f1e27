"""The command line's start-up: each command's wall and CPU time in fresh processes, its
ratio to the floor (``python -c "import numpy"``), and the heavy packages it imports.

Every command runs as ``python -m chainrule ...`` in a new process (one BLAS thread), so
its time is mostly Python's start and the imports: ``--help``, ``--version``, ``cv
--help``, ``info MODEL``, ``predict``, ``evaluate``, ``plot loss``, ``trace``,
``gradcheck``, ``train`` on a 150-row CSV (iris, written here; the model trained once by
this tree) and ``train iris --epochs 1``.  Beside them, for scale: ``python -c pass``,
``python -c "import numpy"`` (the floor: no command can start faster),
``python -c "import chainrule"`` and scikit-learn's own
``from sklearn.neural_network import MLPClassifier``.  All of them take turns, each
repetition in another order (interleaved), and the medians of ``--reps`` wall and CPU
(user + system) times are printed, with wall / the floor's wall.

With ``--base OTHER/src`` each command also runs in OTHER in the same turns: its
medians, the ratio base / this tree (wall), and whether the two printed the same stdout,
stderr and status (byte for byte; ``train``'s "trained ... in 0.03 s" line is compared
without its seconds).  The last column lists the packages among scikit-learn, SciPy's
``special``, ``linalg``, ``sparse`` and ``optimize``, matplotlib, pandas, joblib,
threadpoolctl and tqdm that the command imported (this tree's run; ``python -X
importtime`` shows from where).

    python benchmarks/bench_cli_startup.py [--reps 9] [--base OTHER/src]
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

HEAVY = ("sklearn", "scipy.special", "scipy.linalg", "scipy.sparse", "scipy.optimize",
         "matplotlib", "pandas", "joblib", "threadpoolctl", "tqdm")

# the same in any tree: python -c CODE
PYTHON = {
    "python -c pass": "pass",
    "import numpy": "import numpy",  # the floor
    "sklearn MLP": "from sklearn.neural_network import MLPClassifier",
}
FLOOR = "import numpy"

# each tree's: "import chainrule" is python -c, the others python -m chainrule ARGS
COMMANDS = {
    "import chainrule": None,
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
    "train iris": ["train", "iris", "--epochs", "1", "-q", "-o", "{tmp}/iris-{tree}.npz"],
}

# run after the command, in its process: which heavy packages it left in sys.modules
_PROBE = (
    "import runpy, sys, json\n"
    "names = json.loads(sys.argv[2])\n"
    "argv = json.loads(sys.argv[1])\n"
    "code = 0\n"
    "if argv is None:\n"
    "    import chainrule\n"
    "else:\n"
    "    sys.argv = ['chainrule', *argv]\n"
    "    try:\n"
    "        runpy.run_module('chainrule', run_name='__main__')\n"
    "    except SystemExit as exc:\n"
    "        code = exc.code\n"
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


def _command(argv: list[str] | None, code: str | None) -> list[str]:
    if code is not None:
        return [sys.executable, "-c", code]
    if argv is None:
        return [sys.executable, "-c", "import chainrule"]
    return [sys.executable, "-m", "chainrule", *argv]


def _run(cmd: list[str], src: str) -> tuple[float, float, tuple]:
    """Wall and CPU seconds of one fresh process, and what it printed (stdout, stderr, status)."""
    env = {**os.environ, "PYTHONPATH": src, "OPENBLAS_NUM_THREADS": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, (proc.stdout, proc.stderr, proc.returncode)


def _heavy(argv: list[str] | None, src: str, code: str | None) -> list[str]:
    """The heavy packages among HEAVY that a command (or python -c CODE) imported."""
    if code is not None:
        script = code + "\nimport sys, json\nprint(json.dumps([m for m in "
        script += f"{list(HEAVY)!r} if m in sys.modules]))"
        out = subprocess.run([sys.executable, "-c", script], capture_output=True).stdout
        return json.loads(out.decode() or "[]")
    env = {**os.environ, "PYTHONPATH": src, "OPENBLAS_NUM_THREADS": "1"}
    err = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(argv), json.dumps(HEAVY)],
                         env=env, capture_output=True).stderr.decode()
    return json.loads(err.rpartition("#heavy ")[2] or "[]")


def _printed(result: tuple, tree: str) -> tuple:
    """What a command printed, with the run's own seconds and paths taken out."""
    out, err, code = result
    text = (out + b"\x00" + err).replace(f"-{tree}.".encode(), b"-TREE.")  # its own files
    return re.sub(rb"in \d+\.\d+ s", b"in S s", text), code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=positive_int, default=9)
    parser.add_argument("--base", help="another tree's src: each command run there in turn")
    args = parser.parse_args()
    here = str(Path(__file__).resolve().parents[1] / "src")
    trees = {"this": here, **({"base": args.base} if args.base else {})}
    print(f"load {os.getloadavg()[0]:.2f}; fresh processes, one BLAS thread; medians of "
          f"{args.reps}, all cases taking turns; CPU = user + system time of the process; "
          f"x floor = wall / wall of python -c 'import numpy'")
    with tempfile.TemporaryDirectory() as tmp:
        files = _files(Path(tmp))
        # (name, tree, argv, code): the python -c cases once, the commands in each tree
        cases = [(n, "this", None, c) for n, c in PYTHON.items()]
        cases += [(n, t, None if tpl is None else
                   [a.format(tree=t, **files) for a in tpl], None)
                  for n, tpl in COMMANDS.items() for t in trees]
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        printed: dict[tuple[str, str], tuple] = {}
        for rep in range(args.reps):
            shift = rep * 5 % len(cases)  # another order each repetition
            order = cases[shift:] + cases[:shift]
            for name, tree, argv, code in order[:: 1 if rep % 2 else -1]:
                wall, cpu, result = _run(_command(argv, code), trees[tree])
                times.setdefault((name, tree), []).append((cpu, wall))
                printed[name, tree] = _printed(result, tree)
        med = {k: (statistics.median(c for c, _ in v), statistics.median(w for _, w in v))
               for k, v in times.items()}
        floor = med[FLOOR, "this"][1]
        header = f"{'command':16s} {'wall':>6s} {'CPU':>6s} {'x floor':>7s}"
        if args.base:
            header += f" {'base wall':>9s} {'CPU':>6s} {'base/this':>9s} same"
        print(header + "  imports (this tree)")
        for name, tree, argv, code in cases:
            if tree != "this":
                continue
            cpu, wall = med[name, tree]
            line = f"{name:16s} {wall:5.3f}s {cpu:5.3f}s {wall / floor:6.2f}x"
            if args.base and (name, "base") in med:
                same = "yes" if printed[name, "this"] == printed[name, "base"] else "NO"
                bcpu, bwall = med[name, "base"]
                line += f" {bwall:8.3f}s {bcpu:5.3f}s {bwall / wall:8.2f}x {same:4s}"
            elif args.base:
                line += " " * 31
            print(f"{line}  {', '.join(_heavy(argv, trees[tree], code)) or '-'}")
    print(f"load {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
