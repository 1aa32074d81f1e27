"""Any architecture from the command line: ``parse_layers``, ``train --layers`` and ``--dropout``.

The command line's numbers are checked against the same network built and
trained here in Python (:func:`chainrule.network_from_layers`,
:func:`chainrule.train`) and against scikit-learn's ``accuracy_score``.
"""

from __future__ import annotations

import json

import pytest

from chainrule.architecture import parse_layers

DENSE = [{"type": "Dense", "fan_out": 4, "activation": "tanh"}]


# --- parse_layers ------------------------------------------------------------------------------
def test_parse_layers_reads_json_text_and_a_json_file(tmp_path):
    text = json.dumps(DENSE)
    assert parse_layers(text) == DENSE
    assert parse_layers("  " + text) == DENSE  # leading blanks, as a shell may leave them
    path = tmp_path / "net.json"
    path.write_text(text)
    assert parse_layers(str(path)) == DENSE
    assert parse_layers(path) == DENSE


def test_parse_layers_bad_json_names_the_source_and_the_place(tmp_path):
    with pytest.raises(ValueError, match=r"^layers: not valid JSON \(Expecting ',' delimiter: "
                                         r"line 1 column 18"):
        parse_layers('[{"type":"Dense"}')
    path = tmp_path / "bad.json"
    path.write_text('[{"type": 1,}]')
    with pytest.raises(ValueError, match=rf"^{path}: not valid JSON \(Expecting property name"):
        parse_layers(str(path))


@pytest.mark.parametrize(("text", "got"), [
    ('{"type": "Dense", "fan_out": 3}', "got a JSON object"),
    ("[1, 2]", "but item 0 is a JSON number: 1"),
    ('[{"type": "Flatten"}, [1]]', r"but item 1 is a JSON list: \[1\]"),
    ('["Dense"]', 'but item 0 is a JSON string: "Dense"'),
])
def test_parse_layers_refuses_what_is_not_a_list_of_dicts(text, got):
    with pytest.raises(ValueError, match=r"^layers: expected a JSON list of layer dicts like "
                                         r"\[\{\"type\": \"Dense\", \"fan_out\": 10\}\], " + got):
        parse_layers(text)


def test_parse_layers_refuses_a_file_holding_no_list(tmp_path):
    path = tmp_path / "obj.json"
    path.write_text('{"type": "Dense"}')
    with pytest.raises(ValueError, match=rf"^{path}: expected a JSON list .* got a JSON object$"):
        parse_layers(str(path))


@pytest.mark.parametrize(("text", "what"), [
    ("nofile.json", "'nofile.json': no such file"),
    ("", "'': empty"),
    (".", "'.': a directory"),
    ("x" * 300, "'" + "x" * 57 + r"\.\.\.': no such file"),  # longer than a file name may be
])
def test_parse_layers_missing_file_says_what_it_expected_and_what_it_got(text, what):
    with pytest.raises(ValueError, match=r"^layers must be a JSON list of layer dicts \(text "
                                         r"starting with '\['\) or a \.json file holding one; "
                                         + what + "$"):
        parse_layers(text)
