"""Column names given on the command line are taken without their surrounding blanks, as
the CSV reader takes them off each header cell: ``" x1 "`` in a header is column
``x1``, and ``--features " x1 "`` (a name copied from that header) was refused as a
missing column ``' x1 '``.  A name of blanks only is refused by argparse, naming the
option.

Reference: the same commands with the names written without blanks.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.cli import main
from chainrule.io import load_metadata


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    w = rng.integers(1, 4, size=60)
    X[:, 2] = rng.integers(0, 3, size=60)  # a code: --categorical
    path = tmp_path / "d.csv"
    path.write_text(" x1 , x2 ,x3, w , y \n" + "".join(
        f"{a:.5f},{b:.5f},{c:.5f},{k},{t}\n" for (a, b, c), k, t in zip(X, w, y, strict=True)))
    return path


def _run(capsys, argv):
    capsys.readouterr()
    assert main(argv) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_train_and_the_model_commands_strip_the_names_they_are_given(data, tmp_path,
                                                                     capsys):
    common = ["--epochs", "3", "--hidden", "4", "-q"]
    plain = tmp_path / "plain.npz"
    _run(capsys, ["train", str(data), "--target", "y", "--features", "x1", "x2", "x3",
                  "--sample-weight", "w", "--categorical", "x3", *common, "-o", str(plain)])
    padded = tmp_path / "padded.npz"
    _run(capsys, ["train", str(data), "--target", " y ", "--features", " x1 ", "x2  ",
                  "x3 ", "--sample-weight", " w", "--categorical", "  x3", *common,
                  "-o", str(padded)])
    for name in ("feature_names", "target_name", "categories"):
        assert load_metadata(padded).get(name) == load_metadata(plain).get(name)
    assert load_metadata(padded)["feature_names"][:2] == ["x1", "x2"]
    assert (_run(capsys, ["predict", str(padded), str(data), "--keep", " w ", "--proba"])
            == _run(capsys, ["predict", str(plain), str(data), "--keep", "w", "--proba"]))
    for command in ("evaluate", "importance"):
        assert (_run(capsys, [command, str(padded), str(data), "--target", " y ",
                              "--sample-weight", " w "])
                .replace(str(padded), str(plain))
                == _run(capsys, [command, str(plain), str(data), "--target", "y",
                                 "--sample-weight", "w"]))


def test_a_blank_name_is_refused_naming_the_option(data, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", str(data), "--features", "x1", "  ", "-o", str(tmp_path / "m")])
    assert info.value.code == 2
    assert "argument --features: expected a column name, got '  '" in capsys.readouterr().err


def test_data_may_follow_names_given_with_blanks(data, tmp_path, capsys):
    plain = tmp_path / "plain.npz"
    _run(capsys, ["train", "--target", "y", "--features", "x1", "x2", str(data),
                  "--epochs", "3", "--hidden", "4", "-q", "-o", str(plain)])
    padded = tmp_path / "padded.npz"
    _run(capsys, ["train", "--target", " y ", "--features", "x1", " x2 ", str(data),
                  "--epochs", "3", "--hidden", "4", "-q", "-o", str(padded)])
    assert load_metadata(padded)["feature_names"] == ["x1", "x2"]
    assert (_run(capsys, ["evaluate", "--target", " y ", str(padded), str(data)])
            .splitlines()[1:]
            == _run(capsys, ["evaluate", str(plain), str(data)]).splitlines()[1:])
