"""chainrule.io.save (and network_config) refuse anything but a Network by a TypeError
naming ``net``, what it was given and what to do; before, an AttributeError from inside
("'str' object has no attribute 'loss'", for an estimator "'str' object has no attribute
'name'") and no file written."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import io as cio


@pytest.mark.parametrize("obj, hint", [
    ("model.npz", r"got str$"),
    (None, r"got NoneType$"),
    (cr.MLPRegressor(), r"got MLPRegressor; an estimator saves itself, est\.save\(path\)"),
    (cr.SparseAutoencoder(), r"got SparseAutoencoder; an estimator saves itself"),
    (cr.Dense(2, 1), r"got Dense; a layer is saved with its network"),
], ids=["str", "None", "estimator", "autoencoder", "layer"])
def test_save_refuses_what_is_no_network_by_name(tmp_path, obj, hint):
    path = tmp_path / "m.npz"
    with pytest.raises(TypeError, match=r"^net must be a chainrule Network, " + hint):
        cio.save(obj, path)
    assert not path.exists()
    with pytest.raises(TypeError, match=r"^net must be a chainrule Network"):
        cio.network_config(obj)


def test_a_network_still_saves_and_loads_its_parameters(tmp_path):
    net = cr.mlp([3, 4, 2], seed=0)
    loaded = cio.load(cio.save(net, tmp_path / "m.npz"))
    np.testing.assert_array_equal(loaded.params, net.params)
