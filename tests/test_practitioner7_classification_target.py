"""--task classification given a target of continuous numbers is refused as scikit-learn's
type_of_target judges it ('continuous': MLPClassifier's "Unknown label type"), naming the
column, some values and --task regression, in train, cv and tune alike; a target of whole
numbers or text whose classes are nearly as many as its rows is warned of, with the count
(numpy's unique counts as the reference)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_regression
from sklearn.utils.multiclass import type_of_target

from test_cli import run_main


def _frame(n=200):
    X, y = make_regression(n_samples=n, n_features=3, noise=1.0, random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["price"] = np.exp(y / 100)
    return frame


@pytest.mark.parametrize("command", [["train"], ["cv"], ["tune", "--grid", "lr=0.1,0.01"]])
def test_continuous_target_is_refused_as_classes(command, tmp_path, capsys):
    frame = _frame()
    assert type_of_target(frame["price"]) == "continuous"  # the reference's judgement
    path = tmp_path / "skewed.csv"
    frame.to_csv(path, index=False)
    out_file = [] if command[0] == "cv" else ["-o", str(tmp_path / "m.npz")]  # cv: none
    code, out, err = run_main(capsys, command[0], str(path), *command[1:], "--task",
                              "classification", "--epochs", "1", "-q", *out_file)
    assert code == 2, (out, err)
    assert "'price'" in err and "--task regression" in err and "continuous" in err, err
    shown = err.split("not whole (")[1].split(", ...")[0].split(", ")
    read = pd.read_csv(path)["price"].to_numpy()
    for text in shown:  # values of the column, as pandas reads them
        assert np.isclose(read, float(text), rtol=1e-15, atol=0).any(), text
    assert not (tmp_path / "m.npz").exists()


def test_whole_number_and_text_targets_of_one_row_per_class_are_warned_of(tmp_path, capsys):
    frame = _frame(60)
    whole = np.round(frame["price"] * 1000).astype(int)
    for name, target in (("whole", whole), ("text", [f"id{i}" for i in range(60)])):
        assert type_of_target(np.asarray(target)) == "multiclass"  # classes to scikit-learn
        path = tmp_path / f"{name}.csv"
        frame.assign(price=target).to_csv(path, index=False)
        with pytest.warns(UserWarning) as said:  # shown as "chainrule: warning: ..."
            code, _, err = run_main(capsys, "train", str(path), "--task", "classification",
                                    "--epochs", "1", "-q", "-o", str(tmp_path / "m.npz"))
        assert code == 0, err
        classes, counts = np.unique(np.asarray(target), return_counts=True)
        words = (f"'price' holds {len(classes)} classes in 60 examples, "
                 f"{int(np.sum(counts == 1))} of them each the only example of its class")
        assert any(words in str(w.message) for w in said), [str(w.message) for w in said]


def test_classes_of_many_examples_each_say_nothing(tmp_path, capsys):
    frame = _frame(60).assign(price=np.arange(60) % 3 + 0.0)  # 0.0, 1.0, 2.0: whole
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a warning would fail the run
        code, _, err = run_main(capsys, "train", str(path), "--task", "classification",
                                "--epochs", "1", "-q", "-o", str(tmp_path / "m.npz"))
    assert code == 0 and "warning" not in err, err
