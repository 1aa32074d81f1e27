"""``train --resume`` compares --layers by the network it builds, not by how it is written."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.cli import main
from chainrule.io import load

CNN = [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3, "padding": 1},
       {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}, {"type": "Dense", "fan_out": 4}]
# the same network with its defaults written out (pairs, the pool's stride, relu, in_channels)
SAME = [{"type": "Conv2D", "in_channels": 1, "out_channels": 2, "kernel_size": [3, 3],
         "stride": 1, "padding": [1, 1], "dilation": 1, "activation": "relu", "bias": True},
        {"type": "MaxPool2D", "size": [2, 2], "stride": 2, "padding": 0},
        {"type": "Flatten"}, {"type": "Dense", "fan_in": 32, "fan_out": 4, "activation": "relu"}]


def _train(tmp_path, layers, epochs, out, *extra):
    return main(["train", "digits", "--input-shape", "1", "8", "8", "--layers",
                 json.dumps(layers), "--epochs", str(epochs), "--optimizer", "sgd",
                 "-q", "-o", str(tmp_path / out), *extra])


def test_the_same_layers_written_out_continue_the_run_bit_for_bit(tmp_path, capsys):
    """The same network with its defaults written out was refused as other --layers
    ("the run in run.ckpt.npz was started with --layers '...', got --layers '...'"),
    although the README compares the options by what they mean."""
    ckpt = str(tmp_path / "run.ckpt.npz")
    assert _train(tmp_path, CNN, 4, "whole.npz") == 0
    assert _train(tmp_path, CNN, 2, "part.npz", "--checkpoint", ckpt) == 0
    capsys.readouterr()
    code = _train(tmp_path, SAME, 4, "resumed.npz", "--checkpoint", ckpt, "--resume")
    assert code == 0, capsys.readouterr().err
    np.testing.assert_array_equal(load(tmp_path / "resumed.npz").params,
                                  load(tmp_path / "whole.npz").params)


@pytest.mark.parametrize("change", [{"stride": 1}, {"ceil_mode": True, "size": 3}])
def test_other_layers_are_still_refused_naming_the_option(tmp_path, capsys, change):
    ckpt = str(tmp_path / "run.ckpt.npz")
    assert _train(tmp_path, CNN, 2, "part.npz", "--checkpoint", ckpt) == 0
    capsys.readouterr()
    other = [CNN[0], {**CNN[1], **change}, *CNN[2:]]
    assert _train(tmp_path, other, 4, "resumed.npz", "--checkpoint", ckpt, "--resume") == 2
    err = capsys.readouterr().err
    assert f"--layers: the run in {ckpt} was started with --layers '{json.dumps(CNN)}'" in err
    assert not (tmp_path / "resumed.npz").exists()


@pytest.mark.parametrize(("started", "given"), [
    ("valid", 0), (0, "valid"), ("same", 1), ("same", [1, 1]), (1, "same")])
def test_a_padding_by_name_continues_the_run_of_the_same_zeros(tmp_path, capsys, started,
                                                                given):
    """"padding": "valid" adds no zero, as 0 does, and "same" of a 3x3 kernel (stride 1)
    one on each side, as 1 does; get_config keeps the name, so the run was refused as
    other --layers. The resumed run reaches the uninterrupted one's parameters."""
    first = [{**CNN[0], "padding": started}, *CNN[1:]]
    then = [{**CNN[0], "padding": given}, *CNN[1:]]
    ckpt = str(tmp_path / "run.ckpt.npz")
    assert _train(tmp_path, first, 3, "whole.npz") == 0
    assert _train(tmp_path, first, 2, "part.npz", "--checkpoint", ckpt) == 0
    capsys.readouterr()
    code = _train(tmp_path, then, 3, "resumed.npz", "--checkpoint", ckpt, "--resume")
    assert code == 0, capsys.readouterr().err
    np.testing.assert_array_equal(load(tmp_path / "resumed.npz").params,
                                  load(tmp_path / "whole.npz").params)


@pytest.mark.parametrize(("started", "given"), [("same", 0), ("valid", 1)])
def test_a_padding_of_other_zeros_is_still_refused(tmp_path, capsys, started, given):
    ckpt = str(tmp_path / "run.ckpt.npz")
    first = [{**CNN[0], "padding": started}, *CNN[1:]]
    assert _train(tmp_path, first, 2, "part.npz", "--checkpoint", ckpt) == 0
    capsys.readouterr()
    then = [{**CNN[0], "padding": given}, *CNN[1:]]
    assert _train(tmp_path, then, 3, "resumed.npz", "--checkpoint", ckpt, "--resume") == 2
    assert f"--layers: the run in {ckpt} was started with --layers '{json.dumps(first)}'" in \
        capsys.readouterr().err
