"""A run refused for an optimizer's setting, checked the same way for every rule: the
message's key words, and the network and the optimizer left as they were, bit for bit
(robust20's assigned settings, robust21's user subclasses)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import chainrule as cr


def assert_run_refuses(net: cr.Network, opt: object, X: np.ndarray, labels: np.ndarray,
                       exc: type[Exception], words: list[str]) -> None:
    """``cr.train`` and ``cr.Trainer`` both raise ``exc`` whose message holds each of
    ``words``; ``net`` and ``opt`` pickle to the same bytes afterwards."""
    net_before, opt_before = pickle.dumps(net), pickle.dumps(opt)
    for call in (lambda: cr.train(net, X, labels, optimizer=opt, epochs=1),
                 lambda: cr.Trainer(net, optimizer=opt, epochs=1)):
        with pytest.raises(exc) as info:
            call()
        for word in words:
            assert word in str(info.value), (word, str(info.value))
    assert pickle.dumps(net) == net_before and pickle.dumps(opt) == opt_before
