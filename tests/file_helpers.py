"""Saved chainrule files in the tests: editing their JSON record (older and damaged files),
a model's outputs computed from its bare network (the reference of the CLI tests), and the
small checkpoint, estimator and network files that the damaged-record tests edit
(test_corrupt_records, test_corrupt_records_arrays), a pipe to read DATA from, and the
command line run in-process (its output, the probabilities predict writes)."""

from __future__ import annotations

import csv
import json
import os
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

import chainrule as cr
from chainrule.estimators import MLPClassifier
from chainrule.io import load_metadata


def edit_saved_meta(path: object, edit: Callable[[dict], None]) -> None:
    """Rewrite the JSON record of a saved file (a model, an estimator, a checkpoint) after
    ``edit(record)`` changed it in place, the arrays kept as they are: an older or a
    damaged file, made from a real one."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    edit(meta)
    with open(path, "wb") as fh:
        np.savez(fh, __meta__=np.array(json.dumps(meta)), **arrays)


def network_outputs(model: object, X: np.ndarray) -> np.ndarray:
    """The outputs (a classifier's class probabilities) of the model file ``model`` of
    ``chainrule train`` on raw features ``X``: its bare network on ``X`` standardised with
    the statistics the file records, not through the code that predict runs."""
    meta = load_metadata(model)
    return cr.load(model).forward((X - np.asarray(meta["x_mean"])) / np.asarray(meta["x_scale"]))


def numpy_net_input(model: object, X: np.ndarray) -> np.ndarray:
    """The output layer's net input z, shape (n_samples, n_outputs), of the model file
    ``model`` of ``chainrule train`` (ReLU hidden layers) on raw features ``X``, in NumPy
    alone: standardised with the file's statistics, then the layers' ``W`` and ``b``."""
    meta = load_metadata(model)
    a = (X - np.asarray(meta["x_mean"])) / np.asarray(meta["x_scale"])
    layers = cr.load(model).layers
    for i, layer in enumerate(layers):
        z = a @ layer.W + layer.b
        a = z if i == len(layers) - 1 else np.maximum(z, 0)
    return a


def numpy_regression_outputs(model: object, X: np.ndarray) -> np.ndarray:
    """The predictions, shape (n_samples, n_targets), of the regression model file ``model``
    of ``chainrule train`` (ReLU hidden layers, identity output) on raw features ``X``,
    in NumPy alone: :func:`numpy_net_input`, the targets' scaling undone."""
    meta = load_metadata(model)
    return (numpy_net_input(model, X) * np.asarray(meta["y_scale"])
            + np.asarray(meta["y_mean"]))


def small_data() -> tuple[np.ndarray, np.ndarray]:
    """30 rows of 3 standard normal features (seed 0) and the class ``X[:, 0] > 0``."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    return X, (X[:, 0] > 0).astype(int)


def saved_checkpoint(path: object) -> object:
    """The checkpoint ``path`` of 2 Adam epochs of an mlp [3, 4, 2] on ``small_data()``."""
    X, y = small_data()
    cr.train(cr.mlp([3, 4, 2], seed=0), X, y, optimizer="adam", epochs=2, seed=0,
             checkpoint=path)
    return path


def saved_estimator(path: object) -> object:
    """The file ``path`` of an MLPClassifier (4,) fitted for 2 iterations on ``small_data()``."""
    X, y = small_data()
    return MLPClassifier((4,), max_iter=2, random_state=0).fit(X, y).save(path)


def saved_network(path: object) -> object:
    """The file ``path`` of a Dense, BatchNorm, Dropout, Dense softmax network (3 -> 2)."""
    net = cr.network_from_layers([cr.Dense(3, 4, activation="relu"), cr.BatchNorm(4),
                                  cr.Dropout(0.2), cr.Dense(4, 2, activation="softmax")],
                                 loss="cross_entropy", seed=0)
    return net.save(path)


def pipe_of(content: bytes) -> str:
    """The /dev/fd path of a pipe fed ``content`` by a thread, as a shell's <(cat FILE):
    a DATA that can be read only once."""
    r, w = os.pipe()

    def feed():
        with os.fdopen(w, "wb") as fh:
            fh.write(content)

    threading.Thread(target=feed, daemon=True).start()
    return f"/dev/fd/{r}"


def write_rows_csv(path: object, names: list[str], X: np.ndarray, y) -> str:
    """A CSV file of the rows ``X`` (exact: repr of each float) and the target ``y``."""
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        for row, target in zip(X, y, strict=True):
            writer.writerow([*map(repr, map(float, row)), target])
    return str(path)


def cli_out(capsys: Any, argv: list) -> str:
    """``chainrule ARGV`` run in-process (each item through str), asserted to succeed
    (stderr shown when it does not); its standard output."""
    from chainrule.cli import main

    capsys.readouterr()
    assert main([str(a) for a in argv]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def cli_ok(capsys: Any, argv: list) -> tuple[str, str]:
    """``chainrule ARGV`` run in-process (each item through str), asserted to succeed
    (stderr shown when it does not); its standard output and standard error."""
    from chainrule.cli import main

    capsys.readouterr()
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert status == 0, err
    return out, err


def sorted_blobs(path: object, classes: int = 4, per: int = 30) -> str:
    """A .npz of ``classes`` well separated 2-D blobs of ``per`` rows each, its rows sorted
    by class (0 first): the file a time-ordered split or a quiet run is tried on."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(classes), per)
    X = rng.normal(size=(y.size, 2)) + 4.0 * y[:, None]
    np.savez(path, X=X, y=y)
    return str(path)


def cli_fails(capsys: Any, argv: list) -> str:
    """``chainrule ARGV`` run in-process (each item through str), asserted to fail (a
    non-zero status, or argparse's SystemExit with one); its standard error."""
    from chainrule.cli import main

    capsys.readouterr()
    try:
        status = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse
        status = exc.code
    assert status != 0
    return capsys.readouterr().err


def cli_proba(capsys: Any, model: object, data: object, out: object,
              names: list[str]) -> np.ndarray:
    """The probability columns ``proba_NAME`` that ``chainrule predict MODEL DATA --proba
    -o OUT`` writes, in the order of ``names``: shape (n_rows, len(names))."""
    import pandas as pd

    cli_out(capsys, ["predict", model, data, "--proba", "-o", out])
    return pd.read_csv(out)[[f"proba_{n}" for n in names]].to_numpy()


def interrupt_fold_at(monkeypatch: Any, fold: int) -> None:
    """A Ctrl-C during the training of the ``fold``-th fold of ``chainrule cv`` (and of the
    commands that train its folds: tune-threshold), as the Trainer's stop then raises it."""
    from chainrule import _cli_models_cv

    fit, calls = _cli_models_cv._fit_fold, []

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == fold:
            raise KeyboardInterrupt
        return fit(*args, **kwargs)

    monkeypatch.setattr(_cli_models_cv, "_fit_fold", interrupted)


def fresh_python(code: str) -> list[str]:
    """Run ``code`` in a new Python process importing this tree's chainrule (PYTHONPATH:
    its src folder); its stdout lines, the process having exited with status 0."""
    import subprocess
    import sys
    from pathlib import Path

    src = str(Path(cr.__file__).resolve().parents[1])
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": src}, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout.splitlines()


def assert_model_file_refused(capsys: Any, path: object, folder: object, expected: str) -> None:
    """A damaged model file at ``path`` is refused with a message ending in ``expected`` by
    load_model, by ``chainrule info`` and by ``chainrule train --init-from`` (on
    ``folder``/d.csv, target y), each exit 2, with no model written."""
    import pytest

    from chainrule.cli import main
    from chainrule.saved_model import load_model

    with pytest.raises(ValueError) as info:
        load_model(path)
    assert str(info.value).endswith(expected)
    capsys.readouterr()
    assert main(["info", str(path)]) == 2
    assert expected in capsys.readouterr().err
    out = os.path.join(str(folder), "tuned.npz")
    assert main(["train", os.path.join(str(folder), "d.csv"), "--target", "y", "--init-from",
                 str(path), "--epochs", "1", "-q", "-o", out]) == 2
    assert expected in capsys.readouterr().err
    assert not os.path.exists(out)
