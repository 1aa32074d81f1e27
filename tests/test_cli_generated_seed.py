"""A generated data set (moons, circles, sinusoid) given to evaluate, predict or plot is
drawn from the seed the model was trained on unless --seed says otherwise, and evaluate's
first line says which draw it scored: the training data, or a new draw held out.

References: scikit-learn's make_moons / make_circles with the seed (what read_data
draws), the model's own predict on them, and sklearn.metrics for the scores.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from sklearn.datasets import make_circles, make_moons
from sklearn.metrics import accuracy_score, log_loss

from chainrule.cli import main
from chainrule.saved_model import load_model
from chainrule.tabular import read_data

DRAW = {"moons": lambda s: make_moons(200, noise=0.2, random_state=s),
        "circles": lambda s: make_circles(200, noise=0.1, factor=0.5, random_state=s)}


@pytest.fixture(params=["moons", "circles"])
def trained(request, tmp_path, capsys):
    name, model = request.param, tmp_path / "m.npz"
    assert main(["train", name, "--hidden", "4", "--epochs", "3", "--seed", "3",
                 "--val-fraction", "0.1", "-q", "-o", str(model)]) == 0
    capsys.readouterr()
    return name, model


def _evaluate(capsys, *argv) -> tuple[str, dict]:
    assert main(["evaluate", *map(str, argv)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert main(["evaluate", *map(str, argv), "--json"]) == 0
    return first, json.loads(capsys.readouterr().out)


def _scores(model, X, y) -> tuple[float, float]:
    m = load_model(model)
    return accuracy_score(y, m.predict(X)), log_loss(y, m.predict_proba(X))


def test_evaluate_scores_the_draw_the_model_was_trained_on_and_says_so(trained, capsys):
    """Before: evaluate MODEL moons drew seed 0's moons for a model of train --seed 3,
    and said nothing of them."""
    name, model = trained
    X, y = DRAW[name](3)
    np.testing.assert_array_equal(read_data(name, seed=3).X, X)  # what train read
    acc, loss = _scores(model, X, y)
    for more in ((), ("--seed", 3)):
        first, got = _evaluate(capsys, model, name, *more)
        assert got["accuracy"] == pytest.approx(acc, abs=1e-12)
        assert got["log_loss"] == pytest.approx(loss, rel=1e-9)
        assert first == (f"{name}: 200 examples, the data the model was trained on (180 "
                         "training and 20 validation examples; none held out: not a test "
                         "score)")


def test_evaluate_another_seed_scores_a_new_draw_said_to_be_held_out(trained, capsys):
    name, model = trained
    for seed in (0, 5):
        X, y = DRAW[name](seed)
        acc, loss = _scores(model, X, y)
        first, got = _evaluate(capsys, model, name, "--seed", seed)
        assert got["accuracy"] == pytest.approx(acc, abs=1e-12)
        assert got["log_loss"] == pytest.approx(loss, rel=1e-9)
        assert first == (f"{name}: 200 examples, a new draw of {name} (--seed {seed}; the "
                         "model was trained on the draw of --seed 3): none of them trained "
                         "on, a held-out score")


def test_predict_draws_the_training_seed_unless_told(trained, tmp_path):
    name, model = trained
    out = tmp_path / "p.csv"
    m = load_model(model)
    for more, seed in (((), 3), (("--seed", "5"), 5)):
        assert main(["predict", str(model), name, *more, "-o", str(out)]) == 0
        with open(out, newline="") as fh:
            rows = list(csv.reader(fh))[1:]
        want = m.predict(DRAW[name](seed)[0])
        np.testing.assert_array_equal([int(r[0]) for r in rows], want)


def test_plot_regions_draws_the_points_of_the_training_seed(trained, tmp_path, saved_figures):
    name, model = trained
    for more, seed in (((), 3), (("--seed", "5"), 5)):
        assert main(["plot", "regions", str(model), name, *more,
                     "-o", str(tmp_path / "r.png")]) == 0
        X, y = DRAW[name](seed)
        points = [c for c in saved_figures[-1].axes[0].collections
                  if c.get_label() in ("0", "1")]
        assert len(points) == 2
        for c in points:
            np.testing.assert_allclose(np.sort(c.get_offsets()[:, 0]),
                                       np.sort(X[y == int(c.get_label()), 0]))


def test_another_generated_set_is_drawn_from_seed_0_with_no_claim(tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["train", "moons", "--hidden", "4", "--epochs", "2", "--seed", "3", "-q",
                 "-o", str(model)]) == 0
    capsys.readouterr()
    X, y = DRAW["circles"](0)
    acc, _ = _scores(model, X, y)
    first, got = _evaluate(capsys, model, "circles")
    assert got["accuracy"] == pytest.approx(acc, abs=1e-12)
    assert first == "circles: 200 examples"


def test_gradcheck_checks_the_model_on_its_training_draw_unless_told(trained, capsys):
    """gradcheck --model M --data moons drew seed 0's moons for a model of train --seed 3,
    where --data's help says "as chainrule evaluate takes it": the cost it prints is the
    mean log loss of the first --samples rows of the draw (the network has no weight
    decay), written out here from the model's probabilities."""
    name, model = trained
    m = load_model(model)
    assert m.network.weight_decay == 0
    for more, seed in (((), 3), (("--seed", "3"), 3), (("--seed", "0"), 0)):
        assert main(["gradcheck", "--model", str(model), "--data", name, "--samples", "6",
                     *more]) == 0
        out = capsys.readouterr().out
        J = float(next(line for line in out.splitlines()
                       if line.startswith("cost J = ")).split()[3])
        X, y = DRAW[name](seed)
        p = m.predict_proba(X[:6])[:, 1]
        want = -np.mean(y[:6] * np.log(p) + (1 - y[:6]) * np.log(1 - p))
        assert J == pytest.approx(want, rel=1e-9)
        assert f"on the first 6 of 200 examples of {name}" in out
