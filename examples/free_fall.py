"""Learning a law of physics, h = g t^2 / 2, and how many hidden units it needs.

    python examples/free_fall.py [--out free_fall.png]

Thirty noisy measurements of a falling body; networks with square, tanh and
ReLU hidden units (and none) are fitted by L-BFGS.  One square unit without
biases *is* the law: g = 2 v w^2 is read off its two weights.
"""

from __future__ import annotations

import argparse

from chainrule.experiments import free_fall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="free_fall.png")
    args = parser.parse_args()
    result = free_fall(seed=args.seed)
    print(result.summary())
    print(f"picture written to {result.plot(args.out)}")


if __name__ == "__main__":
    main()
