"""Saving under a path whose folder is a file (``save(net, "data.csv/m.npz")``) raised
mkdir's "[Errno 17] File exists: 'data.csv'", which reads as if the model file existed;
it now says which file is in the way, for a network, an estimator and a CSV written
atomically, and writes nothing (the file in the way is kept as it was)."""

import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.io import atomic_text


@pytest.fixture
def in_the_way(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n")
    return path


def _savers():
    net = cr.mlp([2, 3, 1], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cr.MLPRegressor(hidden_layer_sizes=(2,), max_iter=2, random_state=0).fit(
            np.random.default_rng(0).normal(size=(8, 2)), np.arange(8.0))
    return {"network": lambda p: cr.io.save(net, p), "Network.save": net.save,
            "estimator": est.save}


@pytest.mark.parametrize("saver", ["network", "Network.save", "estimator"])
@pytest.mark.parametrize("below", ["m.npz", "sub/deeper/m.npz"])
def test_a_file_in_the_way_is_named(in_the_way, saver, below):
    target = in_the_way / below
    with pytest.raises(NotADirectoryError) as err:
        _savers()[saver](target)
    assert str(err.value) == f"{target}: not written: {in_the_way} is a file, not a folder"
    assert in_the_way.read_text() == "a,b\n1,2\n"


def test_a_csv_written_atomically_names_it_too(in_the_way):
    target = in_the_way / "p.csv"
    with pytest.raises(NotADirectoryError, match=r"not written: .*data\.csv is a file, not "
                                                 r"a folder$"):
        with atomic_text(target) as fh:
            fh.write("x\n")
    assert in_the_way.read_text() == "a,b\n1,2\n"
