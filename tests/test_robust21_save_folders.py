"""``chainrule.io.save`` (and ``Network.save``) create the missing folders of the path, as
documented (robust21: kept, as the command line and checkpoints do, where NumPy's
``np.savez`` refuses); a file on the way is refused by name, and nothing is written."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr


def _net():
    return cr.mlp([3, 4, 2], hidden="tanh", seed=0)


def test_numpy_refuses_a_missing_folder_chainrule_creates_it(tmp_path):
    net = _net()
    with pytest.raises(FileNotFoundError):  # the reference behaviour this differs from
        np.savez(tmp_path / "np" / "deep" / "a.npz", w=net.params)
    written = cr.io.save(net, tmp_path / "missing" / "dir" / "model.npz")
    assert written == tmp_path / "missing" / "dir" / "model.npz" and written.is_file()
    np.testing.assert_array_equal(cr.load(written).params, net.params)
    other = net.save(tmp_path / "a" / "b" / "m")  # Network.save, ".npz" appended
    assert other == tmp_path / "a" / "b" / "m.npz"
    np.testing.assert_array_equal(cr.load(other).params, net.params)


def test_a_file_on_the_way_is_refused_by_name(tmp_path):
    (tmp_path / "data.csv").write_text("1,2\n")
    with pytest.raises(NotADirectoryError, match=r"data\.csv is a file, not a folder"):
        cr.io.save(_net(), tmp_path / "data.csv" / "model.npz")
    assert (tmp_path / "data.csv").read_text() == "1,2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]
