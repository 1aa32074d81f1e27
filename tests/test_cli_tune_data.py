"""``chainrule tune`` on a table of categorical columns with missing cells.

Each combination's scores are those that ``chainrule cv`` prints of the same options (run
here; cv's folds and fold tables are tested against scikit-learn in test_cli_cv*), and
DATA is read as many times as the ways the grid reads it, counted at the reader.
"""

from __future__ import annotations

import json

import numpy as np

from chainrule.cli import main


def _table(path, n: int = 90) -> None:
    """``n`` rows: two numbers, a colour with missing cells and a rare colour, a shape,
    and a class."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(n, 2))
    colour = np.where(rng.random(n) < 0.5, "red", "blue").astype(object)
    colour[::9] = ""  # missing: --impute fills it
    colour[[4, 40]] = "green"
    shape = rng.choice(["a", "b", "c"], size=n)
    y = (x[:, 0] + (colour == "red") > 0.4).astype(int)
    path.write_text("x0,x1,colour,shape,y\n" + "".join(
        f"{a!r},{b!r},{c},{s},{t}\n" for (a, b), c, s, t
        in zip(x.tolist(), colour, shape, y, strict=True)))


def _json(capsys, *argv: str) -> dict:
    capsys.readouterr()
    assert main([*argv, "-q", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


COMMON = ["--target", "y", "--epochs", "3", "--folds", "3", "--seed", "1"]


def test_impute_constant_of_a_categorical_column_is_cross_validated_as_cv(capsys, tmp_path):
    # the fill category of a column with missing cells among a fold's training rows is
    # kept by cv; tune's check of the first fold dropped it, and refused every search
    _table(tmp_path / "d.csv")
    data = str(tmp_path / "d.csv")
    result = _json(capsys, "tune", data, *COMMON, "--impute", "constant", "--grid",
                   "hidden=3,4")
    for r in result["results"]:
        cv = _json(capsys, "cv", data, *COMMON, "--impute", "constant", "--hidden",
                   r["params"]["hidden"])
        assert r["per_fold"] == cv["per_fold"] and r["mean"] == cv["mean"]


def test_data_is_read_once_per_way_the_grid_reads_it(capsys, tmp_path, monkeypatch):
    from chainrule import tabular

    _table(tmp_path / "d.csv")
    data = str(tmp_path / "d.csv")
    reads = []
    read_data = tabular.read_data

    def counted(*args, **kwargs):
        reads.append(kwargs)
        return read_data(*args, **kwargs)

    monkeypatch.setattr(tabular, "read_data", counted)
    # 4 combinations of options applied after reading: one read (each was read twice:
    # checked on DATA, then cross-validated)
    _json(capsys, "tune", data, *COMMON, "--impute", "mean", "--grid", "hidden=3,4",
          "scale=standard,none")
    assert len(reads) == 1
    # mean and median read the missing cells alike (NaN), constant with its category;
    # each --features reads other columns: one read per way
    reads.clear()
    result = _json(capsys, "tune", data, *COMMON, "--grid", "impute=mean,median,constant",
                   "features=x0 colour|x1 colour shape")
    assert len(reads) == 4
    assert sorted(map(repr, reads)) == sorted(set(map(repr, reads)))  # no read twice
    monkeypatch.setattr(tabular, "read_data", read_data)
    for r in result["results"]:  # the scores of the reads shared: cv's, fold for fold
        options = [w for k, v in r["params"].items() for w in [f"--{k}", *v.split()]]
        cv = _json(capsys, "cv", data, *COMMON, *options)
        assert r["per_fold"] == cv["per_fold"] and r["mean"] == cv["mean"]


def test_a_flag_is_searched_on_and_off_as_cv_with_and_without_it(capsys, tmp_path):
    """--grid missing-indicator=on,off was refused ("given outside --grid too": the flag's
    default False taken for a typed value) and no value of a flag could be parsed: each
    combination now has the flag or not, scored as cv with it and without it, ranked as
    GridSearchCV ranks the means (rankdata of their negatives, ties sharing the
    smallest), and the best line has the flag only when on."""
    from scipy.stats import rankdata

    _table(tmp_path / "d.csv")
    data = str(tmp_path / "d.csv")
    result = _json(capsys, "tune", data, *COMMON, "--impute", "mean", "--grid",
                   "missing-indicator=On,false", "lr=0.003,0.3")
    assert [r["params"] for r in result["results"]] == [
        {"lr": lr, "missing-indicator": flag} for lr in ("0.003", "0.3")
        for flag in ("on", "off")]  # ParameterGrid's order, the values as on/off
    means = []
    for r in result["results"]:
        flag = ["--missing-indicator"] if r["params"]["missing-indicator"] == "on" else []
        cv = _json(capsys, "cv", data, *COMMON, "--impute", "mean", "--lr",
                   r["params"]["lr"], *flag)
        assert r["per_fold"] == cv["per_fold"] and r["mean"] == cv["mean"]
        assert ("--missing-indicator" in r["train"]) == bool(flag)
        means.append(cv["mean"]["accuracy"])
    assert [r["rank"] for r in result["results"]] == list(
        rankdata(-np.array(means), method="min").astype(int))
    best = result["results"][result["best_index"]]
    assert result["best_command"].split().count("--missing-indicator") == (
        best["params"]["missing-indicator"] == "on")
    for values in ("yes,no", "1,0", "TRUE,off"):  # spellings of on and off
        same = _json(capsys, "tune", data, *COMMON, "--impute", "mean", "--lr", "0.3",
                     "--grid", f"missing-indicator={values}")
        assert [r["mean"] for r in same["results"]] == [
            r["mean"] for r in result["results"][2:]]


def test_a_flags_bad_value_and_a_flag_given_outside_the_grid_are_refused(capsys, tmp_path):
    _table(tmp_path / "d.csv")
    data = str(tmp_path / "d.csv")
    for extra, grid, words in (
            ([], "missing-indicator=maybe", "the value 'maybe' of missing-indicator: "
             "--missing-indicator is a flag"),
            (["--missing-indicator"], "missing-indicator=on,off", "--missing-indicator is "
             "given outside --grid too"),
            ([], "missing-indicator=on,yes", "the values 'on' and 'yes' of missing-indicator "
             "mean the same (on)")):
        capsys.readouterr()
        assert main(["tune", data, *COMMON, "--impute", "mean", *extra, "--grid",
                     grid]) == 2
        assert words in capsys.readouterr().err
