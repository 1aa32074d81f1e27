"""A ``chainrule train`` model file whose training record names no optimizer train takes
(robust28).

``metadata.training.optimizer`` is the name of the rule the run trained with, one of
``--optimizer``'s choices.  A damaged file's ``"adamm"`` (or a number) loaded, and
``chainrule info`` showed it as the run's rule; now it is refused as corrupted as the file
is read (load_model, info, --init-from), naming the field and listing the names train
takes; each of those loads, and a record without the key (none written) too.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule._cli_args_optimizer import TRAIN_OPTIMIZER_NAMES
from chainrule.cli import main
from chainrule.saved_model import load_model
from file_helpers import assert_model_file_refused, edit_saved_meta, small_data


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("name")
    X, y = small_data()
    np.savetxt(folder / "d.csv", np.c_[X, y], delimiter=",", header="a,b,c,y", comments="",
               fmt="%.6g")
    assert main(["train", str(folder / "d.csv"), "--target", "y", "--hidden", "4",
                 "--epochs", "2", "-q", "-o", str(folder / "m.npz")]) == 0
    return folder


def _named(folder, name, value):
    path = folder / f"{name}.npz"
    path.write_bytes((folder / "m.npz").read_bytes())
    edit_saved_meta(path, lambda meta: meta["metadata"]["training"].__setitem__(
        "optimizer", value))
    return path


@pytest.mark.parametrize("value", ["adamm", "SGD", 3, ["adam"]])
def test_an_unknown_optimizer_is_refused_at_load(model, capsys, value):
    path = _named(model, "bad", value)
    listed = ", ".join(sorted(TRAIN_OPTIMIZER_NAMES))  # --optimizer's own choices
    expected = (f"corrupted chainrule model file (training.optimizer: expected one of "
                f"{listed} (train's --optimizer), got {value!r})")
    assert_model_file_refused(capsys, path, model, expected)


@pytest.mark.parametrize("value", sorted(TRAIN_OPTIMIZER_NAMES))
def test_every_name_train_takes_loads(model, value):
    assert load_model(_named(model, "ok", value)).metadata["training"]["optimizer"] == value


def test_a_record_without_the_name_loads(model):
    path = model / "none.npz"
    path.write_bytes((model / "m.npz").read_bytes())
    edit_saved_meta(path, lambda meta: meta["metadata"]["training"].pop("optimizer"))
    assert "optimizer" not in load_model(path).metadata["training"]
