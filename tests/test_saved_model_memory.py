"""A model's standardisation of the features it is given: (X - mean) / scale divided in
place on the difference, which is the call's own, not into a third array of X's size
(predict, evaluate and train's scores peaked at twice X beside it, now once)."""

from __future__ import annotations

import tracemalloc

import numpy as np

from chainrule.cli import main
from chainrule.saved_model import SavedModel


def test_predict_standardises_in_one_array_of_the_inputs_size(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(loc=3.0, scale=2.0, size=(200, 20))
    y = (X[:, 0] > 3).astype(int)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    assert main(["train", str(tmp_path / "d.npz"), "--epochs", "1", "--hidden", "2", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    capsys.readouterr()
    model = SavedModel.load(tmp_path / "m.npz")
    big = rng.normal(loc=3.0, scale=2.0, size=(20_000, 20))
    model.predict_proba(big[:10])  # first-call caches
    tracemalloc.start()
    try:
        proba = model.predict_proba(big)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    mean = np.array(model.metadata["x_mean"])
    scale = np.array(model.metadata["x_scale"])
    want = (big - mean) / scale  # NumPy's standardisation, in one expression
    assert model._inputs(big, "error").tobytes() == want.tobytes()
    # the network's sigmoid output of the standardised rows: P(class 1)
    np.testing.assert_allclose(proba[:, 1], model.network.predict(want)[:, 0], rtol=1e-12)
    assert peak <= 1.5 * big.nbytes, peak / big.nbytes
