"""``chainrule train``: categories that only the --val-fraction validation rows hold.

The model file records every category of DATA (as scikit-learn's
``Pipeline(OneHotEncoder(), MLPRegressor(early_stopping=True))`` fits its encoder on
every row), but the input weights of a category no training row holds never train, and
predict then took such a row without a word.  train now says so on stderr, naming the
column and the categories; the reference split is scikit-learn's ``train_test_split``
with train's seed, and the weights of such a category are the same after a run on
another target (unmoved by training).
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.model_selection import train_test_split

from chainrule.cli import main
from chainrule.saved_model import load_model


def _write(path, colour: list[str], shape: list[str], x: np.ndarray, y: np.ndarray) -> None:
    rows = [f"{a!r},{c},{s},{t!r}" for a, c, s, t in zip(x.tolist(), colour, shape, y.tolist(),
                                                        strict=True)]
    path.write_text("\n".join(["x,colour,shape,y", *rows]) + "\n")


def test_categories_of_the_validation_rows_alone_are_named(tmp_path, capsys):
    n, seed = 40, 6
    _, val = train_test_split(np.arange(n), test_size=math.ceil(0.1 * n), random_state=seed)
    val = sorted(int(i) for i in val)
    rng = np.random.default_rng(0)
    colour = ["red" if v else "blue" for v in rng.random(n) < 0.5]
    shape = ["round"] * n
    colour[val[0]], colour[val[1]], shape[val[2]] = "green", "pink", "square"
    x = rng.normal(size=n)
    _write(tmp_path / "d.csv", colour, shape, x, 2 * x)
    capsys.readouterr()
    options = ["--seed", str(seed), "--epochs", "3", "--hidden", "3", "-q"]
    assert main(["train", str(tmp_path / "d.csv"), *options, "-o", str(tmp_path / "m")]) == 0
    err = capsys.readouterr().err
    assert err == (
        "chainrule train: warning: 'colour': 'green', 'pink' are only in the validation rows "
        "(--val-fraction 0.1): the model file records the categories, but their input "
        "weights never train (no training row holds them) and predict takes them without a "
        "word; give --val-fraction 0, or more rows of them\n"
        "chainrule train: warning: 'shape': 'square' is only in the validation rows "
        "(--val-fraction 0.1): the model file records the category, but its input weights "
        "never train (no training row holds it) and predict takes it without a word; give "
        "--val-fraction 0, or more rows of it\n")
    # it is so: the input weights of those categories are the same in a run on another
    # target (their initialisation, the network's seed the same), the others' are not
    _write(tmp_path / "e.csv", colour, shape, x, np.sin(3 * x))
    assert main(["train", str(tmp_path / "e.csv"), *options, "-o", str(tmp_path / "o")]) == 0
    capsys.readouterr()
    first, other = load_model(tmp_path / "m.npz"), load_model(tmp_path / "o.npz")
    names = first.feature_names
    assert names == ["x", "colour=blue", "colour=green", "colour=pink", "colour=red",
                     "shape=round", "shape=square"]
    W, W_other = first.network.layers[0].W, other.network.layers[0].W
    unmoved = [names.index(k) for k in ("colour=green", "colour=pink", "shape=square")]
    np.testing.assert_array_equal(W[unmoved], W_other[unmoved])
    assert not np.allclose(W[[0, 1, 4, 5]], W_other[[0, 1, 4, 5]])
    # no warning without validation rows, or where the training rows hold them too
    assert main(["train", str(tmp_path / "d.csv"), *options, "--val-fraction", "0",
                 "-o", str(tmp_path / "m2")]) == 0
    assert capsys.readouterr().err == ""
    colour[0 if 0 not in val else 1] = "green"
    shape[0 if 0 not in val else 1] = "square"
    colour[2 if 2 not in val else 4] = "pink"
    _write(tmp_path / "d.csv", colour, shape, x, 2 * x)
    assert main(["train", str(tmp_path / "d.csv"), *options, "-o", str(tmp_path / "m3")]) == 0
    assert capsys.readouterr().err == ""
