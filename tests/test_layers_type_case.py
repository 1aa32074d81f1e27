"""A layer dict whose 'type' is a layer's name in other letter case ("dense") is refused,
as before (type names are class names, case-sensitive as activation names are), with the
spelling to write; the message used to list the names only."""

from __future__ import annotations

import re

import pytest

from chainrule.architecture import LAYER_TYPES, network_from_layers
from chainrule.cli import main


@pytest.mark.parametrize("name", sorted(LAYER_TYPES))
@pytest.mark.parametrize("case", [str.lower, str.upper])
def test_a_type_in_another_case_names_the_spelling_to_write(name, case):
    given = case(name)
    if given == name:  # no other case to give
        return
    with pytest.raises(ValueError, match=(
            rf"^layers\[0\]: 'type' must be one of .*, got {re.escape(repr(given))}; type "
            rf"names are case-sensitive: write {re.escape(repr(name))}$")):
        network_from_layers([{"type": given}], input_shape=4)


def test_a_type_that_is_no_name_in_any_case_gets_no_spelling():
    with pytest.raises(ValueError, match=r"got 'Dens'$"):
        network_from_layers([{"type": "Dens", "fan_out": 2}], input_shape=4)


def test_train_layers_with_a_lowercase_type_says_what_to_write(tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["train", "iris", "--layers", '[{"type": "dense", "fan_out": 6}]', "-q",
                 "-o", str(model)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error: --layers: layers[0]: 'type' must be one of ")
    assert err.endswith("got 'dense'; type names are case-sensitive: write 'Dense'\n")
    assert not model.exists()
