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


def test_sample_weight_of_an_npz_file_reads_x_once(tmp_path, capsys, members):
    """--sample-weight's array of an NPZ file was read as --groups' was, by read_data of
    the whole archive (X again: 48.1 MB read of a 24 MB file, rchar); it is read alone.
    The weighted folds' scores are scikit-learn's weighted accuracy of the same model."""
    X, y = _data(tmp_path, np.arange(60) % 6)
    w = np.random.default_rng(1).uniform(0.5, 2.0, size=len(y))
    np.savez(tmp_path / "w.npz", X=X, y=y, w=w)
    members.clear()
    assert main(["cv", str(tmp_path / "w.npz"), "--sample-weight", "w", "--folds", "2",
                 "--hidden", "3", "--epochs", "2", "-q", "--json"]) == 0
    json.loads(capsys.readouterr().out)
    assert members.count("X") == 1
    # the refusals of the array read alone are the reader's, as before
    np.savez(tmp_path / "bad.npz", X=X, y=y, w=np.r_[w[:-1], -1.0])
    assert main(["cv", str(tmp_path / "bad.npz"), "--sample-weight", "w", "--folds", "2",
                 "-q"]) == 2
    assert (f"--sample-weight w: {tmp_path / 'bad.npz'} row {len(y) - 1}: the weight is "
            "-1.0; expected a finite number >= 0") in capsys.readouterr().err
    np.savez(tmp_path / "short.npz", X=X, y=y, w=w[:-1])
    assert main(["cv", str(tmp_path / "short.npz"), "--sample-weight", "w", "--folds", "2",
                 "-q"]) == 2
    assert (f"the weight column 'w' must have shape ({len(y)},) like the rows of X, got "
            f"({len(y) - 1},)") in capsys.readouterr().err


def test_evaluate_weights_of_an_npz_file_are_sklearns(tmp_path, capsys):
    """evaluate --sample-weight of an NPZ file (its array read alone): the weighted
    accuracy and log loss are scikit-learn's of the model's own probabilities."""
    from sklearn.metrics import accuracy_score, log_loss

    import chainrule as cr

    X, y = _data(tmp_path, np.arange(60) % 6)
    w = np.random.default_rng(2).uniform(0.5, 2.0, size=len(y))
    np.savez(tmp_path / "w.npz", X=X, y=y, w=w)
    assert main(["train", str(tmp_path / "data.npz"), "--hidden", "3", "--epochs", "3", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "m.npz"), str(tmp_path / "w.npz"),
                 "--sample-weight", "w", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    model = cr.load_model(tmp_path / "m.npz")
    proba = model.predict_proba(X)
    labels = np.asarray(model.labels)
    assert scores["accuracy"] == pytest.approx(
        accuracy_score(y, labels[proba.argmax(1)], sample_weight=w), rel=1e-12)
    assert scores["log_loss"] == pytest.approx(
        log_loss(y, proba, labels=labels, sample_weight=w), rel=1e-9)
