"""Saturated units: how many sigmoid units sit on their flat tails as the weights grow.

    python examples/saturation.py [--activation tanh] [--out saturation.png]
"""

from __future__ import annotations

import argparse

from chainrule.experiments import saturation_vs_scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activation", default="sigmoid")
    parser.add_argument("--out", default="saturation.png")
    args = parser.parse_args()
    result = saturation_vs_scale(activation=args.activation)
    print(result.summary())
    print(f"picture written to {result.plot(args.out)}")


if __name__ == "__main__":
    main()
