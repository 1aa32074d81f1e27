"""A transfer matrix written as a row (one row, no weight row): the refusal names the shape.

Example A's output column ``[[-0.3], [0.5], [0.1]]`` typed as the row ``[[-0.3, 0.5, 0.1]]``
is a typical slip; it was refused as "weights[1] must have shape (fan_in + 1, fan_out) ...
got shape (1, 3)", naming neither the rows it needs nor that it is the transpose of the
matrix meant (a mismatch of two full matrices names the shape it needs).  The shape named
is checked against NumPy's transpose of what was typed, and the matrix so corrected gives
example A's prediction, computed here by hand from the SPEC's matrices.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import expit

import chainrule as cr
from chainrule.cli import main

W0 = [[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]]
ROW = [[-0.3, 0.5, 0.1]]  # example A's W1, typed as a row


def test_the_python_api_names_the_transposed_shape():
    with pytest.raises(ValueError) as err:
        cr.Network.from_transfer_matrices([W0, ROW], activation="sigmoid")
    want = np.array(ROW).T.shape  # (3, 1)
    assert f"mats[1] needs {len(W0)} rows" in str(err.value)
    assert f"transpose of the matrix of shape {want}" in str(err.value)
    # so written, it is example A: out = sigmoid(W1^T [1; sigmoid(W0^T [1; x])])
    net = cr.Network.from_transfer_matrices([W0, np.array(ROW).T.tolist()],
                                            activation="sigmoid")
    h = expit(np.array([1.0, 0.0, 1.0]) @ np.array(W0))
    by_hand = expit(np.concatenate([[1.0], h]) @ np.array(ROW).T)
    np.testing.assert_allclose(net.forward([0, 1])[0], by_hand, rtol=1e-12)
    assert round(float(by_hand[0]), 6) == 0.511501  # SPEC 10 A


@pytest.mark.parametrize("how", ["weights", "network"])
def test_trace_names_the_rows_it_needs(how, capsys):
    if how == "weights":
        args = ["trace", "--weights", json.dumps([W0, ROW]), "--input", "0", "1",
                "--target", "1"]
    else:
        args = ["trace", "--network",
                json.dumps({"weights": [W0, ROW], "input": [0, 1], "target": [1]})]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "weights[0] gives 2 output(s), so weights[1] needs 3 rows" in err
    assert f"transpose of the matrix of shape {np.array(ROW).T.shape}" in err


def test_a_first_matrix_with_one_row_says_what_a_column_would_take(capsys):
    assert main(["trace", "--weights", json.dumps([[[0.4, 0.6, 0.7]]]), "--input", "0", "1",
                 "--target", "1"]) == 2
    err = capsys.readouterr().err
    assert "needs a bias row and one row per input" in err
    assert "written as a column, shape (3, 1), it would take 2 input(s)" in err
