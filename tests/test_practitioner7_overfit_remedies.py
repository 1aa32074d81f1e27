"""The overfit note of ``chainrule train diabetes``-like runs advises the remedies that
work, with their exact options: --patience 10 and --weight-decay 0.1.  Each option, taken
from the note as printed, raises the held-out R^2 (scikit-learn's r2_score on rows the
run never saw) above that of the run that printed the note."""

from __future__ import annotations

import re

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split

from chainrule.saved_model import SavedModel
from test_cli import run_main


def test_note_names_patience_and_weight_decay_that_each_help(tmp_path, capsys):
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=0)
    data = tmp_path / "train.csv"
    X_tr.assign(target=y_tr).to_csv(data, index=False)

    def held_out_r2(*extra: str) -> tuple[float, str]:
        model = tmp_path / "m.npz"
        code, _, err = run_main(capsys, "train", str(data), "-q", "-o", str(model), *extra)
        assert code == 0, err
        pred = SavedModel.load(model).predict(X_te.to_numpy())
        return r2_score(y_te.to_numpy(), np.ravel(pred)), err

    base, err = held_out_r2()
    note = [line for line in err.splitlines() if "validation loss was lowest" in line]
    assert len(note) == 1, err
    options = re.findall(r"(--patience \d+|--weight-decay [0-9.e-]+)", note[0])
    assert sorted(o.split()[0] for o in options) == ["--patience", "--weight-decay"], note
    for option in options:
        r2, _ = held_out_r2(*option.split())
        assert r2 > base + 0.05, (option, r2, base)
