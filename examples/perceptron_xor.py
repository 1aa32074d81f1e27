"""The perceptron rule: converges on separable data, cycles on XOR; a 2-2-1 network solves XOR.

    python examples/perceptron_xor.py [--out perceptron_xor.png]
"""

from __future__ import annotations

import argparse

from chainrule.experiments import perceptron_vs_mlp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="perceptron_xor.png")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    result = perceptron_vs_mlp(hidden=2, seed=args.seed)
    print(result.summary())
    print(f"decision regions written to {result.plot(args.out)}")


if __name__ == "__main__":
    main()
