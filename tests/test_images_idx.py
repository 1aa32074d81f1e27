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


def _write_idx(path, arr, code):
    head = bytes([0, 0, code, arr.ndim]) + np.array(arr.shape, dtype=">i4").tobytes()
    path.write_bytes(head + arr.tobytes())


def test_load_mnist_looks_in_torchvisions_layout(tmp_path):
    """torchvision's MNIST(root=folder) keeps the IDX files in folder/MNIST/raw; load_mnist
    (folder) looked only in folder and said the files were missing."""
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    pixels = np.array([[[0, 255], [51, 102]], [[255, 0], [0, 0]], [[1, 2], [3, 4]]], np.uint8)
    _write_idx(raw / "t10k-images-idx3-ubyte", pixels, 0x08)
    _write_idx(raw / "t10k-labels-idx1-ubyte", np.array([7, 2, 1], np.uint8), 0x08)
    X, y = images.load_mnist(tmp_path, kind="test")
    np.testing.assert_allclose(X, [[0, 1, 0.2, 0.4], [1, 0, 0, 0],
                                   [1 / 255, 2 / 255, 3 / 255, 4 / 255]], rtol=1e-15)
    np.testing.assert_array_equal(y, [7, 2, 1])
    # a kind whose files are in neither place: the message names both places
    with pytest.raises(FileNotFoundError) as err:
        images.load_mnist(tmp_path, kind="train")
    assert "MNIST/raw" in str(err.value) and "train-images-idx3-ubyte" in str(err.value)


def test_load_mnist_split_between_folder_and_raw_says_where_each_file_is(tmp_path):
    """The images at the top and the labels in MNIST/raw (or the reverse): the message said
    the labels were in neither place, though MNIST/raw held them."""
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    pixels = np.zeros((2, 2, 2), np.uint8)
    _write_idx(tmp_path / "train-images-idx3-ubyte", pixels, 0x08)
    _write_idx(raw / "train-labels-idx1-ubyte", np.array([1, 2], np.uint8), 0x08)
    with pytest.raises(FileNotFoundError) as err:
        images.load_mnist(tmp_path)
    msg = str(err.value)
    assert "nor in its MNIST/raw" not in msg
    assert f"{str(tmp_path)!r} holds train-images-idx3-ubyte and its MNIST/raw holds " \
           "train-labels-idx1-ubyte" in msg and "put them together" in msg
    # only the images, in MNIST/raw: the labels are the file that neither place holds
    (tmp_path / "train-images-idx3-ubyte").rename(raw / "train-images-idx3-ubyte")
    (raw / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match=r"no train-labels-idx1-ubyte .* nor in its "
                       r"MNIST/raw"):
        images.load_mnist(tmp_path)
    # both in MNIST/raw: read from there
    _write_idx(raw / "train-labels-idx1-ubyte", np.array([1, 2], np.uint8), 0x08)
    np.testing.assert_array_equal(images.load_mnist(tmp_path)[1], [1, 2])
