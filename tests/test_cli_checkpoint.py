"""``chainrule train --checkpoint / --checkpoint-every / --max-time / --resume``, and the
record of its own that a checkpoint keeps for its caller (``checkpoint_notes``).
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule import io
from chainrule.checkpoints import CHECKPOINT_FORMAT
from chainrule.training import Trainer


def test_checkpoint_notes_round_trip_and_are_checked(tmp_path):
    """Trainer.checkpoint_notes is written into each checkpoint and read back as it was;
    notes that are no JSON object are refused as a corrupted checkpoint."""
    X, y = np.random.default_rng(1).normal(size=(8, 2)), np.arange(8) % 2
    chainrule.train(chainrule.mlp([2, 3, 1], seed=0), X, y[:, None].astype(float),
                    optimizer="adam", epochs=1, seed=0, checkpoint=tmp_path / "ck.npz",
                    checkpoint_notes={"kind": "test", "values": [1, 2.5, None]})
    again = Trainer.from_checkpoint(tmp_path / "ck.npz")
    assert again.checkpoint_notes == {"kind": "test", "values": [1, 2.5, None]}
    meta, arrays = io.read_file(tmp_path / "ck.npz", CHECKPOINT_FORMAT)
    io.write_file(tmp_path / "bad.npz", {**meta, "notes": [1, 2]}, arrays)
    with pytest.raises(ValueError, match=r"corrupted checkpoint \(notes: expected an object"):
        Trainer.from_checkpoint(tmp_path / "bad.npz")
    net = chainrule.mlp([2, 3, 1], seed=0)
    with pytest.raises(TypeError, match=r"checkpoint_notes must be a dict .* got list"):
        chainrule.train(net, X, y, checkpoint_notes=[1])
    with pytest.raises(ValueError, match="checkpoint_notes must hold only what JSON writes"):
        chainrule.train(net, X, y, checkpoint_notes={"x": object()})
