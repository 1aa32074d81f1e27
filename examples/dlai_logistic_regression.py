"""deeplearning.ai, course 1 week 2, "Logistic Regression with a Neural Network mindset" and
"Python Basics with NumPy", in chainrule: logistic regression is a network with no hidden
layer, one sigmoid unit and the cross-entropy ``log_loss``.

    python examples/dlai_logistic_regression.py                 # every release's figures
    python examples/dlai_logistic_regression.py --release 2017  # one release
    (--iterations 1500 --out dlai_logistic_regression.png: the stand-in data set's curves)

The course's layout is features x examples: ``X`` of shape (n_x, m), ``Y`` (1, m), ``w``
(n_x, 1), ``A = sigmoid(w^T X + b)``.  chainrule's rows are examples, so it takes
``X.T`` and ``Y.T``; its ``Dense(n_x, 1).W`` has shape (fan_in, fan_out) = (n_x, 1),
*the course's w itself*, with no transpose (:func:`logistic_unit`).  The mapping:

* ``propagate(w, b, X, Y)``: ``net.loss_and_grad(X.T, Y.T)``, or ``net.cost(theta, X.T,
  Y.T)`` at a flat vector ``theta = [w..., b]``; the cost is the mean of the losses, the
  course's ``1/m`` sum, and the gradient vector is ``[dw..., db]`` (``layer.dW`` is the
  course's ``dw`` (n_x, 1), ``layer.db[0]`` its ``db``).  :func:`propagate`.
* ``optimize``: ``num_iterations`` full-batch steps ``SGD(lr).step(net.params, grad)``;
  the cost of iteration i is the cost before step i (``chainrule.train(net, X.T, Y.T,
  optimizer="gd", lr=lr, epochs=n)`` takes the same steps: ``history.loss[i]``), and the
  returned ``dw``, ``db`` are those of the last step, computed before it.  :func:`optimize`.
* ``predict``: ``net.predict(X.T) > 0.5`` (the course's "1 if activation > 0.5"),
  transposed to (1, m).  :func:`predict`.
* ``model``: ``Dense(n_x, 1, "sigmoid", init="zeros")``, bias 0 (``initialize_with_zeros``),
  then :func:`optimize` and :func:`predict`.  :func:`model`.

The releases and their test cases (every figure in :func:`published`):

* 2017 notebook: ``propagate`` on w = [[1], [2]], b = 2, X = [[1, 2, -1], [3, 4,
  -3.2]], Y = [[1, 0, 1]] (cost 5.801545319394553), ``optimize`` with 100 iterations at
  rate 0.009, ``predict`` on w = [[0.1124579], [0.23106775]], b = -0.3.
* 2021 notebook (W2A2): ``propagate`` and ``optimize`` on b = 1.5, X = [[1, -2, -1], [3,
  0.5, -3.2]], Y = [[1, 1, 0]] (cost 0.15900537707692405), the same ``predict`` case.
* 2021 ``public_tests.py``: ``propagate_test`` (3 features, 4 examples, cost
  2.0424567983978403), ``optimize_test`` (the 2017 case, 101 iterations at 0.1, costs
  [5.80154532, 0.31057104]), ``predict_test`` and ``model_test`` (``np.random.seed(0)``,
  X = randn(4, 7), 50 iterations at 0.01).

chainrule's ``log_loss`` reads a sigmoid output from its net input (``log(1 + e^-z)``);
the course's ``log(1 - a)`` at a = 0.999994 (the 2017 case's second example, z = 12) keeps
fewer digits, so chainrule's cost is 5.80154531939415, 4e-13 from the published
5.801545319394553, which the course's formula gives back from chainrule's own output
(:func:`course_cost`).

"Python Basics with NumPy" (:func:`python_basics`): ``sigmoid_derivative`` is the
sigmoid's ``derivative(z, a)``; ``softmax`` of the 2 x 5 matrix is the ``"softmax"``
activation, row by row as the course's; the course's L1 loss ``sum |y - yhat|`` is
``mean_absolute_error`` (the mean over the K outputs of one example) times K, and its L2
loss ``sum (y - yhat)^2`` = 0.43 is a sum of squares, not a mean: 2 x chainrule's
``squared_error`` (``1/2 sum_k (a_k - y_k)^2`` for one example of K outputs), or K x
``mean_squared_error``.  (A network's cost over m examples of one output each is the mean,
``(1/m) sum 1/2 (a - y)^2`` = 0.043: 2m times smaller.)

The cat images (209 + 50, 64 x 64 x 3) are not bundled with chainrule.  The stand-in
(:func:`stand_in`): scikit-learn's 8 x 8 digits, 3 against 5 (pixels / 16, as the course
divides by 255), 60 % to train, the rest to test, and the notebook's last part on it: the
model from zeros at learning rates 0.01, 0.001 and 0.0001, the cost every 100 iterations
drawn for each (:func:`plot`).
"""

from __future__ import annotations

import argparse

import numpy as np

from chainrule.activations import get_activation
from chainrule.layers import Dense
from chainrule.losses import get_loss
from chainrule.network import Network
from chainrule.optimizers import SGD

RELEASES = ("2017", "2021")
_PREDICT = {"w": [[0.1124579], [0.23106775]], "b": -0.3,
            "X": [[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]], "predictions": [[1.0, 1.0, 0.0]]}
# the 2017 notebook's propagate case, also public_tests.optimize_test's (2021)
_CASE_2017 = {"w": [[1.0], [2.0]], "b": 2.0, "X": [[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]],
              "Y": [[1, 0, 1]]}
_CASE_2021 = {"w": [[1.0], [2.0]], "b": 1.5, "X": [[1.0, -2.0, -1.0], [3.0, 0.5, -3.2]],
              "Y": [[1, 1, 0]]}
_PROPAGATE_TEST = {"w": [[1.0], [2.0], [-1.0]], "b": 2.5,
                   "X": [[1.0, 2.0, -1.0, 0.0], [3.0, 4.0, -3.2, 1.0], [3.0, 4.0, -3.2, -3.5]],
                   "Y": [[1, 1, 0, 0]]}
_PREDICT_TEST = {"w": [[0.3], [0.5], [-0.2]], "b": -0.33333,
                 "X": [[1.0, -0.3, 1.5], [2.0, 0.0, 1.0], [0.0, -1.5, 2.0]]}


def published(release: str) -> dict[str, dict[str, object]]:
    """The figures a release prints, ``{test case: {name: value}}``, in the course's layout."""
    if release == "2017":
        return {
            "propagate": {"dw": [[0.99845601], [2.39507239]], "db": 0.00145557813678,
                          "cost": 5.801545319394553},
            "optimize (100, 0.009)": {"w": [[0.19033591], [0.12259159]], "b": 1.92535983008,
                                      "dw": [[0.67752042], [1.41625495]],
                                      "db": 0.219194504541},
            "predict": {"predictions": _PREDICT["predictions"]}}
    return {
        "propagate": {"dw": [[0.25071532], [-0.06604096]], "db": -0.1250040450043965,
                      "cost": 0.15900537707692405},
        "optimize (100, 0.009)": {"w": [[0.80956046], [2.0508202]], "b": 1.5948713189708588,
                                  "dw": [[0.17860505], [-0.04840656]],
                                  "db": -0.08888460336847771, "costs": [0.15900538]},
        "predict": {"predictions": _PREDICT["predictions"]},
        "propagate_test": {"dw": [[-0.03909333], [0.12501464], [-0.99960809]],
                           "db": 0.288106326429569, "cost": 2.0424567983978403},
        "optimize_test (101, 0.1)": {"w": [[-0.70916784], [-0.42390859]], "b": 2.26891346,
                                     "dw": [[0.06188603], [-0.01407361]], "db": -0.04709353,
                                     "costs": [5.80154532, 0.31057104]},
        "predict_test": {"predictions": [[1.0, 0.0, 1.0]]},
        "model_test (50, 0.01)": {"costs": [0.69314718],
                                  "w": [[0.08639757], [-0.08231268], [-0.11798927],
                                        [0.12866053]],
                                  "b": -0.03983236094816321,
                                  "Y_prediction_train": [[1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0]],
                                  "Y_prediction_test": [[1.0, 1.0, 0.0]]}}


def logistic_unit(w: object, b: float = 0.0) -> Network:
    """One sigmoid unit with ``log_loss``: the course's ``w`` (n_x, 1) is ``Dense.W``."""
    w = np.asarray(w, dtype=float)
    layer = Dense(w.shape[0], 1, "sigmoid", init=w)
    layer.b[...] = b
    return Network([layer], loss="log_loss")


def propagate(w: object, b: float, X: object, Y: object) -> dict[str, object]:
    """The course's ``propagate``: ``dw`` (n_x, 1), ``db`` and the cost, by backprop.

    ``X`` (n_x, m) and ``Y`` (1, m) in the course's layout; chainrule reads ``X.T``, ``Y.T``.
    """
    net = logistic_unit(w, b)
    cost, grad = net.cost(net.params, np.asarray(X, float).T, np.asarray(Y, float).T)
    n = net.layers[0].W.size
    return {"dw": grad[:n].reshape(-1, 1), "db": float(grad[n]), "cost": cost}


def optimize(w: object, b: float, X: object, Y: object, num_iterations: int,
             learning_rate: float, net: Network | None = None) -> dict[str, object]:
    """The course's ``optimize``: full-batch ``SGD`` steps; ``costs`` is every iteration's
    cost before its step (the course keeps every 100th: ``costs[::100]``)."""
    net = logistic_unit(w, b) if net is None else net
    layer, opt, costs = net.layers[0], SGD(lr=learning_rate), []
    Xr, Yr = np.asarray(X, float).T, np.asarray(Y, float).T
    for _ in range(num_iterations):
        cost, grad = net.loss_and_grad(Xr, Yr)
        dw, db = layer.dW.copy(), float(layer.db[0])
        costs.append(cost)
        opt.step(net.params, grad)
    return {"w": layer.W.copy(), "b": float(layer.b[0]), "dw": dw, "db": db, "costs": costs,
            "net": net}


def predict(w: object, b: float, X: object, net: Network | None = None) -> np.ndarray:
    """The course's ``predict``: 1 where the output is above 0.5, shape (1, m)."""
    net = logistic_unit(w, b) if net is None else net
    return (net.predict(np.asarray(X, float).T) > 0.5).astype(float).T


def model(X_train: np.ndarray, Y_train: np.ndarray, X_test: np.ndarray, Y_test: np.ndarray,
          num_iterations: int = 2000, learning_rate: float = 0.5) -> dict[str, object]:
    """The course's ``model``: from zeros, ``optimize``, then ``predict`` on both sets
    (course layout); the accuracies as the course prints them, in %."""
    net = Network([Dense(X_train.shape[0], 1, "sigmoid", init="zeros")], loss="log_loss")
    run = optimize(None, 0.0, X_train, Y_train, num_iterations, learning_rate, net=net)
    train, test = predict(None, 0.0, X_train, net), predict(None, 0.0, X_test, net)
    return {"costs": run["costs"][::100], "all_costs": run["costs"], "w": run["w"],
            "b": run["b"], "Y_prediction_train": train, "Y_prediction_test": test,
            "train_accuracy": 100 - np.mean(np.abs(train - Y_train)) * 100,
            "test_accuracy": 100 - np.mean(np.abs(test - Y_test)) * 100}


def model_test_data() -> tuple[np.ndarray, ...]:
    """public_tests.model_test's data: ``np.random.seed(0)``, X = randn(4, 7), then the
    test set randn(4, 3); the labels as written there."""
    rs = np.random.RandomState(0)
    X, x_test = rs.randn(4, 7), rs.randn(4, 3)
    return X, np.array([[1, 0, 0, 1, 0, 0, 1]]), x_test, np.array([[0, 1, 0]])


def course_cost(a: np.ndarray, Y: np.ndarray) -> float:
    """The course's cost formula, ``-(1/m) sum(Y log A + (1 - Y) log(1 - A))``, of outputs."""
    return float(-np.sum(Y * np.log(a) + (1 - Y) * np.log(1 - a)) / Y.shape[1])


def computed(release: str) -> dict[str, dict[str, object]]:
    """chainrule's figures for the release's test cases (the keys of :func:`published`)."""
    case = _CASE_2017 if release == "2017" else _CASE_2021
    opt = optimize(case["w"], case["b"], case["X"], case["Y"], 100, 0.009)
    out = {"propagate": propagate(case["w"], case["b"], case["X"], case["Y"]),
           "optimize (100, 0.009)": {**opt, "costs": opt["costs"][::100]},
           "predict": {"predictions": predict(_PREDICT["w"], _PREDICT["b"], _PREDICT["X"])}}
    if release == "2017":
        return out
    c = _CASE_2017
    opt = optimize(c["w"], c["b"], c["X"], c["Y"], 101, 0.1)
    out["propagate_test"] = propagate(**_PROPAGATE_TEST)
    out["optimize_test (101, 0.1)"] = {**opt, "costs": opt["costs"][::100]}
    out["predict_test"] = {"predictions": predict(**_PREDICT_TEST)}
    out["model_test (50, 0.01)"] = model(*model_test_data(), num_iterations=50,
                                         learning_rate=0.01)
    return out


def differences(release: str) -> dict[tuple[str, str], float]:
    """The largest ``|chainrule - published|`` of every figure of the release."""
    got, ref = computed(release), published(release)
    return {(case, name): float(np.max(np.abs(np.asarray(got[case][name], dtype=float)
                                              - np.asarray(value, dtype=float))))
            for case, figures in ref.items() for name, value in figures.items()}


def python_basics() -> dict[str, tuple[object, object]]:
    """"Python Basics with NumPy": ``{name: (published, chainrule)}``."""
    sig, soft = get_activation("sigmoid"), get_activation("softmax")
    x = np.array([1.0, 2.0, 3.0])
    yhat, y = np.array([0.9, 0.2, 0.1, 0.4, 0.9]), np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    K = y.size  # one example of K outputs: the loss's row
    M = np.array([[9.0, 2, 5, 0, 0], [7, 5, 0, 0, 0]])
    return {
        "sigmoid([1, 2, 3])": ([0.73105858, 0.88079708, 0.95257413], sig(x)),
        "sigmoid_derivative([1, 2, 3])": ([0.19661193, 0.10499359, 0.04517666],
                                          sig.derivative(x, sig(x))),
        "L1 = K * mean_absolute_error": (1.1, K * get_loss("mean_absolute_error")
                                         .value(yhat[None], y[None])[0]),
        "L2 = 2 * squared_error": (0.43, 2 * get_loss("squared_error")
                                   .value(yhat[None], y[None])[0]),
        "softmax(x)": ([[9.80897665e-01, 8.94462891e-04, 1.79657674e-02, 1.21052389e-04,
                         1.21052389e-04],
                        [8.78679856e-01, 1.18916387e-01, 8.01252314e-04, 8.01252314e-04,
                         8.01252314e-04]], soft(M))}


def stand_in(pair: tuple[int, int] = (3, 5), seed: int = 0) -> tuple[np.ndarray, ...]:
    """Digits ``pair[0]`` (label 0) against ``pair[1]`` (label 1), pixels / 16, split 60 / 40
    (stratified, ``seed``), in the course's layout: X (64, m), Y (1, m)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    keep = np.isin(y, pair)
    X, y = X[keep] / 16.0, (y[keep] == pair[1]).astype(float)
    Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.4, stratify=y, random_state=seed)
    return Xa.T, ya[None], Xb.T, yb[None]


def _shown(v: object) -> object:
    if np.ndim(v) == 0:
        return repr(float(v))
    return np.round(np.asarray(v, dtype=float), 8).tolist()


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", choices=(*RELEASES, "all"), default="all")
    parser.add_argument("--iterations", type=int, default=1500)
    parser.add_argument("--out", default="dlai_logistic_regression.png")
    args = parser.parse_args()
    results: dict = {}
    for release in RELEASES if args.release == "all" else (args.release,):
        got, ref, diff = computed(release), published(release), differences(release)
        print(f"--- {release} release (course layout: X is (n_x, m); chainrule reads X.T) ---")
        for case, figures in ref.items():
            for name, value in figures.items():
                print(f"{case}: {name} = {_shown(got[case][name])}\n    course {value}, "
                      f"difference {diff[case, name]:.1e}")
        results[release] = diff
    print("--- Python Basics with NumPy ---")
    for name, (course, ours) in python_basics().items():
        d = np.max(np.abs(np.asarray(ours) - np.asarray(course)))
        shown = (np.array2string(np.asarray(ours), precision=8) if np.ndim(ours)
                 else repr(float(ours)))
        print(f"{name}: course {course}\n    chainrule {shown}, difference {d:.1e}")
    Xtr, Ytr, Xte, Yte = stand_in()
    runs = {}
    for lr in (0.01, 0.001, 0.0001):
        runs[lr] = model(Xtr, Ytr, Xte, Yte, args.iterations, lr)
        print(f"digits 3 vs 5, learning rate {lr}: train accuracy "
              f"{runs[lr]['train_accuracy']:.2f} %, test accuracy "
              f"{runs[lr]['test_accuracy']:.2f} %, cost {runs[lr]['all_costs'][-1]:.6f}")
    results["stand_in"] = runs
    print(f"picture written to {plot(runs, args.out)}")
    return results


def plot(runs: dict[float, dict], path: str) -> str:
    """The notebook's last figure on the stand-in: cost every 100 iterations per rate."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.0), dpi=90, layout="constrained")
    ax = fig.subplots()
    for lr, r in runs.items():
        ax.plot(np.arange(len(r["costs"])), r["costs"],
                label=f"{lr}: train {r['train_accuracy']:.1f} %, test "
                      f"{r['test_accuracy']:.1f} %")
    ax.set(xlabel="iterations (hundreds)", ylabel="cost",
           title="logistic regression (one sigmoid unit), digits 3 vs 5")
    ax.legend(title="learning rate", fontsize=8)
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
