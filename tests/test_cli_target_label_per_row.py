"""``chainrule train`` (``--task auto``) took any text target for class labels: a price
column written with thousands separators ("35,103") became a classification of one class
per row (1244 classes in 1250 rows: an output unit each, 87 s of training, validation
accuracy 0).  A text target of 20 or more examples, most of them the only one of their
class, is now refused, saying why; ``--task classification`` still takes it.  The
references are counts of the values written, made with ``collections.Counter``.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from chainrule.cli import main


def _write(path, targets: list[str]) -> None:
    rng = np.random.default_rng(0)
    rows = ["x1,x2,price"] + [f"{rng.normal():.4f},{rng.normal():.4f},\"{t}\""
                              for t in targets]
    path.write_text("\n".join(rows) + "\n")


def test_a_target_of_numbers_with_thousands_separators_is_refused(tmp_path, capsys):
    values = [f"{v:,}" for v in range(10_000, 10_000 + 997 * 40, 997)]  # 40 distinct
    values[5] = values[4]  # one value twice: 38 of the 39 classes hold one example
    counts = Counter(values)
    alone = sum(1 for c in counts.values() if c == 1)
    assert (len(values), len(counts), alone) == (40, 39, 38)
    _write(tmp_path / "d.csv", values)
    assert main(["train", str(tmp_path / "d.csv"), "-q", "-o", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    assert (f"the target 'price' holds {len(counts)} distinct text values in {len(values)} "
            f"examples, {alone} of them each the only example of its class") in err
    plain = values[0].replace(",", "")
    assert f"(such as {values[0]!r}): write them as plain numbers ({plain})" in err
    assert "--task classification" in err and "Traceback" not in err
    assert not (tmp_path / "m.npz").exists()


def test_an_id_target_is_refused_and_task_classification_takes_it(tmp_path, capsys):
    ids = [f"C{i:04d}" for i in range(30)]
    _write(tmp_path / "d.csv", ids)
    assert main(["train", str(tmp_path / "d.csv"), "-q", "-o", str(tmp_path / "m.npz")]) == 2
    assert "an ID or free text: name another --target" in capsys.readouterr().err
    assert main(["train", str(tmp_path / "d.csv"), "--task", "classification", "--epochs",
                 "2", "--val-fraction", "0", "-q", "-o", str(tmp_path / "m.npz")]) == 0
    assert f"{len(set(ids))} classes" in capsys.readouterr().out


def test_text_classes_of_several_examples_each_still_train(tmp_path, capsys):
    labels = [["cat", "dog", "emu"][i % 3] for i in range(30)]
    labels[0] = "yak"  # one class of one example is no reason to refuse
    assert sum(1 for c in Counter(labels).values() if c == 1) == 1
    _write(tmp_path / "d.csv", labels)
    assert main(["train", str(tmp_path / "d.csv"), "--epochs", "2", "--val-fraction", "0",
                 "-q", "-o", str(tmp_path / "m.npz")]) == 0
    assert "4 classes" in capsys.readouterr().out
