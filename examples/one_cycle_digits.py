"""The learning-rate range test, then one-cycle training, on the 8x8 digits.

1. The range test: a copy of an MLP 64-32-10 is trained for at most 100
   mini-batches while the rate grows exponentially from 1e-5 to 10; the
   smoothed loss is flat while the rate is too small to move the weights,
   falls once it is large enough, and explodes once it is too large.  The
   suggested rate sits two thirds of the way down the longest valley of that
   curve: large, yet still on the side where the loss falls.
2. Three runs of the same network from the same initial weights, the same
   epochs, SGD with momentum 0.9: a constant rate at the suggestion, a constant
   rate at a conventional 0.01, and the one-cycle policy with max_lr at the
   suggestion.  Prints held-out accuracy and the final training loss of each,
   and the one-cycle rates at a few steps; writes the range test's curve (--out).

The suggestion is a peak rate: held there for the whole run (with momentum 0.9, ten
times the step) it keeps the weights bouncing, while one-cycle only passes through it.
How far each run ends up varies with --seed (the split, the weights, the batches).

    python examples/one_cycle_digits.py [--out lr-range.png] [--epochs 15] [--seed 0]
"""

from __future__ import annotations

import argparse
import math

import chainrule as cr
from chainrule.experiments import lr_range_test

SIZES = [64, 32, 10]
BATCH, MOMENTUM, DEFAULT_LR = 32, 0.9, 0.01


def new_net(seed: int) -> cr.Network:
    """The same initial weights for every run (the seed fixes them)."""
    return cr.mlp(SIZES, hidden="relu", output="softmax", loss="cross_entropy", seed=seed)


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="lr-range.png", help="picture of the range test")
    parser.add_argument("--epochs", type=int, default=15, help="epochs of each run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    # pixels / 16 in [0, 1]; a stratified quarter held out for testing
    d = cr.datasets.load_digits_split(validation_size=0, seed=args.seed)

    # 1. The range test trains a copy of the network (the net given stays as it is),
    # with the optimizer of the runs below, so that its suggestion is for them.
    test = lr_range_test(new_net(args.seed), d.X_train, d.y_train, optimizer="sgd",
                         momentum=MOMENTUM, lr_min=1e-5, lr_max=10.0, steps=100,
                         batch_size=BATCH, seed=args.seed)
    print(test.summary())
    print(f"picture written to {test.plot(args.out, title='Range test, MLP 64-32-10 on digits')}")
    lr = test.suggested_lr
    if lr is None:  # a flat curve: nothing to suggest (not the case on these digits)
        raise SystemExit(f"no rate suggested: {test.no_suggestion_reason}")

    # 2. One-cycle: the rate climbs from max_lr / 25 to max_lr over the first 30 % of the
    # steps (a warm-up: the first steps from random weights have large, erratic
    # gradients, and a large rate there would throw the weights far off), then anneals
    # along half a cosine to max_lr / 250,000: the large rates in the middle cross the
    # loss surface fast, the small ones at the end settle into the minimum found.
    steps_per_epoch = math.ceil(len(d.X_train) / BATCH)
    total = args.epochs * steps_per_epoch
    cycle = cr.schedules.OneCycle(max_lr=lr, total_steps=total)
    runs = {f"constant {lr:.3g} (suggested)": dict(lr=lr),
            f"constant {DEFAULT_LR:g} (default)": dict(lr=DEFAULT_LR),
            f"one-cycle, max_lr {lr:.3g}": dict(lr=lr, schedule=cycle)}
    print(f"\n{args.epochs} epochs of {steps_per_epoch} steps, SGD with momentum {MOMENTUM}:")
    print(f"  {'run':34s} {'test accuracy':>13s} {'training loss':>13s}")
    results = {}
    for label, settings in runs.items():
        net = new_net(args.seed)
        history = cr.train(net, d.X_train, d.y_train, optimizer="sgd", momentum=MOMENTUM,
                           batch_size=BATCH, epochs=args.epochs, seed=args.seed, **settings)
        accuracy = net.evaluate(d.X_test, d.y_test)["accuracy"]
        loss = net.evaluate(d.X_train, d.y_train)["loss"]  # whole training set, at the end
        print(f"  {label:34s} {accuracy:13.4f} {loss:13.4f}")
        results[label] = {"net": net, "history": history, "accuracy": accuracy, "loss": loss}

    # the rates the schedule set, at a few of its steps (from 0 to total - 1)
    rise = round(cycle.pct_start * total) - 1  # the step nearest the top of the warm-up
    shown = (0, rise // 2, rise, (rise + total) // 2, total - 1)
    print("\none-cycle rate at step " + ", ".join(
        f"{t}: {cycle.step_lr(t, lr, steps_per_epoch):.3g}" for t in shown))
    return {"split": d, "range_test": test, "runs": results, "cycle": cycle,
            "steps_per_epoch": steps_per_epoch, "shown_steps": shown}


if __name__ == "__main__":
    main()
