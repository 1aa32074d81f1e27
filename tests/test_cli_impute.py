"""Missing feature cells: ``chainrule train/cv --impute STRATEGY`` fills them as
scikit-learn's ``SimpleImputer(strategy, add_indicator=--missing-indicator)`` before the
``StandardScaler`` (numbers) and the ``OneHotEncoder`` (text), with the training rows'
statistics, and the model file records the fill so that predict, evaluate and
``SavedModel`` fill every later table the same way.

Before, a missing cell was refused ("line 2, column 'b': missing value") with no way to
fill it.  The references are scikit-learn's imputers and encoders, and forward passes of
the saved weights written out in NumPy with the imputation written out here.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule
from chainrule import _cli_models_report, _cli_models_train_run
from chainrule.cli import main

pd = pytest.importorskip("pandas")

COLORS = ["red", "blue", "green"]
NUMBERS, TEXT = ["x1", "x2", "x3"], ["color"]


def _frame(n: int, seed: int) -> dict[str, list]:
    """Columns x1 (gaps written "", "nan", "NA"), color (gaps ""), x2 (none), x3 (gaps
    "?"), y: y (2 classes) follows x1, the color and x2.  Cells as a CSV file writes
    them (strings)."""
    rng = np.random.default_rng(seed)
    x1, x2, x3 = rng.normal(2.0, 3.0, n).round(3), rng.normal(-1.0, 0.5, n).round(3), \
        rng.integers(0, 4, n).astype(float)
    color = [COLORS[i] for i in rng.integers(0, 3, n)]
    y = ["yes" if a + (c == "red") * 2 + b > 1.5 else "no"
         for a, c, b in zip(x1, color, x2, strict=True)]
    gaps = rng.random((n, 3))
    cells = {"x1": [("", "nan", "NA")[i % 3] if g < 0.25 else repr(float(v))
                    for i, (g, v) in enumerate(zip(gaps[:, 0], x1, strict=True))],
             "color": ["" if g < 0.2 else c for g, c in zip(gaps[:, 1], color, strict=True)],
             "x2": [repr(float(v)) for v in x2],
             "x3": ["?" if g < 0.15 else repr(float(v)) for g, v in zip(gaps[:, 2], x3,
                                                                          strict=True)],
             "y": y}
    return cells


def _write(path, frame: dict[str, list], rows=None) -> None:
    order = list(frame)
    n = len(frame["y"])
    rows = range(n) if rows is None else rows
    lines = [",".join(order)] + [",".join(frame[c][i] for c in order) for i in rows]
    path.write_text("\n".join(lines) + "\n")


def _dataframe(frame: dict[str, list], rows=None) -> pd.DataFrame:
    """The features as pandas reads them: NaN where a cell is missing."""
    n = len(frame["y"])
    rows = list(range(n)) if rows is None else list(rows)
    out = {}
    for c in [c for c in ["x1", "color", "x2", "x3"] if c in frame]:
        cells = [frame[c][i] for i in rows]
        if c in TEXT:
            out[c] = pd.Series([v if v else np.nan for v in cells], dtype=object)
        else:
            out[c] = [float(v) if v not in ("", "nan", "NA", "?") else np.nan for v in cells]
    return pd.DataFrame(out)


def _spy_prepare(monkeypatch) -> list:
    seen = []
    prepare = _cli_models_train_run.prepare

    def spy(*args, **kwargs):
        p = prepare(*args, **kwargs)
        seen.append(p)
        return p

    monkeypatch.setattr(_cli_models_train_run, "prepare", spy)
    return seen


def _reference_matrix(df: pd.DataFrame, strategy: str, indicator: bool,
                      fill: str | None) -> tuple[np.ndarray, list[str]]:
    """scikit-learn's ColumnTransformer: SimpleImputer + StandardScaler of the numbers,
    SimpleImputer + OneHotEncoder of the text (most_frequent under mean and median),
    and MissingIndicator of every column (left 0/1); with the output's names."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import MissingIndicator, SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    text_strategy = "constant" if strategy == "constant" else "most_frequent"
    number_fill = None if fill is None else float(fill)
    parts = [("num", make_pipeline(SimpleImputer(strategy=strategy, fill_value=number_fill),
                                   StandardScaler()), NUMBERS),
             ("cat", make_pipeline(SimpleImputer(strategy=text_strategy, fill_value=fill),
                                   OneHotEncoder(handle_unknown="error",
                                                 sparse_output=False)), TEXT)]
    if indicator:
        parts.append(("ind", MissingIndicator(features="missing-only"),
                      ["x1", "color", "x2", "x3"]))
    ct = ColumnTransformer(parts, verbose_feature_names_out=False)
    out = ct.fit_transform(df)
    names = [n.replace("color_", "color=") for n in ct.get_feature_names_out()]
    return np.asarray(out, dtype=np.float64), names


@pytest.mark.parametrize("indicator", [False, True])
@pytest.mark.parametrize("strategy, fill", [("mean", None), ("median", None),
                                            ("most_frequent", None), ("constant", None),
                                            ("constant", "7")])
def test_the_training_matrix_is_scikit_learns_pipeline(tmp_path, monkeypatch, strategy,
                                                        fill, indicator):
    frame = _frame(60, 1)
    _write(tmp_path / "d.csv", frame)
    seen = _spy_prepare(monkeypatch)
    extra = (["--missing-indicator"] if indicator else []) + (
        ["--fill-value", fill] if fill is not None else [])
    assert main(["train", str(tmp_path / "d.csv"), "--target", "y", "--impute", strategy,
                 *extra, "--epochs", "1", "--val-fraction", "0", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    (p,) = seen
    expected, names = _reference_matrix(_dataframe(frame), strategy, indicator, fill)
    ours = p.table.feature_names + [f"missingindicator_{c}"
                                    for c in p.meta["impute"]["indicators"]]
    assert sorted(ours) == sorted(names)
    if indicator:  # scikit-learn's names, after every other feature, in column order
        assert ours[-3:] == ["missingindicator_x1", "missingindicator_color",
                             "missingindicator_x3"]
    order = [names.index(n) for n in ours]
    np.testing.assert_allclose(p.X, expected[:, order], rtol=0, atol=1e-12)
    model = chainrule.load_model(tmp_path / "m.npz")
    assert model.metadata["impute"] == p.meta["impute"]
    assert model.n_features == len(p.table.feature_names)


def _forward(model_path, X: np.ndarray) -> np.ndarray:
    """The saved network (tanh hidden layer, softmax or sigmoid) on standardised X."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = chainrule.load(model_path)
    hidden, out = net.layers
    a = np.tanh(X @ hidden.W + hidden.b)
    z = a @ out.W + out.b
    p1 = 1.0 / (1.0 + np.exp(-z[:, 0]))
    return np.column_stack([1.0 - p1, p1])


def _mode(values: list[str]) -> str:
    counts = {v: values.count(v) for v in sorted(set(values))}
    return max(counts, key=lambda v: (counts[v], [-ord(ch) for ch in v]))


def test_predictions_of_missing_cells_are_a_forward_pass_of_the_filled_rows(tmp_path,
                                                                            capsys):
    frame = _frame(80, 2)
    train_rows, test_rows = range(60), range(60, 80)
    _write(tmp_path / "train.csv", frame, train_rows)
    _write(tmp_path / "test.csv", frame, test_rows)
    assert main(["train", str(tmp_path / "train.csv"), "--target", "y", "--impute",
                 "median", "--missing-indicator", "--hidden", "5", "--activation", "tanh",
                 "--epochs", "20", "--val-fraction", "0", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "test.csv"),
                 "--proba"]) == 0
    printed = capsys.readouterr().out.splitlines()
    cli = np.array([[float(v) for v in line.split(",")[1:]] for line in printed[1:]])

    # the imputation written out: the training rows' medians and most frequent color
    fit, test = _dataframe(frame, train_rows), _dataframe(frame, test_rows)
    indicators = [fit[c].isna().to_numpy() for c in ["x1", "color", "x3"]]
    test_indicators = [test[c].isna().to_numpy() for c in ["x1", "color", "x3"]]
    columns = []
    for c in ["x1", "color", "x2", "x3"]:
        if c == "color":
            seen = [v for v in fit[c] if isinstance(v, str)]
            top = _mode(seen)
            assert top == sorted(set(seen), key=lambda v: (-seen.count(v), v))[0]
            for part in (fit, test):
                part[c] = part[c].where(part[c].notna(), top)
            continue
        median = np.median(fit[c][fit[c].notna()].to_numpy())
        columns.append((c, median))
    for c, median in columns:
        fit[c], test[c] = fit[c].fillna(median), test[c].fillna(median)
    cats = sorted(set(fit["color"]))

    def encoded(part):
        onehot = [(part["color"] == k).to_numpy(float) for k in cats]
        return np.column_stack([part["x1"], *onehot, part["x2"], part["x3"]])

    Xfit, Xtest = encoded(fit), encoded(test)
    mean, std = Xfit.mean(axis=0), Xfit.std(axis=0)
    mean[1:4], std[1:4] = 0.0, 1.0  # the one-hot features stay 0/1
    Z = np.column_stack([(Xtest - mean) / std, *[v.astype(float) for v in test_indicators]])
    assert all(v.any() for v in indicators) and all(v.any() for v in test_indicators)
    expected = _forward(tmp_path / "m.npz", Z)
    np.testing.assert_allclose(cli, expected, rtol=0, atol=1e-12)

    # SavedModel: a DataFrame (NaN cells), a dict (None cells), encoded float rows
    model = chainrule.load_model(tmp_path / "m.npz")
    raw = _dataframe(frame, test_rows)
    np.testing.assert_array_equal(model.predict_proba(raw), cli)
    as_dict = {c: [None if (isinstance(v, float) and np.isnan(v)) else v for v in raw[c]]
               for c in raw.columns}
    np.testing.assert_array_equal(model.predict_proba(as_dict), cli)
    rows = model.encode(raw)
    assert np.isnan(rows).any() and rows.shape == (20, model.n_features)
    np.testing.assert_array_equal(model.predict_proba(rows), cli)
    assert list(model.predict(raw)) == [line.split(",")[0] for line in printed[1:]]


def test_a_model_without_impute_refuses_nan_as_before(tmp_path):
    frame = _frame(40, 3)
    frame["x1"] = [v if v not in ("", "nan", "NA") else "1.5" for v in frame["x1"]]
    frame["color"] = [v or "red" for v in frame["color"]]
    frame["x3"] = [v if v != "?" else "2.0" for v in frame["x3"]]
    _write(tmp_path / "d.csv", frame)
    assert main(["train", str(tmp_path / "d.csv"), "--target", "y", "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    model = chainrule.load_model(tmp_path / "m.npz")
    assert "impute" not in model.metadata
    X = model.encode(_dataframe(frame))
    X[2, 0] = np.nan
    with pytest.raises(ValueError, match=r"X row 2 \(from 0\), feature 0 \('x1'\): missing "
                       r"value \(NaN\)"):
        model.predict(X)


@pytest.mark.parametrize("strategy", ["mean", "constant"])
def test_each_cv_fold_fills_with_its_training_rows(tmp_path, capsys, monkeypatch, strategy):
    from sklearn.model_selection import StratifiedKFold

    frame = _frame(45, 4)
    frame["color"][3] = "purple"  # a category that one fold's training rows lack
    _write(tmp_path / "all.csv", frame)
    models = []
    evaluation = _cli_models_report._evaluation

    def spy(model, table, report=False, sample_weight=None):
        models.append(model)
        return evaluation(model, table, report, sample_weight)

    monkeypatch.setattr(_cli_models_report, "_evaluation", spy)
    options = ["--target", "y", "--impute", strategy, "--missing-indicator", "--hidden", "4",
               "--epochs", "5", "--seed", "2", "--val-fraction", "0"]
    capsys.readouterr()
    assert main(["cv", str(tmp_path / "all.csv"), *options, "--folds", "3", "--json",
                 "-q"]) == 0
    result = json.loads(capsys.readouterr().out)
    monkeypatch.setattr(_cli_models_report, "_evaluation", evaluation)
    df = _dataframe(frame)
    splits = StratifiedKFold(3, shuffle=True, random_state=2).split(df, frame["y"])
    for i, (model, (train, held)) in enumerate(zip(models, splits, strict=True)):
        fill = model.metadata["impute"]["fill"]
        fit = df.iloc[train]
        colors = [v for v in fit["color"] if isinstance(v, str)]
        if strategy == "mean":
            for c in NUMBERS:  # the fold's training rows' means, not those of every row
                assert fill[c] == pytest.approx(np.nanmean(fit[c].to_numpy(float)),
                                                abs=1e-12)
            assert fill["color"] == _mode(colors)
        else:
            assert fill == {"x1": 0.0, "color": "missing_value", "x2": 0.0, "x3": 0.0}
        # the fold's categories: its training rows' (and the fill), as train on them finds
        assert model.metadata["categories"]["color"] == sorted(
            set(colors) | ({"missing_value"} if strategy == "constant" else set()))
        # train + evaluate on the fold's own files: the same fill and the same scores
        _write(tmp_path / f"fit{i}.csv", frame, train)
        _write(tmp_path / f"test{i}.csv", frame, held)
        assert main(["train", str(tmp_path / f"fit{i}.csv"), *options, "-q",
                     "-o", str(tmp_path / f"m{i}.npz")]) == 0
        trained = chainrule.load_model(tmp_path / f"m{i}.npz")
        assert trained.metadata["impute"] == model.metadata["impute"]
        capsys.readouterr()
        assert main(["evaluate", str(tmp_path / f"m{i}.npz"), str(tmp_path / f"test{i}.csv"),
                     "--json", "--unknown-categories", "zeros"]) == 0
        scores = json.loads(capsys.readouterr().out)
        for key, value in scores.items():
            if key not in ("brier", "ece", "calibration"):  # evaluate's alone
                assert result["per_fold"][i][key] == value, (i, key)
    if strategy == "mean":
        means = [m.metadata["impute"]["fill"]["x1"] for m in models]
        assert max(means) - min(means) > 1e-3  # the folds' statistics differ
    assert any("purple" not in m.metadata["categories"]["color"] for m in models)


def test_weighted_statistics_are_scikit_learns_helpers(tmp_path, monkeypatch):
    from sklearn.utils.extmath import weighted_mode
    from sklearn.utils.stats import _weighted_percentile

    frame = _frame(50, 5)
    rng = np.random.default_rng(9)
    frame = {"w": [repr(float(v)) for v in rng.integers(1, 6, 50) * 0.5], **frame}
    _write(tmp_path / "d.csv", frame)
    df = _dataframe(frame)
    w = np.array([float(v) for v in frame["w"]])
    fills = {}
    for strategy in ("mean", "median", "most_frequent"):
        assert main(["train", str(tmp_path / "d.csv"), "--target", "y", "--sample-weight",
                     "w", "--impute", strategy, "--epochs", "1", "--val-fraction", "0",
                     "-q", "-o", str(tmp_path / "m.npz")]) == 0
        fills[strategy] = chainrule.load_model(tmp_path / "m.npz").metadata["impute"]["fill"]
    for c in NUMBERS:
        seen = df[c].notna().to_numpy()
        values, weights = df[c].to_numpy(float)[seen], w[seen]
        assert fills["mean"][c] == pytest.approx(np.average(values, weights=weights),
                                                 abs=1e-12)
        assert fills["median"][c] == float(_weighted_percentile(values, weights, 50,
                                                                average=True))
        assert fills["most_frequent"][c] == float(weighted_mode(values, weights)[0][0])
    seen = df["color"].notna().to_numpy()
    codes = np.array([COLORS.index(v) for v in df["color"][seen]], dtype=float)
    top = COLORS[int(weighted_mode(codes, w[seen])[0][0])]
    total = {k: w[seen][codes == COLORS.index(k)].sum() for k in COLORS}
    assert total[top] == max(total.values())
    assert {fills[s]["color"] for s in fills} == {top}


def test_the_weighted_median_of_ties_and_zero_weights_is_the_helpers():
    from sklearn.utils.stats import _weighted_percentile

    from chainrule._impute import weighted_median

    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 9))
        values = rng.integers(0, 4, n).astype(float)
        weights = rng.integers(0, 3, n).astype(float)
        if not weights.sum():
            weights[0] = 1.0
        assert weighted_median(values, weights) == float(
            _weighted_percentile(values, weights, 50, average=True)), (values, weights)


def test_the_weighted_median_of_equal_weights_is_np_median():
    """The weighted median was the inverted CDF at one half, the lower middle value of an
    even count: 1, 2, 3, 10 all of weight 1 filled 2 under --sample-weight and np.median's
    2.5 without, the same data giving two fills.  The averaged inverted CDF gives
    np.median for equal weights, and for integer weights the median of the rows repeated."""
    from chainrule._impute import weighted_median

    assert weighted_median(np.array([10.0, 1, 3, 2]), np.ones(4)) == 2.5
    rng = np.random.default_rng(1)
    for _ in range(300):
        n = int(rng.integers(1, 12))
        values = rng.normal(size=n).round(1)
        for scale in (1.0, 0.25, 3.0):  # equal weights of any size
            assert weighted_median(values, np.full(n, scale)) == np.median(values)
        weights = rng.integers(0, 4, n)
        if not weights.sum():
            weights[-1] = 2
        repeated = np.repeat(values, weights)
        assert weighted_median(values, weights.astype(float)) == np.median(repeated), (
            values, weights)


def test_impute_median_of_unit_sample_weights_fills_as_without(tmp_path):
    rows = ["a,w,y", "1,1,0", "2,1,1", "3,1,0", "10,1,1", ",1,0", "4,1,1", "0,1,0"]
    (tmp_path / "w.csv").write_text("\n".join(rows) + "\n")
    seen = np.array([1.0, 2, 3, 10, 4, 0])
    fills = []
    for weight in ([], ["--sample-weight", "w"]):
        assert main(["train", str(tmp_path / "w.csv"), "--features", "a", "--impute",
                     "median", "--epochs", "1", "-q", "-o", str(tmp_path / "m.npz"),
                     *weight]) == 0
        fills.append(chainrule.load_model(tmp_path / "m.npz").metadata["impute"]["fill"])
    assert fills[0] == fills[1] == {"a": float(np.median(seen))} == {"a": 2.5}


def _fails(capsys, argv) -> str:
    capsys.readouterr()
    assert main(argv) != 0
    return capsys.readouterr().err


def test_missing_cells_without_impute_are_named_with_the_option(tmp_path, capsys):
    (tmp_path / "a.csv").write_text("a,b,y\n1,,0\n2,3,1\n")
    (tmp_path / "b.csv").write_text("a,b,y\n1,4,0\n2,nan,1\n")
    (tmp_path / "c.csv").write_text("a,c,y\n1,x,0\n2,,1\n")
    (tmp_path / "d.csv").write_text("a,b,y\n1,4,0\n2,NA,1\n")
    assert ("a.csv line 2, column 'b': missing value (give --impute to fill it)"
            in _fails(capsys, ["train", str(tmp_path / "a.csv")]))
    assert ("b.csv line 3, column 'b': missing value ('nan') (give --impute to fill it)"
            in _fails(capsys, ["train", str(tmp_path / "b.csv")]))
    assert ("c.csv line 3, column 'c': missing value (give --impute to fill it)"
            in _fails(capsys, ["train", str(tmp_path / "c.csv")]))
    assert ("d.csv line 3, column 'b': missing value (written 'NA') (give --impute to fill "
            "it)" in _fails(capsys, ["train", str(tmp_path / "d.csv")]))
    np.savez(tmp_path / "e.npz", X=np.array([[1.0, np.nan], [2.0, 3.0]]), y=[0, 1])
    assert ("e.npz: X[0, 1]: missing value (NaN) (give --impute to fill it)"
            in _fails(capsys, ["train", str(tmp_path / "e.npz")]))


def test_refusals_name_the_column_or_option(tmp_path, capsys):
    (tmp_path / "a.csv").write_text("a,b,y\n1,,0\n2,,1\n3,,1\n")
    err = _fails(capsys, ["train", str(tmp_path / "a.csv"), "--impute", "mean"])
    assert "a.csv: column 'b': every training row's cell is missing" in err
    assert "--impute mean has no value to fill it" in err
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["train", str(tmp_path / "a.csv"), "--impute", "bogus"])
    assert "argument --impute: invalid choice: 'bogus'" in capsys.readouterr().err
    assert ("--fill-value: fills missing cells with --impute, which is not given"
            in _fails(capsys, ["train", str(tmp_path / "a.csv"), "--fill-value", "3"]))
    # the indicator fills nothing: it marks the cells that --impute fills
    assert ("--missing-indicator: marks the missing cells filled with --impute, which is "
            "not given; give --impute STRATEGY too"
            in _fails(capsys, ["train", str(tmp_path / "a.csv"), "--missing-indicator"]))
    assert ("--fill-value 3: the fill of --impute constant"
            in _fails(capsys, ["train", str(tmp_path / "a.csv"), "--impute", "median",
                               "--fill-value", "3"]))
    assert ("--fill-value 'x': the column of numbers 'a' is filled with it under --impute "
            "constant, so it must be a finite number"
            in _fails(capsys, ["train", str(tmp_path / "a.csv"), "--impute", "constant",
                               "--fill-value", "x"]))
    # constant: an all-missing column is filled (SimpleImputer keeps it too)
    assert main(["train", str(tmp_path / "a.csv"), "--impute", "constant", "--epochs", "1",
                 "-q", "-o", str(tmp_path / "m.npz")]) == 0
    model = chainrule.load_model(tmp_path / "m.npz")
    assert model.metadata["impute"]["fill"] == {"a": 0.0, "b": 0.0}


def test_an_npz_nan_and_val_data_are_filled_with_the_training_statistics(tmp_path, capsys,
                                                                         monkeypatch):
    X = np.array([[1.0, 2.0], [np.nan, 4.0], [3.0, np.nan], [5.0, 8.0], [7.0, 1.0]])
    y = ["a", "b", "a", "b", "b"]
    np.savez(tmp_path / "d.npz", X=X, y=np.array(y), feature_names=np.array(["p", "q"]))
    (tmp_path / "d.csv").write_text("p,q,y\n" + "".join(
        f"{'' if np.isnan(r[0]) else r[0]},{'nan' if np.isnan(r[1]) else r[1]},{t}\n"
        for r, t in zip(X, y, strict=True)))
    (tmp_path / "v.csv").write_text("p,q,y\n,1,a\n2,,b\n")
    seen = _spy_prepare(monkeypatch)
    assert main(["train", str(tmp_path / "d.npz"), "--impute", "mean", "--epochs", "1",
                 "-q", "--val-fraction", "0", "-o", str(tmp_path / "n.npz")]) == 0
    assert main(["train", str(tmp_path / "d.csv"), "--impute", "mean", "--val-data",
                 str(tmp_path / "v.csv"), "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    npz, p = seen
    assert npz.meta["impute"] == p.meta["impute"]
    np.testing.assert_array_equal(npz.X, p.X[:5])
    fill = {"p": np.nanmean(X[:, 0]), "q": np.nanmean(X[:, 1])}
    assert p.meta["impute"]["fill"] == pytest.approx(fill, abs=1e-12)
    filled = np.where(np.isnan(X), [fill["p"], fill["q"]], X)
    val = np.array([[fill["p"], 1.0], [2.0, fill["q"]]])
    mean, std = filled.mean(axis=0), filled.std(axis=0)
    np.testing.assert_allclose(p.X, (np.vstack([filled, val]) - mean) / std, atol=1e-12)


def test_info_lists_the_fill_and_resume_refuses_another_strategy(tmp_path, capsys):
    _write(tmp_path / "d.csv", _frame(40, 6))
    base = ["train", str(tmp_path / "d.csv"), "--target", "y", "--missing-indicator", "-q",
            "--checkpoint", str(tmp_path / "run.npz"), "-o", str(tmp_path / "m.npz")]
    assert main([*base, "--epochs", "2", "--impute", "most_frequent"]) == 0
    capsys.readouterr()
    assert main(["info", str(tmp_path / "m.npz")]) == 0
    out = capsys.readouterr().out
    assert "missing cells filled (--impute most_frequent): x1 " in out
    assert ("missing indicators (3, 0/1): missingindicator_x1, missingindicator_color, "
            "missingindicator_x3") in out
    err = _fails(capsys, [*base, "--epochs", "4", "--impute", "median", "--resume"])
    assert ("--impute: the run in" in err and "was started with --impute most_frequent, "
            "got --impute median" in err)
    assert main([*base, "--epochs", "4", "--impute", "most_frequent", "--resume"]) == 0


def test_importance_shuffles_the_raw_column_then_fills_it(tmp_path, capsys):
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.inspection import permutation_importance

    frame = _frame(60, 7)
    del frame["color"]
    _write(tmp_path / "d.csv", frame)
    assert main(["train", str(tmp_path / "d.csv"), "--target", "y", "--impute", "mean",
                 "--missing-indicator", "--hidden", "5", "--activation", "tanh", "--epochs",
                 "30", "--val-fraction", "0", "-q", "-o", str(tmp_path / "m.npz")]) == 0
    capsys.readouterr()
    assert main(["importance", str(tmp_path / "m.npz"), str(tmp_path / "d.csv"),
                 "--scoring", "log_loss", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    df = _dataframe(frame)
    X = df.to_numpy(float)  # NaN where missing, as read
    means = np.nanmean(X, axis=0)
    filled = np.where(np.isnan(X), means, X)
    mean, std = filled.mean(axis=0), filled.std(axis=0)
    gaps = [j for j in range(3) if np.isnan(X[:, j]).any()]
    path = tmp_path / "m.npz"

    class Written(ClassifierMixin, BaseEstimator):
        """The model with the imputation written out: the training means, then the
        standardisation, the indicators appended, a NumPy forward pass."""

        classes_ = np.array(["no", "yes"])

        def fit(self, X, y):
            return self

        def predict_proba(self, Xr):
            Xr = np.asarray(Xr, dtype=float)
            Z = (np.where(np.isnan(Xr), means, Xr) - mean) / std
            return _forward(path, np.column_stack([Z, np.isnan(Xr[:, gaps])]))

    ref = permutation_importance(Written().fit(X, frame["y"]), X, np.array(frame["y"]),
                                 scoring="neg_log_loss", n_repeats=5, random_state=0)
    by_name = {f["feature"]: f for f in result["features"]}
    for j, name in enumerate(["x1", "x2", "x3"]):
        # log loss is lower-better: the importance is the rise of the loss, as sklearn's
        # drop of its negative
        np.testing.assert_allclose(by_name[name]["importances"], ref.importances[j],
                                   rtol=0, atol=1e-12)


def test_a_damaged_impute_record_is_refused_and_old_files_are_unchanged(tmp_path):
    frame = _frame(30, 8)
    _write(tmp_path / "d.csv", frame)
    assert main(["train", str(tmp_path / "d.csv"), "--target", "y", "--impute", "mean",
                 "--missing-indicator", "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    model = chainrule.load_model(tmp_path / "m.npz")
    # the network takes the 6 features read and the 3 indicators; X the 6 features
    assert model.network.n_inputs == 9 and model.n_features == 6
    assert len(model.metadata["x_mean"]) == 9
    assert model.metadata["x_mean"][6:] == [0.0] * 3
    assert model.metadata["x_scale"][6:] == [1.0] * 3
    for damage, words in [({"fill": {"x1": 1.0}}, "impute: fill: expected a value for each "
                           "column read"),
                          ({"indicators": ["nope"]}, "impute: indicators: expected distinct "
                           "columns of the model"),
                          ({"strategy": "mode"}, "impute: expected a JSON object with a "
                           "strategy")]:
        meta = {k: v for k, v in model.metadata.items() if k != "kind"}
        meta["impute"] = {**meta["impute"], **damage}
        broken = chainrule.saved_model.SavedModel(model.network, meta)
        broken.save(tmp_path / "b.npz")
        with pytest.raises(ValueError, match=re_escape(words)):
            chainrule.load_model(tmp_path / "b.npz")


def re_escape(text: str) -> str:
    import re

    return re.escape(text)
