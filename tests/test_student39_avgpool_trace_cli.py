"""``chainrule trace-conv --avgpool K``: an average-pooling step from the command line,
checked against hand-worked sums, the plain loops of test_student39_avgpool_trace and
PyTorch's autograd; the options that do not apply are refused by name."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from file_helpers import cli_fails, cli_out
from test_student39_avgpool_trace import X4, loop_avgpool


def test_hand_worked_side_by_side(capsys):
    # 1..16, 2x2 windows: (1 + 2 + 5 + 6) / 4 = 3.5 and (11 + 12 + 15 + 16) / 4 = 13.5;
    # dout [[4, -8], [2, 1]]: x[3,3] is in window (1, 1) only, 1/4 = 0.25
    out = cli_out(capsys, ["trace-conv", "--input", json.dumps(X4), "--avgpool", "2",
                           "--dout", "[[4,-8],[2,1]]"])
    assert out.startswith("AvgPool2D(2): x (1, 1, 4, 4), A (1, 1, 2, 2)\n")
    assert "  = (1 + 2 + 5 + 6) / 4 = 3.5\n" in out
    assert "  = (11 + 12 + 15 + 16) / 4 = 13.5\n" in out
    assert "dX[0,0,3,3] = dout[0,0,1,1]/4\n  = 1/4 = 0.25\n" in out
    assert "dX[0,0,0,2] = dout[0,0,0,1]/4\n  = (-8)/4 = -2\n" in out


@pytest.mark.parametrize("exclude", [False, True])
def test_json_stride_padding_and_exclude_pad(capsys, exclude):
    # 3x3 windows at stride 1 with padding 1 on the 4x4 image: every window overlaps
    # its neighbours, the border ones hang in the padding
    dout = np.arange(16.0).reshape(4, 4) - 7.5
    argv = ["trace-conv", "--input", json.dumps(X4), "--avgpool", "3", "--stride", "1",
            "--padding", "1", "--dout", json.dumps(dout.tolist()), "--format", "json"]
    d = json.loads(cli_out(capsys, argv + (["--exclude-pad"] if exclude else [])))
    A, dX, sizes = loop_avgpool(X4, 3, 1, 1, not exclude, dout.tolist())
    np.testing.assert_allclose(d["A"][0][0], A, rtol=1e-15)
    np.testing.assert_allclose(d["dX"][0][0], dX, rtol=1e-15, atol=1e-15)
    assert [w["size"] for w in d["windows"]] == [s for row in sizes for s in row]
    assert d["count_include_pad"] is not exclude
    assert d["layer"] == "AvgPool2D(3, stride=1, padding=1" + (
        ", count_include_pad=False)" if exclude else ")")
    torch = pytest.importorskip("torch")
    xt = torch.tensor([[X4]], dtype=torch.float64, requires_grad=True)
    out = torch.nn.functional.avg_pool2d(xt, 3, stride=1, padding=1,
                                         count_include_pad=not exclude)
    out.backward(torch.tensor(dout[None, None]))
    np.testing.assert_allclose(d["A"], out.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(d["dX"], xt.grad.numpy(), rtol=1e-15, atol=1e-15)


def test_channels_and_batch(capsys):
    rng = np.random.default_rng(39)
    x = rng.normal(size=(2, 3, 4, 4))
    d = json.loads(cli_out(capsys, ["trace-conv", "--input", json.dumps(x.tolist()),
                                    "--avgpool", "2", "--format", "json"]))
    for m, c in np.ndindex(2, 3):
        A, dX, _ = loop_avgpool(x[m, c].tolist(), 2, 2, 0, True, np.ones((2, 2)).tolist())
        np.testing.assert_allclose(d["A"][m][c], A, rtol=1e-15)
        np.testing.assert_allclose(d["dX"][m][c], dX, rtol=1e-15)


@pytest.mark.parametrize(("args", "message"), [
    (["--avgpool", "2", "--bias", "1"], "--bias: average pooling has none"),
    (["--avgpool", "2", "--activation", "relu"], "--activation: average pooling has none"),
    (["--avgpool", "2", "--padding", "same"], "--padding: 'same' is for --kernel; give an int "
     "with --avgpool"),
    (["--avgpool", "2", "--padding", "2"], "--padding: padding must be at most half the "
     "window size 2, got 2"),
    (["--avgpool", "2", "--dout", "[[1,2]]"], "dout must have the output's shape (1, 1, 1, 1)"),
    (["--avgpool", "0"], "argument --avgpool: expected an integer >= 1, got '0'"),
    (["--avgpool", "2", "--pool", "2"], "argument --pool: not allowed with argument --avgpool"),
    (["--avgpool", "2", "--seed", "1"], "--seed: only --dropout takes it"),
    (["--avgpool", "2", "--eps", "1"], "--eps: only --batchnorm and --layernorm take it"),
    (["--pool", "2", "--exclude-pad"], "--exclude-pad: only --avgpool takes it"),
    (["--kernel", "[[1]]", "--exclude-pad"], "--exclude-pad: only --avgpool takes it"),
    (["--dropout", "0.5", "--exclude-pad"], "--exclude-pad: only --avgpool takes it"),
])
def test_options_that_do_not_apply_are_refused_by_name(capsys, args, message):
    err = cli_fails(capsys, ["trace-conv", "--input", "[[1,2,3],[4,5,6],[7,8,9]]", *args])
    assert message in err
    assert "Traceback" not in err


def test_readme_shows_the_command_and_lenet():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    teaching = readme.split("## Teaching tools", 1)[1].split("\n## ", 1)[0]
    assert "$ chainrule trace-conv --input" in teaching and "--avgpool 2" in teaching
    for option in ("`--avgpool K`", "`--exclude-pad`", "`cr.tracing.trace_avgpool2d("):
        assert option in teaching, option
    assert "LeNet-5" in teaching and "trainable coefficient" in teaching
