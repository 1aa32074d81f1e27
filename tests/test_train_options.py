"""train()'s keyword options: an unknown one is refused by train's name, before any work."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import chainrule as cr
from chainrule.training import Trainer


def _data() -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(0).random((12, 2))
    return X, (X[:, 0] > 0.5).astype(float)


def test_unknown_option_names_train_and_suggests_the_close_one():
    net = cr.mlp([2, 3, 1], hidden="tanh", output="sigmoid", seed=0)
    before = net.params.copy()
    X, y = _data()
    with pytest.raises(TypeError, match=r"^train\(\) got an unexpected keyword argument "
                                        r"'pateince'; did you mean 'patience'\?") as info:
        cr.train(net, X, y, optimizer="sgd", lr=0.1, epochs=3, pateince=2)
    assert "Trainer" not in str(info.value)
    np.testing.assert_array_equal(net.params, before)  # nothing trained
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus' \\(its options: "):
        cr.train(net, X, y, bogus=1)


def test_every_listed_option_is_a_trainer_keyword_that_train_accepts():
    """The options the message lists are exactly Trainer's keywords beyond train's own."""
    net = cr.mlp([2, 3, 1], hidden="tanh", output="sigmoid", seed=0)
    X, y = _data()
    with pytest.raises(TypeError) as info:
        cr.train(net, X, y, bogus=1)
    listed = str(info.value).split("(its options: ")[1].rstrip(")").split(", ")
    trainer_args = set(inspect.signature(Trainer).parameters)
    train_args = set(inspect.signature(cr.train).parameters) - {"options"}
    assert set(listed) == trainer_args - train_args
    # and each is taken: a run with the listed defaults trains
    history = cr.train(net, X, y, optimizer="sgd", lr=0.1, epochs=2, shuffle=False,
                       min_delta=0.0, restore_best=True, checkpoint_every=1)
    assert len(history.loss) == 2


@pytest.mark.parametrize(("given", "meant"), [("epoch", "epochs"), ("batchsize", "batch_size"),
                                              ("validaton_data", "validation_data"),
                                              ("sample_weights", "sample_weight")])
def test_a_misspelt_argument_of_train_itself_gets_its_close_match(given, meant):
    """train's own arguments (epochs, batch_size, ...) were left out of the names searched
    for a close match, so ``epoch=2`` got no hint while ``pateince=2`` did."""
    net = cr.mlp([2, 3, 1], hidden="tanh", output="sigmoid", seed=0)
    X, y = _data()
    assert meant in inspect.signature(cr.train).parameters
    with pytest.raises(TypeError, match=rf"argument '{given}'; did you mean '{meant}'\?"):
        cr.train(net, X, y, **{given: 2})
