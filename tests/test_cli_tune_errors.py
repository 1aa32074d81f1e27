"""``chainrule tune``'s messages of a faulty grid.

A ``--grid`` name that is no option of train suggests train's option nearest to it by
difflib's own cutoff (0.6) over the names as --grid takes them (without dashes), or none:
the reference is ``difflib.get_close_matches`` of the bare name over train's long options.
A fault in reading DATA that one combination's options cause (a --features of its own) is
said naming that combination, whichever place it has in the grid; one of every
combination (a --features given outside --grid) names none, as cv says it.
"""

from __future__ import annotations

import difflib

import pytest

from chainrule.cli import main


def _train_options() -> list[str]:
    """train's long options without their dashes, from its own parser."""
    from chainrule._cli_models_tune_grid import value_parser

    return [s[2:] for a in value_parser()._actions for s in a.option_strings
            if s.startswith("--")]


@pytest.mark.parametrize(("name", "suggested"), [
    ("bogus", None),  # was "did you mean loss?": "--" shared lifted it past the cutoff
    ("xyz", None),
    ("lrr", "lr"),
    ("hiden", "hidden"),
    ("momentm", "momentum"),
    ("batchsize", "batch-size"),
])
def test_a_grid_name_suggests_train_s_nearest_option_or_none(capsys, name, suggested):
    close = difflib.get_close_matches(name, _train_options(), n=1)
    assert (close[0] if close else None) == suggested  # the reference: difflib's cutoff
    capsys.readouterr()
    assert main(["tune", "diabetes", "--grid", f"{name}=1"]) == 2
    err = capsys.readouterr().err
    assert f"--grid {name}=1: --{name} is not an option of chainrule train" in err
    if suggested is None:
        assert "did you mean" not in err
    else:
        assert f"(did you mean {suggested}?)" in err


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,c,y\n" + "".join(f"{i},{i % 3},{i % 5},{i % 7}\n"
                                          for i in range(30)))
    return str(path)


@pytest.mark.parametrize("grid", ["features=a b|a zz", "features=a zz|a b"])
def test_a_data_fault_of_one_combination_names_it(capsys, table, grid):
    capsys.readouterr()
    assert main(["tune", table, "--target", "y", "--grid", grid, "--folds", "2",
                 "--epochs", "1", "-q"]) == 2
    err = capsys.readouterr().err
    assert err == (f"chainrule: error: the combination --features a zz: {table}: missing "
                   "column 'zz' (--features) (columns: a, b, c, y)\n")


def test_a_data_fault_of_every_combination_names_none(capsys, table):
    capsys.readouterr()
    assert main(["cv", table, "--target", "y", "--features", "a", "zz", "--folds", "2",
                 "--epochs", "1", "-q"]) == 2
    said_by_cv = capsys.readouterr().err
    assert main(["tune", table, "--target", "y", "--features", "a", "zz", "--grid",
                 "lr=0.1,0.01", "--folds", "2", "--epochs", "1", "-q"]) == 2
    assert capsys.readouterr().err == said_by_cv
    assert "combination" not in said_by_cv
