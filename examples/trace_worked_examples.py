"""The two worked examples of the SPEC, one training step each, every number printed.

    python examples/trace_worked_examples.py [--notation netout] [--out trace.png]

Prints the step of example A (transfer matrices, sigmoid, log loss) and of
example B (integers, square activation) in the chosen notation, and draws
example A's network with every number on it.  The same from the command
line: ``chainrule trace --preset transfer-example --format markdown``.
"""

from __future__ import annotations

import argparse

import chainrule as cr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notation", choices=["transfer", "ufldl", "netout"], default=None,
                        help="default: each preset's own (transfer for A, netout for B)")
    parser.add_argument("--out", default="trace.png", help="picture of example A")
    args = parser.parse_args()
    for preset in ("transfer-example", "integer-example"):
        trace = cr.trace_preset(preset, notation=args.notation)
        print(trace.text())
    path = cr.trace_preset("transfer-example").plot(args.out, "One step of example A "
                                                    "(sigmoid, log loss, learning rate 1)")
    print(f"picture written to {path}")


if __name__ == "__main__":
    main()
