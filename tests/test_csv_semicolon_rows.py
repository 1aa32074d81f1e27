"""A ';'-separated file of decimal commas, as a spreadsheet in many European locales saves
"CSV": its header is one column, and its rows split at the decimal commas.  The hint that
the file looks ';'-separated was given when the target was looked up, but the rows'
widths were checked first, so the error said only "malformed CSV: 2 fields, the header has
1".  The reference is the csv module's reading of the file written here.
"""

from __future__ import annotations

import csv

import pytest

from chainrule.tabular import read_data


def test_decimal_commas_of_a_semicolon_file_are_named(tmp_path):
    path = tmp_path / "d.csv"
    rows = ["x1;x2;y"] + [f"{i},5;{i % 3};{'ab'[i % 2]}" for i in range(10)]
    path.write_text("\n".join(rows) + "\n")
    with open(path, newline="") as f:
        read = list(csv.reader(f))
    width = len(read[1])  # the first row of data as a comma-separated reader splits it
    assert (len(read[0]), width) == (1, 2)
    with pytest.raises(ValueError) as info:
        read_data(path, target="y")
    message = str(info.value)
    assert message.startswith(f"{path} line 2: malformed CSV: {width} fields, the header "
                              "has 1; the header is one column holding ';' characters: "
                              "the file looks ';'-separated")
    assert "save it with commas" in message


def test_a_comma_file_of_the_wrong_width_gets_no_separator_hint(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x1,x2,y\n1,2,a\n1,2\n")
    with pytest.raises(ValueError) as info:
        read_data(path, target="y")
    assert str(info.value) == f"{path} line 3: malformed CSV: 2 fields, the header has 3"
