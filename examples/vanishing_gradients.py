"""Vanishing gradients: a 10-layer sigmoid network against the same network with ReLU.

    python examples/vanishing_gradients.py [--epochs 15] [--out vanishing_gradients.png]

Prints the gradient norm of every layer at initialisation (the sigmoid
network's first layer gets about 4e-6 of its last layer's), then
trains both on the digits: the sigmoid network does not learn, ReLU does.
"""

from __future__ import annotations

import argparse

from chainrule.experiments import vanishing_gradients


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--out", default="vanishing_gradients.png")
    args = parser.parse_args()
    result = vanishing_gradients(("sigmoid", "relu"), depth=10, epochs=args.epochs)
    print(result.summary())
    print(f"picture written to {result.plot(args.out)}")


if __name__ == "__main__":
    main()
