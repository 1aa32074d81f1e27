"""Backpropagation against central differences (SPEC 5 and 8), in float64.

Every smooth hidden activation x every loss with each output activation valid for it x
both weight-decay conventions x 1, 2 and 3 hidden layers.  The reference is the
central-difference gradient, which ``gradient_check`` computes; one test also
recomputes it here, independently, from ``loss_value``.

A note on the 1e-9 threshold.  Central differences with eps = 1e-4 carry a truncation
error of eps^2/6 * d^3J/dtheta_i^3 per component, i.e. a *relative* error of about
1.7e-9 x (third / first derivative) for a parameter of an output unit.  That ratio is
O(1) for curved outputs (2 for a tanh unit near 0), so a gradient made of the data term
alone sits at 1e-9..1e-8 even when backprop is exact.  ``test_smooth_networks`` therefore
uses small inputs and weights and a weight decay strong enough (its gradient has no
truncation error) to keep the SPEC's 1e-9 with margin; the test is still sensitive to a
wrong backward pass at the 1e-3 level (see ``test_wrong_derivative_in_backward_is_caught``,
run in the same setting).  ``test_smooth_networks_extrapolated`` then checks the same
grid with larger weights and inputs and almost no decay against the Richardson-
extrapolated difference quotient (truncation O(eps^4)), to 1e-9: no dilution there.
"""

from __future__ import annotations

import itertools
import re
import zlib

import numpy as np
import pytest

import chainrule
from chainrule import Dense, Network
from chainrule.activations import unregister_activation

EPS = 1e-4
TOL = 1e-9

SMOOTH_HIDDEN = ["identity", "sigmoid", "tanh", "softplus", "square"]
DECAYS = ["ufldl", "per_sample"]
DEPTHS = [1, 2, 3]

# (loss, output activation, kind of targets)
PAIRS = [
    ("squared_error", "identity", "real"),
    ("squared_error", "sigmoid", "unit"),
    ("squared_error", "tanh", "sym"),
    ("squared_error", "softmax", "onehot"),
    ("squared_error", "softplus", "real"),
    ("mean_squared_error", "identity", "real"),
    ("mean_squared_error", "sigmoid", "unit"),
    ("mean_squared_error", "tanh", "sym"),
    ("mean_squared_error", "softmax", "prob"),
    ("mean_squared_error", "softplus", "real"),
    ("log_loss", "sigmoid", "unit"),
    ("log_loss", "sigmoid", "binary"),
    ("log_loss", "softmax", "onehot"),
    ("log_loss", "softmax", "labels"),
    ("log_loss", "softmax", "unit"),  # multi-label targets on a softmax output
    ("cross_entropy", "softmax", "labels"),
    ("cross_entropy", "softmax", "prob"),
    ("cross_entropy", "softmax", "unit"),  # soft targets whose rows do not sum to 1
    ("cross_entropy", "sigmoid", "unit"),
    ("cross_entropy", "softplus", "prob"),
]
# kept apart so that the depths EXTRAPOLATED_CASES cycles through stay those of the pairs above
POISSON_PAIRS = [("poisson", "exp", "count"), ("poisson", "softplus", "count")]

N_IN, N_SAMPLES = 3, 5
HIDDEN_WIDTHS = [4, 3, 4]
W_SCALE, B_SCALE, X_SCALE = 0.3, 0.1, 0.3
LAMBDA = 5.0  # effective decay strength: lambda for "ufldl", lambda * m for "per_sample"


def make_targets(rng: np.random.Generator, kind: str, m: int, k: int) -> np.ndarray:
    if kind == "real":
        return rng.normal(size=(m, k))
    if kind == "sym":
        return rng.uniform(-0.5, 0.5, size=(m, k))
    if kind == "unit":
        return rng.uniform(0.05, 0.95, size=(m, k))
    if kind == "binary":
        return rng.integers(0, 2, size=(m, k)).astype(float)
    if kind == "prob":
        return rng.dirichlet(np.ones(k), size=m)
    if kind == "count":
        return rng.poisson(2.0, size=(m, k)).astype(float)
    labels = rng.integers(0, k, size=m)
    if kind == "labels":
        return labels  # 1-D integer class labels
    assert kind == "onehot"
    return np.eye(k)[labels]


def make_net(
    hidden: str,
    output: str,
    loss: str,
    depth: int,
    decay: str,
    seed: int,
    n_out: int = 3,
    weight_decay: float | None = None,
    dtype=np.float64,
    w_scale: float = W_SCALE,
    b_scale: float = B_SCALE,
) -> Network:
    """A Dense network with N(0, w_scale^2) weights and N(0, b_scale^2) biases."""
    rng = np.random.default_rng(seed)
    sizes = [N_IN, *HIDDEN_WIDTHS[:depth], n_out]
    acts = [hidden] * depth + [output]
    layers = []
    for fan_in, fan_out, act in zip(sizes[:-1], sizes[1:], acts, strict=True):
        W = rng.normal(0, w_scale, (fan_in, fan_out))
        layer = Dense(fan_in, fan_out, act, init=W, dtype=dtype)
        layer.b = rng.normal(0, b_scale, fan_out)
        layers.append(layer)
    if output == "softplus" and loss == "cross_entropy":
        # cross-entropy reads outputs as probabilities: keep softplus outputs below 1
        # (outputs above 1 are checked in test_cross_entropy_softplus_outputs_above_one)
        layers[-1].b = layers[-1].b - 2.0
    if weight_decay is None:
        weight_decay = LAMBDA * (N_SAMPLES if decay == "per_sample" else 1)
    return Network(layers, loss=loss, weight_decay=weight_decay, decay=decay)


def rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(a + b))


def check(net: Network, X, Y, eps: float = EPS) -> chainrule.GradientCheck:
    gc = chainrule.gradient_check(net, X, Y, eps=eps)
    assert gc.numerical.shape == gc.analytical.shape == (net.n_params,)
    assert np.all(np.isfinite(gc.numerical)) and np.all(np.isfinite(gc.analytical))
    assert np.linalg.norm(gc.numerical) > 1e-3  # a meaningful, non-vanishing gradient
    assert gc.rel_diff == pytest.approx(rel_diff(gc.numerical, gc.analytical), rel=1e-12)
    return gc


def grid_problem(hidden, loss, output, kind, decay, depth, **net_kwargs):
    seed = zlib.crc32(f"{hidden}-{loss}-{output}-{kind}-{decay}-{depth}".encode())
    x_scale = net_kwargs.pop("x_scale", X_SCALE)
    net = make_net(hidden, output, loss, depth, decay, seed=seed, **net_kwargs)
    rng = np.random.default_rng(seed + 1)
    X = x_scale * rng.normal(size=(N_SAMPLES, N_IN))
    Y = make_targets(rng, kind, N_SAMPLES, net.n_outputs)
    if output == "softplus" and loss == "cross_entropy":
        while net.forward(X).max() >= 1:  # keep the outputs readable as probabilities
            net.layers[-1].b = net.layers[-1].b - 1.0
    return net, X, Y


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("decay", DECAYS)
@pytest.mark.parametrize(("loss", "output", "kind"), PAIRS + POISSON_PAIRS, ids=lambda v: str(v))
@pytest.mark.parametrize("hidden", SMOOTH_HIDDEN)
def test_smooth_networks(hidden, loss, output, kind, decay, depth):
    net, X, Y = grid_problem(hidden, loss, output, kind, decay, depth)
    assert net.weight_decay > 0
    gc = check(net, X, Y)
    assert gc.rel_diff < TOL, str(gc)


# every (hidden, loss/output, decay) once, the depth cycling through 1, 2, 3
EXTRAPOLATED_CASES = [
    (*case, 1 + i % 3) for i, case in enumerate(itertools.product(SMOOTH_HIDDEN, PAIRS, DECAYS))
] + [
    (*case, 1 + i % 3)
    for i, case in enumerate(itertools.product(SMOOTH_HIDDEN, POISSON_PAIRS, DECAYS))
]


@pytest.mark.parametrize(
    ("hidden", "pair", "decay", "depth"), EXTRAPOLATED_CASES, ids=lambda v: str(v)
)
def test_smooth_networks_extrapolated(hidden, pair, decay, depth):
    """Larger weights and inputs, tiny decay; reference: Richardson-extrapolated differences.

    (4 D(eps) - D(2 eps)) / 3 cancels the eps^2 term of the central difference D, leaving
    O(eps^4) truncation and the rounding of the cost differences (~1e-12 / eps).
    """
    loss, output, kind = pair
    net, X, Y = grid_problem(
        hidden,
        loss,
        output,
        kind,
        decay,
        depth,
        w_scale=0.3 if hidden == "square" else 0.5,
        b_scale=0.3,
        x_scale=1.0,
        weight_decay=1e-3,
    )
    # outputs stay unsaturated, where probabilities carry full relative precision
    net.forward(X)
    assert np.abs(net.layers[-1].Z).max() < 10
    gc1 = check(net, X, Y, eps=EPS)
    gc2 = check(net, X, Y, eps=2 * EPS)
    extrapolated = (4 * gc1.numerical - gc2.numerical) / 3
    assert rel_diff(extrapolated, gc1.analytical) < 1e-9, str(gc1)
    assert gc1.rel_diff < 1e-6, str(gc1)  # the plain check is close too


@pytest.mark.parametrize("n_out", [1, 2])
@pytest.mark.parametrize("loss", ["squared_error", "mean_squared_error", "log_loss"])
def test_single_neuron_and_narrow_outputs(loss, n_out):
    """Zero hidden layers (a perceptron with a smooth output) and one or two outputs."""
    output = "sigmoid"
    rng = np.random.default_rng(11)
    layer = Dense(N_IN, n_out, output, init=rng.normal(size=(N_IN, n_out)))
    net = Network([layer], loss=loss, weight_decay=0.05, decay="per_sample")
    X = X_SCALE * rng.normal(size=(N_SAMPLES, N_IN))
    Y = rng.uniform(size=(N_SAMPLES, n_out))
    assert check(net, X, Y).rel_diff < TOL


@pytest.mark.parametrize("decay", DECAYS)
def test_weight_decay_closed_form(decay):
    """The decay term itself (a gradient check cannot see a wrong but self-consistent scale).

    ufldl: (lambda/2) sum W^2, gradient lambda W; per_sample: both divided by m.
    Biases are never decayed.
    """
    lam, m = 0.7, N_SAMPLES
    plain = make_net("tanh", "sigmoid", "log_loss", 2, decay, seed=8, weight_decay=0.0)
    decayed = make_net("tanh", "sigmoid", "log_loss", 2, decay, seed=8, weight_decay=lam)
    np.testing.assert_array_equal(plain.params, decayed.params)
    rng = np.random.default_rng(8)
    X = X_SCALE * rng.normal(size=(m, N_IN))
    Y = rng.uniform(size=(m, 3))
    J0, g0 = plain.loss_and_grad(X, Y)
    J1, g1 = decayed.loss_and_grad(X, Y)
    c = lam / m if decay == "per_sample" else lam
    sum_w2 = sum(float(np.sum(layer.W**2)) for layer in decayed.layers)
    assert J1 - J0 == pytest.approx(0.5 * c * sum_w2, rel=1e-10)
    expected = np.concatenate(
        [np.concatenate([c * layer.W.ravel(), np.zeros_like(layer.b)]) for layer in decayed.layers]
    )
    np.testing.assert_allclose(g1 - g0, expected, rtol=1e-10, atol=1e-15)


# -- ReLU family, away from the kinks ---------------------------------------------------------
KINK_MARGIN = 1e-2


def _min_abs_hidden_z(net: Network, X: np.ndarray) -> float:
    net.forward(X)
    return min(float(np.min(np.abs(layer.Z))) for layer in net.layers[:-1])


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("decay", DECAYS)
@pytest.mark.parametrize(
    ("loss", "output", "kind"),
    [
        ("squared_error", "identity", "real"),
        ("mean_squared_error", "tanh", "sym"),
        ("log_loss", "sigmoid", "binary"),
        ("cross_entropy", "softmax", "labels"),
    ],
    ids=lambda v: str(v),
)
@pytest.mark.parametrize("hidden", ["relu", "leaky_relu"])
def test_relu_family_away_from_kinks(hidden, loss, output, kind, decay, depth):
    # deterministic search for a draw whose hidden net inputs all keep clear of 0
    for seed in range(200):
        net = make_net(hidden, output, loss, depth, decay, seed=seed)
        X = np.random.default_rng(seed + 1000).normal(size=(N_SAMPLES, N_IN))
        if _min_abs_hidden_z(net, X) > KINK_MARGIN:
            break
    # precondition: no hidden net input within the margin (>> eps * |input|) of the kink
    assert _min_abs_hidden_z(net, X) > KINK_MARGIN
    # and the network really uses both sides of the kink
    Zs = np.concatenate([layer.Z.ravel() for layer in net.layers[:-1]])
    assert (Zs > 0).any() and (Zs < 0).any()
    Y = make_targets(np.random.default_rng(seed), kind, N_SAMPLES, net.n_outputs)
    gc = check(net, X, Y)
    assert gc.rel_diff < TOL, str(gc)


# -- the check can fail ------------------------------------------------------------------------
def _small_problem(seed: int = 3):
    net = make_net("tanh", "softmax", "cross_entropy", 2, "ufldl", seed=seed)
    rng = np.random.default_rng(seed)
    X = X_SCALE * rng.normal(size=(N_SAMPLES, N_IN))
    Y = rng.integers(0, net.n_outputs, size=N_SAMPLES)
    return net, X, Y


def test_numerical_gradient_matches_own_central_differences():
    """``gc.numerical`` is the central difference of the cost, recomputed here from scratch."""
    net, X, Y = _small_problem()
    gc = chainrule.gradient_check(net, X, Y, eps=EPS)
    probe = net.copy()
    theta = net.params.copy()
    mine = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = EPS
        probe.set_params(theta + e)
        plus = probe.loss_value(X, Y)
        probe.set_params(theta - e)
        minus = probe.loss_value(X, Y)
        mine[i] = (plus - minus) / (2 * EPS)
    np.testing.assert_allclose(gc.numerical, mine, rtol=1e-9, atol=1e-12)
    assert gc.cost == pytest.approx(net.loss_value(X, Y), rel=1e-14)
    np.testing.assert_allclose(gc.analytical, net.loss_and_grad(X, Y)[1], rtol=1e-14)
    # the check leaves the network's parameters as they were
    np.testing.assert_array_equal(net.params, theta)


@pytest.mark.parametrize("index", [0, 7, -1])
def test_perturbed_analytical_gradient_is_caught(index):
    net, X, Y = _small_problem()
    gc = chainrule.gradient_check(net, X, Y, eps=EPS)
    assert gc.rel_diff < TOL
    wrong = gc.analytical.copy()
    wrong[index] += 0.01 * np.linalg.norm(wrong) + 1e-3
    assert rel_diff(gc.numerical, wrong) > 1e-4
    wrong = gc.analytical * 1.01  # a wrong constant factor (e.g. a missing 1/m)
    assert rel_diff(gc.numerical, wrong) > 1e-3


def test_wrong_derivative_in_backward_is_caught():
    """A real backward pass with a wrong f': the check reports a large difference."""
    name = "broken_sigmoid_test"
    # the classic slip: the sigmoid derivative a(1 - a) applied to z instead of a
    chainrule.register_activation(name, lambda z: 1 / (1 + np.exp(-z)), lambda z: z * (1 - z))
    try:
        net = make_net(name, "identity", "squared_error", 2, "ufldl", seed=5)
        rng = np.random.default_rng(5)
        X = X_SCALE * rng.normal(size=(N_SAMPLES, N_IN))
        Y = rng.normal(size=(N_SAMPLES, net.n_outputs))
        gc = chainrule.gradient_check(net, X, Y, eps=EPS)
        assert gc.rel_diff > 1e-3, str(gc)
    finally:
        unregister_activation(name)


# -- float32 networks are checked through a float64 copy ---------------------------------------
@pytest.mark.parametrize(
    ("hidden", "output", "loss", "kind"),
    [
        ("tanh", "softmax", "cross_entropy", "labels"),
        ("sigmoid", "sigmoid", "log_loss", "unit"),
        ("softplus", "identity", "squared_error", "real"),
    ],
)
def test_float32_network(hidden, output, loss, kind):
    net = make_net(hidden, output, loss, 2, "per_sample", seed=21, dtype=np.float32)
    assert net.dtype == np.float32
    rng = np.random.default_rng(21)
    X = X_SCALE * rng.normal(size=(N_SAMPLES, N_IN)).astype(np.float32)
    Y = make_targets(rng, kind, N_SAMPLES, net.n_outputs)
    if kind != "labels":
        Y = Y.astype(np.float32)
    before = net.params.copy()
    params_obj = net.params

    gc = check(net, X, Y)
    assert gc.rel_diff < TOL, str(gc)
    assert gc.numerical.dtype == np.float64 and gc.analytical.dtype == np.float64

    # the original float32 network is unchanged
    assert net.dtype == np.float32
    assert net.params is params_obj or np.shares_memory(net.params, params_obj)
    assert net.params.dtype == np.float32
    np.testing.assert_array_equal(net.params, before)
    assert all(layer.W.dtype == np.float32 for layer in net.layers)

    # the checked gradient is that of the same weights (float32 values) in float64
    net64 = net.astype(np.float64)
    np.testing.assert_array_equal(net64.params, before.astype(np.float64))
    _, g64 = net64.loss_and_grad(X.astype(np.float64), Y)
    np.testing.assert_allclose(gc.analytical, g64, rtol=1e-12, atol=1e-15)


# -- user-registered activations ---------------------------------------------------------------
@pytest.fixture
def cube_test():
    name = "cube_test"
    act = chainrule.register_activation(name, lambda z: z**3 / 3 + z, lambda z: z**2 + 1)
    yield act
    unregister_activation(name)


@pytest.fixture
def halftanh_test():
    # f(z) = tanh(z / 2), f'(z) = (1 - f(z)^2) / 2: a derivative written in terms of the output
    name = "halftanh_test"
    act = chainrule.register_activation(
        name, lambda z: np.tanh(z / 2), lambda a: 0.5 * (1 - a * a), from_output=True
    )
    yield act
    unregister_activation(name)


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize(
    ("loss", "output", "kind"),
    [
        ("squared_error", "identity", "real"),
        ("cross_entropy", "softmax", "labels"),
        ("log_loss", "sigmoid", "unit"),
        ("squared_error", "cube_test", "real"),
    ],
    ids=lambda v: str(v),
)
def test_registered_activation(cube_test, loss, output, kind, depth):
    net = make_net("cube_test", output, loss, depth, "ufldl", seed=40 + depth)
    assert net.layers[0].activation is cube_test
    rng = np.random.default_rng(depth)
    X = X_SCALE * rng.normal(size=(N_SAMPLES, N_IN))
    net.forward(X)
    z = net.layers[0].Z
    np.testing.assert_allclose(net.layers[0].A, z**3 / 3 + z, rtol=1e-14)
    Y = make_targets(rng, kind, N_SAMPLES, net.n_outputs)
    gc = check(net, X, Y)
    assert gc.rel_diff < TOL, str(gc)


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("output", ["identity", "halftanh_test"])
def test_registered_activation_from_output(halftanh_test, output, depth):
    assert halftanh_test.from_output
    net = make_net("halftanh_test", output, "squared_error", depth, "per_sample", seed=depth)
    rng = np.random.default_rng(50 + depth)
    X = X_SCALE * rng.normal(size=(N_SAMPLES, N_IN))
    Y = rng.normal(size=(N_SAMPLES, net.n_outputs))
    gc = check(net, X, Y)
    assert gc.rel_diff < TOL, str(gc)


def test_registered_activation_is_removed_afterwards():
    assert "cube_test" not in chainrule.activations.ACTIVATIONS
    assert "halftanh_test" not in chainrule.activations.ACTIVATIONS
    with pytest.raises(ValueError, match="cube_test"):
        Dense(2, 2, "cube_test")


# -- softplus outputs above 1 with cross_entropy -----------------------------------------------
def test_cross_entropy_softplus_outputs_above_one():
    """-sum y log a is defined for any a > 0, and softplus outputs may exceed 1.

    (An earlier losses.py clipped a into [eps, 1 - eps]: the loss went flat above 1 while
    the gradient stayed -y/(1 - eps), and this check gave a relative difference of 0.37.)
    """
    rng = np.random.default_rng(0)
    layers = [
        Dense(N_IN, 4, "tanh", init=rng.normal(size=(N_IN, 4))),
        Dense(4, 3, "softplus", init=rng.normal(size=(4, 3))),
    ]
    layers[1].b = [1.0, 1.0, 1.0]
    net = Network(layers, loss="cross_entropy")
    X = rng.normal(size=(N_SAMPLES, N_IN))
    Y = rng.dirichlet(np.ones(3), size=N_SAMPLES)
    A = net.forward(X)
    assert A.max() > 2
    # closed form of the cost: mean over the batch of -sum_j y_j log a_j (may be negative)
    assert net.loss_value(X, Y) == pytest.approx(np.mean(-np.sum(Y * np.log(A), axis=1)))
    gc1 = check(net, X, Y, eps=EPS)
    gc2 = check(net, X, Y, eps=2 * EPS)
    assert gc1.rel_diff < 1e-8, str(gc1)  # O(1) weights: eps^2 truncation ~1e-9
    extrapolated = (4 * gc1.numerical - gc2.numerical) / 3
    assert rel_diff(extrapolated, gc1.analytical) < 1e-10


# --------------------------------------------------------------------------------------------
# sample weights through Network.cost and gradient_check
# --------------------------------------------------------------------------------------------
def test_cost_and_gradient_check_take_sample_weight():
    """Weighted cost ``sum w_i L_i / sum w + (lambda/2) sum W^2`` against hand values and
    central differences of that hand-written cost."""
    W = np.array([[0.5, -1.0], [0.25, 2.0], [-0.75, 0.1]])
    b = np.array([0.3, -0.2])
    net = chainrule.Network([chainrule.Dense(3, 2, "identity", init=W)],
                            loss="squared_error", weight_decay=0.1)
    net.layers[0].b = b
    rng = np.random.default_rng(11)
    X = rng.normal(size=(5, 3))
    Y = rng.normal(size=(5, 2))
    w = np.array([1.0, 0.0, 2.0, 0.5, 3.0])

    def hand_cost(theta):
        Wt, bt = theta[:6].reshape(3, 2), theta[6:]
        L = 0.5 * np.sum((X @ Wt + bt - Y) ** 2, axis=1)
        return np.sum(w * L) / np.sum(w) + 0.05 * np.sum(Wt**2)

    theta = net.params.copy()
    J, g = net.cost(theta, X, Y, sample_weight=w)
    assert J == pytest.approx(hand_cost(theta), rel=1e-14)
    h = 1e-6
    num = np.array([(hand_cost(theta + h * e) - hand_cost(theta - h * e)) / (2 * h)
                    for e in np.eye(theta.size)])
    np.testing.assert_allclose(g, num, rtol=1e-7, atol=1e-9)
    # unweighted is different: the weights are not ignored
    assert net.cost(theta, X, Y)[0] != pytest.approx(J)

    gc = chainrule.gradient_check(net, X, Y, sample_weight=w)
    assert gc.cost == pytest.approx(hand_cost(theta), rel=1e-14)
    np.testing.assert_allclose(gc.numerical, num, rtol=1e-6, atol=1e-8)
    assert gc.rel_diff < 1e-9
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(5,\)"):
        net.cost(theta, X, Y, sample_weight=w[:3])
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        chainrule.gradient_check(net, X, Y, sample_weight=-w)


def test_gradient_check_sample_weight_needs_a_model_that_takes_it():
    class Plain:
        params = np.zeros(2)

        def cost(self, theta, X, Y):
            return float(np.sum(theta**2)), 2 * theta

    with pytest.raises(TypeError, match=r"Plain\.cost takes no sample_weight"):
        chainrule.gradient_check(Plain(), np.ones((2, 1)), np.ones(2), sample_weight=[1, 2])
    assert chainrule.gradient_check(Plain(), np.ones((2, 1)), np.ones(2)).rel_diff < 1e-9


def test_gradient_check_on_confidently_fitted_examples():
    """Logits of 15 to 21 on target 1: the log loss is about e^-z, and its digits are kept.

    Computed as log(1 + e^z) - z, it cancelled to about 1e-16 z, and the central
    differences of that cost were off by more than the CLI's tolerance (1e-7), worse at
    eps / 2, on a correct gradient.  Computed without the cancellation, the check
    passes and falls by about 4 when eps is halved (truncation error, eps^2).
    """
    net = Network.from_transfer_matrices([[[1.0], [4.0], [3.0]]], activation="sigmoid",
                                         loss="log_loss")
    rng = np.random.default_rng(0)
    X, y = rng.uniform(2, 3, size=(5, 2)), np.ones((5, 1))
    z = X @ [4.0, 3.0] + 1.0
    assert z.min() > 15
    full = chainrule.gradient_check(net, X, y)
    half = chainrule.gradient_check(net, X, y, eps=5e-5)
    # backprop: dJ/dz = -1 / (1 + e^z) / 5 per example (s(z) - 1 without its cancellation)
    d = -1 / (1 + np.exp(z)) / 5
    np.testing.assert_allclose(full.analytical, np.r_[X.T @ d, d.sum()], rtol=1e-13)
    assert full.cost == pytest.approx(np.mean(np.log1p(np.exp(-z))), rel=1e-13)
    assert full.rel_diff < 1e-7 and 3.5 < full.rel_diff / half.rel_diff < 4.5


# -- ReLU kinks within the step's reach: reported apart, not judged ---------------------------
def _bn_relu_near_a_kink():
    """An untrained Dense -> BatchNorm(relu) -> softmax network with a net input near 0.

    Evaluation mode: ``Z = gamma (X W + b - 0) / sqrt(1 + 1e-5) + beta``.  Seed 2's
    small initial weights put one of the 30 net inputs within 1e-4 * |x| of the kink.
    """
    from chainrule import BatchNorm

    net = Network([Dense(4, 6, "identity", seed=2), BatchNorm(6, "relu"),
                   Dense(6, 3, "softmax", seed=102)], loss="cross_entropy")
    rng = np.random.default_rng(0)
    return net, rng.normal(size=(5, 4)), rng.integers(0, 3, 5)


def _params_within_reach(net, X, eps):
    """By hand: the parameters whose +-eps step moves some BatchNorm net input across 0.

    Z is linear in each parameter of the first two layers: dZ[n, j]/dW[i, j] =
    s_j x[n, i], dZ/db[j] = s_j, dZ/dgamma[j] = xhat[n, j], dZ/dbeta[j] = 1, with
    s_j = gamma_j / sqrt(1 + 1e-5); a step crosses the kink when |Z| < eps |dZ/dp|.
    The output layer's parameters do not reach Z.
    """
    dense, bn = net.layers[0], net.layers[1]
    s = bn.gamma / np.sqrt(bn.running_var + bn.eps)
    xhat = (X @ dense.W + dense.b - bn.running_mean) / np.sqrt(bn.running_var + bn.eps)
    Z = bn.gamma * xhat + bn.beta
    within = {
        "W": np.any(np.abs(Z)[:, None, :] < eps * np.abs(s * X[:, :, None]), axis=0),
        "b": np.any(np.abs(Z) < eps * np.abs(s), axis=0),
        "gamma": np.any(np.abs(Z) < eps * np.abs(xhat), axis=0),
        "beta": np.any(np.abs(Z) < eps, axis=0),
    }
    saved = net.params.copy()
    try:  # the mask laid out as the flat parameter vector, through the layers' views
        net.params[...] = 0.0
        dense.W[...], dense.b[...] = within["W"], within["b"]
        bn.gamma[...], bn.beta[...] = within["gamma"], within["beta"]
        return net.params != 0
    finally:
        net.params[...] = saved


def test_parameters_whose_steps_cross_a_relu_kink_are_left_out():
    net, X, Y = _bn_relu_near_a_kink()
    plain = chainrule.gradient_check(net, X, Y)
    assert plain.rel_diff > 1e-4  # a correct gradient, judged on every parameter: FAIL
    gc = chainrule.gradient_check(net, X, Y, exclude_kinks=True)
    expected = _params_within_reach(net, X, EPS)
    assert expected.sum() == 6  # one net input: its unit's 4 weights, bias and gamma
    np.testing.assert_array_equal(gc.near_kink, expected)
    assert gc.kink_units == 1 and gc.compared == net.n_params - 6
    assert gc.rel_diff < 1e-8, str(gc)  # the rest: backprop's gradient, to truncation error
    assert gc.rel_diff_all == plain.rel_diff
    np.testing.assert_array_equal(gc.numerical, plain.numerical)  # the same differences
    assert not gc.near_kink[gc.worst]
    assert "6 parameter(s) near a kink, not comparable" in str(gc)
    # smooth networks: nothing left out, the same figure as without the option
    smooth = make_net("tanh", "softmax", "cross_entropy", 2, "ufldl", seed=0)
    Xs = np.random.default_rng(0).normal(size=(5, N_IN))
    Ys = make_targets(np.random.default_rng(0), "labels", 5, smooth.n_outputs)
    a, b = (chainrule.gradient_check(smooth, Xs, Ys, exclude_kinks=e) for e in (False, True))
    assert a.rel_diff == b.rel_diff and not b.near_kink.any() and a.near_kink is None
    with pytest.raises(TypeError, match="exclude_kinks must be True or False, got 'yes'"):
        chainrule.gradient_check(net, X, Y, exclude_kinks="yes")


def test_a_wrong_gradient_still_fails_with_the_kinks_left_out(monkeypatch):
    net, X, Y = _bn_relu_near_a_kink()
    right = Network.cost

    def wrong(self, *args, **kwargs):
        J, g = right(self, *args, **kwargs)
        return J, g * 1.01

    monkeypatch.setattr(Network, "cost", wrong)
    gc = chainrule.gradient_check(net, X, Y, exclude_kinks=True)
    assert gc.near_kink.sum() == 6 and gc.rel_diff > 1e-3


def test_a_fail_at_a_relu_kink_says_so_and_points_to_exclude_kinks(monkeypatch):
    # x = 0 and zero biases: every hidden net input of that example is exactly 0, ReLU's
    # corner, and only the hidden biases move it (W multiplies x = 0), so their central
    # differences mix the slopes 0 and 1; the other example keeps clear of the kink
    net = chainrule.mlp([2, 3, 1], hidden="relu", output="identity", loss="squared_error",
                        seed=0)
    for layer in net.layers:
        layer.b[...] = 0.0
    X, Y = np.array([[0.0, 0.0], [1.0, -0.5]]), np.array([[1.0], [0.5]])
    hidden_b = np.arange(6, 9)  # layers[0].W is 2 x 3 (entries 0..5), then layers[0].b
    assert np.abs(X[1] @ net.layers[0].W).min() > 1e-2
    gc = chainrule.gradient_check(net, X, Y)
    assert gc.verdict == "FAIL" and gc.near_kink is None  # the verdict is unchanged
    # independent: central differences of J by hand, the hidden biases left out
    theta, eps = np.array(net.params), 1e-4
    keep = np.ones(theta.size, dtype=bool)
    keep[hidden_b] = False
    num = np.array([(net.cost(theta + eps * e, X, Y)[0] - net.cost(theta - eps * e, X, Y)[0])
                    / (2 * eps) for e in np.eye(theta.size)])
    ana = net.cost(theta, X, Y)[1]
    ref = np.linalg.norm(num[keep] - ana[keep]) / np.linalg.norm(num[keep] + ana[keep])
    np.testing.assert_array_equal(np.flatnonzero(gc.kink_check.near_kink), hidden_b)
    text = gc.verdict_text
    note = re.search(r"note: (\d+) of the (\d+) parameters .* move (\d+) net input\(s\) .* "
                     r"without them the relative difference is (\S+)\. To leave such "
                     r"parameters out, check with exclude_kinks=True$", text)
    assert note is not None, text
    assert (int(note[1]), int(note[2]), int(note[3])) == (3, theta.size, 3)
    assert float(note[4]) == pytest.approx(ref, rel=1e-3)
    # a wrong gradient away from every kink (the second example alone) FAILS without it
    right = Network.cost
    monkeypatch.setattr(Network, "cost", lambda self, *a, **k: (right(self, *a, **k)[0],
                                                                 right(self, *a, **k)[1] * 1.01))
    wrong = chainrule.gradient_check(net, X[1:], Y[1:])
    assert wrong.verdict == "FAIL" and not wrong.kink_check.near_kink.any()
    assert "note:" not in str(wrong)


def test_a_registered_activation_declares_its_kinks():
    act = chainrule.register_activation(
        "shifted_relu_test", lambda z: np.maximum(z, 0.5), lambda z: (z > 0.5) * 1.0,
        kinks=[0.5])
    try:
        assert act.kinks == (0.5,)
        assert chainrule.activations.get_activation("relu").kinks == (0.0,)
        with pytest.raises(ValueError, match=r"kinks must be a sequence of finite numbers .* "
                                             r"got \[nan\]"):
            chainrule.register_activation("bad_kinks_test", np.abs, np.sign, kinks=[np.nan])
        assert "bad_kinks_test" not in chainrule.activations.ACTIVATIONS
    finally:
        unregister_activation("shifted_relu_test")


def test_numerical_gradient_checks_a_students_own_weight_matrix():
    """A student checking a hand-written backprop passes one weight matrix: numerical_gradient
    moved whole rows (theta[i] of a 2-D array) and stopped with "IndexError: index 2 is out
    of bounds for axis 0 with size 2".  Each entry is now moved in turn, and the gradient
    has the matrix's shape."""
    from chainrule.gradcheck import numerical_gradient, relative_difference

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    W = rng.normal(size=(3, 2))
    before = W.copy()

    def cost(W):  # a linear layer with E = mean of 1/2 ||X W - Y||^2
        return 0.5 * np.mean(np.sum((X @ W - Y) ** 2, axis=1))

    hand = X.T @ (X @ W - Y) / len(X)  # the student's backprop
    numeric = numerical_gradient(cost, W)
    assert numeric.shape == (3, 2)
    np.testing.assert_array_equal(W, before)
    assert relative_difference(numeric, hand) < 1e-9
    # the same network as a chainrule Network gives the same gradient
    net = Network([Dense(3, 2, "identity", init=W, bias=False)])
    _, grad = net.loss_and_grad(X, Y)
    np.testing.assert_allclose(grad.reshape(3, 2), numeric, rtol=1e-8)


@pytest.mark.parametrize(("fun", "exc", "message"), [
    (lambda t: (float(t @ t), 2 * t), TypeError,
     "fun must return the cost J, one number, got a tuple of 2 item(s); for a function that "
     "returns (J, grad), pass lambda theta: fun(theta)[0]"),
    (lambda t: 2 * t, ValueError, "fun must return the cost J, one number, got ndarray of "
                                  "shape (2,)"),
    # an object array of a text or a truth value, which float() would take as 1.5 and 1.0
    (lambda t: np.array(str(t @ t), dtype=object), ValueError,
     "fun must return the cost J, one number, got ndarray of shape ()"),
    (lambda t: np.array(bool(t @ t), dtype=object), ValueError,
     "fun must return the cost J, one number, got ndarray of shape ()"),
    # a complex cost failed with float()'s TypeError, which named neither fun nor the value
    (lambda t: np.complex128(5 + 2j), ValueError,
     "fun must return the cost J, one real number, got complex128 (5+2j)"),
])
def test_numerical_gradient_says_what_fun_must_return(fun, exc, message):
    """A cost function that returns (J, grad), as the one given to SciPy does, failed with
    "unsupported operand type(s) for -: 'tuple' and 'tuple'"."""
    from chainrule.gradcheck import numerical_gradient

    with pytest.raises(exc, match="^" + re.escape(message) + "$"):
        numerical_gradient(fun, np.array([1.0, 2.0]))


def test_gradient_check_refuses_a_gradient_of_another_shape():
    """A model whose cost returned its gradient as a column (n, 1) failed with "unsupported
    format string passed to numpy.ndarray.__format__" (the broadcast (n, n) difference)."""
    class Column:
        params = np.array([1.0, 2.0, 3.0])

        def cost(self, theta, X, Y):
            return float(theta @ theta), (2 * theta)[:, None]

    with pytest.raises(ValueError, match=re.escape(
            "model.cost must return (J, grad) with grad of the shape of model.params (3,), "
            "got a gradient of shape (3, 1)")):
        chainrule.gradient_check(Column(), np.zeros((1, 1)), np.zeros(1))
    from chainrule.gradcheck import relative_difference
    with pytest.raises(ValueError, match=re.escape("got (3,) and (3, 1)")):
        relative_difference(np.zeros(3), np.zeros((3, 1)))
    assert relative_difference([3.0, 4.0], [3.0, 0.0]) == pytest.approx(4 / np.hypot(6, 4))


def test_gradient_check_result_gives_the_command_lines_verdict(tmp_path, monkeypatch, capsys):
    """print(gradient_check(...)) said no PASS / FAIL / INCONCLUSIVE: only the command line
    judged.  The result now carries the same verdict, by the same rule, in the same words.
    References: the relative difference of a gradient made wrong by a factor 1 + f,
    f / (2 + f); the Richardson extrapolation (4 g(eps/4) - g(eps/2)) / 3 computed here from
    two plain checks; and the command line's verdict on the same saved network."""
    from chainrule.cli import main
    from chainrule.gradcheck import relative_difference

    net = Network([Dense(4, 6, "tanh", seed=0), Dense(6, 3, "softmax", seed=1)],
                  loss="cross_entropy")
    X = np.random.default_rng(0).normal(size=(5, 4))
    Y = np.eye(3)[[0, 1, 2, 0, 1]]
    small = chainrule.gradient_check(net, X, Y)
    assert small.verdict == "PASS" and small.series == ()  # nothing more was needed
    assert str(small).endswith(f"PASS: relative difference {small.rel_diff:.3e} < 1e-07")
    assert repr(small).startswith("GradientCheck(verdict='PASS', rel_diff=")
    # large weights, a large eps: truncation error above the tolerance, a correct gradient
    net.params[:] *= 8
    curved = chainrule.gradient_check(net, X, Y, eps=3e-3)
    assert curved.rel_diff >= 1e-7 and curved.verdict == "PASS"
    halves = [chainrule.gradient_check(net, X, Y, eps=3e-3 / k, tolerance=1.0) for k in (2, 4)]
    richardson = (4 * halves[1].numerical - halves[0].numerical) / 3
    late = relative_difference(richardson, halves[1].analytical)
    assert f"it is {late:.3e} < 1e-07" in curved.verdict_text
    path = str(net.save(tmp_path / "curved.npz"))
    assert main(["gradcheck", "--model", path, "--eps", "3e-3"]) == 0  # on random examples
    last = capsys.readouterr().out.rstrip().splitlines()[-1]
    assert re.sub(r"[\d.]+e[+-]\d+", "x", last) == re.sub(r"[\d.]+e[+-]\d+", "x",
                                                          curved.verdict_text)
    f = 0.01
    right = Network.cost

    def wrong_cost(self, *args, **kwargs):
        J, g = right(self, *args, **kwargs)
        return J, g * (1 + f)

    monkeypatch.setattr(Network, "cost", wrong_cost)
    wrong = chainrule.gradient_check(net, X, Y, eps=1e-4)
    assert wrong.rel_diff == pytest.approx(f / (2 + f), rel=1e-3)
    assert wrong.verdict == "FAIL" and "FAIL: relative difference" in str(wrong)
    assert main(["gradcheck", "--model", path]) == 1
    last = capsys.readouterr().out.rstrip().splitlines()[-1]
    assert re.sub(r"[\d.]+e[+-]\d+", "x", last) == re.sub(r"[\d.]+e[+-]\d+", "x",
                                                          wrong.verdict_text)
    with pytest.raises(ValueError, match="tolerance must be a finite float > 0, got 0"):
        chainrule.gradient_check(net, X, Y, tolerance=0)


def test_gradient_check_names_each_parameters_layer_and_entry(monkeypatch, capsys):
    """"worst parameter 8" was a flat index into theta; it now says which layer and entry,
    e.g. layers[1].W[2, 0].  Reference: the network's own views into its flat vector: with
    params set to the unit vector e_i, the one entry that reads 1 is the named one."""
    from chainrule import BatchNorm, Conv2D, Flatten
    from chainrule.cli import main

    net = Network([Conv2D(1, 2, 2, activation="tanh", seed=0), Flatten(),
                   Dense(18, 3, "identity", seed=1), BatchNorm(3, "tanh"),
                   Dense(3, 2, "sigmoid", seed=2)], loss="log_loss", input_shape=(1, 4, 4))
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(3, 1, 4, 4)), rng.integers(0, 2, (3, 2)).astype(float)
    check = chainrule.gradient_check(net, X, Y)
    saved = net.params.copy()
    for i in range(net.n_params):
        net.params[...] = 0.0
        net.params[i] = 1.0
        layer, name, entry = re.fullmatch(r"layers\[(\d+)\]\.(\w+)\[([\d, ]+)\]",
                                          check.parameter_name(i)).groups()
        array = getattr(net.layers[int(layer)], name)
        index = tuple(int(k) for k in entry.split(", "))
        assert array[index] == 1.0 and np.count_nonzero(array) == 1, check.parameter_name(i)
    net.params[...] = saved
    assert check.parameter_name(0) == "layers[0].W[0, 0, 0, 0]"
    assert check.parameter_name(net.n_params - 1) == "layers[4].b[1]"
    assert f"worst parameter {check.worst} ({check.parameter_name(check.worst)}):" in str(check)
    with pytest.raises(ValueError, match=rf"i must be a parameter index in 0..{net.n_params - 1}"):
        check.parameter_name(net.n_params)
    with pytest.raises(TypeError, match=r"i must be an integer parameter index, got 2\.5"):
        check.parameter_name(2.5)
    # the command line names it too: a 4-5-3 MLP's parameter 8 is layers[0].W[1, 3]
    assert main(["gradcheck", "--sizes", "4", "5", "3"]) == 0
    worst = re.search(r"worst parameter (\d+) \((layers\[\d\]\.\w\[[\d, ]+\])[,)]",
                      capsys.readouterr().out)
    i = int(worst.group(1))
    unit = np.zeros(4 * 5 + 5 + 5 * 3 + 3)
    unit[i] = 1.0
    W0, b0 = unit[:20].reshape(4, 5), unit[20:25]
    W1, b1 = unit[25:40].reshape(5, 3), unit[40:]
    arrays = {"layers[0].W": W0, "layers[0].b": b0, "layers[1].W": W1, "layers[1].b": b1}
    name, entry = re.fullmatch(r"(layers\[\d\]\.\w)\[([\d, ]+)\]", worst.group(2)).groups()
    assert arrays[name][tuple(int(k) for k in entry.split(", "))] == 1.0


def test_numerical_gradient_of_a_torch_cost_that_requires_grad():
    """A cost returned as a 0-d PyTorch tensor that requires grad (the loss of a module
    with parameters) failed with "Can't call numpy() on Tensor that requires grad"."""
    torch = pytest.importorskip("torch")
    from chainrule.gradcheck import numerical_gradient

    w = torch.tensor([1.0, 2.0, -0.5], dtype=torch.float64, requires_grad=True)

    def cost(t):
        return (torch.from_numpy(t) * w).pow(3).sum()

    theta = np.array([0.5, -1.0, 2.0])
    t = torch.tensor(theta, requires_grad=True)
    (t * w.detach()).pow(3).sum().backward()  # autograd's gradient, the reference
    np.testing.assert_allclose(numerical_gradient(cost, theta), t.grad.numpy(), rtol=1e-7)


@pytest.mark.parametrize(("output", "loss"), [("identity", "squared_error"),
                                              ("sigmoid", "log_loss")])
def test_an_exact_fit_is_inconclusive_not_a_failure(output, loss):
    """A network checked on targets equal to its own outputs has a gradient of exactly 0
    (squared error) or of rounding size (log loss: 1e-17), but the central differences
    hold their truncation error, eps^2 / 6 J''' (about 1e-9 at eps = 1e-4): the relative
    difference was 1.0 at eps, eps/2 and eps/4, and the check said FAIL (exit status 1) on
    a correct gradient, where the README promises INCONCLUSIVE for an exact fit.  The
    central differences extrapolated to eps -> 0 are tiny, as the gradient is; a wrong
    gradient at the same point still fails."""
    net = chainrule.mlp([3, 4, 2], hidden="tanh", output=output, seed=0)
    assert net.loss.name == loss and net.weight_decay == 0
    X = np.random.default_rng(0).normal(size=(5, 3))
    Y = net.forward(X)                                    # an exact fit
    result = chainrule.gradient_check(net, X, Y)
    # reference: the central differences, by hand, at eps, eps/2 and eps/4
    theta = net.params.copy()

    def J(t):
        return net.cost(t, X, Y)[0]

    num = {k: np.array([(J(theta + 1e-4 / k * e) - J(theta - 1e-4 / k * e)) / (2e-4 / k)
                        for e in np.eye(theta.size)]) for k in (1, 2, 4)}
    assert np.abs(result.analytical).max() < 1e-15
    assert np.abs(num[1]).max() > 1e-10 * max(1.0, abs(result.cost))  # truncation error
    np.testing.assert_allclose(result.numerical, num[1], rtol=0, atol=1e-20)
    assert result.rel_diff == pytest.approx(1.0, abs=1e-6)
    richardson = np.abs((4 * num[4] - num[2]) / 3).max()
    assert richardson < 1e-10 * max(1.0, abs(result.cost))
    assert result.verdict == "INCONCLUSIVE"
    assert "the gradients here are tiny" in result.verdict_text
    # a wrong gradient at the same point still fails
    right = Network.cost

    def wrong_cost(self, *args, **kwargs):
        J, g = right(self, *args, **kwargs)
        return J, g + 1e-6

    try:
        Network.cost = wrong_cost
        assert chainrule.gradient_check(net, X, Y).verdict == "FAIL"
    finally:
        Network.cost = right


def test_gradcheck_command_refuses_the_decoder_sparseautoencoder_refuses(capsys):
    """``chainrule gradcheck --sparse-autoencoder --output softmax`` printed PASS for
    "sparse autoencoder 64 -> 25 (sigmoid) -> 64 (softmax)", a model that
    SparseAutoencoder(output="softmax") refuses to fit: the command built the network
    without the estimator's checks."""
    from chainrule.autoencoder import SparseAutoencoder
    from chainrule.cli import main

    with pytest.raises(ValueError, match="output: 'softmax' makes every reconstructed row") as e:
        SparseAutoencoder(4, output="softmax").fit(np.full((3, 4), 0.5))
    assert main(["gradcheck", "--sparse-autoencoder", "--sizes", "4", "2", "--output",
                 "softmax"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == f"chainrule: error: --{e.value}"
    # the decoders it takes are checked as before
    assert main(["gradcheck", "--sparse-autoencoder", "--sizes", "4", "2", "--output",
                 "tanh"]) == 0
    assert "PASS" in capsys.readouterr().out


def test_gradient_check_of_an_estimator_says_to_pass_its_network():
    """gradient_check(MLPClassifier(...).fit(...)) raised a TypeError that named no way out,
    where minimize's names network_; it now says what to pass, and what it says passes."""
    import warnings

    from chainrule.estimators import MLPClassifier, MLPRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 3))
    labels = np.array(["b", "c", "a"])[np.arange(12) % 3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few iterations: ConvergenceWarning
        clf = MLPClassifier(hidden_layer_sizes=(4,), activation="tanh", max_iter=3,
                            random_state=0).fit(X, labels)
        reg = MLPRegressor(hidden_layer_sizes=(4,), activation="tanh", max_iter=3,
                           random_state=0).fit(X, X[:, 0])
    with pytest.raises(TypeError, match=r"got MLPClassifier \(an estimator: check its network, "
                       r"gradient_check\(model\.network_, X, Y\), Y the indices into "
                       r"model\.classes_\)$"):
        chainrule.gradient_check(clf, X, labels)
    with pytest.raises(TypeError, match=r"got MLPRegressor \(an estimator: check its network, "
                       r"gradient_check\(model\.network_, X, Y\)\)$"):
        chainrule.gradient_check(reg, X, X[:, 0])
    with pytest.raises(TypeError, match=r"got MLPClassifier \(an estimator: fit it, then "
                       r"check its network, model\.network_\)$"):
        chainrule.gradient_check(MLPClassifier(), X, labels)
    with pytest.raises(TypeError, match=r"got list$"):  # no hint for what is no estimator
        chainrule.gradient_check([1.0], X, labels)
    # the advice works: the class indices into classes_ are the network's targets
    y = np.searchsorted(clf.classes_, labels)
    assert list(clf.classes_[y]) == list(labels)
    assert chainrule.gradient_check(clf.network_, X, y).rel_diff < 1e-8
    assert chainrule.gradient_check(reg.network_, X, X[:, 0]).rel_diff < 1e-8


def test_nan_gradient_reads_nan_and_fails_naming_the_parameter():
    """A NaN gradient gave relative_difference inf (as if a + b were 0), and an infinite one
    NaN.  Both now read NaN, and the verdict FAILS naming the first such parameter and which
    side is not a number.  Reference: the NaN entries of net.loss_and_grad's own gradient."""
    from chainrule.gradcheck import relative_difference

    assert np.isnan(relative_difference([np.nan, 1.0], [1.0, 1.0]))
    assert np.isnan(relative_difference([np.inf, 1.0], [1.0, 1.0]))
    assert relative_difference([1.0, 2.0], [1.0, 2.0]) == 0.0
    # a derivative written for z >= 0 only: NaN for the negative net inputs
    chainrule.register_activation("half_square_test", lambda z: z * z / 2,
                                  lambda z: np.where(z < 0, np.nan, z))
    try:
        rng = np.random.default_rng(3)
        net = Network([Dense(2, 3, "half_square_test", init=rng.normal(size=(2, 3))),
                       Dense(3, 1, "identity", init=rng.normal(size=(3, 1)))])
        X, Y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
        grad = net.loss_and_grad(X, Y)[1]
        first = int(np.flatnonzero(np.isnan(grad))[0])
        assert 0 < np.isnan(grad).sum() < grad.size
        check = chainrule.gradient_check(net, X, Y)
    finally:
        unregister_activation("half_square_test")
    assert np.isnan(check.rel_diff)
    assert check.verdict == "FAIL"
    i, j = np.unravel_index(first, (2, 3))
    assert (f"the analytical gradient has {np.isnan(grad).sum()} NaN or infinite entries, the "
            f"first at parameter {first} (layers[0].W[{i}, {j}], UFLDL's W^(1)_{j + 1}{i + 1}): "
            f"nan") in check.verdict_text
    assert "central differences have" not in check.verdict_text


@pytest.mark.parametrize(("eps", "error", "words"), [
    (0, ValueError, "eps must be a finite float > 0, got 0.0"),
    (float("nan"), ValueError, "eps must be a finite float > 0, got nan"),
    ("1e-4", TypeError, "eps must be a finite float > 0, got '1e-4' (str)"),
    (True, TypeError, "eps must be a finite float > 0, got True (bool)"),
])
def test_numerical_gradient_names_a_bad_eps(eps, error, words):
    """numerical_gradient took any eps: 0 raised a bare ZeroDivisionError, NaN returned a
    NaN gradient, '1e-4' a ufunc error and True was taken as 1.  It now checks eps as
    gradient_check does."""
    from chainrule.gradcheck import numerical_gradient

    with pytest.raises(error, match=re.escape(words)):
        numerical_gradient(lambda t: float(t @ t), [1.0, 2.0], eps)


@pytest.mark.parametrize("theta", ["ab", [1 + 2j]])
def test_numerical_gradient_names_a_theta_that_is_not_real_numbers(theta):
    from chainrule.gradcheck import numerical_gradient

    with pytest.raises(ValueError, match=r"^theta must be an array of real numbers, got "):
        numerical_gradient(lambda t: float(np.sum(t)), theta)
    # and a good one still gives the hand gradient 2 theta
    np.testing.assert_allclose(numerical_gradient(lambda t: float(t @ t), [1.0, -3.0]),
                               [2.0, -6.0], rtol=1e-9)
