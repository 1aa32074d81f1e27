"""An estimator file whose ``fitted`` record holds a value of the wrong kind is refused as a
corrupted estimator file naming the field, by ``load_estimator`` and by ``chainrule info``
and ``chainrule plot loss`` (nothing written), for every record ``save`` writes.

Before (robust26): a list or an object where ``_loss_types`` holds a type name
(``{"best_loss_": ["float64"]}``, a run ``[[["float32"], 5]]``) was looked up as a key of
a dict, and ``load_estimator`` raised ``TypeError: unhashable type: 'list'``; the command
line printed "chainrule: error: unhashable type: 'list'".  The other records (counts,
curves, classes, names) were refused by name already; they are walked here as well.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import chainrule as cr
from file_helpers import cli_fails, edit_saved_meta

# what save writes where JSON holds one value: each replaced by values of the wrong kind
WRONG = [[], {}, "x", [["float32"]], {"a": 1}, [1, [2]], [None], 1.5, -1, True]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("fitted")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter=4 does not converge
        cr.MLPClassifier((4,), max_iter=4, random_state=0, early_stopping=True).fit(
            X, np.array(["a", "b", "c", "a"] * 10)).save(d / "c.npz")
        cr.MLPRegressor((4,), max_iter=4, random_state=0).fit(X, X[:, 0]).save(d / "r.npz")
    return d


def _damaged(files, tmp_path, model: str, keys: tuple, value: object):
    path = tmp_path / "m.npz"
    path.write_bytes((files / f"{model}.npz").read_bytes())

    def edit(meta: dict) -> None:
        record = meta["fitted"]
        for key in keys[:-1]:
            record = record[key]
        record[keys[-1]] = value

    edit_saved_meta(path, edit)
    return path


def _fitted(files, model: str) -> dict:
    with np.load(files / f"{model}.npz", allow_pickle=False) as data:
        return json.loads(str(data["__meta__"]))["fitted"]


def _number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _same_kind(value: object, sound: object, keys: tuple) -> bool:
    """Whether ``value`` is of the kind the sound record holds there, a value and no
    damage: a number (not a bool) for a number, any string for a label, an empty list for
    a list (a string elsewhere names one of a few types, outputs or targets)."""
    if isinstance(sound, list):
        return value == []
    if _number(sound):
        return _number(value)
    return keys[0] == "classes_" and isinstance(value, str)


FIELDS = [  # (file, the field's keys inside "fitted")
    ("r", ("_loss_types",)), ("r", ("_loss_types", "best_loss_")),
    ("r", ("_loss_types", "loss_curve_")), ("c", ("_loss_types", "loss_curve_", 0)),
    ("c", ("_loss_types", "loss_curve_", 0, 0)), ("c", ("_loss_types", "loss_curve_", 0, 1)),
    ("c", ("loss_curve_",)), ("c", ("loss_curve_", 0)), ("c", ("validation_scores_",)),
    ("c", ("validation_scores_", 0)), ("c", ("classes_",)), ("c", ("classes_", 0)),
    ("c", ("classes_dtype",)), ("c", ("y_type_",)), ("c", ("n_iter_",)), ("c", ("t_",)),
    ("c", ("n_features_in_",)), ("c", ("n_outputs_",)), ("c", ("best_loss_",)),
    ("c", ("best_validation_score_",)), ("r", ("out_activation_",)),
]


@pytest.mark.parametrize(("model", "keys"), FIELDS, ids=lambda v: str(v))
def test_a_wrong_kind_of_value_is_refused_by_its_field(files, tmp_path, model, keys) -> None:
    sound = _fitted(files, model)
    for key in keys:
        sound = sound[key]
    for value in WRONG:
        if _same_kind(value, sound, keys):
            continue  # a number for a loss, a label for a label: a value, not damage
        path = _damaged(files, tmp_path, model, keys, value)
        with pytest.raises(ValueError) as caught:
            cr.load_estimator(path)
        assert type(caught.value) is ValueError
        text = str(caught.value)
        assert text.startswith(f"{path}: corrupted estimator file (fitted: "), text
        # the field named: classes_dtype's refusal words it as the labels'
        assert keys[0] in text or keys[0] == "classes_dtype", text
        if keys[0] == "_loss_types" and len(keys) > 1:
            assert keys[1] in text, text


@pytest.mark.parametrize("value", [["float64"], {"a": 1}, [[1]]])
def test_best_loss_type_of_a_list_is_refused_not_unhashable(files, tmp_path, value) -> None:
    path = _damaged(files, tmp_path, "r", ("_loss_types", "best_loss_"), value)
    with pytest.raises(ValueError, match=r"corrupted estimator file \(fitted: _loss_types: "
                                         r"best_loss_: expected \['float32', 'float64'\]"):
        cr.load_estimator(path)


@pytest.mark.parametrize("run", [[["float64"], 4], [{"a": 1}, 4], [[["float64"]], 4]])
def test_a_run_type_of_a_list_is_refused_not_unhashable(files, tmp_path, run) -> None:
    path = _damaged(files, tmp_path, "c", ("_loss_types", "loss_curve_"), [run])
    with pytest.raises(ValueError, match=r"corrupted estimator file \(fitted: _loss_types: "
                                         r"loss_curve_: expected runs"):
        cr.load_estimator(path)


def test_info_and_plot_refuse_it_and_write_nothing(files, tmp_path, capsys) -> None:
    path = _damaged(files, tmp_path, "r", ("_loss_types", "best_loss_"), ["float64"])
    err = cli_fails(capsys, ["info", path])
    assert "corrupted estimator file (fitted: _loss_types: best_loss_" in err
    assert "unhashable" not in err
    err = cli_fails(capsys, ["plot", "loss", path, "-o", tmp_path / "loss.png"])
    assert "corrupted estimator file (fitted: _loss_types: best_loss_" in err
    assert not (tmp_path / "loss.png").exists()
