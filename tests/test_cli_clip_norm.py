"""``chainrule train --clip-norm MAX``: the run it trains, its record, ``--resume`` and the
options it is refused with."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule.cli import main
from chainrule.io import load_metadata


def _csv(path) -> str:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X @ [1.0, 2.0, 3.0]) ** 2  # large targets: gradients far above the clip
    rows = "\n".join(",".join(f"{v:.6f}" for v in (*x, t)) for x, t in zip(X, y, strict=True))
    path.write_text("a,b,c,y\n" + rows + "\n")
    return str(path)


_RUN = ["--hidden", "8", "--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9",
        "--batch-size", "8", "--val-fraction", "0", "--seed", "0", "-q"]


def _params(path) -> np.ndarray:
    return chainrule.load(path).params


def test_clip_norm_changes_the_run_and_is_recorded(tmp_path, capsys):
    data = _csv(tmp_path / "d.csv")
    for name, extra in (("c", ["--clip-norm", "0.5"]), ("n", [])):
        assert main(["train", data, *_RUN, "--epochs", "4", *extra,
                     "-o", str(tmp_path / f"{name}.npz")]) == 0
    assert load_metadata(tmp_path / "c.npz")["training"]["clip_norm"] == 0.5
    assert "clip_norm" not in load_metadata(tmp_path / "n.npz")["training"]
    capsys.readouterr()
    assert main(["info", str(tmp_path / "c.npz")]) == 0
    assert ", clip_norm=0.5," in capsys.readouterr().out
    # clipping acted: the gradients here are far above 0.5
    assert not np.allclose(_params(tmp_path / "c.npz"), _params(tmp_path / "n.npz"))


def test_resume_keeps_the_clip_norm_and_refuses_another(tmp_path, capsys):
    data = _csv(tmp_path / "d.csv")
    whole = str(tmp_path / "whole.npz")
    assert main(["train", data, *_RUN, "--epochs", "6", "--clip-norm", "0.5", "-o", whole]) == 0
    ckpt, out = str(tmp_path / "ck.npz"), str(tmp_path / "m.npz")
    assert main(["train", data, *_RUN, "--epochs", "3", "--clip-norm", "0.5", "-o", out,
                 "--checkpoint", ckpt]) == 0
    capsys.readouterr()
    for extra, shown in ((["--clip-norm", "0.7"], "--clip-norm 0.7"), ([], "no --clip-norm")):
        assert main(["train", data, *_RUN, "--epochs", "6", *extra, "-o", out,
                     "--checkpoint", ckpt, "--resume"]) == 2
        err = capsys.readouterr().err
        assert (f"--clip-norm: the run in {ckpt} was started with --clip-norm 0.5, got "
                f"{shown}") in err
    assert main(["train", data, *_RUN, "--epochs", "6", "--clip-norm", "0.5", "-o", out,
                 "--checkpoint", ckpt, "--resume"]) == 0
    np.testing.assert_array_equal(_params(out), _params(whole))
    assert load_metadata(out)["training"]["clip_norm"] == 0.5


def test_a_checkpoint_of_before_clip_norm_resumes_without_it(tmp_path):
    from file_helpers import edit_saved_meta

    data = _csv(tmp_path / "d.csv")
    whole = str(tmp_path / "whole.npz")
    assert main(["train", data, *_RUN, "--epochs", "5", "-o", whole]) == 0
    ckpt, out = str(tmp_path / "ck.npz"), str(tmp_path / "m.npz")
    assert main(["train", data, *_RUN, "--epochs", "2", "-o", out, "--checkpoint", ckpt]) == 0
    edit_saved_meta(ckpt, lambda meta: meta["notes"]["options"].pop("clip_norm"))
    assert main(["train", data, *_RUN, "--epochs", "5", "-o", out, "--checkpoint", ckpt,
                 "--resume"]) == 0
    np.testing.assert_array_equal(_params(out), _params(whole))
    assert "clip_norm" not in load_metadata(out)["training"]


@pytest.mark.parametrize("value", ["0", "-1", "inf", "nan", "x"])
def test_clip_norm_must_be_a_finite_number_above_zero(tmp_path, capsys, value):
    with pytest.raises(SystemExit):
        main(["train", _csv(tmp_path / "d.csv"), "--clip-norm", value])
    assert (f"argument --clip-norm: expected a finite number > 0, got '{value}'"
            in capsys.readouterr().err)


def test_lbfgs_refuses_clip_norm(tmp_path, capsys):
    assert main(["train", _csv(tmp_path / "d.csv"), "--optimizer", "lbfgs", "--clip-norm", "1",
                 "-o", str(tmp_path / "m.npz")]) == 2
    assert ("--clip-norm: --optimizer lbfgs takes no --clip-norm"
            in capsys.readouterr().err)
    assert not (tmp_path / "m.npz").exists()


def test_divergence_suggests_clip_norm(tmp_path, capsys):
    data = _csv(tmp_path / "d.csv")
    args = ["train", data, "--optimizer", "sgd", "--lr", "1e8", "--momentum", "0.99",
            "-q", "-o", str(tmp_path / "m.npz")]
    assert main(args) == 1
    assert capsys.readouterr().err.rstrip().endswith(
        "or a smaller --momentum (0.99) or --clip-norm MAX (gradient clipping).")
