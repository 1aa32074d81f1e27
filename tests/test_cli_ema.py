"""``chainrule train --ema DECAY``: the run it trains, its record, ``--resume`` and the
options it is refused with."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule
from chainrule.cli import main
from chainrule.io import load_metadata


def _csv(path) -> str:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = X @ [1.0, 2.0, 3.0] + rng.normal(size=60)
    rows = "\n".join(",".join(f"{v:.6f}" for v in (*x, t)) for x, t in zip(X, y, strict=True))
    path.write_text("a,b,c,y\n" + rows + "\n")
    return str(path)


_RUN = ["--hidden", "8", "--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9",
        "--batch-size", "8", "--val-fraction", "0", "--seed", "0", "-q"]


def _params(path) -> np.ndarray:
    return chainrule.load(path).params


def test_ema_writes_the_average_and_is_recorded(tmp_path, capsys):
    data = _csv(tmp_path / "d.csv")
    for name, extra in (("e", ["--ema", "0.9"]), ("n", [])):
        assert main(["train", data, *_RUN, "--epochs", "4", *extra,
                     "-o", str(tmp_path / f"{name}.npz")]) == 0
    assert load_metadata(tmp_path / "e.npz")["training"]["ema"] == 0.9
    assert "ema" not in load_metadata(tmp_path / "n.npz")["training"]
    # the steps are the same (the loss curve), the model written is their average
    assert (load_metadata(tmp_path / "e.npz")["history"]["loss"]
            == load_metadata(tmp_path / "n.npz")["history"]["loss"])
    assert not np.allclose(_params(tmp_path / "e.npz"), _params(tmp_path / "n.npz"))
    capsys.readouterr()
    assert main(["info", str(tmp_path / "e.npz")]) == 0
    assert "ema=0.9" in capsys.readouterr().out


def test_resume_keeps_the_ema_and_refuses_another(tmp_path, capsys):
    data = _csv(tmp_path / "d.csv")
    whole = str(tmp_path / "whole.npz")
    assert main(["train", data, *_RUN, "--epochs", "6", "--ema", "0.9", "-o", whole]) == 0
    ckpt, out = str(tmp_path / "ck.npz"), str(tmp_path / "m.npz")
    assert main(["train", data, *_RUN, "--epochs", "3", "--ema", "0.9", "-o", out,
                 "--checkpoint", ckpt]) == 0
    capsys.readouterr()
    for extra, shown in ((["--ema", "0.8"], "--ema 0.8"), ([], "no --ema")):
        assert main(["train", data, *_RUN, "--epochs", "6", *extra, "-o", out,
                     "--checkpoint", ckpt, "--resume"]) == 2
        err = capsys.readouterr().err
        assert f"--ema: the run in {ckpt} was started with --ema 0.9, got {shown}" in err
    assert main(["train", data, *_RUN, "--epochs", "6", "--ema", "0.9", "-o", out,
                 "--checkpoint", ckpt, "--resume"]) == 0
    np.testing.assert_array_equal(_params(out), _params(whole))
    assert load_metadata(out)["training"]["ema"] == 0.9
    # a run without an average is not continued with one
    plain = str(tmp_path / "plain.npz")
    assert main(["train", data, *_RUN, "--epochs", "2", "-o", out, "--checkpoint", plain]) == 0
    capsys.readouterr()
    assert main(["train", data, *_RUN, "--epochs", "4", "--ema", "0.9", "-o", out,
                 "--checkpoint", plain, "--resume"]) == 2
    assert (f"--ema: the run in {plain} was started with no --ema, got --ema 0.9"
            in capsys.readouterr().err)


@pytest.mark.parametrize("value", ["0", "1", "-0.5", "1.5", "inf", "nan", "x"])
def test_ema_must_be_a_number_in_0_1(tmp_path, capsys, value):
    with pytest.raises(SystemExit):
        main(["train", _csv(tmp_path / "d.csv"), "--ema", value])
    assert f"argument --ema: expected a number in (0, 1), got '{value}'" in capsys.readouterr().err


def test_lbfgs_refuses_ema(tmp_path, capsys):
    assert main(["train", _csv(tmp_path / "d.csv"), "--optimizer", "lbfgs", "--ema", "0.9",
                 "-q", "-o", str(tmp_path / "m.npz")]) == 2
    assert "--ema: --optimizer lbfgs takes no --ema" in capsys.readouterr().err


def test_an_interrupted_run_writes_the_average_so_far(tmp_path, monkeypatch, capsys):
    """Ctrl-C in the 13th step (epoch 2 of 4): the model written, "the model so far", is
    the average of the 12 steps taken, not the last step's parameters."""
    from chainrule import Trainer

    step, seen = Trainer._step, []

    def interrupted(self, *args, **kwargs):
        if len(seen) == 12:
            raise KeyboardInterrupt
        step(self, *args, **kwargs)
        seen.append((self.net.params.copy(), self.ema_params.copy()))

    monkeypatch.setattr(Trainer, "_step", interrupted)
    out = tmp_path / "m.npz"
    assert main(["train", _csv(tmp_path / "d.csv"), *_RUN, "--epochs", "4", "--ema", "0.9",
                 "-o", str(out)]) == 130
    np.testing.assert_array_equal(_params(out), seen[-1][1])
    assert not np.allclose(_params(out), seen[-1][0])
    avg = seen[0][0]
    for params, _ in seen[1:]:
        avg = 0.9 * avg + 0.1 * params
    np.testing.assert_allclose(_params(out), avg, rtol=0, atol=1e-12)


def test_a_ctrl_c_after_the_last_epoch_writes_the_best_average(tmp_path, monkeypatch, capsys):
    """Ctrl-C in the last epoch's on_epoch_end (the run is complete): the Trainer ends it
    as the uninterrupted run, with --patience's best epoch's average, and the model
    written is that one, not the last epoch's average.  The best epoch's average is
    recomputed here from the steps taken and the validation losses recorded."""
    from chainrule import Trainer

    data = _csv(tmp_path / "d.csv")
    run = ["train", data, "--hidden", "8", "--optimizer", "sgd", "--lr", "0.05",
           "--momentum", "0.9", "--batch-size", "4", "--val-fraction", "0.3", "--seed", "0",
           "-q", "--epochs", "12", "--patience", "100", "--ema", "0.5"]
    step, hook, seen, ends = Trainer._step, Trainer._hook, [], []

    def stepped(self, *args, **kwargs):
        step(self, *args, **kwargs)
        seen.append(self.net.params.copy())

    def hooked(self, name, state, *args, **kwargs):
        hook(self, name, state, *args, **kwargs)
        if name == "on_epoch_end":
            ends.append(len(seen))
            if state.epoch == self.epochs:
                raise KeyboardInterrupt

    monkeypatch.setattr(Trainer, "_step", stepped)
    monkeypatch.setattr(Trainer, "_hook", hooked)
    out = tmp_path / "m.npz"
    assert main([*run, "-o", str(out)]) == 0
    val_loss = load_metadata(out)["history"]["val_loss"]
    best = int(np.argmin(val_loss))
    assert best < len(val_loss) - 1  # the best epoch is not the last
    avg = seen[0]
    for params in seen[1:ends[best]]:
        avg = 0.5 * avg + 0.5 * params
    np.testing.assert_allclose(_params(out), avg, rtol=0, atol=1e-12)


def test_an_average_mostly_of_its_first_steps_is_said(tmp_path, capsys):
    """60 rows in batches of 8 are 8 steps an epoch: after one epoch 0.9**4 = 66 % of the
    average comes from its first 4 steps, which a warning says (on stderr, as "chainrule:
    warning: ..." outside pytest); after two (16 steps, 0.9**8 = 43 %) nothing is said."""
    data = _csv(tmp_path / "d.csv")
    with pytest.warns(UserWarning, match=rf"ema=0\.9: the moving average of the 8 optimizer "
                                         rf"steps .* {0.9 ** 4:.0%} of its weight from their "
                                         r"first half"):
        assert main(["train", data, *_RUN, "--epochs", "1", "--ema", "0.9",
                     "-o", str(tmp_path / "a.npz")]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert main(["train", data, *_RUN, "--epochs", "2", "--ema", "0.9",
                     "-o", str(tmp_path / "b.npz")]) == 0
