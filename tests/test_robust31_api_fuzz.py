"""A seeded fuzz of the public Python API (robust31).

Each case calls one entry point (a Network method, train, minimize, gradient_check,
trace, mlp, the layers', optimizers' and schedules' constructors, the estimators' fit,
partial_fit, predict, score, an autoencoder's fit, Network.from_ufldl, the data sets)
with one argument replaced by a bad value of its kind -- for an array: None, text, a
scalar, no rows, too few rows, one dimension more or less, a column more or fewer,
NaN, inf, text or object or complex or bool dtype, ragged rows, a dict; for a setting:
None, -1, 0, NaN, +-inf, 10**30, 10**400, text, a list, an array, complex, an object;
for a name: an unknown one, a typo, None, an int.  Every (entry point, argument, value)
case runs (about 1,400, ~3 s), in a seeded order split in four chunks; every outcome
must be one of:

* a ValueError or TypeError whose message names the argument (as a word, or the name
  the message uses for it: ``activation`` for ``mlp(hidden=...)``), or
* a result whose numbers are all finite,

with the arrays given unchanged and, where the call failed, the network's parameters
and layers unchanged.  Values beyond float range (1e308 everywhere) are left out: a
finite network whose outputs overflow warns (NumPy's RuntimeWarning) by design.

The wider scratch run (about 10,500 calls, every argument x every value) found the
classes fixed with their own tests: test_robust31_shape_messages.py, _score.py,
_huge_ints.py, _weight_lists.py, _array_settings.py, _label_messages.py, _huge_sizes.py.
"""

from __future__ import annotations

import copy
import re
import warnings
from collections.abc import Callable

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(31)
X = RNG.normal(size=(12, 3))
YR = RNG.normal(size=(12, 2))
YC = (X[:, 0] > 0).astype(int)
XA = RNG.uniform(0.1, 0.9, size=(10, 4))


def _bad_arrays(v: np.ndarray) -> dict[str, object]:
    nan, inf = v.astype(float), v.astype(float)
    nan.flat[0], inf.flat[0] = np.nan, np.inf
    ragged = [[1.0, 2.0], [3.0]]
    out = {"None": None, "text": "abc", "scalar": 5.0, "no rows": v[:0],
           "fewer rows": v[:-3], "NaN": nan, "inf": inf, "text dtype": v.astype(str),
           "object dtype": v.astype(object), "complex": v + 1j, "bool": v.astype(bool),
           "ragged": ragged, "dict": {"a": 1}, "one dim more": v[..., None]}
    if v.ndim == 2:
        out |= {"1-D": v.ravel(), "a column more": np.hstack([v, v[:, :1]]),
                "a column fewer": v[:, :1], "transposed": v.T}
    else:
        out |= {"2-D": v[:, None], "labels unseen": v + 7, "fractions": v + 0.5}
    return out


SETTINGS: dict[str, object] = {
    "None": None, "-1": -1, "0": 0, "nan": float("nan"), "inf": float("inf"),
    "-inf": -float("inf"), "1e30 int": 10**30, "1e400 int": 10**400, "text": "abc",
    "empty text": "", "a list": [1, 2], "an array": np.array([1.0, 2.0]), "complex": 1j,
    "an object": object(), "fraction": 2.5, "negative fraction": -0.5}
NAMES: dict[str, object] = {"unknown": "nonsense", "typo": "reluu", "None": None, "int": 3}


def _net() -> cr.Network:
    return cr.mlp([3, 4, 2], seed=0)


def _clf_net() -> cr.Network:
    return cr.mlp([3, 4, 2], output="softmax", loss="cross_entropy", seed=0)


def _quiet_fit(est, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(*args)


FITTED: dict[str, object] = {}


def _fitted(kind: str):
    if kind not in FITTED:
        cls, y = {"clf": (cr.MLPClassifier, YC), "reg": (cr.MLPRegressor, YR)}[kind]
        FITTED[kind] = _quiet_fit(cls(hidden_layer_sizes=(3,), max_iter=3, random_state=0),
                                  X, y)
    return FITTED[kind]


# (target, net factory or None, call(net, **kw), valid kwargs, {arg: kind}, {arg: names})
Target = tuple[str, Callable | None, Callable, dict, dict, dict]
TARGETS: list[Target] = [
    ("Network.loss_and_grad", _net, lambda n, **k: n.loss_and_grad(**k), {"X": X, "Y": YR},
     {"X": "array", "Y": "array"}, {}),
    ("Network.forward", _net, lambda n, **k: n.forward(**k), {"X": X}, {"X": "array"}, {}),
    ("Network.predict", _net, lambda n, **k: n.predict(**k), {"X": X, "batch_size": 5},
     {"X": "array", "batch_size": "setting"}, {}),
    ("Network.evaluate", _net, lambda n, **k: n.evaluate(**k),
     {"X": X, "Y": YR, "sample_weight": np.ones(12)},
     {"X": "array", "Y": "array", "sample_weight": "array"}, {}),
    ("Network.cost", _net, lambda n, **k: n.cost(**k),
     {"theta": _net().params.copy(), "X": X, "Y": YR}, {"theta": "array", "X": "array"}, {}),
    ("Network.set_params", _net, lambda n, **k: n.set_params(**k),
     {"theta": _net().params.copy()}, {"theta": "array"}, {}),
    ("Network(ce).loss_and_grad", _clf_net, lambda n, **k: n.loss_and_grad(**k),
     {"X": X, "Y": YC}, {"Y": "array"}, {}),
    ("train", _net, lambda n, **k: cr.train(n, **k),
     {"X": X, "Y": YR, "optimizer": "adam", "lr": 0.01, "epochs": 2, "batch_size": 4,
      "seed": 0},
     {"X": "array", "Y": "array", "lr": "setting", "batch_size": "setting",
      "seed": "setting", "optimizer": "name"}, {"optimizer": ["optimizer"]}),
    ("Trainer", _net, lambda n, **k: cr.Trainer(n, **k).fit(X, YR),
     {"epochs": 2, "patience": 2, "validation_fraction": 0.25, "clip_norm": 1.0, "ema": 0.9},
     {"patience": "setting", "validation_fraction": "setting", "clip_norm": "setting",
      "ema": "setting", "schedule": "name"}, {}),
    ("minimize", _net, lambda n, **k: cr.minimize(n, **k),
     {"X": X, "Y": YR, "maxiter": 3}, {"X": "array", "maxiter": "setting",
                                       "method": "name"}, {}),
    ("gradient_check", _net, lambda n, **k: cr.gradient_check(n, **k),
     {"X": X[:3], "Y": YR[:3]}, {"X": "array", "Y": "array", "eps": "setting"}, {}),
    ("trace", _net, lambda n, **k: cr.trace(n, **k),
     {"x": X[0], "y": YR[0], "lr": 0.5},
     {"x": "array", "y": "array", "lr": "setting", "digits": "setting", "notation": "name"},
     {}),
    ("mlp", None, lambda **k: cr.mlp(**k),
     {"sizes": [3, 4, 2], "hidden": "relu", "seed": 0},
     {"sizes": "setting", "hidden": "name", "output": "name", "loss": "name", "init": "name",
      "weight_decay": "setting", "seed": "setting"},
     {"hidden": ["hidden", "activation"], "output": ["output", "activation"],
      "init": ["init", "initializer"], "sizes": ["sizes", "fan_in", "fan_out"]}),
    ("Dense", None, lambda **k: cr.Dense(**k), {"fan_in": 3, "fan_out": 2},
     {"fan_in": "setting", "fan_out": "setting", "activation": "name", "bias": "setting"}, {}),
    ("BatchNorm", None, lambda **k: cr.BatchNorm(**k), {"n_features": 3},
     {"n_features": "setting", "momentum": "setting", "eps": "setting"}, {}),
    ("Conv2D", None, lambda **k: cr.Conv2D(**k),
     {"in_channels": 1, "out_channels": 2, "kernel_size": 3},
     {"in_channels": "setting", "kernel_size": "setting", "stride": "setting",
      "padding": "setting"}, {}),
    ("Adam", None, lambda **k: cr.Adam(**k), {},
     {"lr": "setting", "beta1": "setting", "eps": "setting", "weight_decay": "setting"}, {}),
    ("SGD", None, lambda **k: cr.SGD(**k), {},
     {"lr": "setting", "momentum": "setting", "nesterov": "setting"}, {}),
    ("OneCycle", None, lambda **k: cr.schedules.OneCycle(**k),
     {"max_lr": 0.1, "total_steps": 10},
     {"max_lr": "setting", "total_steps": "setting", "anneal_strategy": "setting"}, {}),
    ("ReduceOnPlateau", None, lambda **k: cr.schedules.ReduceOnPlateau(**k), {},
     {"factor": "setting", "patience": "setting", "mode": "setting"}, {}),
    ("MLPClassifier.fit", None,
     lambda **k: _quiet_fit(cr.MLPClassifier(hidden_layer_sizes=(3,), max_iter=2), k["X"],
                            k["y"]),
     {"X": X, "y": YC}, {"X": "array", "y": "array"}, {}),
    ("MLPRegressor.fit", None,
     lambda **k: _quiet_fit(cr.MLPRegressor(hidden_layer_sizes=(3,), max_iter=2), k["X"],
                            k["y"]),
     {"X": X, "y": YR}, {"X": "array", "y": "array"}, {}),
    ("MLPClassifier(params)", None,
     lambda **k: _quiet_fit(cr.MLPClassifier(max_iter=2, **k), X, YC),
     {"hidden_layer_sizes": (3,)},
     {"hidden_layer_sizes": "setting", "alpha": "setting", "batch_size": "setting",
      "learning_rate_init": "setting", "ema": "setting", "dropout": "setting",
      "activation": "name", "solver": "name"}, {}),
    ("MLPClassifier.predict", None, lambda **k: _fitted("clf").predict(**k), {"X": X},
     {"X": "array"}, {}),
    ("MLPClassifier.score", None, lambda **k: _fitted("clf").score(**k), {"X": X, "y": YC},
     {"X": "array", "y": "array"}, {}),
    ("MLPRegressor.score", None, lambda **k: _fitted("reg").score(**k), {"X": X, "y": YR},
     {"X": "array", "y": "array"}, {}),
    ("MLPClassifier.partial_fit", None,
     lambda **k: _quiet_fit_partial(k), {"X": X, "y": YC, "classes": np.array([0, 1])},
     {"X": "array", "y": "array", "classes": "array"}, {}),
    ("SparseAutoencoder.fit", None,
     lambda **k: cr.SparseAutoencoder(n_hidden=2, max_iter=2, random_state=0).fit(**k),
     {"X": XA}, {"X": "array"}, {}),
    ("SoftmaxRegression.fit", None, lambda **k: cr.SoftmaxRegression(max_iter=2).fit(**k),
     {"X": XA, "y": YC[:10]}, {"X": "array", "y": "array"}, {}),
    ("Network.from_ufldl", None, lambda **k: cr.Network.from_ufldl(**k),
     {"Ws": [RNG.normal(size=(4, 3)), RNG.normal(size=(2, 4))], "bs": None},
     {"Ws": "setting", "bs": "setting", "activation": "name"}, {}),
    ("datasets.sinusoid", None, lambda **k: cr.datasets.sinusoid(**k), {"n": 5},
     {"n": "setting", "noise": "setting"}, {}),
]


def _quiet_fit_partial(k: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cr.MLPClassifier(hidden_layer_sizes=(3,), max_iter=2).partial_fit(**k)


def _all_cases() -> list[tuple[int, str, str]]:
    cases = []
    for i, (_, _, _, base, kinds, _) in enumerate(TARGETS):
        for arg, kind in kinds.items():
            pool = (_bad_arrays(np.asarray(base[arg])) if kind == "array"
                    else SETTINGS if kind == "setting" else NAMES)
            cases += [(i, arg, label) for label in pool]
    return cases


def _finite(obj: object) -> bool:
    if isinstance(obj, (float, np.floating)):
        return bool(np.isfinite(obj))
    if isinstance(obj, np.ndarray):
        return obj.dtype.kind not in "fc" or bool(np.all(np.isfinite(obj)))
    if isinstance(obj, (tuple, list)):
        return all(_finite(o) for o in obj)
    if isinstance(obj, dict):
        return all(_finite(o) for o in obj.values())
    return True


def _same(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind in "fc":
            return bool(np.array_equal(a, b, equal_nan=True))
        return all(x is y or x == y or (x != x and y != y)
                   for x, y in zip(a.ravel().tolist(), b.ravel().tolist(), strict=True))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return True


def _names(message: str, names: list[str]) -> bool:
    low = message.lower()
    return any(re.search(r"(?<![a-z0-9_])" + re.escape(n.lower()) + r"(?![a-z0-9])", low)
               for n in names)


def _drawn() -> list[tuple[int, str, str]]:
    cases = _all_cases()
    return [cases[i] for i in np.random.default_rng(3131).permutation(len(cases))]


def test_the_cases_cover_every_target_and_argument() -> None:
    drawn = _drawn()
    assert len(drawn) == len(set(drawn)) == sum(
        len(_bad_arrays(np.asarray(t[3][a])) if k == "array" else SETTINGS if k == "setting"
            else NAMES) for t in TARGETS for a, k in t[4].items())
    assert {(TARGETS[i][0], arg) for i, arg, _ in drawn} == {
        (t[0], a) for t in TARGETS for a in t[4]}


@pytest.mark.parametrize("chunk", range(4))
def test_bad_arguments_get_a_named_refusal_and_change_nothing(chunk: int) -> None:
    failures = []
    drawn = _drawn()
    for i, arg, label in drawn[chunk::4]:
        name, factory, call, base, kinds, aliases = TARGETS[i]
        pool = (_bad_arrays(np.asarray(base[arg])) if kinds[arg] == "array"
                else SETTINGS if kinds[arg] == "setting" else NAMES)
        kw = dict(base)
        kw[arg] = pool[label]
        kept = {k: copy.deepcopy(v) for k, v in kw.items()}
        net = factory() if factory else None
        before = None if net is None else (net.params.copy(), net.summary())
        where = f"{name}({arg}={label})"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = call(net, **kw) if net is not None else call(**kw)
        except (ValueError, TypeError) as exc:
            if not _names(str(exc), aliases.get(arg, [arg])):
                failures.append(f"{where}: {type(exc).__name__} names no {arg}: {exc}"[:300])
            if net is not None and not (np.array_equal(net.params, before[0], equal_nan=True)
                                        and net.summary() == before[1]):
                failures.append(f"{where}: the network changed though the call failed")
        except Exception as exc:  # any other exception is a defect
            failures.append(f"{where}: {type(exc).__name__}: {exc}"[:300])
        else:
            if not _finite(result):
                failures.append(f"{where}: a result that is not finite")
        for k, v in kw.items():
            if not _same(v, kept[k]):
                failures.append(f"{where}: {k} was changed in place")
    assert not failures, "\n".join(failures)
