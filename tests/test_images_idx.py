"""The IDX files of MNIST: headers, messages (read_idx, load_mnist)."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import images


@pytest.mark.parametrize(("head", "shown"), [
    (b"\x00\x00\x07\x01", "00000701"),   # an unknown type code
    (b"\x08\x03\x00\x00", "08030000"),   # the header written little-endian
    (b"", "missing"),
])
def test_read_idx_says_what_magic_number_it_expected(tmp_path, head, shown):
    """The message named the bad magic number found, not the one expected."""
    body = np.array([2, 1, 1], dtype=">i4").tobytes() + bytes(2) if head else b""
    p = tmp_path / "bad-idx3-ubyte"
    p.write_bytes(head + body)
    with pytest.raises(ValueError) as err:
        images.read_idx(p)
    msg = str(err.value)
    assert repr(str(p)) in msg and shown in msg
    assert "expected two zero bytes, a type code (08, 09, 0b, 0c, 0d, 0e)" in msg
    assert "00000803" in msg and "00000801" in msg


def test_load_mnist_given_one_idx_file_asks_for_its_folder(tmp_path):
    """An existing IDX file given as path raised FileNotFoundError, which says the path
    does not exist; it is a ValueError naming the folder layout expected."""
    p = tmp_path / "train-images-idx3-ubyte"
    p.write_bytes(bytes([0, 0, 8, 3]) + np.array([1, 2, 2], ">i4").tobytes() + bytes(4))
    with pytest.raises(ValueError) as err:
        images.load_mnist(p)
    msg = str(err.value)
    assert repr(str(p)) in msg and "train-images-idx3-ubyte and train-labels-idx1-ubyte" in msg
    assert not isinstance(err.value, FileNotFoundError)
    with pytest.raises(FileNotFoundError, match="neither a folder"):
        images.load_mnist(tmp_path / "absent")
