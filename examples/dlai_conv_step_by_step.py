"""deeplearning.ai, course 4 week 1, "Convolution model - Step by Step", in chainrule: every
test case of the notebook computed by chainrule's Conv2D, MaxPool2D and AvgPool2D.

    python examples/dlai_conv_step_by_step.py                 # the 2021 release's figures
    python examples/dlai_conv_step_by_step.py --release all   # v2, v2a and 2021
    (--out dlai_conv_step_by_step.png: each figure's difference from the published one)

Releases: "v2" ("Convolution model - Step by Step - v2", 2017-2018: conv_forward on A_prev
(10, 4, 4, 3), pad 2, stride 2; pool_forward on (2, 4, 4, 3)), "v2a"
("Convolution_model_Step_by_Step_v2a": A_prev (10, 5, 7, 4), pad 1, stride 2, pool_forward
with stride 1 and 2 on (2, 5, 5, 3)) and "2021" ("Convolution_model_Step_by_Step_v1", W1A1
with public_tests: zero_pad with pad 3, A_prev (2, 5, 7, 4), the same pool cases printed in
part).  conv_backward (on v2's conv_forward case, dZ = Z) and pool_backward are the same
case in every release.

Layouts.  The course keeps images as (m, n_H, n_W, n_C) (NHWC) and kernels as (f, f,
n_C_prev, n_C); chainrule's layers take (m, channels, height, width) (NCHW) and kernels
(out_channels, in_channels, kh, kw): ``A_prev.transpose(0, 3, 1, 2)`` in, ``.transpose(0,
2, 3, 1)`` out, ``W.transpose(3, 2, 0, 1)`` for the kernels (:func:`nchw`, :func:`nhwc`,
:func:`kernels`).  Both compute a cross-correlation, ``Z[i, h, w, c] = sum(a_slice *
W[..., c]) + b[c]``, no kernel flip: the course's "convolution" is chainrule's Conv2D as it
stands.  The course's gradients are sums over the batch (``dW += a_slice * dZ``), and so
are a layer's ``dW``, ``db`` and input gradient for the ``grad_out`` given to
``backward`` (chainrule's 1/m comes from the loss, which is not used here).

What chainrule has no function for: ``zero_pad`` (Conv2D pads inside; a 1x1 convolution
with identity kernels and ``padding=pad`` shows that padding as its output: :func:`zero_pad`),
``create_mask_from_window`` and ``distribute_value`` (they are the backward passes of one
max or average pooling window: :func:`create_mask_from_window`, :func:`distribute_value`).
On ties the course's mask marks every maximum, MaxPool2D sends the gradient to the first
one (PyTorch's rule); the test cases have no ties.
"""

from __future__ import annotations

import argparse
import re

import numpy as np

from chainrule import AvgPool2D, Conv2D, MaxPool2D

RELEASES = ("v2", "v2a", "2021")
_X11 = "[[0.90085595 -0.68372786] [-0.12289023 -0.93576943] [-0.26788808 0.53035547]]"
_CACHE_NEW = "[-1.1191154 1.9560789 -0.3264995 -1.34267579]"
# v2a's pool_forward, case 1 (stride 1) and case 2 (stride 2), f = 3, A_prev (2, 5, 5, 3)
_MAX_S1 = """[[[[1.74481176 0.90159072 1.65980218] [1.74481176 1.46210794 1.65980218]
 [1.74481176 1.6924546 1.65980218]] [[1.14472371 0.90159072 2.10025514]
 [1.14472371 0.90159072 1.65980218] [1.14472371 1.6924546 1.65980218]]
 [[1.13162939 1.51981682 2.18557541] [1.13162939 1.51981682 2.18557541]
 [1.13162939 1.6924546 2.18557541]]] [[[1.19891788 0.84616065 0.82797464]
 [0.69803203 0.84616065 1.2245077] [0.69803203 1.12141771 1.2245077]]
 [[1.96710175 0.84616065 1.27375593] [1.96710175 0.84616065 1.23616403]
 [1.62765075 1.12141771 1.2245077]] [[1.96710175 0.86888616 1.27375593]
 [1.96710175 0.86888616 1.23616403] [1.62765075 1.12141771 0.79280687]]]]"""
_AVG_S1 = """[[[[-3.01046719e-02 -3.24021315e-03 -3.36298859e-01]
 [1.43310483e-01 1.93146751e-01 -4.44905196e-01] [1.28934436e-01 2.22428468e-01 1.25067597e-01]]
 [[-3.81801899e-01 1.59993515e-02 1.70562706e-01] [4.73707165e-02 2.59244658e-02 9.20338402e-02]
 [3.97048605e-02 1.57189094e-01 3.45302489e-01]] [[-3.82680519e-01 2.32579951e-01 6.25997903e-01]
 [-2.47157416e-01 -3.48524998e-04 3.50539717e-01] [-9.52551510e-02 2.68511000e-01 4.66056368e-01]]]
 [[[-1.73134159e-01 3.23771981e-01 -3.43175716e-01] [3.80634669e-02 7.26706274e-02 -2.30268958e-01]
 [2.03009393e-02 1.41414785e-01 -1.23158476e-02]] [[4.44976963e-01 -2.61694592e-03 -3.10403073e-01]
 [5.08114737e-01 -2.34937338e-01 -2.39611830e-01] [1.18726772e-01 1.72552294e-01 -2.21121966e-01]]
 [[4.29449255e-01 8.44699612e-02 -2.72909051e-01] [6.76351685e-01 -1.20138225e-01 -2.44076712e-01]
 [1.50774518e-01 2.89111751e-01 1.23238536e-03]]]]"""
_MAX_S2_0 = """[[[1.74481176 0.90159072 1.65980218] [1.74481176 1.6924546 1.65980218]]
 [[1.13162939 1.51981682 2.18557541] [1.13162939 1.6924546 2.18557541]]]"""
_MAX_S2_1 = """[[[1.19891788 0.84616065 0.82797464] [0.69803203 1.12141771 1.2245077]]
 [[1.96710175 0.86888616 1.27375593] [1.62765075 1.12141771 0.79280687]]]"""
_AVG_S2_0 = """[[[-0.03010467 -0.00324021 -0.33629886] [0.12893444 0.22242847 0.1250676]]
 [[-0.38268052 0.23257995 0.6259979] [-0.09525515 0.268511 0.46605637]]]"""
_AVG_S2_1 = """[[[-0.17313416 0.32377198 -0.34317572] [0.02030094 0.14141479 -0.01231585]]
 [[0.42944926 0.08446996 -0.27290905] [0.15077452 0.28911175 0.00123239]]]"""
_MAX_S1_11 = ("[[1.96710175 0.84616065 1.27375593] [1.96710175 0.84616065 1.23616403] "
              "[1.62765075 1.12141771 1.2245077]]")
_AVG_S1_11 = ("[[0.44497696 -0.00261695 -0.31040307] [0.50811474 -0.23493734 -0.23961183] "
              "[0.11872677 0.17255229 -0.22112197]]")
_COMMON = {  # the same case and figures in every release
    "conv_backward": {"dA_mean": "1.45243777754", "dW_mean": "1.72699145831",
                      "db_mean": "7.83923256462"},
    "create_mask_from_window": {"mask": "[[1 0 0] [0 0 0]]"},
    "distribute_value": {"distributed value": "[[0.5 0.5] [0.5 0.5]]"},
    "pool_backward": {"mean of dA": "0.145713902729",
                      "max dA_prev[1,1]": "[[0. 0.] [5.05844394 -1.68282702] [0. 0.]]",
                      "average dA_prev[1,1]": "[[0.08485462 0.2787552] [1.26461098 -0.25749373] "
                                              "[1.17975636 -0.53624893]]"}}


def published(release: str) -> dict[str, dict[str, str]]:
    """The figures a release prints, as printed, ``{function: {name: text}}`` (NHWC)."""
    pad = 3 if release == "2021" else 2
    out = {"zero_pad": {"x.shape": "(4, 3, 3, 2)", "x_pad.shape": f"(4, {3 + 2 * pad}, "
                        f"{3 + 2 * pad}, 2)", "x[1,1]": _X11,
                        "x_pad[1,1]": "[" + " ".join(["[0. 0.]"] * (3 + 2 * pad)) + "]"},
           "conv_single_step": {"Z": "-6.999089450680221" if release == "2021"
                                else "-6.99908945068"}}
    if release == "v2":
        out["conv_forward"] = {
            "Z's mean": "0.0489952035289", "cache_conv[0][1][2][3]":
            "[-0.20075807 0.18656139 0.41005165]", "Z[3,2,1]": "[-0.61490741 -6.7439236 "
            "-2.55153897 1.75698377 3.56208902 0.53036437 5.18531798 8.75898442]"}
        out["pool_forward"] = {
            "max A": "[[[[1.74481176 0.86540763 1.13376944]]] [[[1.13162939 1.51981682 "
                     "2.18557541]]]]",
            "average A": "[[[[0.02105773 -0.20328806 -0.40389855]]] [[[-0.22154621 "
                         "0.51716526 0.48155844]]]]"}
    elif release == "v2a":
        out["conv_forward"] = {
            "Z's mean": "0.692360880758", "cache_conv[0][1][2][3]": _CACHE_NEW,
            "Z[3,2,1]": "[-1.28912231 2.27650251 6.61941931 0.95527176 8.25132576 "
                        "2.31329639 13.00689405 2.34576051]"}
        out["pool_forward"] = {"stride 1 max A": _MAX_S1, "stride 1 average A": _AVG_S1,
                               "stride 2 max A": f"[{_MAX_S2_0} {_MAX_S2_1}]",
                               "stride 2 average A": f"[{_AVG_S2_0} {_AVG_S2_1}]"}
    else:
        out["conv_forward"] = {
            "Z's mean": "0.5511276474566768", "cache_conv[0][1][2][3]": _CACHE_NEW,
            "Z[0,2,1]": "[-2.17796037 8.07171329 -0.5772704 3.36286738 4.48113645 "
                        "-2.89198428 10.99288867 3.03171932]"}
        out["pool_forward"] = {"stride 1 max A[1, 1]": _MAX_S1_11,
                               "stride 1 average A[1, 1]": _AVG_S1_11,
                               "stride 2 max A[0]": _MAX_S2_0,
                               "stride 2 average A[1]": _AVG_S2_1}
    out.update(_COMMON)
    return out


def printed(text: str) -> tuple[np.ndarray, np.ndarray]:
    """A printed number or array as floats, and half a unit of each one's last digit
    (``1.45243777754``: 5e-12; ``-3.01046719e-02``: 5e-11; ``0.5`` or ``0.`` in a NumPy
    array, which prints 8 decimals and drops trailing zeros: 5e-9; an integer: 0)."""
    values, halves = [], []
    for tok in re.findall(r"-?\d+\.?\d*(?:e[-+]\d+)?", text):
        mantissa, _, exp = tok.partition("e")
        decimals = len(mantissa.partition(".")[2])
        if "." not in mantissa:
            half = 0.0
        elif exp:
            half = 0.5 * 10.0 ** (int(exp) - decimals)
        else:
            half = 0.5 * 10.0 ** -max(decimals, 8)
        values.append(float(tok))
        halves.append(half)
    return np.array(values), np.array(halves)


def draws(seed: int, *shapes: tuple[int, ...]) -> list[np.ndarray]:
    """``np.random.seed(seed)``, then one ``randn(*shape)`` per shape, in order."""
    rs = np.random.RandomState(seed)
    return [rs.randn(*shape) for shape in shapes]


def nchw(a: np.ndarray) -> np.ndarray:
    """The course's (m, n_H, n_W, n_C) images as chainrule's (m, n_C, n_H, n_W)."""
    return a.transpose(0, 3, 1, 2)


def nhwc(a: np.ndarray) -> np.ndarray:
    """chainrule's (m, C, H, W) back in the course's (m, H, W, C)."""
    return a.transpose(0, 2, 3, 1)


def kernels(W: np.ndarray) -> np.ndarray:
    """The course's (f, f, n_C_prev, n_C) as chainrule's (n_C, n_C_prev, f, f)."""
    return W.transpose(3, 2, 0, 1)


def conv_layer(W: np.ndarray, b: np.ndarray, stride: int, pad: int) -> Conv2D:
    """``Z = conv(A_prev, W) + b`` as the course's ``conv_forward`` (no activation)."""
    f, _, c_in, c_out = W.shape
    layer = Conv2D(c_in, c_out, f, stride=stride, padding=pad, activation="identity",
                   init=kernels(W))
    layer.b = b.ravel()
    return layer


def zero_pad(release: str) -> dict[str, object]:
    """A 1x1 identity convolution with ``padding=pad``: its output is the zero-padded image."""
    (x,) = draws(1, (4, 3, 3, 2))
    pad = 3 if release == "2021" else 2
    eye = np.eye(2)[:, :, None, None]  # kernel (c_out, c_in, 1, 1): channel c to c
    layer = Conv2D(2, 2, 1, padding=pad, activation="identity", init=eye, bias=False)
    x_pad = nhwc(layer.forward(nchw(x)))
    return {"x.shape": x.shape, "x_pad.shape": x_pad.shape, "x[1,1]": x[1, 1],
            "x_pad[1,1]": x_pad[1, 1]}


def conv_single_step() -> dict[str, object]:
    """One window: a Conv2D whose kernel covers the whole (f, f, n_C_prev) slice."""
    a_slice_prev, W, b = draws(1, (4, 4, 3), (4, 4, 3), (1, 1, 1))
    layer = conv_layer(W[..., None], b, 1, 0)
    return {"Z": float(layer.forward(nchw(a_slice_prev[None]))[0, 0, 0, 0])}


def conv_forward(release: str) -> dict[str, object]:
    shape = {"v2": (10, 4, 4, 3), "v2a": (10, 5, 7, 4), "2021": (2, 5, 7, 4)}[release]
    f, pad = (2, 2) if release == "v2" else (3, 1)
    A_prev, W, b = draws(1, shape, (f, f, shape[3], 8), (1, 1, 1, 8))
    layer = conv_layer(W, b, 2, pad)
    Z = nhwc(layer.forward(nchw(A_prev)))
    where = "Z[0,2,1]" if release == "2021" else "Z[3,2,1]"
    # the course's cache holds A_prev; the layer keeps its input as X (NCHW)
    return {"Z's mean": float(np.mean(Z)), where: Z[0 if release == "2021" else 3, 2, 1],
            "cache_conv[0][1][2][3]": layer.X[1, :, 2, 3]}


def pool(A_prev: np.ndarray, f: int, stride: int, mode: str) -> np.ndarray:
    layer = (MaxPool2D if mode == "max" else AvgPool2D)(f, stride=stride)
    return nhwc(layer.forward(nchw(A_prev)))


def pool_forward(release: str) -> dict[str, object]:
    if release == "v2":
        (A_prev,) = draws(1, (2, 4, 4, 3))
        return {f"{m} A": pool(A_prev, 3, 2, m) for m in ("max", "average")}
    (A_prev,) = draws(1, (2, 5, 5, 3))
    out = {f"stride {s} {m} A": pool(A_prev, 3, s, m) for s in (1, 2) for m in ("max", "average")}
    if release == "2021":  # it prints parts of the same arrays
        out = {"stride 1 max A[1, 1]": out["stride 1 max A"][1, 1],
               "stride 1 average A[1, 1]": out["stride 1 average A"][1, 1],
               "stride 2 max A[0]": out["stride 2 max A"][0],
               "stride 2 average A[1]": out["stride 2 average A"][1]}
    return out


def conv_backward() -> dict[str, object]:
    """v2's conv_forward case, then ``backward(dZ)`` with the course's ``dZ = Z``."""
    A_prev, W, b = draws(1, (10, 4, 4, 3), (2, 2, 3, 8), (1, 1, 1, 8))
    layer = conv_layer(W, b, 2, 2)
    Z = layer.forward(nchw(A_prev))
    dA = layer.backward(Z)  # identity activation: grad_out is dZ; the sums over the batch
    return {"dA_mean": float(np.mean(dA)), "dW_mean": float(np.mean(layer.dW)),
            "db_mean": float(np.mean(layer.db))}


def create_mask_from_window() -> dict[str, object]:
    """The backward pass of one max pooling window as large as ``x``, from a gradient of 1."""
    (x,) = draws(1, (2, 3))
    layer = MaxPool2D(x.shape)
    layer.forward(x[None, None])
    return {"mask": layer.backward(np.ones((1, 1, 1, 1)))[0, 0]}


def distribute_value(dz: float = 2.0, shape: tuple[int, int] = (2, 2)) -> dict[str, object]:
    """The backward pass of one average pooling window of ``shape`` from the gradient ``dz``."""
    layer = AvgPool2D(shape)
    layer.forward(np.zeros((1, 1, *shape)))
    return {"distributed value": layer.backward(np.full((1, 1, 1, 1), dz))[0, 0]}


def pool_backward() -> dict[str, object]:
    """f = 2, stride 1 (overlapping windows) on A_prev (5, 5, 3, 2), dA (5, 4, 2, 2)."""
    rs = np.random.RandomState(1)
    A_prev = rs.randn(5, 5, 3, 2)
    dA = rs.randn(5, 4, 2, 2)
    out: dict[str, object] = {"mean of dA": float(np.mean(dA))}
    for mode, layer in (("max", MaxPool2D(2, stride=1)), ("average", AvgPool2D(2, stride=1))):
        layer.forward(nchw(A_prev))
        out[f"{mode} dA_prev[1,1]"] = nhwc(layer.backward(nchw(dA)))[1, 1]
    return out


def computed(release: str) -> dict[str, dict[str, object]]:
    """chainrule's figures for the release's test cases (the keys of :func:`published`)."""
    return {"zero_pad": zero_pad(release), "conv_single_step": conv_single_step(),
            "conv_forward": conv_forward(release), "pool_forward": pool_forward(release),
            "conv_backward": conv_backward(), "create_mask_from_window": create_mask_from_window(),
            "distribute_value": distribute_value(), "pool_backward": pool_backward()}


def differences(release: str) -> dict[tuple[str, str], tuple[float, float]]:
    """``{(function, name): (largest |chainrule - published|, largest difference in units
    of the last printed digit)}`` (within the print's rounding: at most 0.5)."""
    got, ref = computed(release), published(release)
    out = {}
    for fn, figures in ref.items():
        for name, text in figures.items():
            values, halves = printed(text)
            mine = np.asarray(got[fn][name], dtype=float).ravel()
            if mine.shape != values.shape:
                raise ValueError(f"{fn} {name}: {mine.size} numbers, {values.size} published")
            d = np.abs(mine - values)
            units = np.where(halves > 0, d / np.where(halves > 0, 2 * halves, 1),
                             np.where(d > 0, np.inf, 0.0))
            out[fn, name] = (float(d.max()), float(units.max()))
    return out


def main() -> dict[str, dict[tuple[str, str], tuple[float, float]]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", choices=(*RELEASES, "all"), default="2021")
    parser.add_argument("--out", default="dlai_conv_step_by_step.png")
    args = parser.parse_args()
    out = {}
    for release in RELEASES if args.release == "all" else (args.release,):
        got, ref, diff = computed(release), published(release), differences(release)
        print(f"--- {release} release ---")
        for fn, figures in ref.items():
            for name, text in figures.items():
                mine = got[fn][name]
                shown = (mine if np.ndim(mine) == 0 or isinstance(mine, tuple)
                         else np.round(np.asarray(mine, dtype=float), 8).tolist())
                d, units = diff[fn, name]
                print(f"{fn}: {name} = {shown}\n    published {' '.join(text.split())}\n"
                      f"    largest difference {d:.1e} ({units:.2g} units of the last digit)")
        out[release] = diff
    print(f"picture written to {plot(out, args.out)}")
    return out


def plot(out: dict[str, dict[tuple[str, str], tuple[float, float]]], path: str) -> str:
    """Each figure's largest difference, in units of its last printed digit."""
    from matplotlib.figure import Figure

    labels = list(dict.fromkeys(f"{fn}: {name}" for diff in out.values() for fn, name in diff))
    fig = Figure(figsize=(8.4, 0.24 * len(labels) + 1.2), dpi=80, layout="constrained")
    ax = fig.subplots()
    for k, (release, diff) in enumerate(out.items()):
        rows = [labels.index(f"{fn}: {name}") for fn, name in diff]
        units = [u for _, u in diff.values()]
        ax.semilogx(np.maximum(units, 1e-9), np.array(rows) + 0.2 * (k - 1), "o", ms=4,
                    color=f"C{k}", label=release)
    ax.axvline(0.5, color="0.5", ls="--", lw=1)
    ax.text(0.5, -0.9, " half a unit", fontsize=7, color="0.4")
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set(xlim=(1e-10, 10), ylim=(len(labels) - 0.5, -1.2),
           xlabel="largest |chainrule - published|, in units of the last printed digit "
                  "(0 drawn at 1e-9)",
           title="Convolution model - Step by Step, in chainrule")
    ax.legend(fontsize=8, loc="lower left")
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
