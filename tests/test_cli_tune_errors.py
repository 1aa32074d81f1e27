"""``chainrule tune``'s messages of a faulty grid.

A ``--grid`` name that is no option of train suggests train's option nearest to it by
difflib's own cutoff (0.6) over the names as --grid takes them (without dashes), or none:
the reference is ``difflib.get_close_matches`` of the bare name over train's long options.
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
