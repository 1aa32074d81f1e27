"""``--groups`` of an NPZ file: its array read alone, X not read a second time.

The arrays each read takes are recorded at NumPy's ``NpzFile.__getitem__`` (every read of
an archive member goes through it); the folds are checked against scikit-learn's
StratifiedGroupKFold on the same groups and seed.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from numpy.lib.npyio import NpzFile
from sklearn.model_selection import StratifiedGroupKFold

from chainrule.cli import main


@pytest.fixture
def members(monkeypatch):
    """The names of the arrays read from NPZ archives, in order."""
    seen: list[str] = []
    real = NpzFile.__getitem__

    def spy(self, key):
        seen.append(key)
        return real(self, key)

    monkeypatch.setattr(NpzFile, "__getitem__", spy)
    return seen


def _data(tmp_path, groups):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(len(groups), 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=len(groups)) > 0).astype(int)
    np.savez(tmp_path / "data.npz", X=X, y=y, grp=groups)
    return X, y


def test_cv_groups_of_an_npz_file_reads_x_once(tmp_path, capsys, members):
    """X was read twice (DATA's read, then with_groups' read_data of the whole archive
    again for its groups array): 22.4 MB of an NPZ file of 22.4 MB more read (rchar)."""
    ids = np.array([f"g{i % 9}" for i in range(72)]).astype("S")  # byte strings (h5py's)
    _, y = _data(tmp_path, ids)
    members.clear()
    assert main(["cv", str(tmp_path / "data.npz"), "--groups", "grp", "--folds", "3",
                 "--hidden", "3", "--epochs", "2", "-q", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert members.count("X") == 1
    # the folds: StratifiedGroupKFold of the groups as text, the same seed
    _, codes = np.unique(np.char.decode(ids), return_inverse=True)
    splits = StratifiedGroupKFold(3, shuffle=True, random_state=0).split(
        np.zeros((len(y), 1)), y, codes)
    assert [f["samples"] for f in out["per_fold"]] == [len(held) for _, held in splits]
    assert out["splitter"] == "StratifiedGroupKFold"


def test_a_missing_or_bad_groups_array_is_refused_by_name(tmp_path, capsys):
    """The refusals of the array read alone name --groups, the file and the array."""
    _data(tmp_path, np.arange(40) % 5)
    data = str(tmp_path / "data.npz")
    assert main(["cv", data, "--groups", "site", "--folds", "2", "-q"]) == 2
    assert (f"--groups site: {data}: no array named 'site' (arrays: X, y, grp)"
            in capsys.readouterr().err)
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "short.npz", X=rng.normal(size=(40, 2)), y=np.arange(40) % 2,
             grp=np.arange(39) % 5)
    assert main(["cv", str(tmp_path / "short.npz"), "--groups", "grp", "--folds", "2",
                 "-q"]) == 2
    err = capsys.readouterr().err
    assert "--groups grp:" in err and "(40) is needed" in err
