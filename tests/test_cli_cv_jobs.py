"""``chainrule cv --n-jobs N`` and ``tune --n-jobs N``: the folds in worker processes.

cv and tune ran their folds one after another; scikit-learn's ``cross_validate`` and
``GridSearchCV`` take ``n_jobs``, as chainrule's ``select`` does.  The reference of each
run with ``--n-jobs 2`` is the same command run in one process (itself checked against
scikit-learn's folds and train/evaluate by the neighbouring cv and tune tests): the same
stdout and --json to the last bit, the same lines on stderr (their seconds aside), the
same first fault and the same words when stopped.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import numpy as np
import pytest

from chainrule.cli import main

CV = ["--hidden", "4", "--epochs", "4", "--seed", "1", "--folds", "3"]
SECONDS = re.compile(r"\d+\.\d\d s\b")  # a fold's or combination's time: no reference


def _run(capsys, argv: list[str], status: int = 0) -> tuple[str, str]:
    capsys.readouterr()
    assert main(argv) == status
    out, err = capsys.readouterr()
    return out, SECONDS.sub("T s", err)


def _same(capsys, argv: list[str], status: int = 0) -> tuple[str, str]:
    """The run of ``argv`` in one process and with --n-jobs 2: the same output."""
    serial = _run(capsys, argv, status)
    assert _run(capsys, [*argv, "--n-jobs", "2"], status) == serial
    return serial


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> str:
    """A CSV of 60 rows: a group ID, two features, a weight, a class and a number."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    groups = np.repeat(np.arange(12), 5)
    weight = rng.uniform(0.5, 2.0, size=60)
    label = np.where(X[:, 0] + 0.3 * rng.normal(size=60) > 0, "yes", "no")
    value = X @ [1.5, -0.5] + 0.1 * rng.normal(size=60)
    rows = [f"g{g},{a!r},{b!r},{w!r},{c},{v!r}" for g, (a, b), w, c, v
            in zip(groups, X.tolist(), weight.tolist(), label, value.tolist(), strict=True)]
    path = tmp_path_factory.mktemp("jobs") / "d.csv"
    path.write_text("id,a,b,w,label,value\n" + "\n".join(rows) + "\n")
    return str(path)


@pytest.mark.parametrize("options", [
    ["--target", "label", "--features", "a", "b"],
    ["--target", "value", "--features", "a", "b"],
    ["--target", "label", "--features", "a", "b", "--groups", "id"],
    ["--target", "value", "--features", "a", "b", "--sample-weight", "w"],
], ids=["classification", "regression", "groups", "sample-weight"])
def test_cv_in_workers_prints_what_one_process_prints(capsys, data, options):
    text, err = _same(capsys, ["cv", data, *CV, *options])
    assert err.count(" s; held out ") == 3  # a line per fold, in fold order
    assert [line[:9] for line in err.splitlines() if line.startswith("fold ")] == [
        "fold 1 of", "fold 2 of", "fold 3 of"]
    out, _ = _same(capsys, ["cv", data, *CV, *options, "--json", "-q"])
    assert len(json.loads(out)["per_fold"]) == 3 and text.startswith(f"{data}: 60 examples")


def test_tune_in_workers_ranks_and_recommends_as_one_process(capsys, data):
    argv = ["tune", data, "--target", "label", "--features", "a", "b", "--epochs", "3",
            "--folds", "2", "--grid", "hidden=3,5", "lr=0.01,0.1"]
    serial = _run(capsys, [*argv, "--json", "-q"])[0]
    out = _run(capsys, [*argv, "--json", "-q", "--n-jobs", "2"])[0]
    one, two = json.loads(serial), json.loads(out)
    for result in (*one["results"], *two["results"]):
        assert result.pop("seconds") >= 0  # each run's own time: the rest the same
    assert one == two and len(one["results"]) == 4
    text, err = _run(capsys, argv)
    columns = re.compile(r"(?m) \d+\.\d\d$")  # the table's seconds: each run's own
    assert columns.sub(" T", _run(capsys, [*argv, "--n-jobs", "2"])[0]) == columns.sub(
        " T", text)
    assert _run(capsys, [*argv, "--n-jobs", "2"])[1] == err
    assert text.splitlines()[-1].startswith("best: chainrule train ")
    assert [line[:16] for line in err.splitlines()] == [
        f"combination {i} of" for i in range(1, 5)]


def test_tune_s_refit_in_this_process_writes_the_model_of_one_process(capsys, data,
                                                                     tmp_path):
    argv = ["tune", data, "--target", "value", "--features", "a", "b", "--epochs", "3",
            "--folds", "2", "--grid", "hidden=3,5", "-q"]
    models = [tmp_path / "one.npz", tmp_path / "two.npz"]
    for model, extra in zip(models, ([], ["--n-jobs", "2"]), strict=True):
        _run(capsys, [*argv, *extra, "-o", str(model)])
    with np.load(models[0]) as a, np.load(models[1]) as b:
        np.testing.assert_array_equal(a["params"], b["params"])
        one, two = (json.loads(str(z["__meta__"]))["metadata"] for z in (a, b))
    assert one["training"].pop("seconds") >= 0 and two["training"].pop("seconds") >= 0
    assert one["tune"] == two["tune"] and one["training"] == two["training"]


def test_fold_messages_and_warnings_are_said_once_in_fold_order(capsys, tmp_path):
    # a category held out by a fold alone (cv's own words), and the library's warning of
    # weight averaging too slow for the steps, which every fold's fit gives alike
    import warnings

    rows = [f"{i / 7!r},{'red' if i else 'green'},{i % 3 * 1.5!r}" for i in range(40)]
    (tmp_path / "d.csv").write_text("x,colour,y\n" + "\n".join(rows) + "\n")
    argv = ["cv", str(tmp_path / "d.csv"), *CV, "--ema", "0.99", "-q"]
    said = []
    for extra in ([], ["--n-jobs", "2"]):
        with warnings.catch_warnings(record=True) as shown:  # what the command shows
            warnings.simplefilter("always")
            said.append((_run(capsys, argv + extra),
                         [(w.category, str(w.message)) for w in shown]))
    assert said[0] == said[1]
    (_, err), shown = said[0]
    assert err.count("held-out example of a category of 'colour'") == 1
    assert [text[:9] for _, text in shown] == ["ema=0.99:"]


@pytest.mark.parametrize("command", ["cv", "tune"])
@pytest.mark.parametrize("value", ["0", "1.5", "two"])
def test_a_number_of_workers_that_is_not_one_is_refused(capsys, command, value):
    with pytest.raises(SystemExit) as stop:
        main([command, "iris", "--n-jobs", value])
    assert stop.value.code == 2
    assert (f"argument --n-jobs: expected a non-zero integer (a number of workers, or -1 "
            f"for every core), got {value!r}") in capsys.readouterr().err


def test_n_jobs_is_tune_s_own_option_not_one_of_the_grid(capsys):
    capsys.readouterr()
    assert main(["tune", "iris", "--grid", "n-jobs=1,2"]) == 2
    assert capsys.readouterr().err == (
        "chainrule: error: --grid n-jobs=1,2: --n-jobs is an option of chainrule tune "
        "itself, not one of train's to try: give it once, outside --grid\n")


def test_a_fold_that_diverges_is_said_as_in_one_process(capsys, data):
    options = ["--target", "value", "--features", "a", "b", "--optimizer", "sgd"]
    # tune: the combination that diverges ranked last, the other's scores the same
    argv = ["tune", data, *options, "--epochs", "3", "--folds", "2", "--grid",
            "lr=1e300,0.01", "-q", "--json"]
    one, two = (json.loads(_run(capsys, argv + extra)[0]) for extra in ([], ["--n-jobs", "2"]))
    for result in (*one["results"], *two["results"]):
        result.pop("seconds")
    assert one == two and "diverged in fold 1 of 2" in one["results"][0]["failed"]
    # cv: no scores, the fold named
    out, err = _same(capsys, ["cv", data, *CV, *options, "--lr", "1e300", "--val-fraction",
                              "0"], status=1)
    assert out == "" and err.startswith("chainrule: error: training diverged in fold 1 of 3:")


def test_a_fault_of_a_fold_s_data_is_the_first_fold_s_as_in_one_process(capsys, tmp_path):
    # fold 3's --val-fraction rows (KFold and train_test_split of cv's seed, worked out
    # here) all weigh 0, which the fold's preparation refuses, in its worker: folds 1
    # and 2 said, then fold 3's fault, as in one process (fold 4 trained, unsaid)
    import math

    from sklearn.model_selection import KFold, train_test_split

    n, k, seed = 40, 4, 3
    train = list(KFold(k, shuffle=True, random_state=seed).split(np.zeros((n, 1))))[2][0]
    _, val = train_test_split(np.arange(len(train)), test_size=math.ceil(0.1 * len(train)),
                              random_state=seed)
    w = np.ones(n)
    w[train[val]] = 0
    x = np.random.default_rng(0).normal(size=n)
    rows = [f"{a!r},{b:g},{2 * a!r}" for a, b in zip(x.tolist(), w, strict=True)]
    (tmp_path / "d.csv").write_text("x,w,y\n" + "\n".join(rows) + "\n")
    argv = ["cv", str(tmp_path / "d.csv"), "--target", "y", "--hidden", "3", "--epochs",
            "2", "--folds", str(k), "--seed", str(seed), "--val-fraction", "0.1",
            "--sample-weight", "w"]
    out, err = _same(capsys, argv, status=2)
    assert out == "" and [line[:9] for line in err.splitlines()] == [
        "fold 1 of", "fold 2 of", "chainrule"]
    assert err.splitlines()[-1].startswith(
        f"chainrule: error: --sample-weight w: the {len(val)} validation rows of fold 3 of "
        f"{k}'s --val-fraction 0.1 (--seed {seed}) all weigh 0")


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
@pytest.mark.parametrize("signum", [  # the workers, stopped, start again for the next
    signal.SIGINT, pytest.param(signal.SIGTERM, marks=pytest.mark.slow)])
def test_a_signal_while_the_workers_run_keeps_the_folds_taken(capsys, monkeypatch, data,
                                                             signum):
    # the signal reaches this process as fold 3's result is taken: folds 1 and 2 printed,
    # marked partial, the status and words those of the same signal in one process
    argv = ["cv", data, *CV[:-1], "4", "--target", "label", "--features", "a", "b", "-q"]
    from chainrule import _cli_models_cv, _cli_models_cv_jobs

    real, calls = _cli_models_cv._fit_fold, []

    def signalled(*args, **kwargs):  # in one process: during fold 3's training
        calls.append(1)
        if len(calls) == 3:
            os.kill(os.getpid(), signum)
        return real(*args, **kwargs)

    monkeypatch.setattr(_cli_models_cv, "_fit_fold", signalled)
    serial = _run(capsys, argv, 128 + signum)
    monkeypatch.undo()
    replay, taken = _cli_models_cv_jobs._replay, []

    def taking(*args):
        taken.append(1)
        if len(taken) == 3:
            os.kill(os.getpid(), signum)
        return replay(*args)

    monkeypatch.setattr(_cli_models_cv_jobs, "_replay", taking)
    assert _run(capsys, [*argv, "--n-jobs", "2"], 128 + signum) == serial
    assert "during fold 3 of 4; the scores are of the 2 folds finished" in serial[1]


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="POSIX process groups")
def test_ctrl_c_of_the_process_group_stops_the_workers_without_a_traceback(data):
    # Ctrl-C reaches every process of the terminal's group: the workers too
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler);"
            "from chainrule.cli import main; sys.exit(main(sys.argv[1:]))")
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "cv", "digits", "--hidden", "64", "--epochs", "400",
         "--n-jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    try:
        line = proc.stderr.readline()  # fold 1's: the workers are under way
        assert line.startswith("fold 1 of 5"), line
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "chainrule cv: interrupted during fold " in err
    assert "partial: interrupted" in out
