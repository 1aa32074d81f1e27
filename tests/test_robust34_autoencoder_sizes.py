"""robust34: autoencoder sizes past an array, named by their argument with the memory.

``StackedAutoencoder(hidden_sizes=(10**400,))`` was refused as "n_features x n_hidden";
``SparseAutoencoder(n_hidden=10**18)`` ended in NumPy's "array is too big" (the size
check counted entries, 8 bytes each).
"""

import numpy as np
import pytest

import chainrule as cr

LIMIT = int(np.iinfo(np.intp).max)
XA = np.random.default_rng(34).uniform(0.1, 0.9, size=(10, 4))
YA = np.array([0, 1] * 5)


def test_sparse_autoencoder_past_an_array_in_bytes_names_n_hidden_and_memory() -> None:
    n = 10**18
    n_params = 2 * 4 * n + n + 4  # encoder and decoder weights, then the biases
    assert n_params <= LIMIT < 8 * n_params  # fewer entries than intp holds, not bytes
    with pytest.raises(ValueError, match=rf"^n_hidden: {n} hidden units on 4 inputs make "
                                         rf"{n_params} parameters .* {8 * n_params} bytes of "
                                         rf"float64 \(.* GiB\), more than an array holds "
                                         rf"\({LIMIT} bytes\)$"):
        cr.SparseAutoencoder(n_hidden=n).fit(XA)
    with pytest.raises(ValueError, match=r"^n_hidden: 1000000000000000000 hidden units"):
        cr.SparseAutoencoder(n_hidden=n).initialized(XA)


def test_autoencoder_size_boundary_in_bytes() -> None:
    from chainrule.autoencoder._sparse_fitting import check_autoencoder_size

    # the largest n_hidden whose 8 (9 n + 4) bytes an array holds on 4 inputs, and the next
    n = (LIMIT // 8 - 4) // 9
    assert 8 * (9 * n + 4) <= LIMIT < 8 * (9 * (n + 1) + 4)
    assert check_autoencoder_size(4, n) is None
    with pytest.raises(ValueError, match=rf"^n_hidden: {n + 1} hidden units"):
        check_autoencoder_size(4, n + 1)


@pytest.mark.parametrize(("sizes", "pattern"), [
    ((10**400,), r"^hidden_sizes\[0\]: n_features x hidden_sizes\[0\]: 4 x an int of about "
                 r"10\^400 weights, more than an array holds"),
    ((3, 10**400), r"^hidden_sizes\[1\]: hidden_sizes\[0\] x hidden_sizes\[1\]: 3 x an int "
                   r"of about 10\^400 weights"),
    ((10**18,), rf"^hidden_sizes\[0\]: {10**18} hidden units on 4 inputs make "
                rf"{9 * 10**18 + 4} parameters .* {8 * (9 * 10**18 + 4)} bytes"),
    ((3, 10**18), rf"^hidden_sizes\[1\]: {10**18} hidden units on 3 inputs make "
                  rf"{7 * 10**18 + 3} parameters \(the hidden_sizes\[0\] x hidden_sizes\[1\]"),
])
def test_stacked_autoencoder_names_the_entry_of_hidden_sizes(sizes, pattern) -> None:
    with pytest.raises(ValueError, match=pattern):
        cr.StackedAutoencoder(hidden_sizes=sizes, max_iter=2).fit(XA, YA)
