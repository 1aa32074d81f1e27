"""``import chainrule`` and the everyday commands import only what they use (practitioner25).

A practitioner who calls ``chainrule predict model.npz rows.csv`` in a loop pays Python's
start and the imports on every call.  ``import chainrule`` imported the tracing package,
scipy_fit (with SciPy) and the training loop for the names it re-exports; now each public
name loads on first use (PEP 562).  Fresh processes show what is left in ``sys.modules``;
every public name still comes from the module that defines it.
"""

from __future__ import annotations

import contextlib
import os

import numpy as np
import pytest

from file_helpers import fresh_python, write_rows_csv

# not imported by `import chainrule` nor by --help, info, predict, evaluate of a model file
NOT_AT_START = ("sklearn", "matplotlib", "scipy", "tqdm", "pandas", "chainrule.tracing",
                "chainrule.training", "chainrule.scipy_fit", "chainrule.estimators",
                "chainrule.autoencoder")


def test_import_chainrule_then_every_public_name():
    code = (
        "import importlib, sys, chainrule\n"
        f"heavy = {NOT_AT_START!r}\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "names = set(chainrule.__all__)\n"
        "assert names == {*chainrule._LAZY, *chainrule._MODULES, '__version__'}\n"
        "assert names <= set(dir(chainrule)), names - set(dir(chainrule))\n"
        "for name in sorted(names - {'__version__'}):\n"
        "    value = getattr(chainrule, name)\n"
        "    if not isinstance(value, type(sys)):\n"  # a name: its defining module's object
        "        home = importlib.import_module('chainrule.' + chainrule._LAZY[name])\n"
        "        assert value is getattr(home, name), name\n"
        "    else:\n"
        "        assert value is sys.modules['chainrule.' + name], name\n"
        "ns = {}\n"
        "exec('from chainrule import *', ns)\n"
        "assert names <= set(ns)\n"
        "from chainrule import Network, train, trace, minimize, MLPClassifier\n"
        "assert train is chainrule.training.train and chainrule.train is train\n"
        "assert chainrule.network.Network is Network\n"
        "try:\n"
        "    chainrule.no_such_name\n"
        "except AttributeError as exc:\n"
        "    print(exc)\n"
    )
    lines = fresh_python(code)
    assert lines == ["[]", "module 'chainrule' has no attribute 'no_such_name'"]


def test_a_submodule_is_reachable_as_an_attribute():
    """``chainrule.training.X`` (as tests' monkeypatch strings say it) without importing
    chainrule.training first, as when ``import chainrule`` imported it."""
    lines = fresh_python("import chainrule\n"
                         "print(chainrule.training.__name__, chainrule.tabular.__name__)\n"
                         "print(callable(chainrule.training.train))\n")
    assert lines == ["chainrule.training chainrule.tabular", "True"]


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    """A 30-row, 3-class CSV and a model file ``train`` wrote of it."""
    from chainrule.cli import main

    tmp = tmp_path_factory.mktemp("practitioner25")
    rng = np.random.default_rng(0)
    X = np.round(rng.normal(size=(30, 3)), 3)
    data = write_rows_csv(tmp / "rows.csv", ["a", "b", "c", "label"], X,
                          ["x", "y", "z"] * 10)
    model = tmp / "m.npz"
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        assert main(["train", data, "--target", "label", "--hidden", "3", "--epochs", "2",
                     "-q", "-o", str(model)]) == 0
    return str(model), data


def test_help_info_predict_evaluate_import_no_heavy_module(model_files):
    model, data = model_files
    commands = [["--help"], ["info", model], ["predict", model, data, "--proba"],
                ["evaluate", model, data]]
    code = (
        "import contextlib, io, sys\n"
        "from chainrule.cli import main\n"
        f"for argv in {commands!r}:\n"
        "    with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "        try:\n"
        "            code = main(argv)\n"
        "        except SystemExit as exc:\n"
        "            code = exc.code\n"
        f"    heavy = sorted(m for m in {NOT_AT_START!r} if m in sys.modules)\n"
        "    print(argv[0], code, heavy, len(out.getvalue()) > 0)\n"
    )
    assert fresh_python(code) == ["--help 0 [] True", "info 0 [] True", "predict 0 [] True",
                                  "evaluate 0 [] True"]


def test_the_parser_alone_imports_no_network_module():
    """``chainrule --help`` (every command's parser built) imported the network, its
    layers, losses, optimizers and callbacks through train's modules (the checkpoints'
    clock, the L-BFGS run, the architecture's type hints): they are the commands'."""
    code = ("import contextlib, io, sys\n"
            "from chainrule.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            "    try:\n"
            "        main(['--help'])\n"
            "    except SystemExit as exc:\n"
            "        code = exc.code\n"
            "print(code)\n"
            "names = ('network', 'layers', 'losses', 'optimizers', 'callbacks', 'activations',\n"
            "         '_training_guards', 'tabular', 'saved_model')\n"
            "print(sorted(n for n in names if 'chainrule.' + n in sys.modules))\n"
            "print('predict' in out.getvalue())\n")
    assert fresh_python(code) == ["0", "[]", "True"]
