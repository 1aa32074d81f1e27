"""The command line imports only what each command uses (perf37).

``import chainrule`` imported ``scipy.special`` (the activations' ``expit`` and
``ndtr``, the losses' ``xlogy``), ``scipy.linalg`` (the optimizers' BLAS updates) and
``scipy.sparse`` (one ``issparse`` test of the class weights): about 0.3 s of CPU of
every command, ``chainrule --version`` included, through SciPy's array-API layer.
``chainrule gradcheck`` of a random network imported ``chainrule.autoencoder`` (and so
scikit-learn, pandas, joblib) for an ``isinstance`` test.  Each is now imported where
it is used.  Fresh processes show what each command leaves in ``sys.modules``; what the
commands print is checked against values worked here by hand (``math``, NumPy).
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

import chainrule
from chainrule._class_weight import multilabel_weights
from file_helpers import fresh_python

HEAVY = ("sklearn", "scipy.special", "scipy.linalg", "scipy.sparse", "scipy.optimize",
         "matplotlib", "pandas", "joblib", "threadpoolctl", "tqdm", "chainrule.autoencoder")


def _heavy_after(commands: list[list[str]]) -> str:
    """Code that runs each command in turn and prints, after each, its exit status and
    the heavy modules then imported (as JSON), with what the command printed before."""
    return (
        "import contextlib, io, json, sys\n"
        "from chainrule.cli import main\n"
        f"for argv in {commands!r}:\n"
        "    out = io.StringIO()\n"
        "    with contextlib.redirect_stdout(out):\n"
        "        try:\n"
        "            code = main(argv)\n"
        "        except SystemExit as exc:\n"
        "            code = exc.code\n"
        f"    heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "    print(json.dumps([argv[0], code, heavy, out.getvalue()]))\n"
    )


@pytest.fixture(scope="module")
def iris_files(tmp_path_factory):
    """A CSV of 12 rows (4 features, 3 species) and a model file ``train`` wrote of it."""
    from chainrule.cli import main

    tmp = tmp_path_factory.mktemp("perf37")
    rng = np.random.default_rng(0)
    X = np.round(rng.normal(size=(12, 4)), 3)
    species = np.array(["a", "b", "c"] * 4)
    data = tmp / "small.csv"
    with open(data, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["f0", "f1", "f2", "f3", "species"])
        w.writerows([*map(str, x), s] for x, s in zip(X, species, strict=True))
    model = tmp / "small.npz"
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        assert main(["train", str(data), "--target", "species", "--hidden", "3",
                     "--epochs", "2", "-q", "-o", str(model)]) == 0
    return X, data, model


def _softmax_proba(model: Path, X: np.ndarray) -> np.ndarray:
    """The model file's probabilities by hand: standardised X, ReLU hidden layer,
    softmax output, exp(z - max z) / sum."""
    saved = chainrule.load_model(str(model))
    hidden, top = saved.network.layers
    assert hidden.activation.name == "relu" and top.activation.name == "softmax"
    S = (X - np.array(saved.metadata["x_mean"])) / np.array(saved.metadata["x_scale"])
    z = np.maximum(S @ hidden.W + hidden.b, 0) @ top.W + top.b
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.slow  # a fresh Python process: seconds on a busy machine
def test_commands_that_need_none_import_no_scipy_special_linalg_sparse_or_scikit_learn(
        iris_files, tmp_path):
    X, data, model = iris_files
    proba = tmp_path / "p.csv"
    commands = [["--version"], ["--help"], ["cv", "--help"], ["info", str(model), "--json"],
                ["predict", str(model), str(data), "--proba", "-o", str(proba)],
                ["evaluate", str(model), str(data), "--json"],
                ["gradcheck", "--sizes", "4", "5", "3", "--activation", "tanh",
                 "--output", "softmax"]]
    lines = [json.loads(line) for line in fresh_python(_heavy_after(commands))]
    assert [name for name, *_ in lines] == [argv[0] for argv in commands]
    for (name, code, heavy, _), argv in zip(lines, commands, strict=True):
        assert heavy == [], f"chainrule {' '.join(argv)} imported {heavy}"
        assert code in (0, None), name
    by = {name: out for name, _, _, out in lines}
    assert by["--version"] == f"chainrule {chainrule.__version__}\n"
    assert by["--help"].startswith("usage: chainrule ")
    info = json.loads(by["info"])
    assert [(layer["input"], layer["output"]) for layer in info["layers"]] == [(4, 3), (3, 3)]
    assert info["n_params"] == (4 * 3 + 3) + (3 * 3 + 3)
    P = _softmax_proba(model, X)
    with open(proba, newline="") as f:
        written = np.array([[float(r[f"proba_{c}"]) for c in "abc"] for r in csv.DictReader(f)])
    np.testing.assert_allclose(written, P, rtol=1e-12, atol=1e-15)
    scores = json.loads("\n".join(by["evaluate"].splitlines()))
    y = np.array(["abc".index(s) for s in ["a", "b", "c"] * 4])
    assert scores["accuracy"] == np.mean(P.argmax(axis=1) == y)
    # log loss by hand: the mean of -log P[true class] (no probability near 0 or 1 here)
    assert scores["log_loss"] == pytest.approx(-np.mean(np.log(P[np.arange(12), y])), rel=1e-12)
    assert "PASS" in by["gradcheck"]


@pytest.mark.slow  # a fresh Python process
def test_scipy_loads_on_first_use_and_its_functions_take_their_places():
    """In a fresh process: sigmoid, GELU and SiLU (scipy.special's expit and ndtr), the
    cross-entropy (xlogy) and a BLAS update are right by hand, and only then is SciPy's
    module imported; the modules' names are SciPy's functions themselves afterwards."""
    code = (
        "import math, sys, json\n"
        "import numpy as np\n"
        "import chainrule\n"
        "from chainrule import _activations_builtin as ab, _loss_formulas as lf\n"
        "from chainrule import _optimizers_blas as ob\n"
        "before = [m in sys.modules for m in ('scipy.special', 'scipy.linalg')]\n"
        "z = np.array([0.0, 2.0, -3.5])\n"
        "act = chainrule.activations.get_activation\n"
        "sig, gelu, silu = (act(n)(z).tolist() for n in ('sigmoid', 'gelu', 'silu'))\n"
        "y = np.array([[1.0, 0.0]]); a = np.array([[0.25, 0.75]])\n"
        "ce = chainrule.losses.get_loss('cross_entropy').value(a, y).tolist()\n"
        "p = np.array([1.0, 2.0, 3.0]); d = np.array([0.5, 0.25, -1.0])\n"
        "ob._subtract_scaled(p, 0.5, d, np.empty_like, blas=True)\n"
        "import scipy.special, scipy.linalg.blas\n"
        "print(json.dumps([before, sig, gelu, silu, ce, p.tolist(),\n"
        "                  ab.expit is scipy.special.expit, ab.ndtr is scipy.special.ndtr,\n"
        "                  lf.xlogy is scipy.special.xlogy,\n"
        "                  ob._AXPY['d'] is scipy.linalg.blas.daxpy]))\n"
    )
    before, sig, gelu, silu, ce, p, *same = json.loads(fresh_python(code)[-1])
    assert before == [False, False]
    zs = [0.0, 2.0, -3.5]
    np.testing.assert_allclose(sig, [1 / (1 + math.exp(-z)) for z in zs], rtol=1e-15)
    phi = [0.5 * math.erfc(-z / math.sqrt(2)) for z in zs]  # the normal's CDF
    np.testing.assert_allclose(gelu, [z * f for z, f in zip(zs, phi, strict=True)],
                               rtol=1e-14)
    np.testing.assert_allclose(silu, [z / (1 + math.exp(-z)) for z in zs], rtol=1e-15)
    # -sum_j y_j log a_j of the one example: -log(0.25)
    assert ce[0] == pytest.approx(-math.log(0.25), rel=1e-15)
    assert p == [0.75, 1.875, 3.5]  # 1 - 0.5 * 0.5, 2 - 0.5 * 0.25, 3 + 0.5: exact
    assert same == [True, True, True, True]


def test_lazy_special_calls_scipy_and_rebinds_its_names():
    import scipy.special

    from chainrule._scipy_special import lazy_special

    ns: dict = {}
    expit, xlogy = lazy_special(ns, "expit", "xlogy")
    assert expit is not scipy.special.expit and expit.__name__ == "expit"
    out = np.empty(3)
    got = expit(np.array([0.0, 2.0, -3.5]), out=out)
    assert got is out  # out= reaches SciPy's ufunc
    np.testing.assert_allclose(out, [0.5, 1 / (1 + math.exp(-2.0)), 1 / (1 + math.exp(3.5))],
                               rtol=1e-15)
    assert ns == {"expit": scipy.special.expit, "xlogy": scipy.special.xlogy}
    assert xlogy(0.0, 0.0) == 0.0 and xlogy(2.0, math.e) == pytest.approx(2.0, rel=1e-15)


def test_multilabel_weights_of_a_sparse_matrix_as_of_the_dense_one():
    """_class_weight no longer imports scipy.sparse: a sparse Y is still found (its module
    is then imported).  Balanced weights by hand: a column of n = 4 rows with c ones gives
    its ones n / (2 c) and its zeros n / (2 (n - c)); a row's weight is their product."""
    import scipy.sparse

    Y = np.array([[1, 0], [1, 1], [1, 0], [0, 0]])
    col0 = [4 / 6, 4 / 6, 4 / 6, 4 / 2]
    col1 = [4 / 6, 4 / 2, 4 / 6, 4 / 6]
    expected = np.array(col0) * np.array(col1)
    for given in (Y, scipy.sparse.csr_matrix(Y)):
        np.testing.assert_allclose(multilabel_weights("balanced", given), expected, rtol=1e-15)

