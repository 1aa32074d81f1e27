"""train --time-ordered warns where its held-out tail holds some classes only (a file
sorted by class, not by time), naming the classes it lacks; a tail of every class, or a
stratified draw, says nothing."""

from __future__ import annotations

import numpy as np
import pytest

from file_helpers import cli_ok, sorted_blobs


def test_time_ordered_tail_of_some_classes_warns(capsys, tmp_path):
    data = sorted_blobs(tmp_path / "b.npz")  # 120 rows: classes 0..3, 30 rows each
    _, err = cli_ok(capsys, ["train", data, "--time-ordered", "--val-fraction", "0.2",
                           "--hidden", "4", "--epochs", "1", "-q", "-o", tmp_path / "m.npz"])
    # the last ceil(0.2 * 120) = 24 rows, all of class 3: classes 0, 1, 2 missing
    assert "warning: --time-ordered: the 24 validation rows" in err
    assert "hold only the class 3 of the target 'y'" in err
    assert "the classes 0, 1, 2 are missing from them" in err


@pytest.mark.parametrize("extra", [[], ["--time-ordered"]])
def test_no_warning_where_the_tail_holds_every_class(capsys, tmp_path, extra):
    rng = np.random.default_rng(1)
    y = np.tile(np.arange(3), 40)  # classes interleaved: any tail holds all three
    np.savez(tmp_path / "i.npz", X=rng.normal(size=(y.size, 2)) + y[:, None], y=y)
    _, err = cli_ok(capsys, ["train", tmp_path / "i.npz", *extra, "--hidden", "4", "--epochs",
                           "1", "-q", "-o", tmp_path / "m.npz"])
    assert err == ""
