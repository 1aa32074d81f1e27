"""An NPZ target of byte strings (dtype |S7, as h5py gives strings) is read as its UTF-8
text: the classes LabelEncoder finds in the bytes, decoded, in the same order; bytes that
are not UTF-8 are refused naming the row, the dtype and the fix."""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import LabelEncoder

from chainrule.cli import main
from chainrule.io import load, load_metadata


def test_byte_labels_train_as_their_text(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.random((24, 3))
    y = np.array([b"setosa_", b"virgini", "caf\u00e9".encode()] * 8, dtype="S7")
    np.savez(tmp_path / "b.npz", X=X, y=y)
    text = [v.decode("utf-8") for v in y.tolist()]  # Python's own decoding
    np.savez(tmp_path / "t.npz", X=X, y=np.array(text))
    for name in ("b", "t"):
        assert main(["train", str(tmp_path / f"{name}.npz"), "--hidden", "3", "--epochs", "2",
                     "-q", "-o", str(tmp_path / f"m{name}.npz")]) == 0, capsys.readouterr().err
    classes = [c.decode("utf-8") for c in LabelEncoder().fit(y).classes_.tolist()]
    assert load_metadata(tmp_path / "mb.npz")["labels"] == classes
    np.testing.assert_array_equal(load(tmp_path / "mb.npz").params,
                                  load(tmp_path / "mt.npz").params)
    capsys.readouterr()  # evaluate reads the bytes against the model's text labels
    assert main(["evaluate", str(tmp_path / "mt.npz"), str(tmp_path / "b.npz")]) == 0


def test_bytes_not_utf8_refused_naming_row_and_fix(tmp_path, capsys):
    y = np.array([b"a", b"\xff", b"a", b"b"])
    np.savez(tmp_path / "bad.npz", X=np.ones((4, 2)), y=y)
    assert main(["train", str(tmp_path / "bad.npz"), "--hidden", "2",
                 "-o", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    assert "row 1, target 'y': b'\\xff' is not UTF-8 text" in err
    assert "dtype |S1" in err and "np.char.decode" in err
