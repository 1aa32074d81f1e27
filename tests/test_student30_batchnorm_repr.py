"""BatchNorm's repr names the settings that change what it computes.

Karpathy's makemore part 3 uses momentum 0.001 in PyTorch's convention, chainrule's 0.999:
printing the network must show which one a layer has (hand-written expected strings).
"""

from __future__ import annotations

from chainrule import BatchNorm, Network


def test_repr_shows_momentum_and_eps_other_than_the_defaults() -> None:
    assert repr(BatchNorm(200, activation="tanh", momentum=0.999)) == \
        "BatchNorm(200, activation='tanh', momentum=0.999)"
    assert repr(BatchNorm(4, eps=1e-3)) == "BatchNorm(4, eps=0.001)"
    assert repr(BatchNorm(4, momentum=0.0, eps=0.1, unbiased_running_var=False)) == \
        "BatchNorm(4, momentum=0.0, eps=0.1, unbiased_running_var=False)"


def test_repr_of_defaults_unchanged_and_in_the_network() -> None:
    assert repr(BatchNorm(3, "relu")) == "BatchNorm(3, activation='relu')"
    assert repr(BatchNorm(3, momentum=0.9, eps=1e-5)) == "BatchNorm(3)"
    assert "BatchNorm(2, momentum=0.99)" in repr(Network([BatchNorm(2, momentum=0.99)]))
