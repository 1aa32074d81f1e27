"""A checkpoint whose optimizer rate is ``inf`` under the constant schedule (robust27).

``Optimizer.from_config`` takes ``lr = inf``, a rate a growing schedule may reach, so a
checkpoint damaged to ``optimizer.config.lr = inf`` loaded; under the constant schedule
(no ``--schedule``: the rate stays ``optimizer.lr0``) the resumed run stepped at ``inf``
and ended in TrainingDiverged ("Try a smaller --lr (this run: 0.01)").  Now the load
refuses it as a corrupted checkpoint naming the field, in the rule constructor's words;
a schedule that could reach ``inf`` (exponential, gamma > 1) still loads it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from file_helpers import edit_saved_meta, saved_checkpoint, small_data


def test_an_infinite_rate_under_the_constant_schedule_is_refused(tmp_path):
    path = saved_checkpoint(tmp_path / "run.npz")
    edit_saved_meta(path, lambda meta: meta["optimizer"]["config"].__setitem__(
        "lr", float("inf")))
    before = Path(path).read_bytes()
    X, y = small_data()
    for call in (lambda: cr.Trainer.from_checkpoint(path),
                 lambda: cr.resume(path, X, y, epochs=4)):
        with pytest.raises(ValueError) as info:
            call()
        assert str(info.value) == (
            f"{path}: corrupted checkpoint (optimizer.config: lr must be a finite float > "
            "0, got inf (the run's schedule is 'constant'))")
    assert Path(path).read_bytes() == before


def test_cli_resume_is_refused_before_training(tmp_path, capsys):
    from chainrule.cli import main

    X, y = small_data()
    data = tmp_path / "d.csv"
    np.savetxt(data, np.c_[X, y], delimiter=",", header="a,b,c,y", comments="", fmt="%.6g")
    args = ["train", str(data), "--target", "y", "--hidden", "4", "--epochs", "4", "-q",
            "--checkpoint", str(tmp_path / "ck.npz"), "-o", str(tmp_path / "m.npz")]
    assert main([*args, "--epochs", "2"]) == 0  # a run of 2 epochs (the last --epochs)
    assert (tmp_path / "ck.npz").exists()
    edit_saved_meta(tmp_path / "ck.npz", lambda meta: meta["optimizer"]["config"].__setitem__(
        "lr", float("inf")))
    capsys.readouterr()
    assert main([*args, "--resume"]) == 2  # bad input: not 1, a divergence
    assert "corrupted checkpoint (optimizer.config: lr must be a finite float > 0, got inf" \
        in capsys.readouterr().err


def test_a_growing_schedule_keeps_its_infinite_rate(tmp_path):
    X, y = small_data()
    path = tmp_path / "grow.npz"
    cr.train(cr.mlp([3, 4, 2], seed=0), X, y, optimizer="sgd", lr=0.01, epochs=2, seed=0,
             schedule={"name": "exponential", "gamma": 2.0}, checkpoint=path)
    edit_saved_meta(path, lambda meta: meta["optimizer"]["config"].__setitem__(
        "lr", float("inf")))
    trainer = cr.Trainer.from_checkpoint(path)
    assert trainer.optimizer.lr == float("inf")
    plain = saved_checkpoint(tmp_path / "run.npz")  # a valid file: as before
    assert np.isfinite(cr.Trainer.from_checkpoint(plain).optimizer.lr)
