"""The public API's numpydoc docstrings agree with the signatures they document."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import re

import numpy as np
import pytest

PUBLIC_MODULES = [
    "chainrule", "chainrule.activations", "chainrule.architecture", "chainrule.autoencoder",
    "chainrule.batchnorm", "chainrule.callbacks", "chainrule.conv", "chainrule.datasets",
    "chainrule.diagnostics", "chainrule.dropout", "chainrule.estimators", "chainrule.experiments",
    "chainrule.gradcheck", "chainrule.images", "chainrule.initializers", "chainrule.io",
    "chainrule.layers", "chainrule.losses", "chainrule.model_selection", "chainrule.network",
    "chainrule.notation", "chainrule.optimizers", "chainrule.perceptron", "chainrule.plots",
    "chainrule.pooling", "chainrule.preprocessing", "chainrule.reference",
    "chainrule.saved_model", "chainrule.scalar", "chainrule.schedules", "chainrule.scipy_fit",
    "chainrule.tracing", "chainrule.training",
]

# "name : type" or "a, b : type" or "**kwargs" at the section's own indentation
_ENTRY = re.compile(r"(\*{0,2}[\w.]+(?:\s*,\s*\*{0,2}[\w.]+)*)\s*(?::\s*(.*))?")


# The modules of the mixin bases that hold most of the methods of Trainer, Network, the
# estimators and their base class, each beside the class's own module
# (chainrule._training_loop holds Trainer.fit, chainrule._estimators_classifier
# MLPClassifier.predict)
_MIXIN_MODULES = ("chainrule._training_", "chainrule._network_", "chainrule._mlp_params",
                  "chainrule._mlp_fitted", "chainrule._mlp_fitting", "chainrule._mlp_rules",
                  "chainrule._estimators_")


def _own_attributes(cls: type) -> dict[str, object]:
    """``vars(cls)`` and the attributes ``cls`` inherits from its mixin bases (if any)."""
    own = dict(vars(cls))
    for base in cls.__bases__:
        if base.__module__.startswith(_MIXIN_MODULES) or (
                base.__module__.startswith("chainrule.") and base.__name__.startswith("_")):
            for key, value in vars(base).items():
                own.setdefault(key, value)
    return own


def _sections(doc: str) -> dict[str, list[str]]:
    """A numpydoc docstring's sections: header -> its lines (``""`` for the text before)."""
    lines = inspect.cleandoc(doc).splitlines()
    out: dict[str, list[str]] = {"": []}
    current, i = "", 0
    while i < len(lines):
        if i + 1 < len(lines) and lines[i].strip() and re.fullmatch(r"-{3,}", lines[i + 1].strip()):
            current = lines[i].strip()
            out[current] = []
            i += 2
            continue
        out[current].append(lines[i])
        i += 1
    return out


def _entries(lines: list[str]) -> list[tuple[list[str], str]]:
    """The entries of a Parameters section: ([names], type text)."""
    text = [line for line in lines if line.strip()]
    if not text:
        return []
    indent = min(len(line) - len(line.lstrip()) for line in text)
    entries = []
    for line in text:
        if len(line) - len(line.lstrip()) != indent:
            continue
        match = _ENTRY.fullmatch(line.strip())
        if match:
            names = [n.strip().lstrip("*") for n in match.group(1).split(",")]
            entries.append((names, match.group(2) or ""))
    return entries


def _documented() -> list[tuple[str, object, str]]:
    """(where, callable, docstring) of every public callable whose docstring has Parameters."""
    found, seen = [], set()

    def add(where: str, func: object, doc: str | None) -> None:
        if doc and "Parameters\n" in inspect.cleandoc(doc) and id(func) not in seen:
            seen.add(id(func))
            found.append((where, func, doc))

    for modname in PUBLIC_MODULES:
        module = importlib.import_module(modname)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.ismodule(obj) or not callable(obj):
                continue
            where = f"{modname}.{name}"
            if not inspect.isclass(obj):
                add(where, obj, obj.__doc__)
                continue
            add(where, obj, obj.__doc__)  # the class's docstring documents its constructor
            for key, value in _own_attributes(obj).items():
                func = getattr(value, "__func__", value)
                if not key.startswith("_") and inspect.isfunction(func):
                    add(f"{where}.{key}", func, func.__doc__)
    return found


def _signature_params(func: object) -> list[inspect.Parameter]:
    return [p for p in inspect.signature(func).parameters.values() if p.name not in ("self", "cls")]


_DOCUMENTED = _documented()


def test_public_callables_are_found():
    where = [w for w, _, _ in _DOCUMENTED]
    assert len(where) > 100, len(where)
    for name in ("chainrule.Adam", "chainrule.train", "chainrule.losses.Loss",
                 "chainrule.autoencoder.self_taught_learning", "chainrule.Network.loss_and_grad"):
        assert name in where


@pytest.mark.parametrize("where, func, doc", _DOCUMENTED, ids=[w for w, _, _ in _DOCUMENTED])
def test_parameters_section_matches_the_signature(where, func, doc):
    params = _signature_params(func)
    signature = [p.name for p in params]
    entries = _entries(_sections(doc)["Parameters"])
    documented = [n for names, _ in entries for n in names]
    # "**others : see :class:`MLPClassifier`" stands for the parameters it does not list
    refers = [n for names, typ in entries for n in names
              if n not in signature and typ.lower().startswith("see ")]
    named = [n for n in documented if n not in refers]
    assert not [n for n in named if n not in signature], f"{where}: stale names in Parameters"
    if refers:
        assert named == [n for n in signature if n in named], f"{where}: order"
    else:
        assert named == signature, f"{where}: Parameters {named} != signature {signature}"
    # a default stated as "default <literal>" is the signature's
    by_name = {p.name: p for p in params}
    for names, typ in entries:
        match = re.search(r"\bdefault\s+(.*)$", typ)
        if not match:
            continue
        try:
            stated = ast.literal_eval(match.group(1).strip())
        except (ValueError, SyntaxError):
            continue  # "default: the run's own", "default digits 0-4"
        grouped = len(names) > 1 and isinstance(stated, tuple)
        values = list(stated) if grouped else [stated] * len(names)
        for name, value in zip(names, values, strict=True):
            if name in by_name:
                default = by_name[name].default
                assert default is not inspect.Parameter.empty, f"{where}: {name} has no default"
                if dataclasses.is_dataclass(func) and repr(default) == "<factory>":
                    default = {f.name: f for f in dataclasses.fields(func)}[name].default_factory()
                if isinstance(default, range):
                    default = list(default)
                assert default == value, f"{where}: {name} default {value!r} != {default!r}"


@pytest.mark.parametrize("modname", PUBLIC_MODULES)
def test_all_lists_names_that_exist(modname):
    module = importlib.import_module(modname)
    assert len(module.__all__) == len(set(module.__all__))
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert not missing, missing


def test_readme_names_under_cr_are_in_the_package_all():
    import pathlib

    import chainrule as cr

    readme = (pathlib.Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    used = set(re.findall(r"\bcr\.([A-Za-z_]\w*)", readme)) - {"ReduceOnPlateau"}  # "not exported"
    assert {"train", "mlp", "schedules"} <= used
    assert sorted(used - set(cr.__all__)) == []


# the calls the README writes out as signatures, their defaults as written there
_README_SIGNATURES = ("Conv2D", "MaxPool2D", "AvgPool2D", "SparseAutoencoder", "Cosine", "OneCycle",
                      "register_activation")


@pytest.mark.parametrize("name", _README_SIGNATURES)
def test_readme_signatures_give_the_code_s_defaults(name):
    """The README wrote `SparseAutoencoder(n_hidden, ...)` and `MaxPool2D(size, ...)`,
    parameters without a default, where the code has n_hidden=25 and size=2."""
    import pathlib

    import chainrule as cr

    readme = " ".join((pathlib.Path(__file__).parents[1] / "README.md").read_text().split())
    found = re.findall(rf"`(?:cr\.)?(?:schedules\.)?{name}\(([^()`]*)\)`", readme)
    assert found, name
    func = getattr(cr, name, None) or getattr(cr.schedules, name)
    params = inspect.signature(func).parameters
    for written in found:
        for arg in (a.strip() for a in written.split(",")):
            key, _, value = arg.partition("=")
            if "..." in arg:  # register_activation(..., kinks=[...]): an elision
                continue
            assert key in params, (name, key)
            default = params[key].default
            if not value:
                assert default is inspect.Parameter.empty, (name, key, default)
            elif value in params:  # stride=size: None, which means the other parameter
                assert default is None, (name, key, default)
            else:
                assert ast.literal_eval(value) == default, (name, key, value, default)


def test_every_named_initializer_function_is_in_all():
    from chainrule import initializers

    names = [f.__name__ for f in initializers.INITIALIZERS.values()]
    assert len(names) == 7
    assert sorted(set(names) - set(initializers.__all__)) == []



def test_get_initializer_hint_admits_the_callables_it_returns_as_they_are():
    import collections.abc
    import typing

    from chainrule import initializers

    assert initializers.get_initializer(initializers.he_normal) is initializers.he_normal
    hint = typing.get_type_hints(initializers.get_initializer)["name"]
    assert str in typing.get_args(hint)
    assert any(typing.get_origin(arg) is collections.abc.Callable for arg in typing.get_args(hint))


@pytest.mark.parametrize("name", ["load_digits_split", "xor", "free_fall",
                                  "linearly_separable", "sinusoid"])
def test_datasets_dtype_hint_admits_the_names_they_take(name):
    import typing

    from chainrule import datasets

    func = getattr(datasets, name)
    out = func(dtype="float32")
    X = out.X_train if name == "load_digits_split" else out[0]
    assert X.dtype == np.float32
    assert str in typing.get_args(typing.get_type_hints(func)["dtype"])

def _public_functions() -> list[tuple[str, object]]:
    found, seen = [], set()
    for modname in PUBLIC_MODULES:
        module = importlib.import_module(modname)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) and id(obj) not in seen:
                seen.add(id(obj))
                found.append((f"{modname}.{name}", obj))
    return found


_FUNCTIONS = _public_functions()


@pytest.mark.parametrize("where, func", _FUNCTIONS, ids=[w for w, _ in _FUNCTIONS])
def test_public_function_documents_its_parameters_and_result(where, func):
    sections = _sections(func.__doc__ or "")
    assert [line for line in sections[""] if line.strip()], f"{where}: no summary line"
    signature = inspect.signature(func)
    if signature.parameters:
        assert "Parameters" in sections, f"{where}: no Parameters section"
    if signature.return_annotation not in (None, "None"):
        assert {"Returns", "Yields"} & set(sections), f"{where}: no Returns section"



def _raising() -> list[tuple[str, object, str]]:
    """(where, function, docstring) of the public callables whose docstring has Raises."""
    found, seen = [], set()
    for where, func, doc in _DOCUMENTED + [(w, f, f.__doc__) for w, f in _FUNCTIONS]:
        if inspect.isclass(func):
            func = vars(func).get("__init__")
        if inspect.isfunction(func) and "Raises" in _sections(doc) and where not in seen:
            seen.add(where)
            found.append((where, func, doc))
    return found


_RAISING = _raising()


@pytest.mark.parametrize("where, func, doc", _RAISING, ids=[w for w, _, _ in _RAISING])
def test_raises_section_names_what_the_body_raises(where, func, doc):
    documented = {n.rsplit(".", 1)[-1]
                  for names, _ in _entries(_sections(doc)["Raises"]) for n in names}
    # exception classes raised in the body itself (helpers' exceptions are not seen)
    raised = set(re.findall(r"\braise\s+([A-Z]\w*)\(", inspect.getsource(func)))
    assert sorted(raised - documented - {"NotImplementedError"}) == [], where


def _user_methods() -> list[tuple[str, object]]:
    """Public methods of the classes a user calls on results and fitted models."""
    import chainrule as cr
    from chainrule import experiments, optimizers, perceptron, preprocessing, saved_model, schedules

    classes = [cr.MLPClassifier, cr.MLPRegressor, cr.SoftmaxRegression, cr.SparseAutoencoder,
               cr.StackedAutoencoder, cr.Trace, saved_model.SavedModel,
               perceptron.PerceptronResult, preprocessing.Whitening, optimizers.Optimizer,
               schedules.Schedule, cr.Layer, experiments.FreeFallResult,
               experiments.GradientNorms, experiments.Overfitting,
               experiments.PerceptronComparison, experiments.Saturation, cr.History, cr.Callback,
               cr.autoencoder.KLSparsity]
    found = []
    for cls in classes:
        for key, value in _own_attributes(cls).items():
            func = getattr(value, "__func__", value)
            if not key.startswith("_") and inspect.isfunction(func):
                found.append((f"{cls.__name__}.{key}", func))
    return found


_METHODS = _user_methods()


@pytest.mark.parametrize("where, func", _METHODS, ids=[w for w, _ in _METHODS])
def test_user_facing_method_documents_its_parameters_and_result(where, func):
    sections = _sections(func.__doc__ or "")
    assert [line for line in sections[""] if line.strip()], f"{where}: no summary line"
    signature = inspect.signature(func)
    if [p for p in signature.parameters if p not in ("self", "cls")]:
        assert "Parameters" in sections, f"{where}: no Parameters section"
    if signature.return_annotation not in (None, "None"):
        assert {"Returns", "Yields"} & set(sections), f"{where}: no Returns section"


def test_properties_and_hooks_of_public_classes_have_docstrings():
    import chainrule as cr
    from chainrule import saved_model

    missing = []
    for cls in (saved_model.SavedModel, saved_model.EstimatorModel, cr.History, cr.Callback):
        for key, value in _own_attributes(cls).items():
            func = value.fget if isinstance(value, property) else value
            if not key.startswith("_") and callable(func) and not (func.__doc__ or "").strip():
                missing.append(f"{cls.__name__}.{key}")
    assert missing == []


def test_the_source_of_every_public_class_and_function_can_be_opened():
    """A student opens the code behind a name (``inspect.getsource``, IPython's ``??``):
    that needs each public object's ``__module__`` to be the file that defines it (the
    estimators once claimed ``chainrule.estimators`` after they moved to modules of their
    own, and ``getsource(MLPClassifier)`` raised OSError)."""
    seen = 0
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                source = inspect.getsource(obj)
                keyword = "class" if inspect.isclass(obj) else "def"
                assert re.search(rf"^\s*(?:@.*\n\s*)*{keyword} {obj.__name__}\b", source,
                                 re.M), f"{module_name}.{name}"
                seen += 1
    assert seen > 50, seen


@pytest.mark.parametrize("modname", [*PUBLIC_MODULES, "chainrule.cli_architecture",
                                     "chainrule.cli_args"])
def test_public_annotations_resolve_at_run_time(modname):
    """typing.get_type_hints raised NameError: name 'Network' is not defined.

    TrainState (chainrule.callbacks) and cli_architecture.build_network named Network only
    under ``if TYPE_CHECKING``, so with ``from __future__ import annotations`` the hint
    named nothing at run time (typing.get_type_hints, inspect.signature(eval_str=True),
    documentation tools).  Every public function, class and method must resolve.
    """
    import typing

    module = importlib.import_module(modname)
    names = getattr(module, "__all__", [n for n in vars(module) if not n.startswith("_")])
    for name in names:
        obj = getattr(module, name)
        if not getattr(obj, "__module__", "").startswith("chainrule"):
            continue
        if inspect.isclass(obj):
            typing.get_type_hints(obj)
            members = [m.fget if isinstance(m, property) else getattr(m, "__func__", m)
                       for n, m in vars(obj).items()
                       if not n.startswith("_") or n in ("__init__", "__call__")]
            for member in members:
                if inspect.isfunction(member):
                    typing.get_type_hints(member)
        elif inspect.isfunction(obj):
            typing.get_type_hints(obj)


def _public_classes() -> list[tuple[str, type]]:
    found, seen = [], set()
    for modname in PUBLIC_MODULES:
        module = importlib.import_module(modname)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) and obj.__module__.startswith("chainrule") \
                    and id(obj) not in seen:
                seen.add(id(obj))
                found.append((f"{modname}.{name}", obj))
    return found


_CLASSES = _public_classes()


def _every_method() -> list[tuple[str, object, str]]:
    """(where, function, docstring) of every public method and property of the public
    classes; a method that overrides a documented one inherits its docstring (as
    ``inspect.getdoc`` and documentation tools do)."""
    found, seen = [], set()
    for where, cls in _CLASSES:
        # every chainrule class it is built of (the estimators' mixins are bases of bases)
        names = {key for klass in cls.__mro__ if klass.__module__.startswith("chainrule")
                 for key in vars(klass)}
        for key in sorted(names):
            if key.startswith("_"):
                continue
            value = inspect.getattr_static(cls, key)
            func = value.fget if isinstance(value, property) else getattr(value, "__func__",
                                                                           value)
            if not inspect.isfunction(func) or id(func) in seen:
                continue
            seen.add(id(func))
            doc = (value.__doc__ if isinstance(value, property)
                   else inspect.getdoc(getattr(cls, key)))
            found.append((f"{where}.{key}", func if not isinstance(value, property) else value,
                          doc or ""))
    return found


_EVERY_METHOD = _every_method()

# known gaps, each with why it is left
_LEFT_FOR_NOW: dict[str, str] = {}


@pytest.mark.parametrize("where, func, doc", _EVERY_METHOD, ids=[w for w, _, _ in _EVERY_METHOD])
def test_every_public_method_documents_its_parameters_and_result(where, func, doc):
    """Every public method and property of a public class has a numpydoc docstring: a
    summary line, Parameters when it takes any (their names those of the signature, by
    test_parameters_section_matches_the_signature) and Returns when it returns something."""
    if where in _LEFT_FOR_NOW:
        pytest.skip(_LEFT_FOR_NOW[where])
    sections = _sections(doc)
    assert [line for line in sections[""] if line.strip()], f"{where}: no summary line"
    if isinstance(func, property):
        return
    signature = inspect.signature(func)
    if [p for p in signature.parameters if p not in ("self", "cls")]:
        assert "Parameters" in sections, f"{where}: no Parameters section"
    if signature.return_annotation not in (None, "None"):
        assert {"Returns", "Yields"} & set(sections), f"{where}: no Returns section"


@pytest.mark.parametrize("where, cls", _CLASSES, ids=[w for w, _ in _CLASSES])
def test_every_public_class_documents_its_constructor(where, cls):
    """A public class's docstring (or its ``__init__``'s) lists the constructor's
    parameters under Parameters, or a dataclass's fields under Attributes."""
    sections = _sections(cls.__doc__ or "")
    assert [line for line in sections[""] if line.strip()], f"{where}: no summary line"
    init = vars(cls).get("__init__") or next(
        (vars(base)["__init__"] for base in cls.__mro__ if "__init__" in vars(base)), None)
    if not inspect.isfunction(init):
        return
    params = [p for p in inspect.signature(init).parameters.values()
              if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if not params:
        return
    own = _sections(init.__doc__ or "")
    if "Parameters" in sections or "Parameters" in own:
        return
    # a record (a dataclass, Trace) documents its fields, the constructor's parameters, as
    # Attributes; the dataclasses' private fields are not a user's to give
    names = [n for names, _ in _entries(sections.get("Attributes", [])) for n in names]
    public = [p.name for p in params if not p.name.startswith("_")]
    assert names, f"{where}: neither Parameters nor Attributes"
    assert [n for n in public if n not in names] == [], f"{where}: parameters not documented"


def _array_entries() -> list[tuple[str, str, str]]:
    """(where, section, entry line) of every array entry of the public docstrings."""
    found, seen = [], set()
    every = ([(w, d) for w, _, d in _DOCUMENTED] + [(w, d) for w, _, d in _EVERY_METHOD]
             + [(w, f.__doc__ or "") for w, f in _FUNCTIONS]
             + [(w, c.__doc__ or "") for w, c in _CLASSES])
    for where, doc in every:
        if where in seen:
            continue
        seen.add(where)
        sections = _sections(doc)
        for section in ("Parameters", "Returns", "Yields", "Attributes"):
            lines = [line for line in sections.get(section, []) if line.strip()]
            if not lines:
                continue
            indent = min(len(line) - len(line.lstrip()) for line in lines)
            for line in lines:
                if len(line) - len(line.lstrip()) != indent:
                    continue
                typ = line.split(" : ", 1)[1] if " : " in line else line.strip()
                if re.match(r"(ndarray|array-like|array_like)", typ.strip()):
                    found.append((where, section, line.strip()))
    return found


def test_array_entries_give_their_shape():
    """The house style: ``X : ndarray of shape (n_samples, n_features)``.  Every
    Parameters, Returns and Attributes entry of an array says its shape (BatchNorm's
    ``delta : ndarray`` did not)."""
    entries = _array_entries()
    assert len(entries) > 200, len(entries)
    assert [e for e in entries if "shape" not in e[2]] == []


def _other_public_modules() -> list[str]:
    """The modules without a leading underscore that PUBLIC_MODULES leaves out (the
    command line's, chainrule.checkpoints, the submodules of tracing and experiments)."""
    import pkgutil

    import chainrule

    return [info.name for info in pkgutil.walk_packages(chainrule.__path__, "chainrule.")
            if not any(part.startswith("_") for part in info.name.split(".")[1:])
            and info.name not in PUBLIC_MODULES]


def _other_callables() -> list[tuple[str, object]]:
    """(where, function) of the public functions and methods of those modules: the names
    in their ``__all__``, or else the public names they define."""
    found, seen = [], {id(f) for _, f, _ in _DOCUMENTED + _EVERY_METHOD}
    seen |= {id(f) for _, f in _FUNCTIONS}
    for modname in _other_public_modules():
        module = importlib.import_module(modname)
        names = getattr(module, "__all__", None) or [
            n for n, v in vars(module).items()
            if not n.startswith("_") and getattr(v, "__module__", None) == modname]
        for name in names:
            obj = getattr(module, name)
            if not getattr(obj, "__module__", "").startswith("chainrule"):
                continue
            members = [(f"{modname}.{name}", obj)] if inspect.isfunction(obj) else []
            if inspect.isclass(obj):
                members = [(f"{modname}.{name}.{k}", getattr(v, "__func__", v))
                           for k, v in vars(obj).items() if not k.startswith("_")]
            for where, func in members:
                if inspect.isfunction(func) and id(func) not in seen:
                    seen.add(id(func))
                    found.append((where, func))
    return found


_OTHER = _other_callables()


@pytest.mark.parametrize("where, func", _OTHER, ids=[w for w, _ in _OTHER])
def test_other_public_modules_document_their_callables(where, func):
    """The command line's modules, checkpoints and the tracing helpers, public by their
    names, keep the rule too (a summary line, Parameters, Returns; the Parameters names,
    without ``self``, those of the signature)."""
    if where in _LEFT_FOR_NOW:
        pytest.skip(_LEFT_FOR_NOW[where])
    _check_other_callable(where, func)


def _check_other_callable(where: str, func: object) -> None:
    """The rule of test_other_public_modules_document_their_callables for one function (a
    method's ``self`` or a classmethod's ``cls`` is not a parameter to document; a
    function's own parameter named ``cls`` is)."""
    doc = inspect.getdoc(func) or ""
    sections = _sections(doc)
    assert [line for line in sections[""] if line.strip()], f"{where}: no summary line"
    signature = inspect.signature(func)
    params = [p.name for p in signature.parameters.values()]
    in_class = "." in func.__qualname__.rsplit("<locals>.", 1)[-1]
    if params and (params[0] == "self" or (in_class and params[0] == "cls")):
        params = params[1:]
    if params:
        assert "Parameters" in sections, f"{where}: no Parameters section"
        entries = _entries(sections["Parameters"])
        named = [n for names, _ in entries for n in names]
        assert named == params, f"{where}: Parameters {named} != signature {params}"
    if signature.return_annotation not in (None, "None"):
        assert {"Returns", "Yields"} & set(sections), f"{where}: no Returns section"


class _Record:
    """A class of a command-line module, as _other_callables finds it."""

    def write(self, path: str) -> None:
        """Write the record.

        Parameters
        ----------
        path : str
        """

    @classmethod
    def parse(cls, text: str) -> _Record:
        """A record read from ``text``.

        Parameters
        ----------
        text : str

        Returns
        -------
        _Record
        """
        return cls()


def test_a_documented_classmethod_keeps_the_rule():
    """_other_callables takes a classmethod's function, whose first parameter is ``cls``:
    the rule asked for ``cls`` in its Parameters, and a documented classmethod of a
    command-line module (``from_args(cls, args)``) failed it."""
    func = vars(_Record)["parse"].__func__  # what _other_callables checks
    assert list(inspect.signature(func).parameters) == ["cls", "text"]
    _check_other_callable("_Record.parse", func)
    _check_other_callable("_Record.write", vars(_Record)["write"])
