"""``validation_data=(X_val, Y_val, sample_weight_val)``: the validation rows' weights.

``val_loss`` must be the weighted mean loss of the network on the validation rows, as
NumPy computes it here from the network's own outputs, and ``val_accuracy`` the weighted
fraction classified right; a pair, or weights all 1, the unweighted mean.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score

import chainrule as cr


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)
    return X[:40], y[:40], X[40:], y[40:], rng.integers(0, 4, size=20).astype(float)


@pytest.mark.parametrize("decay", [0.0, 0.1])
def test_val_loss_is_the_weighted_mean(decay):
    X, y, Xv, yv, wv = _data()
    net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", seed=1, weight_decay=decay,
                 decay="per_sample")
    history = cr.train(net, X, y, optimizer="gd", lr=0.5, epochs=4, seed=0,
                       validation_data=(Xv, yv, wv))
    p = net.predict(Xv)
    losses = -np.log(p[np.arange(20), yv])
    # a per-sample decay, as the training cost's: 0.5 * decay * ||W||^2 / sum(w)
    squares = sum(float(np.sum(layer.W ** 2)) for layer in net.layers)
    expected = np.average(losses, weights=wv) + 0.5 * decay * squares / wv.sum()
    assert history["val_loss"][-1] == pytest.approx(expected, rel=1e-10)
    assert np.average(losses, weights=wv) != pytest.approx(losses.mean(), rel=1e-3)
    right = p.argmax(axis=1) == yv  # weighted as val_loss, as accuracy_score's weights
    assert np.average(right, weights=wv) != pytest.approx(right.mean())  # they differ here
    assert history["val_accuracy"][-1] == pytest.approx(np.average(right, weights=wv),
                                                        rel=1e-12)
    assert history["val_accuracy"][-1] == pytest.approx(
        accuracy_score(yv, p.argmax(axis=1), sample_weight=wv), rel=1e-12)
    # and as Network.evaluate weighs them
    scores = net.evaluate(Xv, yv, sample_weight=wv)
    assert scores["accuracy"] == pytest.approx(history["val_accuracy"][-1], rel=1e-12)


def test_a_pair_and_weights_all_one_are_unweighted():
    X, y, Xv, yv, _ = _data(1)
    runs = []
    for val in ((Xv, yv), (Xv, yv, np.ones(20)), (Xv, yv, None)):
        net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", seed=1)
        runs.append(cr.train(net, X, y, optimizer="gd", lr=0.5, epochs=3, seed=0,
                             validation_data=val)["val_loss"])
    assert runs[0] == runs[1] == runs[2]


@pytest.mark.parametrize(("weights", "error", "words"), [
    (-np.ones(20), ValueError, "validation_data[2] must be non-negative"),
    (np.zeros(20), ValueError, "validation_data[2] must be non-negative with a positive"),
    (np.ones(19), ValueError, "validation_data[2] must have shape (20,)"),
    ("many", TypeError, "got tuple of 4 items"),
])
def test_bad_validation_weights_are_refused(weights, error, words):
    X, y, Xv, yv, _ = _data(2)
    net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", seed=1)
    val = (Xv, yv, np.ones(20), np.ones(20)) if isinstance(weights, str) else (Xv, yv, weights)
    with pytest.raises(error) as info:
        cr.train(net, X, y, epochs=2, validation_data=val)
    assert words in str(info.value)


def _weighted_run(path=None, epochs=3):
    X, y, Xv, yv, wv = _data()
    net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", seed=1)
    trainer = cr.Trainer(net, optimizer="gd", lr=0.5, epochs=epochs, patience=5,
                         checkpoint=path)
    return trainer, (X, y), (Xv, yv, wv)


@pytest.mark.parametrize("first_weighted", [True, False])
def test_a_run_keeps_its_validation_weighting(tmp_path, first_weighted):
    """A run whose val_loss was weighted (early stopping's best value among them) cannot be
    continued with unweighted validation rows, nor the other way round: in memory and from
    its checkpoint, as sample_weight is kept."""
    path = tmp_path / "c.npz"
    trainer, (X, y), (Xv, yv, wv) = _weighted_run(path)
    first, other = ((Xv, yv, wv), (Xv, yv)) if first_weighted else ((Xv, yv), (Xv, yv, wv))
    trainer.fit(X, y, validation_data=first)
    assert trainer.val_weighted is first_weighted
    words = "were weighted .* got none" if first_weighted else "not weighted.* got validation"
    trainer.epochs = 4
    with pytest.raises(ValueError, match=f"validation_data: .*{words}"):
        trainer.fit(X, y, validation_data=other)
    assert trainer.epoch == 3 and len(trainer.history["val_loss"]) == 3  # nothing changed
    resumed = cr.Trainer.from_checkpoint(path, epochs=4)
    assert resumed.val_weighted is first_weighted
    with pytest.raises(ValueError, match=f"validation_data: the checkpoint .*{words}"):
        resumed.fit(X, y, validation_data=other)
    # the same weighting continues, to the numbers of the uninterrupted run
    resumed.fit(X, y, validation_data=first)
    whole, _, _ = _weighted_run(epochs=4)
    whole.fit(X, y, validation_data=first)
    np.testing.assert_array_equal(resumed.history["val_loss"], whole.history["val_loss"])
    # weights all 1 count as none
    if not first_weighted:
        trainer.fit(X, y, validation_data=(Xv, yv, np.ones(20)))
        assert trainer.epoch == 4


def test_a_checkpoint_without_the_validation_weighting_record_resumes_either_way(tmp_path):
    """Checkpoints written before "val_weighted" existed do not say: both are taken."""
    path = tmp_path / "c.npz"
    trainer, (X, y), (Xv, yv, wv) = _weighted_run(path)
    trainer.fit(X, y, validation_data=(Xv, yv, wv))
    meta, arrays = cr.io.read_file(path, "chainrule.checkpoint")
    assert meta.pop("val_weighted") is True
    cr.io.write_file(path, meta, arrays)
    for validation in ((Xv, yv), (Xv, yv, wv)):
        resumed = cr.Trainer.from_checkpoint(path, epochs=4, checkpoint=tmp_path / "n.npz")
        assert resumed.val_weighted is None
        resumed.fit(X, y, validation_data=validation)
        assert resumed.epoch == 4
