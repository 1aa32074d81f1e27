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
