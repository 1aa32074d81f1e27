"""The package's dataclasses that hold arrays compare by identity (``eq=False``).

A dataclass's generated ``__eq__`` compares the field tuples, which for NumPy arrays
raises "truth value of an array ... is ambiguous", and a frozen one's generated
``__hash__`` hashes the arrays (TypeError): such objects compare and hash as plain
objects do, by identity, as scikit-learn's estimators and SciPy's results do not
compare arrays either.  Dataclasses without arrays keep their value equality.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil

import numpy as np
import pytest

import chainrule
from chainrule.autoencoder import SparseCostTerms
from chainrule.datasets import Split, load_digits_split
from chainrule.experiments import FreeFallResult, Overfitting, PerceptronComparison
from chainrule.gradcheck import GradientCheck, gradient_check
from chainrule.images import SelfTaughtSplit, self_taught_split
from chainrule.model_selection import SelectionResult
from chainrule.perceptron import PerceptronResult
from chainrule.plots import Panel
from chainrule.preprocessing import Whitening, whiten
from chainrule.tabular import Table
from chainrule.tracing import LayerStep, StepTrace, TraceSpec
from chainrule.tracing.render import Arr, Line, Num, Sym

ARRAY_HOLDERS = [Whitening, Split, SelfTaughtSplit, GradientCheck, LayerStep, StepTrace,
                 TraceSpec, Arr, SelectionResult, PerceptronComparison, Overfitting,
                 FreeFallResult, PerceptronResult, Table, Panel, SparseCostTerms]


def _twins(cls: type) -> tuple[object, object]:
    """Two instances of ``cls`` whose every field holds an equal array (not the same one)."""
    kwargs = {f.name: np.arange(3.0) for f in dataclasses.fields(cls) if f.init}
    return cls(**kwargs), cls(**{k: v.copy() for k, v in kwargs.items()})


def _check_identity(a: object, b: object) -> None:
    assert a == a and not a != a
    assert a != b and not a == b
    assert hash(a) == object.__hash__(a)
    assert len({a, b, a}) == 2
    assert [a, b].index(b) == 1 and b in [a, b]


@pytest.mark.parametrize("cls", ARRAY_HOLDERS, ids=lambda c: c.__name__)
def test_array_holders_compare_and_hash_by_identity(cls: type) -> None:
    a, b = _twins(cls)
    _check_identity(a, b)


def test_frozen_ones_stay_frozen() -> None:
    for cls in ARRAY_HOLDERS:
        a, _ = _twins(cls)
        name = dataclasses.fields(cls)[0].name
        if cls.__dataclass_params__.frozen:
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(a, name, 0)


def test_real_results() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    (_, w1), (_, w2) = whiten(X, return_transform=True), whiten(X, return_transform=True)
    np.testing.assert_array_equal(w1.matrix, w2.matrix)
    _check_identity(w1, w2)
    s1, s2 = load_digits_split(seed=0), load_digits_split(seed=0)
    _check_identity(s1, s2)
    y = np.arange(40) % 4
    t1 = self_taught_split(X, y, labeled=(0, 1), seed=0)
    t2 = self_taught_split(X, y, labeled=(0, 1), seed=0)
    _check_identity(t1, t2)
    net = chainrule.mlp([3, 2, 1], seed=0)
    g1 = gradient_check(net, X[:5], np.ones((5, 1)))
    g2 = gradient_check(net, X[:5], np.ones((5, 1)))
    _check_identity(g1, g2)


def test_render_parts_holding_an_arr() -> None:
    """Line and Table hold tuples of parts: with Arr compared by identity they compare
    and hash without an error (equal when they hold the same Arr)."""
    arr = Arr(np.array([1.0, 2.0]))
    line = Line((Sym("s", "s"), " = ", arr))
    assert line == Line((Sym("s", "s"), " = ", arr))
    assert hash(line) == hash(Line((Sym("s", "s"), " = ", arr)))
    assert line != Line((Sym("s", "s"), " = ", Arr(np.array([1.0, 2.0]))))
    assert Num(2.5) == Num(2.5) and Sym("a", "a") == Sym("a", "a")   # value equality kept


def _package_dataclasses() -> list[type]:
    found = {}
    for info in pkgutil.walk_packages(chainrule.__path__, "chainrule."):
        if info.name.startswith("chainrule.__main__"):
            continue
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if (isinstance(obj, type) and dataclasses.is_dataclass(obj)
                    and obj.__module__.startswith("chainrule")):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return list(found.values())


def test_every_dataclass_annotated_with_an_array_compares_by_identity() -> None:
    classes = _package_dataclasses()
    assert len(classes) >= 25
    with_arrays = [c for c in classes
                   if any("ndarray" in str(f.type) and "Callable" not in str(f.type)
                          for f in dataclasses.fields(c))]
    assert {Whitening, Split, SelfTaughtSplit, GradientCheck, LayerStep, StepTrace, Arr,
            SelectionResult, PerceptronComparison, Overfitting, FreeFallResult,
            PerceptronResult, Table} <= set(with_arrays)
    assert [c.__qualname__ for c in with_arrays if c.__dataclass_params__.eq] == []
