"""predict and evaluate's hint for '-' (a spreadsheet's accounting zero) and a lookalike of
a missing-value marker ("missing") among a model's numbers: "leave the cell empty" held
only for a model trained with --impute; one trained without it refuses an empty cell too,
and the hint now says so (train's own wording, and that of a model of --impute, kept)."""

from __future__ import annotations

import pytest

import chainrule
from chainrule.cli import main


@pytest.fixture
def models(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.csv").write_text("a,b,y\n1,4,0\n2,5,1\n3,6,0\n4,7,1\n5,8,0\n")
    for name, extra in (("plain", []), ("filled", ["--impute", "mean"])):
        assert main(["train", "ok.csv", "-q", "--epochs", "1", "-o", name, *extra]) == 0
    return tmp_path


def _error(capsys, argv):
    capsys.readouterr()
    assert main(argv) == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("cell", ["-", "missing"])
@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_a_model_without_impute_is_not_told_to_leave_the_cell_empty(models, capsys, cell,
                                                                    command):
    (models / "bad.csv").write_text(f"a,b,y\n1,4,0\n2,{cell},1\n")
    (models / "empty.csv").write_text("a,b,y\n1,4,0\n2,,1\n")
    err = _error(capsys, [command, "plain.npz", "bad.csv"])
    assert "leave the cell empty" not in err
    assert ("this model refuses it, an empty cell too: it was trained without --impute"
            in err)
    # what the old hint advised: the empty cell is refused by this model indeed
    assert "empty.csv line 3, column 'b': missing value" in _error(
        capsys, [command, "plain.npz", "empty.csv"])
    err = _error(capsys, [command, "filled.npz", "bad.csv"])
    assert "leave the cell empty" in err and "--impute" not in err
    # ... and a model of --impute takes the empty cell
    assert main([command, "filled.npz", "empty.csv"]) == 0


def test_a_saved_models_predict_of_a_dict_says_the_same(models):
    with pytest.raises(ValueError, match="an empty cell too: it was trained without"):
        chainrule.load_model("plain.npz").predict({"a": ["2"], "b": ["-"]})
    with pytest.raises(ValueError, match=r"or leave the cell empty if the value is missing$"):
        chainrule.load_model("filled.npz").predict({"a": ["2"], "b": ["-"]})


def test_train_keeps_its_wording(models, capsys):
    (models / "bad.csv").write_text("a,b,y\n1,4,0\n2,-,1\n3,5,0\n")
    err = _error(capsys, ["train", "bad.csv", "-q", "-o", "x"])
    assert err.rstrip().endswith("write 0 if it is one, or leave the cell empty if the "
                                 "value is missing")
