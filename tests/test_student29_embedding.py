"""Embedding: a table lookup of learned rows, checked against PyTorch's nn.Embedding
autograd, central differences and plain NumPy; refusals of bad indices by name; the layer in
a Network, in training (equal to PyTorch's run), files, layer dicts and the command line."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import Dense, Embedding, Network
from file_helpers import cli_out

V, DIM, BLOCK = 7, 3, 4


def _idx(n=6, seed=0):
    idx = np.random.default_rng(seed).integers(0, V, (n, BLOCK))
    idx[0, :2] = idx[1, 3] = 5  # an index seen several times: its rows' gradients add
    return idx


def test_forward_is_the_rows_concatenated_by_hand():
    table = np.arange(V * DIM, dtype=float).reshape(V, DIM)
    layer = Embedding(V, DIM, init=table)
    A = layer.forward(np.array([[2, 0, 6, 2]]))
    np.testing.assert_array_equal(A, [[6, 7, 8, 0, 1, 2, 18, 19, 20, 6, 7, 8]])


def test_forward_and_backward_equal_torch_autograd():
    torch = pytest.importorskip("torch")
    layer = Embedding(V, DIM, seed=3)
    idx = _idx()
    grad_out = np.random.default_rng(1).standard_normal((len(idx), BLOCK * DIM))
    emb = torch.nn.Embedding(V, DIM, dtype=torch.float64)
    with torch.no_grad():
        emb.weight.copy_(torch.from_numpy(layer.W.copy()))
    out = emb(torch.from_numpy(idx)).view(len(idx), -1)  # Karpathy's emb.view(n, -1)
    out.backward(torch.from_numpy(grad_out))
    A = layer.forward(idx)
    assert layer.backward(grad_out, need_input_grad=False) is None
    np.testing.assert_array_equal(A, out.detach().numpy())
    np.testing.assert_allclose(layer.dW, emb.weight.grad.numpy(), rtol=1e-14, atol=1e-15)


def test_backward_equals_numpy_add_at_and_central_differences():
    layer = Embedding(V, DIM, seed=4)
    idx = _idx(9, seed=2)
    R = np.random.default_rng(5).standard_normal((9, BLOCK * DIM))
    layer.forward(idx)
    layer.backward(R, need_input_grad=False)
    # plain NumPy scatter-add: J = sum(A * R), so dJ/dW[v] sums R's slices where idx == v
    expected = np.zeros((V, DIM))
    np.add.at(expected, idx.ravel(), R.reshape(-1, DIM))
    np.testing.assert_allclose(layer.dW, expected, rtol=1e-14, atol=1e-15)
    assert not layer.dW[np.setdiff1d(np.arange(V), idx)].any()  # unused rows: zero
    W0, eps, num = layer.W.copy(), 1e-6, np.zeros((V, DIM))
    for v in range(V):
        for d in range(DIM):
            for sign in (1, -1):
                W = W0.copy()
                W[v, d] += sign * eps
                layer.W = W
                num[v, d] += sign * np.sum(layer.forward(idx) * R) / (2 * eps)
    np.testing.assert_allclose(layer.dW, num, rtol=1e-8, atol=1e-9)


def _net(seed=0, dtype=None):
    return Network([Embedding(V, DIM, seed=seed, dtype=dtype),
                    Dense(BLOCK * DIM, 5, "tanh", init="glorot_uniform", seed=seed + 1,
                          dtype=dtype),
                    Dense(5, V, "softmax", init="glorot_uniform", seed=seed + 2, dtype=dtype)],
                   input_shape=BLOCK)


def test_network_gradient_check_passes():
    X, y = _idx(12, seed=3), np.random.default_rng(4).integers(0, V, 12)
    result = cr.gradient_check(_net(), X, y)
    assert result.verdict == "PASS" and result.rel_diff_all < 1e-8


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_training_run_equals_torch(name):
    torch = pytest.importorskip("torch")
    net = _net(seed=7)
    X, y = _idx(24, seed=5), np.random.default_rng(6).integers(0, V, 24)
    emb = torch.nn.Embedding(V, DIM, dtype=torch.float64)
    lin1 = torch.nn.Linear(BLOCK * DIM, 5, dtype=torch.float64)
    lin2 = torch.nn.Linear(5, V, dtype=torch.float64)
    with torch.no_grad():
        emb.weight.copy_(torch.from_numpy(net.layers[0].W.copy()))
        for lin, ours in ((lin1, net.layers[1]), (lin2, net.layers[2])):
            lin.weight.copy_(torch.from_numpy(ours.W.T.copy()))
            lin.bias.copy_(torch.from_numpy(ours.b.copy()))
    params = [emb.weight, lin1.weight, lin1.bias, lin2.weight, lin2.bias]
    opt = {"sgd": lambda: torch.optim.SGD(params, lr=0.5),
           "momentum": lambda: torch.optim.SGD(params, lr=0.2, momentum=0.9),
           "adam": lambda: torch.optim.Adam(params, lr=0.01)}[name]()
    ours = {"sgd": cr.SGD(0.5), "momentum": cr.SGD(0.2, momentum=0.9), "adam": cr.Adam(0.01)}
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    for _ in range(3):  # epochs of batches of 8 in order
        for s in range(0, 24, 8):
            opt.zero_grad()
            h = torch.tanh(lin1(emb(Xt[s:s + 8]).view(-1, BLOCK * DIM)))
            torch.nn.functional.cross_entropy(lin2(h), yt[s:s + 8]).backward()
            opt.step()
    cr.train(net, X, y, optimizer=ours[name], batch_size=8, epochs=3, shuffle=False)
    np.testing.assert_allclose(net.layers[0].W, emb.weight.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(net.layers[1].W, lin1.weight.detach().numpy().T, atol=1e-12)
    np.testing.assert_allclose(net.layers[2].b, lin2.bias.detach().numpy(), atol=1e-12)
    assert not np.array_equal(net.layers[0].W, _net(seed=7).layers[0].W)  # it trained


@pytest.mark.parametrize("X, said", [
    (np.array([[0.0, 1.5, 2.0, 3.0]]), "integer indices, got np.float64(1.5) at (0, 1)"),
    (np.array([[0.0, np.nan, 2.0, 3.0]]), "integer indices, got np.float64(nan)"),
    (np.array([[0, 1, 7, 3]]), "indices in [0, 7) (num_embeddings), got np.int64(7) at (0, 2)"),
    (np.array([[0, -1, 2, 3]]), "indices in [0, 7) (num_embeddings), got np.int64(-1) at (0, 1)"),
    (np.array([0, 1, 2, 3]), "X must have shape (n_samples, 4)"),
    (np.zeros((2, 4, 1), int), "X must have shape (n_samples, 4)"),
    (np.zeros((2, 3), int), "got shape (2, 3)"),
    (np.zeros((2, 4), bool), "integer indices, got booleans"),
])
def test_bad_indices_are_refused_by_name(X, said):
    layer = Embedding(V, DIM, block_size=BLOCK)
    with pytest.raises(ValueError) as info:
        layer.forward(X)
    assert said in str(info.value) and "Embedding(7, 3, block_size=4)" in str(info.value)


def test_whole_floats_are_indices_and_network_data_too():
    layer = Embedding(V, DIM, seed=0)
    idx = _idx()
    np.testing.assert_array_equal(layer.forward(idx.astype(np.float32)), layer.forward(idx))
    net = _net()
    with pytest.raises(ValueError, match=r"X must hold integer indices, got .*\.25\) at"):
        net.forward(idx + 0.25)


def test_an_embedding_not_first_has_no_input_gradient():
    # (a Network refuses it where it is built: test_embedding2_estimators.py)
    with pytest.raises(ValueError, match=r"layers\[1\] Embedding.*put it first"):
        Network([Dense(BLOCK, BLOCK, "identity", seed=0), Embedding(V, DIM),
                 Dense(BLOCK * DIM, V, "softmax", seed=1)])
    layer = Embedding(V, DIM)
    layer.forward(_idx())
    with pytest.raises(ValueError, match="put the Embedding layer first"):
        layer.backward(np.ones((6, BLOCK * DIM)))


def test_block_size_must_be_known_and_agree():
    with pytest.raises(ValueError, match=r"give the layer block_size=\.\.\. or the network"):
        Network([Embedding(V, DIM), Dense(12, V, "softmax")])
    with pytest.raises(ValueError, match="expects 3 indices per example"):
        Network([Embedding(V, DIM, block_size=3), Dense(9, V, "softmax")], input_shape=4)
    with pytest.raises(ValueError, match="expects 10 inputs but the layer before it gives 12"):
        Network([Embedding(V, DIM), Dense(10, V, "softmax")], input_shape=4)
    net = Network([Embedding(V, DIM, block_size=4), Dense(12, V, "softmax")])
    assert net.n_inputs == 4 and net.layers[0].block_size == 4


def test_layer_dicts_files_and_info(tmp_path, capsys):
    net = cr.network_from_layers(
        [{"type": "Embedding", "num_embeddings": V, "embedding_dim": DIM},
         {"type": "Dense", "fan_out": 5, "activation": "tanh"},
         {"type": "Dense", "fan_out": V, "activation": "softmax"}], input_shape=BLOCK, seed=0)
    assert net.layers[0].get_config() == {"type": "Embedding", "num_embeddings": V,
                                          "embedding_dim": DIM, "block_size": BLOCK}
    assert net.layers[1].W.shape == (BLOCK * DIM, 5)
    path = tmp_path / "emb.npz"
    cr.io.save(net, path)
    back = cr.load(path)
    back_net = getattr(back, "network", back)
    X = _idx()
    np.testing.assert_array_equal(back_net.forward(X), net.forward(X))
    np.testing.assert_array_equal(back_net.layers[0].W, net.layers[0].W)
    out = cli_out(capsys, ["info", path])
    row = next(line for line in out.splitlines() if "Embedding" in line).split()
    assert row[:4] == ["0", "Embedding", "4", "12"] and "7x3" in row and row[-1] == "21"
    out = cli_out(capsys, ["gradcheck", "--model", path])
    assert "PASS" in out


def test_float32_network_and_copies():
    net = _net(dtype=np.float32)
    assert net.dtype == np.float32
    X, y = _idx(8), np.zeros(8, int)
    J, g = net.loss_and_grad(X, y)
    assert g.dtype == np.float32 and np.isfinite(J)
    copy = net.copy()
    np.testing.assert_array_equal(copy.forward(X), net.forward(X))


def test_nested_lists_are_taken_as_np_asarray_of_them_float32_kept():
    idx = _idx()
    listed, arrayed = Embedding(V, DIM, seed=0), Embedding(V, DIM, seed=0)
    A = arrayed.forward(idx)
    np.testing.assert_array_equal(listed.forward(idx.tolist()), A)
    G = np.random.default_rng(1).normal(size=A.shape)
    listed.backward(G.tolist(), need_input_grad=False)
    arrayed.backward(G, need_input_grad=False)
    np.testing.assert_array_equal(listed.dW, arrayed.dW)
    layer = Embedding(V, DIM, seed=0, dtype=np.float32)
    assert layer.forward(idx).dtype == np.float32
    layer.backward(np.ones((len(idx), BLOCK * DIM), np.float32), need_input_grad=False)
    assert layer.dW.dtype == np.float32
    with pytest.raises(ValueError, match="need_input_grad=False"):
        layer.backward(np.ones((len(idx), BLOCK * DIM), np.float32))
