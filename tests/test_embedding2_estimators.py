"""MLPClassifier / MLPRegressor with ``layers=[{"type": "Embedding", ...}, ...]``: fit,
partial_fit, predict and save/load equal the same network built by hand from Layer objects
and trained by :class:`chainrule.Trainer`, its predictions recomputed in plain NumPy; an
Embedding anywhere but first is refused by name (a Network refuses it)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils import check_random_state

import chainrule as cr
from chainrule import Dense, Embedding, MLPClassifier, MLPRegressor, Trainer
from chainrule.architecture import network_from_layers
from chainrule.optimizers import SGD
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

V, DIM, BLOCK, HIDDEN = 6, 3, 4, 5
LAYERS = [{"type": "Embedding", "num_embeddings": V, "embedding_dim": DIM},
          {"type": "Dense", "fan_out": HIDDEN, "activation": "tanh"}]
KW = dict(solver="sgd", learning_rate_init=0.1, alpha=1e-3, batch_size=16, max_iter=3,
          n_iter_no_change=np.inf, random_state=2)


def _data(n=48, seed=0):
    idx = np.random.default_rng(seed).integers(0, V, (n, BLOCK))
    return idx, idx[:, 0] % 3, (idx[:, 1] - idx[:, 2]).astype(float)


def _reference(n_out: int, output: str, loss: str):
    """The estimators' network by hand: one Generator seeded as theirs (a draw from
    RandomState(random_state)), the table (N(0, 1)) and the Dense weights (Glorot uniform)
    drawn from it in order, then the Dense biases, U(-r, r), r = sqrt(6 / (fan_in +
    fan_out)) (scikit-learn's rule); the rest of the Generator shuffles."""
    rng = np.random.default_rng(check_random_state(2).randint(np.iinfo(np.int32).max))
    dense = [(BLOCK * DIM, HIDDEN), (HIDDEN, n_out)]
    layers = [Embedding(V, DIM, block_size=BLOCK, seed=rng),
              Dense(*dense[0], "tanh", "glorot_uniform", seed=rng),
              Dense(*dense[1], output, "glorot_uniform", seed=rng)]
    for layer, (fan_in, fan_out) in zip(layers[1:], dense, strict=True):
        r = np.sqrt(6.0 / (fan_in + fan_out))
        layer.b = rng.uniform(-r, r, fan_out)
    net = network_from_layers(layers, loss=loss, weight_decay=1e-3, decay="per_sample")
    return net, rng


def _numpy_forward(net, idx, output):
    emb = net.layers[0].W[idx].reshape(len(idx), -1)
    h = np.tanh(emb @ net.layers[1].W + net.layers[1].b)
    z = h @ net.layers[2].W + net.layers[2].b
    if output == "identity":
        return z
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_an_embedding_estimator_is_the_hand_built_network_trained(tmp_path, cls):
    idx, labels, values = _data()
    y = labels if cls is MLPClassifier else values
    est = cls(layers=LAYERS, **KW).fit(idx, y)
    classifier = cls is MLPClassifier
    output, loss = ("softmax", "cross_entropy") if classifier else ("identity", "squared_error")
    net, rng = _reference(3 if classifier else 1, output, loss)
    Y = np.eye(3)[labels] if classifier else values[:, None]
    Trainer(net, optimizer=SGD(0.1, momentum=0.9, nesterov=True), batch_size=16, epochs=3,
            seed=int(rng.integers(2**31)), shuffle=True).fit(idx, Y)
    np.testing.assert_allclose(est.network_.params, net.params, rtol=0, atol=1e-13)
    out = _numpy_forward(net, idx, output)
    if classifier:
        np.testing.assert_allclose(est.predict_proba(idx), out, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(est.predict(idx), out.argmax(axis=1))
    else:
        np.testing.assert_allclose(est.predict(idx), out[:, 0], rtol=1e-12, atol=1e-13)
    path = tmp_path / "est.npz"
    est.save(path)
    back = cr.load_estimator(path)
    np.testing.assert_array_equal(back.predict(idx), est.predict(idx))
    np.testing.assert_array_equal(back.network_.layers[0].W, est.network_.layers[0].W)


def test_partial_fit_steps_the_hand_built_network_one_epoch():
    idx, labels, _ = _data()
    kw = {k: v for k, v in KW.items() if k != "max_iter"}
    est = MLPClassifier(layers=LAYERS, **kw).partial_fit(idx, labels, classes=[0, 1, 2])
    net, rng = _reference(3, "softmax", "cross_entropy")
    Trainer(net, optimizer=SGD(0.1, momentum=0.9, nesterov=True), batch_size=16, epochs=1,
            seed=int(rng.integers(2**31)), shuffle=True).fit(idx, np.eye(3)[labels])
    np.testing.assert_allclose(est.network_.params, net.params, rtol=0, atol=1e-13)
    before = est.network_.layers[0].W.copy()
    est.partial_fit(idx, labels)  # a second epoch moves the table, predicts as NumPy does
    assert np.abs(est.network_.layers[0].W - before).max() > 1e-4
    np.testing.assert_allclose(est.predict_proba(idx),
                               _numpy_forward(est.network_, idx, "softmax"), rtol=1e-12)


def test_an_embedding_not_first_is_refused_by_name():
    idx, labels, _ = _data()
    with pytest.raises(ValueError, match=r"layers\[1\] Embedding.*takes integer indices.*"
                                         r"put it first, layers\[0\]"):
        MLPClassifier(layers=LAYERS[::-1], max_iter=1).fit(idx, labels)
    with pytest.raises(ValueError, match=r"layers\[1\] Embedding.*put it first"):
        cr.Network([Dense(4, 4), Embedding(V, DIM)])


def test_indices_outside_the_table_are_refused_at_predict():
    idx, labels, _ = _data()
    est = MLPClassifier(layers=LAYERS, max_iter=1, random_state=0).fit(idx, labels)
    with pytest.raises(ValueError, match=r"indices in \[0, 6\) \(num_embeddings\), got .*6\.0"):
        est.predict(idx + 1)
