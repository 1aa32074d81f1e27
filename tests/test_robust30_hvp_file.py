"""``chainrule trace --hvp FILE`` of a binary file names --hvp and the file (robust30).

The robust30 fuzz gave --hvp a model file (an .npz, a zip archive): the line was Python's
bare "'utf-8' codec can't decode byte 0xe4 in position 14: invalid continuation byte",
naming neither the option nor the file.
"""

from __future__ import annotations

import zipfile

import pytest

from file_helpers import cli_fails


def test_binary_hvp_file_names_option_and_file(capsys, tmp_path) -> None:
    path = tmp_path / "v.npz"
    with zipfile.ZipFile(path, "w") as archive:  # a zip's header: PK\x03\x04, then binary
        archive.writestr("a.npy", bytes(range(256)))
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):  # the independent fact: not UTF-8 text
        raw.decode("utf-8")
    err = cli_fails(capsys, ["trace", "--hvp", path])
    assert "Traceback" not in err
    assert err.startswith("chainrule: error: --hvp: expected a JSON file"), err
    assert str(path) in err and "not UTF-8 text" in err
