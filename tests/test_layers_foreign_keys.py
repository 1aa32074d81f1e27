"""A layer dict with Keras's or PyTorch's name of a key ("units", "p", "filters") is refused,
as before, and the message says the key's name here, where the layer takes it; the message
used to list the valid keys only."""

from __future__ import annotations

import inspect
import re

import pytest

from chainrule import AvgPool2D, BatchNorm, Conv2D, Dense, Dropout, MaxPool2D
from chainrule.architecture import network_from_layers
from chainrule.cli import main

# (layer type, foreign key, our key): the foreign names as Keras's and PyTorch's layers
# spell them, our keys as the classes' signatures do
CASES = [(Dense, "units", "fan_out"), (Dense, "out_features", "fan_out"),
         (Dense, "in_features", "fan_in"), (Dense, "use_bias", "bias"),
         (Dropout, "p", "rate"), (BatchNorm, "num_features", "n_features"),
         (Conv2D, "filters", "out_channels"), (Conv2D, "strides", "stride"),
         (MaxPool2D, "pool_size", "size"), (AvgPool2D, "strides", "stride")]


@pytest.mark.parametrize(("cls", "foreign", "ours"), CASES)
def test_a_foreign_key_is_refused_naming_ours(cls, foreign, ours):
    assert ours in inspect.signature(cls.__init__).parameters  # the key the layer takes
    with pytest.raises(ValueError, match=(
            rf"^layers\[0\] \({cls.__name__}\): unknown key\(s\) \[{re.escape(repr(foreign))}\]"
            rf"; valid keys are \[.*\] \({re.escape(repr(foreign))} is "
            rf"{re.escape(repr(ours))} here\)$")):
        network_from_layers([{"type": cls.__name__, foreign: 1}], input_shape=(1, 8, 8))


def test_a_key_of_no_other_library_gets_no_name():
    with pytest.raises(ValueError, match=r"valid keys are \['rate'\]$"):
        network_from_layers([{"type": "Dropout", "probability": 0.5}], input_shape=4)


def test_a_foreign_key_of_another_layer_gets_no_name():
    """'filters' names a convolution's out_channels, not a Dense layer's key."""
    with pytest.raises(ValueError, match=r"'bias'\]$"):
        network_from_layers([{"type": "Dense", "filters": 3}], input_shape=4)


def test_train_refuses_units_naming_fan_out(tmp_path, capsys):
    out = tmp_path / "m.npz"
    assert main(["train", "iris", "--layers", '[{"type": "Dense", "units": 6}]', "-q",
                 "-o", str(out)]) == 2
    assert "('units' is 'fan_out' here)" in capsys.readouterr().err
    assert not out.exists()
