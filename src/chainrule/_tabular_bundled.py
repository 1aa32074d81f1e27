"""The bundled data sets of :func:`chainrule.tabular.read_data` (``BUNDLED``: digits,
iris, wine, breast_cancer, diabetes, and the generated xor, moons, circles, sinusoid) as
tables, and a bundled data set with other columns as its target(s) (``--target``).
Import from :mod:`chainrule.tabular`."""

from __future__ import annotations

import numpy as np

from ._tabular_table import Table, _columns


def _sklearn(name: str):
    import sklearn.datasets as skd

    bunch = getattr(skd, f"load_{name}")()
    X = np.asarray(bunch.data, dtype=np.float64)
    if name == "digits":
        X = X / 16.0
    names = [str(n) for n in getattr(bunch, "feature_names", [])] or [
        f"x{i}" for i in range(X.shape[1])]
    if name == "diabetes":
        return X, np.asarray(bunch.target, dtype=np.float64), names, "progression", \
            "regression", None
    labels = ([int(v) for v in bunch.target_names] if name == "digits"
              else [str(v) for v in bunch.target_names])
    target = {"iris": "species", "digits": "digit", "wine": "cultivar",
              "breast_cancer": "diagnosis"}[name]
    return X, np.asarray(bunch.target), names, target, "classification", labels


def _generated(name: str, seed: int):
    from . import datasets

    if name == "xor":
        X, y = datasets.xor()
        return X, y, ["x1", "x2"], "xor", "classification", [0, 1]
    if name == "sinusoid":
        X, y = datasets.sinusoid(100, 0.1, seed=seed)
        return X, y, ["x"], "t", "regression", None
    import sklearn.datasets as skd

    if name == "moons":
        X, y = skd.make_moons(200, noise=0.2, random_state=seed)
    else:
        X, y = skd.make_circles(200, noise=0.1, factor=0.5, random_state=seed)
    return X, y, ["x1", "x2"], "class", "classification", [0, 1]


BUNDLED: dict[str, str] = {
    "digits": "8x8 handwritten digits, 1797 x 64 pixels / 16, 10 classes",
    "iris": "150 irises x 4 measurements, 3 species",
    "wine": "178 wines x 13 chemical measurements, 3 cultivars",
    "breast_cancer": "569 tumours x 30 features, malignant or benign",
    "diabetes": "442 patients x 10 features, disease progression (regression)",
    "xor": "the four XOR points, 2 classes",
    "moons": "200 points in two interleaved half-moons (noise 0.2), 2 classes",
    "circles": "200 points on two noisy concentric circles, 2 classes",
    "sinusoid": "100 samples of sin(2 pi x) + noise (0.1), regression",
}


def _bundled(name: str, seed: int) -> Table:
    if name in ("digits", "iris", "wine", "breast_cancer", "diabetes"):
        X, y, names, target, task, labels = _sklearn(name)
    else:
        X, y, names, target, task, labels = _generated(name, seed)
    y = np.asarray(labels)[y] if labels is not None else np.asarray(y)  # class names
    return Table(np.asarray(X, dtype=np.float64), y, names, target, name, task, labels)


def _bundled_target(table: Table, target: str, strict: bool) -> Table:
    """A bundled data set with the column ``target`` as its target.

    The other measurements stay features; the data set's own target (class
    names, say) is left out.  The task is then inferred from the column.
    A name that is not a column is an error, unless ``strict`` is False (a
    saved model's recorded target name): the data set's own target is then
    kept, as an NPZ file falls back on ``y``.
    """
    if target not in table.feature_names:
        if not strict:
            return table
        columns = [*table.feature_names, table.target_name]
        raise ValueError(
            f"{table.source}: no column {target!r} for the target (--target); "
            f"expected one of the data set's columns: {', '.join(map(repr, columns))}")
    i = table.feature_names.index(target)
    keep = [j for j in range(table.X.shape[1]) if j != i]
    return Table(table.X[:, keep], table.X[:, i].copy(),
                 [table.feature_names[j] for j in keep], target, table.source)


def _bundled_targets(table: Table, targets: list[str], features: list[str] | None,
                     need_target: bool, features_what: str) -> Table:
    """A bundled data set with several of its columns as targets (``--target a b``).

    Its own target (class names, say) is left out, as for one target column; the
    other measurements stay features (``features``: those named).  Without
    ``need_target`` (predict) targets that are not there are not read.
    """
    names = table.feature_names
    missing = [n for n in targets if n not in names]
    if missing and need_target:
        raise ValueError(
            f"{table.source}: no column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(map(repr, missing))} for the targets (--target); expected the data "
            f"set's columns: {', '.join(map(repr, names))}")
    found = not missing
    t_cols = [names.index(n) for n in targets] if found else []
    keep = ([names.index(n) for n in features] if features is not None else
            [j for j in range(len(names)) if j not in t_cols])
    if features is not None:
        _columns(names, features, table.source, features_what)  # names the missing ones
        both = [names[j] for j in keep if j in t_cols]
        if both and need_target:
            raise ValueError(f"{table.source}: the target column {both[0]!r} is also a "
                             f"feature{features_what}; a model must not be given its target "
                             "as an input")
    return Table(table.X[:, keep], table.X[:, t_cols].copy() if found else None,
                 [names[j] for j in keep], targets[0] if found else None, table.source,
                 target_names=list(targets) if found else None)
