"""``chainrule info`` of a margin-loss model (multiclass_hinge, hinge) says in one line
that its outputs are class scores, not probabilities, how predict reads them and that
there is no --proba.  The rule the line states is checked against the model's own
predictions by NumPy (argmax of the scores; scikit-learn's LabelBinarizer classes_[1]
where a single score is > 0) and the --proba it denies against predict's refusal."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.preprocessing import LabelBinarizer

from chainrule.cli import main
from chainrule.saved_model import load_model


def _data(tmp_path, k: int) -> tuple[str, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(k)
    X = rng.normal(size=(40, 2))
    y = (np.where(X[:, 0] > 0, "yes", "no") if k == 2 else
         np.where(X[:, 0] > 0.4, "c", np.where(X[:, 1] > 0, "a", "b")))
    path = tmp_path / f"d{k}.csv"
    path.write_text("x1,x2,label\n" + "".join(
        f"{float(a)!r},{float(b)!r},{c}\n" for (a, b), c in zip(X, y, strict=True)))
    return str(path), X, y


def _info(tmp_path, capsys, data: str, loss: str) -> tuple[str, str]:
    out = str(tmp_path / f"{loss}.json")
    assert main(["train", data, "--target", "label", "--loss", loss, "--hidden", "4",
                 "--epochs", "5", "--seed", "0", "-q", "-o", out]) == 0
    capsys.readouterr()
    assert main(["info", out + ".npz"]) == 0
    return out + ".npz", capsys.readouterr().out


def _scores_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "not probabilities" in line]


def test_info_of_multiclass_hinge_says_its_outputs_are_scores(tmp_path, capsys):
    data, X, _ = _data(tmp_path, 3)
    path, text = _info(tmp_path, capsys, data, "svm")
    [line] = _scores_lines(text)
    assert line.startswith("outputs: class scores, not probabilities")
    assert "multiclass_hinge" in line and "the class of the highest score" in line
    assert line.endswith("no --proba")
    model = load_model(path)
    np.testing.assert_array_equal(model.predict(X),
                                  np.array(model.labels)[model.outputs(X).argmax(axis=1)])
    assert main(["predict", path, data, "--proba"]) == 2


def test_info_of_hinge_names_the_class_a_positive_score_gives(tmp_path, capsys):
    data, X, y = _data(tmp_path, 2)
    path, text = _info(tmp_path, capsys, data, "hinge")
    [line] = _scores_lines(text)
    lb = LabelBinarizer(neg_label=-1).fit(y)
    assert (f"predict gives {lb.classes_[1]} where the score is > 0, else "
            f"{lb.classes_[0]}; no --proba") in line
    s = load_model(path).outputs(X)[:, 0]
    np.testing.assert_array_equal(load_model(path).predict(X), lb.classes_[(s > 0).astype(int)])


@pytest.mark.parametrize("loss", ["cross_entropy"])
def test_a_probability_model_has_no_such_line(tmp_path, capsys, loss):
    data, _, _ = _data(tmp_path, 3)
    _, text = _info(tmp_path, capsys, data, loss)
    assert _scores_lines(text) == []
