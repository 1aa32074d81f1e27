"""``info`` shows the T_max a cosine took from the run's epochs, kept by ``--resume``."""

from __future__ import annotations

import json

import pytest

from chainrule.cli import main
from chainrule.io import load_metadata

WARMUP = json.dumps({"name": "warmup", "epochs": 2, "after": "cosine"})


def _train(tmp_path, epochs, schedule, *extra):
    return main(["train", "moons", "--hidden", "4", "--epochs", str(epochs), "--schedule",
                 schedule, "--checkpoint", str(tmp_path / "run.ckpt.npz"), "-q",
                 "-o", str(tmp_path / "m.npz"), *extra])


@pytest.mark.parametrize(("schedule", "t_max"), [
    ("cosine", 6),   # T_max = the first command's --epochs 6
    (WARMUP, 4),     # after a warm-up of 2 epochs: 6 - 2
])
def test_info_of_a_resumed_cosine_run_shows_the_t_max_it_used(tmp_path, capsys, schedule,
                                                                t_max):
    """A run of 6 epochs resumed to 12 was shown as "epochs=12, schedule=cosine", as if
    it had annealed over 12 epochs, while its T_max was the first command's."""
    assert _train(tmp_path, 6, schedule) == 0
    with pytest.warns(UserWarning, match=f"T_max = {t_max}"):
        assert _train(tmp_path, 12, schedule, "--resume") == 0
    training = load_metadata(tmp_path / "m.npz")["training"]
    assert training["epochs"] == 12 and training["T_max"] == t_max
    capsys.readouterr()
    assert main(["info", str(tmp_path / "m.npz")]) == 0
    line = next(s for s in capsys.readouterr().out.splitlines() if s.startswith("trained:"))
    assert "epochs=12," in line and f", T_max={t_max}," in line


def test_a_t_max_given_is_not_repeated(tmp_path):
    """A cosine whose T_max was given keeps it in --schedule; no second T_max is added."""
    schedule = json.dumps({"name": "cosine", "T_max": 3})
    assert _train(tmp_path, 2, schedule) == 0
    training = load_metadata(tmp_path / "m.npz")["training"]
    assert "T_max" not in training and training["schedule"]["T_max"] == 3
