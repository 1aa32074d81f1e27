"""Overfitting and weight decay: a 1-40-40-1 network on ten noisy points of sin(2 pi x).

    python examples/overfitting.py [--out overfitting.png]
"""

from __future__ import annotations

import argparse

from chainrule.experiments import overfitting


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3000)
    parser.add_argument("--out", default="overfitting.png")
    args = parser.parse_args()
    result = overfitting(weight_decays=(0.0, 2e-3), epochs=args.epochs)
    print(result.summary())
    print(f"picture written to {result.plot(args.out)}")


if __name__ == "__main__":
    main()
