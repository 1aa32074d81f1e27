"""``chainrule trace-conv``: a convolution or max-pooling step from the command line,
checked against hand-worked sums and a NumPy loop written here."""

from __future__ import annotations

import json
from contextlib import nullcontext

import numpy as np
import pytest

from chainrule.cli import main
from test_student20_trace_conv import loop_conv, parsed_sums


def test_hand_worked_stride_2_padding_1(capsys):
    # 3x3 image 1..9, kernel [[1, 0], [0, -1]], padding 1, stride 2: window (0, 0) covers
    # the padding and x[0,0] under the kernel's bottom-right -1: Z = 1*(-1) = -1; window
    # (1, 1) covers x[1..2, 1..2]: 5*1 + 6*0 + 8*0 + 9*(-1) = -4
    assert main(["trace-conv", "--input", "[[1,2,3],[4,5,6],[7,8,9]]", "--kernel",
                 "[[1,0],[0,-1]]", "--padding", "1", "--stride", "2"]) == 0
    out = capsys.readouterr().out
    assert "Z[0,0,0,0] = x[0,0,0,0]*w[0,0,1,1] + b[0]\n  = 1*(-1) + 0 = -1\n" in out
    assert "  = 5*1 + 6*0 + 8*0 + 9*(-1) + 0 = -4\n" in out
    # dout all ones: dW[0,0,0,0] = x[1,1] (only window (1, 1) puts tap (0, 0) in the image)
    assert "dW[0,0,0,0] = dZ[0,0,1,1]*x[0,0,1,1]\n  = 1*5 = 5\n" in out


def test_json_matches_a_numpy_loop_with_channels_filters_and_bias(capsys):
    rng = np.random.default_rng(5)
    x, w = rng.normal(size=(2, 4, 4)), rng.normal(size=(3, 2, 3, 3))
    b, dout = np.array([0.5, -1.0, 2.0]), rng.normal(size=(1, 3, 2, 2))
    assert main(["trace-conv", "--input", json.dumps(x.tolist()), "--kernel",
                 json.dumps(w.tolist()), "--bias", json.dumps(b.tolist()), "--padding", "1",
                 "--stride", "2", "--dout", json.dumps(dout.tolist()), "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    Z, dW, db, dX = loop_conv(x[None], w, b, 2, 1, dout)
    for name, ref in (("Z", Z), ("dW", dW), ("db", db), ("dX", dX)):
        np.testing.assert_allclose(d[name], ref, atol=1e-12)


def test_pool_and_digits(capsys):
    x = [[1, 2, 3, 4], [4, 5, 6, 1], [7, 8, 9, 0], [1, 1, 1, 1]]
    assert main(["trace-conv", "--input", json.dumps(x), "--pool", "2", "--dout",
                 "[[0.5, -2], [3, 4]]"]) == 0
    out = capsys.readouterr().out
    assert "A[0,0,1,1] = max(x[0,0,2,2]=9, x[0,0,2,3]=0, x[0,0,3,2]=1, x[0,0,3,3]=1) = 9 " \
           "from x[0,0,2,2]" in out
    sums = parsed_sums(out, "dX")
    assert sums[(0, 0, 1, 1)] == (0.5, 0.5) and sums[(0, 0, 1, 2)] == (-2.0, -2.0)
    assert sums[(0, 0, 0, 0)] == (0.0, 0.0)


@pytest.mark.parametrize(("args", "message"), [
    (["--kernel", "[1"], "--kernel: expected nested lists of numbers in JSON"),
    (["--kernel", "[[1]]", "--padding", "x"], "--padding: expected an int >= 0 or 'same'"),
    (["--kernel", "[[1]]", "--dout", "[[1]]"], "dout must have the output's shape (1, 1, 3, 3)"),
    (["--pool", "2", "--bias", "1"], "--bias: max pooling has none"),
    (["--kernel", "[[1]]", "--pool", "2"], "not allowed with argument"),
])
def test_bad_options_are_refused_naming_them(capsys, args, message):
    with pytest.raises(SystemExit) if "not allowed" in message else nullcontext():
        code = main(["trace-conv", "--input", "[[1,2,3],[4,5,6],[7,8,9]]", *args])
        assert code == 2
    assert message in capsys.readouterr().err



def test_readme_commands_print_what_the_readme_shows(capsys):
    import shlex
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("`chainrule trace-conv` runs one", 1)[1].split("`--input` takes", 1)[0]
    lines = section.replace("\\\n", "").splitlines()
    commands = [i for i, line in enumerate(lines) if line.startswith("    chainrule trace-conv")]
    assert len(commands) == 2
    for k in commands:
        assert main(shlex.split(lines[k].strip())[1:]) == 0
        out = capsys.readouterr().out
        shown = [line[6:] for line in lines[k + 1:] if line.startswith("      ")]
        for line in shown if k == commands[0] else []:
            assert line in out.splitlines(), line
        assert out.count("\n") > 10
