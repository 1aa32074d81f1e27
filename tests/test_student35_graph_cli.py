"""chainrule.scalar.trace / draw / build and ``chainrule graph``: every node of a scalar
graph forward and backward, from a whitelisted expression (student35).

The figures are cs231n's "Backpropagation, intuitions" (cs231n.github.io/optimization-2/):
(x + y) z at -2, 5, -4 gives q = 3, f = -12, df/dx = df/dy = -4, df/dz = 3.
"""

from __future__ import annotations

import json
import re

import pytest

from chainrule.scalar import Value, build, draw, parse_values, trace
from file_helpers import cli_fails, cli_out, fresh_python

CIRCUIT = ["graph", "q = x + y; f = q * z", "--values", "x=-2,y=5,z=-4"]


def test_trace_lists_every_node_forward_and_backward():
    t = trace(build("q = x + y; f = q * z", parse_values("x=-2,y=5,z=-4")))
    text = t.text()
    assert "q = x + y = (-2) + 5 = 3" in text
    assert "f = q * z = 3 * (-4) = -12" in text
    # each use: local gradient x upstream = product (the notes' dfdq = z, dfdx = 1 * dfdq)
    assert "df/dq = z = -4" in text and "dq/dx = 1" in text and "df/dq = -4" in text
    assert "gradients of the inputs: df/dx = -4, df/dy = -4, df/dz = 3" in text
    grads = {n.name: n.grad for n in t.nodes}
    assert grads == {"x": -4.0, "y": -4.0, "q": -4.0, "z": 3.0, "f": 1.0}


def test_a_node_with_several_uses_shows_the_sum():
    # a = 3 used by b = a * a (twice) and f = b + a: df/da = 3 + 3 + 1 = 7 = 2 a + 1
    a = Value(3.0, "a")
    b = a * a
    b.label = "b"
    f = b + a
    f.label = "f"
    t = trace(f)
    node = next(n for n in t.nodes if n.name == "a")
    assert [(u.by, u.local, u.upstream, u.product) for u in node.uses] == [
        ("b", 3.0, 1.0, 3.0), ("b", 3.0, 1.0, 3.0), ("f", 1.0, 1.0, 1.0)]
    assert node.grad == 7.0 == a.grad
    assert "df/da = 3 + 3 + 1 = 7" in t.text()
    assert "`df/da = 3 + 3 + 1 = 7`" in t.markdown()


def test_trace_runs_backward_afresh():
    x = Value(2.0, "x")
    f = x * x
    f.backward()
    f.backward()  # grads accumulated twice
    t = trace(f)
    assert x.grad == 4.0 and t.nodes[0].grad == 4.0


def test_markdown_and_json():
    t = trace(build("sigmoid(w0*x0 + w1*x1 + w2)",
                    parse_values("w0=2,w1=-3,w2=-3,x0=-1,x1=-2")))
    md = t.markdown()
    assert "| node | formula | value |" in md
    assert "| `n4` | `n3 + w2 = 4 + (-3)` | 1 |" in md
    d = json.loads(t.to_json())
    assert d["root"] == "f"
    nodes = {n["name"]: n for n in d["nodes"]}
    s = nodes["f"]["data"]
    ddot = s * (1 - s)  # the notes' (1 - f) f
    assert nodes["w0"]["grad"] == pytest.approx(-ddot, abs=1e-15)
    assert nodes["x1"]["grad"] == pytest.approx(-3 * ddot, abs=1e-15)
    assert nodes["n4"]["uses"][0]["local_formula"] == "f*(1 - f)"


def test_draw_writes_a_picture(tmp_path):
    f = build("q = x + y; f = q * z", parse_values("x=-2,y=5,z=-4"))
    f.backward()
    path = draw(f, tmp_path / "circuit.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    x = Value(1.0)
    y = x
    for _ in range(500):
        y = y + x
    with pytest.raises(ValueError, match="501 nodes is too large to draw"):
        draw(y, tmp_path / "big.png")


def test_expressions_are_built_without_eval():
    f = build("(x + y) * z", {"x": -2.0, "y": 5.0, "z": -4.0})
    f.backward()
    assert f.data == -12.0 and f.label == "f"
    g = build("2 ** x + -x + 3 * 2 / x + relu(x) - log(exp(x)) + tanh(0)", {"x": 1.5})
    assert g.data == pytest.approx(2**1.5 - 1.5 + 4.0 + 1.5 - 1.5 + 0.0, rel=1e-15)


@pytest.mark.parametrize(("expr", "message"), [
    ("__import__('os').system('true')", re.escape("the call of \"__import__('os').system\"")),
    ("x.real", "the attribute 'x.real' is not allowed"),
    ("x + w", "unknown name 'w'"),
    ("abs(x)", "unknown function 'abs'"),
    ("exp(x, x)", "exp takes one argument"),
    ("x ** x", "the exponent of \\*\\* must be a number"),
    ("x if x else x", "IfExp is not allowed"),
    ("x % 2", "the operator Mod"),
    ("[x]", "List is not allowed"),
    ("'a'", "the constant 'a'"),
    ("import os", "the statement Import"),
    ("x +", "not an expression"),
    ("exp", "the function 'exp' must be called"),
])
def test_a_construct_outside_the_whitelist_is_refused_by_name(expr, message):
    with pytest.raises(ValueError, match=message):
        build(expr, {"x": 1.0})


def test_values_are_checked():
    with pytest.raises(ValueError, match="--values takes name=number pairs"):
        parse_values("x=1,y")
    with pytest.raises(ValueError, match="'x' is given twice"):
        parse_values("x=1,x=2")
    with pytest.raises(ValueError, match="x='a' is not a number"):
        parse_values("x=a")
    with pytest.raises(ValueError, match="must be a finite number"):
        parse_values("x=nan")
    with pytest.raises(ValueError, match="'exp' cannot name a value"):
        parse_values("exp=1")
    with pytest.raises(ValueError, match="--values gives 'y', which EXPR does not use"):
        build("x * 2", {"x": 1.0, "y": 2.0})


# --- the command line -------------------------------------------------------------------------


def test_cli_graph_text_markdown_json_and_plot(capsys, tmp_path):
    out = cli_out(capsys, CIRCUIT)
    assert "q = x + y = (-2) + 5 = 3" in out
    assert "gradients of the inputs: df/dx = -4, df/dy = -4, df/dz = 3" in out
    assert out.count("\n| ") == 0
    md = cli_out(capsys, [*CIRCUIT, "--format", "markdown"])
    assert "| `f` | `q * z = 3 * (-4)` | -12 |" in md
    d = json.loads(cli_out(capsys, [*CIRCUIT, "--format", "json"]))
    assert {n["name"]: n["grad"] for n in d["nodes"]} == {
        "x": -4.0, "y": -4.0, "q": -4.0, "z": 3.0, "f": 1.0}
    png = tmp_path / "g.png"
    out = cli_out(capsys, [*CIRCUIT, "--plot", png])
    assert f"graph written to {png}" in out and png.stat().st_size > 1000


@pytest.mark.parametrize(("argv", "message"), [
    (["graph", "x + w", "--values", "x=1"], "unknown name 'w'"),
    (["graph", "open('f')", "--values", "x=1"], "unknown function 'open'"),
    (["graph", "x", "--values", "x=1;y=2"], "--values: x='1;y=2' is not a number"),
    (["graph", "log(x)", "--values", "x=0"], "log of x = 0"),
    # undefined or overflowing at the values given: refused as log of 0 is (was exit 1)
    (["graph", "x / y", "--values", "x=1,y=0"],
     "--values x=1,y=0: division by zero: the divisor y of x / y is 0"),
    (["graph", "x ** -1", "--values", "x=0"], "--values x=0: x ** -1: 0 to a negative power"),
    (["graph", "exp(x)", "--values", "x=1000"], "--values x=1000: exp(x = 1000) overflowed"),
])
def test_cli_graph_refusals_exit_2(capsys, argv, message):
    from chainrule.cli import main

    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error: ") and message in err


def test_cli_graph_needs_values(capsys):
    assert "--values" in cli_fails(capsys, ["graph", "x"])


def test_help_does_not_import_the_scalar_package_and_it_is_exported():
    code = ("import contextlib, io, sys\n"
            "from chainrule.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            "    try:\n"
            "        main(['--help'])\n"
            "    except SystemExit:\n"
            "        pass\n"
            "print('chainrule.scalar' in sys.modules, 'graph' in out.getvalue())\n"
            "import chainrule\n"
            "print(chainrule.Value is chainrule.scalar.Value, 'scalar' in chainrule.__all__)\n")
    assert fresh_python(code) == ["False True", "True True"]
