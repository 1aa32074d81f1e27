"""A ``chainrule train`` model file whose training record holds update-rule settings out of
range (robust27).

``metadata.training`` records the rule the run trained with (``optimizer``, ``lr``,
``momentum``, PyTorch's settings where given).  A damaged file's ``lr = inf``, ``NaN`` or
``-0.1``, or ``momentum = 1.5``, loaded, and ``chainrule info`` showed it as the run's
(``train --init-from`` takes the rule from its own options, so it trained on).  Now the
file is refused as corrupted as it is read (info, predict, --init-from), naming the
field, in the words of the rule's own constructor; the files train writes still load.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.cli import main
from chainrule.saved_model import load_model
from file_helpers import assert_model_file_refused, edit_saved_meta, small_data


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rule")
    X, y = small_data()
    np.savetxt(folder / "d.csv", np.c_[X, y], delimiter=",", header="a,b,c,y", comments="",
               fmt="%.6g")
    return folder


def _trained(folder, name, *options):
    path = folder / name
    assert main(["train", str(folder / "d.csv"), "--target", "y", "--hidden", "4",
                 "--epochs", "2", "-q", "-o", str(path), *options]) == 0
    return path


CASES = [
    ("adam", "lr", float("inf"), "lr must be a finite float > 0, got inf"),
    ("adam", "lr", float("nan"), "lr must be a finite float > 0, got nan"),
    ("sgd", "lr", -0.1, "lr must be a finite float > 0, got -0.1"),
    ("sgd", "momentum", 1.5, "momentum must be in [0, 1), got 1.5"),
    ("nesterov", "momentum", -0.5, "momentum must be a finite float >= 0, got -0.5"),
    ("adamw", "decoupled_decay", -1.0, "weight_decay must be a finite float >= 0, got -1.0"),
]


@pytest.mark.parametrize(("optimizer", "key", "value", "words"), CASES,
                         ids=[f"{o}-{k}={v}" for o, k, v, _ in CASES])
def test_a_setting_out_of_range_is_refused_at_load(data, capsys, optimizer, key, value, words):
    path = _trained(data, f"{optimizer}-{key}.npz", "--optimizer", optimizer)
    edit_saved_meta(path, lambda meta: meta["metadata"]["training"].__setitem__(key, value))
    expected = (f"corrupted chainrule model file (training.{key}: {words} (the optimizer "
                f"{optimizer!r}))")
    assert_model_file_refused(capsys, path, data, expected)


@pytest.mark.parametrize("options", [
    ["--optimizer", "sgd", "--momentum", "0.5", "--dampening", "0.3"],
    ["--optimizer", "rmsprop", "--momentum", "0.2", "--centered"],
    ["--optimizer", "adagrad", "--lr-decay", "0.01", "--initial-accumulator-value", "0.1"],
    ["--optimizer", "nadam", "--momentum-decay", "0.01", "--decoupled-decay", "0.02"],
    ["--optimizer", "adam", "--amsgrad"], ["--optimizer", "gd"], ["--optimizer", "lbfgs"],
])
def test_the_files_train_writes_load(data, options):
    path = _trained(data, "valid.npz", *options)
    model = load_model(path)
    assert model.metadata["training"]["optimizer"] == options[1]
