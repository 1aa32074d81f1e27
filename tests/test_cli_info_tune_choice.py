"""``chainrule info`` of a model written by ``tune -o`` names the combination tune chose,
as train's options (a flag left off: "no --flag"), beside the grid it was chosen from."""

from __future__ import annotations

import json

import numpy as np

from chainrule.cli import main


def test_info_names_the_chosen_combination(capsys, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2))
    cells = [[f"{v!r}" for v in row] for row in x.tolist()]
    for i in range(0, 40, 7):
        cells[i][1] = ""  # missing: --impute mean fills it, --missing-indicator flags it
    y = (x[:, 0] > 0).astype(int)
    data = tmp_path / "d.csv"
    data.write_text("a,b,y\n" + "".join(f"{a},{b},{t}\n" for (a, b), t in zip(cells, y,
                                                                              strict=True)))
    model = tmp_path / "m.npz"
    capsys.readouterr()
    assert main(["tune", str(data), "--target", "y", "--impute", "mean", "--epochs", "2",
                 "--folds", "2", "--grid", "hidden=4|3 2", "missing-indicator=on,off",
                 "-o", str(model), "-q", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    best = result["results"][result["best_index"]]["params"]  # tune's own table of runs
    flag = ("--missing-indicator" if best["missing-indicator"] == "on" else "")
    shown = f"--hidden {best['hidden']}" + (f" {flag}" if flag else
                                             " (no --missing-indicator)")
    assert main(["info", str(model)]) == 0
    line = next(s for s in capsys.readouterr().out.splitlines() if s.startswith("chosen"))
    assert line.startswith(f"chosen by chainrule tune: {shown}, the best of 4 combinations "
                           "(grid search of hidden=4|3 2; missing-indicator=on|off), ")
    assert main(["info", str(model), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tune"]["best"] == best


def test_a_flag_left_off_and_a_json_value_are_written_as_train_takes_them():
    from chainrule._cli_models_show import _chosen

    tune = {"grid": {"missing-indicator": ["on", "off"], "schedule": ['{"name": "cosine"}']},
            "best": {"schedule": '{"name": "cosine"}', "missing-indicator": "off"}}
    assert _chosen(tune) == "--schedule '{\"name\": \"cosine\"}' (no --missing-indicator), "
    assert _chosen({"grid": {}, "best": {}}) == _chosen({}) == ""  # none recorded: as before


def test_info_says_folds_of_no_shuffle_are_not_seeded(capsys, tmp_path):
    """tune --time-ordered and --folds all record TimeSeriesSplit and LeaveOneGroupOut,
    which take no seed (scikit-learn's have no random_state): info said "seed 0" of
    them as of StratifiedKFold's, whose shuffle the seed draws."""
    import inspect

    from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold, TimeSeriesSplit

    rng = np.random.default_rng(1)
    x = rng.normal(size=(36, 2))
    y = np.where(x[:, 0] + 0.3 * rng.normal(size=36) > 0, "yes", "no")
    data = tmp_path / "d.csv"
    data.write_text("id,a,b,y\n" + "".join(f"g{i // 6},{a!r},{b!r},{t}\n" for i, ((a, b), t)
                                           in enumerate(zip(x.tolist(), y, strict=True))))
    common = ["tune", str(data), "--target", "y", "--features", "a", "b", "--epochs", "2",
              "--grid", "hidden=3,4", "--seed", "5", "-q", "--json"]
    for options, splitter in ((["--folds", "3"], StratifiedKFold),
                              (["--folds", "3", "--time-ordered"], TimeSeriesSplit),
                              (["--folds", "all", "--groups", "id"], LeaveOneGroupOut)):
        model = tmp_path / f"{splitter.__name__}.npz"
        assert main([*common, *options, "-o", str(model)]) == 0
        folds = json.loads(capsys.readouterr().out)["folds"]
        assert main(["info", str(model)]) == 0
        line = next(s for s in capsys.readouterr().out.splitlines()
                    if s.startswith("chosen"))
        seeded = "random_state" in inspect.signature(splitter).parameters
        start = f" over {folds} folds ({splitter.__name__}"  # then the words of tune's
        shown = line[line.index(start):]  # folds line (test_cli_info_tune_folds.py)
        assert (shown == f"{start}, seed 5)" if seeded else
                "not shuffled; seed 5 of each fold's training)" in shown), line
