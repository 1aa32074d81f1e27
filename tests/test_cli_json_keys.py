"""A key given twice in the JSON of --layers (or parse_layers) or --schedule is refused."""

from __future__ import annotations

import pytest

from chainrule.architecture import parse_layers
from chainrule.cli import main


def test_train_refuses_a_key_given_twice_and_writes_nothing(tmp_path, capsys):
    """'"kernel_size": 3, "kernel_size": 5' trained a 5x5 convolution without a word
    (json.loads keeps the last value), where the trace reader refuses the same."""
    out = tmp_path / "m.npz"
    with pytest.raises(SystemExit) as exit_:
        main(["train", "digits", "--input-shape", "1", "8", "8", "--layers",
              '[{"type": "Conv2D", "out_channels": 2, "kernel_size": 3, "kernel_size": 5},'
              ' {"type": "Flatten"}]', "--epochs", "1", "-q", "-o", str(out)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().endswith("argument --layers: layers: the key 'kernel_size' is given "
                                "twice in a Conv2D dict (3 and 5); give it once")
    assert not out.exists()


def test_parse_layers_names_the_file_and_keeps_other_lists(tmp_path):
    path = tmp_path / "layers.json"
    path.write_text('[{"type": "Flatten"}, {"type": "Dense", "fan_out": 3, "fan_out": 4}]')
    with pytest.raises(ValueError, match=r"layers.json: the key 'fan_out' is given twice in a "
                                         r"Dense dict \(3 and 4\)"):
        parse_layers(path)
    # the same key in two dicts is no repetition
    assert parse_layers('[{"type": "Dense", "fan_out": 3}, {"type": "Dense", "fan_out": 4}]') \
        == [{"type": "Dense", "fan_out": 3}, {"type": "Dense", "fan_out": 4}]


@pytest.mark.parametrize(("schedule", "message"), [
    ('{"name": "step", "step_size": 2, "step_size": 5}',
     "the key 'step_size' is given twice in a step dict (2 and 5); give it once"),
    ('{"name": "warmup", "epochs": 2, "after": {"name": "step", "step_size": 2, "gamma": 0.5, '
     '"gamma": 0.1}}', "the key 'gamma' is given twice in a step dict (0.5 and 0.1)"),
])
def test_train_refuses_a_schedule_setting_given_twice(tmp_path, capsys, schedule, message):
    """'{"name": "step", "step_size": 2, "step_size": 5}' stepped every 5 epochs without
    a word (the model file recorded step_size 5 alone)."""
    out = tmp_path / "m.npz"
    with pytest.raises(SystemExit) as exit_:
        main(["train", "iris", "--hidden", "3", "--epochs", "2", "-q", "--schedule", schedule,
              "-o", str(out)])
    assert exit_.value.code == 2
    assert f"argument --schedule: {message}" in capsys.readouterr().err
    assert not out.exists()


def test_an_estimator_file_with_layers_of_a_key_given_twice_still_loads(tmp_path):
    """Before keys given twice were refused, MLPClassifier(layers='[... "fan_out": 8,
    "fan_out": 5 ...]') fitted a network of 5 units (JSON's last value) and saved the text.
    Such a file was then refused as corrupted by load_estimator, info and predict: it loads
    with a warning, predicts as saved, and its layers are the dicts its network was built
    from; a text whose last value is not the network's is still refused."""
    import warnings

    import numpy as np
    from sklearn.datasets import load_iris

    from chainrule import MLPClassifier, load_estimator
    from file_helpers import edit_saved_meta

    X, y = load_iris(return_X_y=True)
    est = MLPClassifier(layers='[{"type": "Dense", "fan_out": 5}]', max_iter=20,
                        random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not converged in 20 iterations
        est.fit(X, y)
    path = tmp_path / "est.npz"
    est.save(path)
    twice = '[{"type": "Dense", "fan_out": 8, "fan_out": 5}]'
    edit_saved_meta(path, lambda meta: meta["params"].update(layers=twice))
    with pytest.warns(UserWarning, match=r"params: layers: the key 'fan_out' is given twice in "
                                         r"a Dense dict \(8 and 5\): the file was written "
                                         r"before such layers were refused"):
        loaded = load_estimator(path)
    assert loaded.get_params()["layers"] == [{"type": "Dense", "fan_out": 5}]
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    with pytest.warns(UserWarning, match="given twice"):
        assert main(["info", str(path)]) == 0
    edit_saved_meta(path, lambda meta: meta["params"].update(
        layers='[{"type": "Dense", "fan_out": 5, "fan_out": 8}]'))
    with pytest.warns(UserWarning, match="given twice"), \
            pytest.raises(ValueError, match="corrupted estimator file"):
        load_estimator(path)
