"""A PyTorch twin of the estimators' mini-batch fits (tests/test_estimators16_*.py): the
same tanh network in float64, torch.optim's rule of the solver's name, scikit-learn's
cost (mean loss + alpha / (2 m) sum W^2 over a batch of m rows), loss_curve_, n_iter_,
t_ and stopping rules (n_iter_no_change on the training loss, or on the validation score
with early stopping, whose best parameters are restored), written from scikit-learn's
MLP and PyTorch's documentation, with none of chainrule's code.

The estimator's side is recorded, not computed: ``record_trainers`` notes, at each fit
and partial_fit call, the weights the estimator starts the call from and the seed of its
shuffling (the Trainer's generator draws one permutation of the rows per epoch)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score

import chainrule._mlp_base as mlp_base
from chainrule import MLPClassifier, MLPRegressor
from sklearn_twins import iris_and_diabetes

SOLVERS = ("rmsprop", "adagrad", "adamw", "nadam", "radam", "adamax")
#: the estimators' settings of the tests and their torch names
LR, BETAS, EPS, ALPHA = 0.01, (0.8, 0.95), 1e-6, 0.3


def record_trainers(monkeypatch) -> list[dict]:
    """Record, for each fit and partial_fit call of an estimator, its starting parameters
    (the flat vector) and the seed of the Trainer it runs (the record fills up)."""
    calls = []
    real = mlp_base.Trainer

    def trainer(net, **kw):
        calls.append({"params": net.params.copy(), "seed": kw["seed"]})
        return real(net, **kw)

    monkeypatch.setattr(mlp_base, "Trainer", trainer)
    return calls


def orders(seed: int, n: int, bs: int, epochs: int, shuffle: bool = True) -> list:
    """The row order of each of ``epochs`` epochs of a Trainer seeded ``seed`` on ``n``
    rows (a permutation per epoch from ``default_rng(seed)`` when shuffling and more
    than one batch; the rows in order otherwise)."""
    rng = np.random.default_rng(seed)
    return [rng.permutation(n) if shuffle and bs < n else np.arange(n)
            for _ in range(epochs)]


def torch_optimizer(torch, solver: str, weights: list, biases: list, settings: dict):
    """torch.optim's rule named ``solver`` with the estimator's settings mapped as its
    docstring says (learning_rate_init -> lr, beta_1, beta_2 -> betas, epsilon -> eps;
    rmsprop's rho 0.9 -> alpha; decoupled decay on the weights only)."""
    params = weights + biases
    if solver == "rmsprop":
        return torch.optim.RMSprop(params, lr=LR, alpha=0.9, eps=EPS,
                                   momentum=settings.get("rmsprop_momentum", 0.0),
                                   centered=settings.get("centered", False))
    if solver == "adagrad":
        return torch.optim.Adagrad(params, lr=LR, eps=EPS)
    if solver == "adamax":
        return torch.optim.Adamax(params, lr=LR, betas=BETAS, eps=EPS)
    wd = settings.get("decoupled_decay", 0.01 if solver == "adamw" else None)
    groups = params if wd is None else [{"params": weights, "weight_decay": wd},
                                        {"params": biases, "weight_decay": 0.0}]
    if solver == "adamw":
        return torch.optim.AdamW(groups, lr=LR, betas=BETAS, eps=EPS,
                                 amsgrad=settings.get("amsgrad", False))
    extra = {} if wd is None else {"decoupled_weight_decay": True}
    if solver == "nadam":
        extra["momentum_decay"] = settings.get("momentum_decay", 0.004)
    rule = {"nadam": torch.optim.NAdam, "radam": torch.optim.RAdam}[solver]
    return rule(groups, lr=LR, betas=BETAS, eps=EPS, **extra)


class TorchMLP:
    """The twin: Linear layers with Tanh between them holding ``params`` (chainrule's flat
    vector: each layer's W of shape (in, out) row by row, then b), for ``task`` one of
    "binary", "multiclass", "multilabel" (logistic or softmax outputs, log-loss) or
    "regression" (identity outputs, half the squared error)."""

    def __init__(self, torch, params: np.ndarray, sizes: list[int], task: str, solver: str,
                 settings: dict | None = None, alpha: float = ALPHA):
        self.torch, self.task, self.solver, self.alpha = torch, task, solver, alpha
        self.settings = settings or {}
        self.clip_norm = None  # the gradients' largest norm, where set
        self.weights, self.biases, at = [], [], 0
        for fan_in, fan_out in itertools.pairwise(sizes):
            w = params[at:at + fan_in * fan_out].reshape(fan_in, fan_out)
            at += fan_in * fan_out
            self.weights.append(torch.nn.Parameter(torch.tensor(w.T.copy())))
            self.biases.append(torch.nn.Parameter(torch.tensor(params[at:at + fan_out])))
            at += fan_out
        assert at == params.size
        self.new_optimizer()
        self.loss_curve, self.n_iter, self.t = [], 0, 0
        self.best_loss, self.count = np.inf, 0
        self.scores, self.best_score, self.best_params = [], -np.inf, None

    def new_optimizer(self) -> None:
        """A fresh torch.optim rule (a fit: scikit-learn's MLP builds its optimizer anew)."""
        with _float64(self.torch):
            self.opt = torch_optimizer(self.torch, self.solver, self.weights, self.biases,
                                       self.settings)

    def output(self, X: np.ndarray):
        a = self.torch.from_numpy(X)
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            a = a @ w.T + b
            if i < len(self.weights) - 1:
                a = self.torch.tanh(a)
        return a

    def _losses(self, X, Y, sw=None):
        """(the cost whose gradient the step takes, scikit-learn's loss of the batch):
        the mean of the rows' losses weighted by ``sw`` (None: all 1) and the L2 term
        ``alpha / (2 sum(sw)) sum W^2``, as scikit-learn's MLP weighs them."""
        torch, z = self.torch, self.output(X)
        t = torch.from_numpy(Y)
        w = torch.ones(len(X)) if sw is None else torch.from_numpy(sw)
        if self.task == "regression":
            rows = 0.5 * ((z - t) ** 2).sum(1)
            shown = rows / Y.shape[1]  # scikit-learn's squared_loss: a mean over outputs too
        elif self.task == "multiclass":
            rows = shown = -(t * torch.log_softmax(z, 1)).sum(1)
        else:
            rows = shown = torch.nn.functional.binary_cross_entropy_with_logits(
                z, t, reduction="none").sum(1)
        l2 = self.alpha / (2 * w.sum()) * sum((v ** 2).sum() for v in self.weights)
        return ((w * rows).sum() / w.sum() + l2,
                float(((w * shown).sum() / w.sum() + l2).detach()))

    def epoch(self, X: np.ndarray, Y: np.ndarray, order: np.ndarray, bs: int,
              sw: np.ndarray | None = None) -> float:
        """One epoch over the batches of ``order`` (rows weighted by ``sw``, gradients
        clipped to ``clip_norm`` where set); scikit-learn's loss_curve_ entry."""
        total = 0.0
        with _float64(self.torch):
            for s in range(0, len(order), bs):
                rows = order[s:s + bs]
                cost, shown = self._losses(X[rows], Y[rows],
                                           None if sw is None else sw[rows])
                self.opt.zero_grad()
                cost.backward()
                if self.clip_norm is not None:
                    self._clip()
                self.opt.step()
                total += shown * len(rows)
        self.n_iter += 1
        self.t += len(X)
        self.loss_curve.append(total / len(X))
        return self.loss_curve[-1]

    def _clip(self) -> None:
        """The gradient times c / ||g|| where its norm (all parameters as one vector)
        is above c = clip_norm: TensorFlow's clip_by_global_norm (PyTorch's
        clip_grad_norm_ divides by ||g|| + 1e-6)."""
        grads = [p.grad for p in self.weights + self.biases]
        norm = float(sum((g ** 2).sum() for g in grads)) ** 0.5
        if norm > self.clip_norm:
            for g in grads:
                g.mul_(self.clip_norm / norm)

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        """scikit-learn's score of the estimator: accuracy (subset accuracy for several
        labels) or R^2 (the mean over outputs)."""
        z = self.output(X).detach().numpy()
        if self.task == "regression":
            return r2_score(y, z)
        if self.task == "multiclass":
            return accuracy_score(y, z.argmax(1))
        if self.task == "binary":  # (the second of the sorted classes: the positive one)
            return accuracy_score(y == np.unique(y)[1], z[:, 0] > 0)
        return accuracy_score(y, (z > 0).astype(int).reshape(np.shape(y)))

    def improved(self, tol: float, n_iter_no_change: float, validation=None) -> bool:
        """scikit-learn's count of epochs without improvement after an epoch (of the
        training loss, or of the validation score with ``validation`` = (X, y), whose best
        parameters it keeps); False when that count says stop."""
        if validation is None:
            loss = self.loss_curve[-1]
            self.count = self.count + 1 if loss > self.best_loss - tol else 0
            self.best_loss = min(self.best_loss, loss)
        else:
            s = self.score(*validation)
            self.scores.append(s)
            self.count = self.count + 1 if s < self.best_score + tol else 0
            if s > self.best_score:
                self.best_score, self.best_params = s, self.flat()
        return not self.count > n_iter_no_change

    def fit(self, X, Y, orders_, bs, tol=0.0, n_iter_no_change=np.inf, validation=None,
            sw=None):
        """Epochs of ``orders_`` until the stopping rule says stop (then, with
        ``validation``, the best parameters restored).  n_iter counts this call's
        epochs, as scikit-learn's n_iter_ does (t and loss_curve go on)."""
        self.n_iter = 0
        for order in orders_:
            self.epoch(X, Y, order, bs, sw)
            if not self.improved(tol, n_iter_no_change, validation):
                break
        if validation is not None:
            self.set_flat(self.best_params)
        return self

    def partial_fit(self, X, Y, order, bs, tol=0.0, n_iter_no_change=np.inf):
        """One epoch as a partial_fit call (n_iter 1; the stopping count kept, no stop)."""
        self.n_iter = 0
        self.epoch(X, Y, order, bs)
        self.improved(tol, n_iter_no_change)
        return self

    def flat(self) -> np.ndarray:
        return np.concatenate([np.concatenate([w.detach().numpy().T.ravel(),
                                               b.detach().numpy()])
                               for w, b in zip(self.weights, self.biases, strict=True)])

    def set_flat(self, params: np.ndarray) -> None:
        at = 0
        with self.torch.no_grad():
            for w, b in zip(self.weights, self.biases, strict=True):
                n = w.numel()
                w.copy_(self.torch.from_numpy(params[at:at + n].reshape(w.shape[1],
                                                                        w.shape[0]).T))
                at += n
                b.copy_(self.torch.from_numpy(params[at:at + b.numel()]))
                at += b.numel()


class _float64:
    """torch's default dtype float64 while the optimizers step (NAdam keeps its product of
    the momenta, RAdam and others their step counts' arithmetic, in the default dtype)."""

    def __init__(self, torch):
        self.torch = torch

    def __enter__(self):
        self.saved = self.torch.get_default_dtype()
        self.torch.set_default_dtype(self.torch.float64)

    def __exit__(self, *exc):
        self.torch.set_default_dtype(self.saved)


def targets(task: str, y: np.ndarray) -> np.ndarray:
    """The twin's target matrix of the estimator's ``y``: a column of 0/1 (binary), one-hot
    columns (multiclass, classes in sorted order), ``y`` itself as columns otherwise."""
    if task == "binary":
        return (y == np.unique(y)[1]).astype(float)[:, None]
    if task == "multiclass":
        return (y[:, None] == np.unique(y)[None, :]).astype(float)
    return np.asarray(y, float).reshape(len(y), -1)


BS = 32  # 150 and 221 rows: a short last batch
TASKS = ("binary", "multiclass", "multilabel", "regression", "regression2")
# each solver's own settings besides the defaults, where it has some
SETTINGS = {"rmsprop": {"rmsprop_momentum": 0.5, "centered": True},
            "adamw": {"decoupled_decay": 0.05, "amsgrad": True},
            "nadam": {"decoupled_decay": 0.05, "momentum_decay": 0.01},
            "radam": {"decoupled_decay": 0.05}}


def data(task: str) -> tuple[np.ndarray, np.ndarray]:
    """Scaled iris (binary: virginica or not; multi-label: three 0/1 columns) or half of
    diabetes (two outputs: the target and a smooth function of two features)."""
    sets = iris_and_diabetes()
    X, y = sets["classifier"] if task in ("binary", "multiclass", "multilabel") else (
        sets["regressor"])
    if task == "binary":
        y = np.where(y == 2, "virginica", "other")
    elif task == "multilabel":
        y = np.column_stack([y == 0, y == 2, X[:, 1] > 0]).astype(int)
    elif task == "regression2":
        y = np.column_stack([y, np.sin(X[:, 2] - X[:, 3])])
    return X, y


def estimator(task: str, solver: str, **kw):
    """The tests' 5-tanh-unit estimator of ``task`` and ``solver``: 4 epochs, no stop on
    the loss, the module's rate, betas, epsilon and alpha (``kw`` overrides)."""
    est = MLPRegressor if task.startswith("regression") else MLPClassifier
    kw = {"max_iter": 4, "tol": 0.0, "n_iter_no_change": 10**6, **kw}
    return est((5,), activation="tanh", solver=solver, alpha=ALPHA, batch_size=BS,
               learning_rate_init=LR, beta_1=BETAS[0], beta_2=BETAS[1], epsilon=EPS,
               random_state=0, **kw)


def quiet(method, *args, **kw):
    """``method(*args, **kw)`` with its ConvergenceWarning silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return method(*args, **kw)


def twin_of(torch, est, call: dict, task: str, settings: dict | None = None,
            solver: str | None = None) -> TorchMLP:
    """The twin of ``est`` (of ``solver``, ``est``'s by default) starting from the
    parameters of the recorded ``call``."""
    sizes = [est.coefs_[0].shape[0]] + [c.shape[1] for c in est.coefs_]
    return TorchMLP(torch, call["params"], sizes, "regression" if task == "regression2"
                    else task, solver or est.solver, settings)


def twin_equals_estimator(est, twin, rtol=1e-10):
    """The estimator's weights, loss_curve_, loss_, best_loss_ (None with early
    stopping), n_iter_ and t_ are the twin's."""
    np.testing.assert_allclose(est.network_.params, twin.flat(), rtol=rtol, atol=1e-13)
    np.testing.assert_allclose(est.loss_curve_, twin.loss_curve, rtol=rtol, atol=0)
    assert est.loss_ == pytest.approx(twin.loss_curve[-1], rel=rtol)
    if est.early_stopping:
        assert est.best_loss_ is None
    else:
        assert est.best_loss_ == pytest.approx(twin.best_loss, rel=rtol)
    assert (est.n_iter_, est.t_) == (twin.n_iter, twin.t)
    for W, b, w_t, b_t in zip(est.coefs_, est.intercepts_, twin.weights, twin.biases,
                              strict=True):  # coefs_ and intercepts_: scikit-learn's shapes
        np.testing.assert_allclose(W, w_t.detach().numpy().T, rtol=rtol, atol=1e-13)
        np.testing.assert_allclose(b, b_t.detach().numpy(), rtol=rtol, atol=1e-13)
