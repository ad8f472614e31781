"""Benchmark workloads, each written once against the NumPy-like ``xp`` namespace, with a size
parameter swept from small to large.

Each workload is a :class:`~harness.cases.Case` factory: at a given size it yields a loss function
and seeded inputs, so the correctness machinery (reference, parity) verifies its gradients before
anything is timed. Sizes are per profile: ``quick`` covers every workload at two sizes, ``full``
sweeps the AD-benchmark sizes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from harness.cases import Case, const, source
from harness.domains import Domain, normal, uniform
from harness.frameworks.registry import FRAMEWORKS, TORCH


def logsumexp(xp, a, axis):
    """Stable log-sum-exp over ``axis`` (keeps no dims), in neutral ops."""
    top = xp.max(a, axis=axis, keepdims=True)
    return xp.log(xp.sum(xp.exp(a - top), axis=axis)) + xp.squeeze(top, axis=axis)


# -- the linear model and the MLP --------------------------------------------------------------------

def linear_mse(xp, x, t, w, b):
    return xp.mean((x @ w + b - t) ** 2)


def mlp_loss(xp, x, t, w1, b1, w2, b2, w3, b3):
    h = xp.tanh(x @ w1 + b1)
    h = xp.tanh(h @ w2 + b2)
    return xp.mean((h @ w3 + b3 - t) ** 2)


def linear_case(batch: int) -> Case:
    return Case(f"linear/batch={batch}", linear_mse, {
        "x": const((batch, 3), normal()), "t": const((batch, 2), normal()),
        "w": source((3, 2)), "b": source((2,))})


def mlp_case(size: int) -> Case:
    width = size
    return Case(f"mlp/width={width}", mlp_loss, {
        "x": const((64, width), normal()), "t": const((64, 8), normal()),
        "w1": source((width, width), normal(1 / math.sqrt(width))), "b1": source((width,)),
        "w2": source((width, width), normal(1 / math.sqrt(width))), "b2": source((width,)),
        "w3": source((width, 8), normal(1 / math.sqrt(width))), "b3": source((8,))})


# -- a long chain of cheap elementwise ops -----------------------------------------------------------

CHAIN = 50


def chain_loss(xp, x):
    y = x
    for _ in range(CHAIN):
        y = xp.sin(y) * 0.9 + 0.1 * y
    return xp.sum(y ** 2)


def chain_case(n: int) -> Case:
    return Case(f"chain/n={n}", chain_loss, {"x": source((n,), uniform(-2, 2))})


# -- the Gaussian mixture model objective of ADBench / GradBench ------------------------------------

def gmm_objective(xp, x, alphas, means, icf, eye, lower, gamma, m):
    """Negative log-likelihood of x under a GMM with a Wishart prior, ADBench's "gmm".

    ``icf`` holds, per component, the log of the inverse-covariance factor's diagonal and then its
    strictly lower triangle; ``lower`` is a constant 0/1 matrix placing that triangle into a
    ``d × d`` matrix (a matmul rather than a scatter, so every framework runs the same vectorized ops).
    """
    n, d = x.shape[0], x.shape[1]
    k = alphas.shape[0]
    log_diag = icf[:, :d]
    q_diag = xp.exp(log_diag)
    sum_qs = xp.sum(log_diag, axis=1)
    tri = xp.reshape(icf[:, d:] @ lower, (k, d, d))
    factors = q_diag[:, :, None] * eye + tri                         # (k, d, d), lower triangular
    centered = x[:, None, :] - means[None, :, :]                      # (n, k, d)
    mahal = xp.sum(xp.einsum("kij,nkj->nki", factors, centered) ** 2, axis=2)
    inner = alphas + sum_qs - 0.5 * mahal                             # (n, k)
    log_likelihood = xp.sum(logsumexp(xp, inner, 1)) - n * logsumexp(xp, alphas, 0)
    prior = 0.5 * gamma ** 2 * (xp.sum(q_diag ** 2) + xp.sum(icf[:, d:] ** 2)) - m * xp.sum(sum_qs)
    return -(log_likelihood - n * d * 0.5 * math.log(2 * math.pi)) + prior


def _placement(d: int) -> np.ndarray:
    rows, cols = np.tril_indices(d, -1)
    place = np.zeros((len(rows), d * d))
    place[np.arange(len(rows)), rows * d + cols] = 1.0
    return place


def gmm_case(d: int, k: int, n: int = 1000) -> Case:
    return Case(f"gmm/d={d},k={k},n={n}", gmm_objective, {
        "x": const((n, d), normal()), "alphas": source((k,), normal()), "means": source((k, d), normal()),
        "icf": source((k, d + d * (d - 1) // 2), normal(0.1)),
        "eye": const(np.eye(d)), "lower": const(_placement(d)),
        "gamma": const(1.0), "m": const(0.0)})


# -- ADBench / GradBench D-LSTM ------------------------------------------------------------------------

VOCAB = 14


def dlstm_objective(xp, main, extra, state, sequence):
    """ADBench's diagonal LSTM language model: mean negative log-likelihood of each next character.

    ``main`` is ``(2·layers, 4·b)`` (weights and biases of the four gates, per layer), ``extra`` is
    ``(3, b)`` (input scale, output scale, output bias), ``state`` is ``(2·layers, b)`` (hidden and
    cell per layer), ``sequence`` is ``(chars, b)`` one-hot. Written as the reference loops it.
    """
    layers = state.shape[0] // 2
    b = state.shape[1]
    hidden = [state[2 * i] for i in range(layers)]
    cell = [state[2 * i + 1] for i in range(layers)]
    total = 0.0
    for t in range(sequence.shape[0] - 1):
        x = sequence[t] * extra[0]
        for i in range(layers):
            gates = xp.concatenate([x, hidden[i], x, hidden[i]]) * main[2 * i] + main[2 * i + 1]
            forget = 1.0 / (1.0 + xp.exp(-gates[:b]))
            ingate = 1.0 / (1.0 + xp.exp(-gates[b:2 * b]))
            outgate = 1.0 / (1.0 + xp.exp(-gates[2 * b:3 * b]))
            change = xp.tanh(gates[3 * b:])
            cell[i] = cell[i] * forget + ingate * change
            hidden[i] = outgate * xp.tanh(cell[i])
            x = hidden[i]
        prediction = x * extra[1] + extra[2]
        normalized = prediction - xp.log(xp.sum(xp.exp(prediction)) + 2.0)
        total = total + xp.sum(sequence[t + 1] * normalized)
    return -total / ((sequence.shape[0] - 1) * b)


def _one_hot_text(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.eye(shape[1])[rng.integers(0, shape[1], shape[0])]


ONE_HOT = Domain("one_hot_text", _one_hot_text)


def dlstm_case(layers: int, chars: int) -> Case:
    return Case(f"dlstm/layers={layers},chars={chars}", dlstm_objective, {
        "main": source((2 * layers, 4 * VOCAB), normal(0.5)), "extra": source((3, VOCAB), normal(0.5)),
        "state": const((2 * layers, VOCAB), normal(0.5)), "sequence": const((chars, VOCAB), ONE_HOT)})


# -- a small CNN -------------------------------------------------------------------------------------------

def cnn_loss(xp, x, t, k1, c1, k2, c2, w, b):
    """conv 3×3 → tanh → 2×2 average pool → conv 3×3 → tanh → global average → dense → MSE.

    tanh and average pooling rather than ReLU and max pooling: the float64 finite-difference
    reference is only a reference where the function is smooth within its step.
    """
    h = xp.tanh(xp.conv2d(x, k1) + c1)                                   # (N, H-2, W-2, 8)
    n, height, width, channels = h.shape
    h = xp.mean(xp.reshape(h, (n, height // 2, 2, width // 2, 2, channels)), axis=(2, 4))
    h = xp.tanh(xp.conv2d(h, k2) + c2)                                   # (N, ·, ·, 16)
    features = xp.mean(h, axis=(1, 2))                                   # (N, 16)
    return xp.mean((features @ w + b - t) ** 2)


def cnn_case(side: int, batch: int = 8) -> Case:
    return Case(f"cnn/image={side}x{side},batch={batch}", cnn_loss, {
        "x": const((batch, side, side, 3), normal()), "t": const((batch, 10), normal()),
        "k1": source((3, 3, 3, 8), normal(0.3)), "c1": source((8,)),
        "k2": source((3, 3, 8, 16), normal(0.2)), "c2": source((16,)),
        "w": source((16, 10), normal(0.3)), "b": source((10,))})


# -- a transformer-style attention block ------------------------------------------------------------------

def attention_loss(xp, x, wq, wk, wv, wo):
    dim = x.shape[-1]
    q, k, v = x @ wq, x @ wk, x @ wv
    scores = q @ xp.matrix_transpose(k) / math.sqrt(dim)
    weights = xp.exp(scores - xp.max(scores, axis=-1, keepdims=True))
    weights = weights / xp.sum(weights, axis=-1, keepdims=True)
    out = x + (weights @ v) @ wo
    return xp.mean(out ** 2)


def attention_case(tokens: int, dim: int = 32) -> Case:
    scale = normal(1 / math.sqrt(dim))
    return Case(f"attention/tokens={tokens},dim={dim}", attention_loss, {
        "x": const((4, tokens, dim), normal()), "wq": source((dim, dim), scale), "wk": source((dim, dim), scale),
        "wv": source((dim, dim), scale), "wo": source((dim, dim), scale)})


@dataclass(frozen=True)
class Workload:
    """A named workload: how to build its case at a size, the sizes of each profile, and the
    (framework, mode) pairs a profile leaves out, with the measured reason."""

    name: str
    build: Callable[..., Case]
    sizes: dict[str, list[tuple]]
    doc: str
    leave_out: dict[str, dict[tuple[str, str], str]] = field(default_factory=dict)

    def left_out(self, profile: str, framework: str, mode: str) -> str:
        """Why ``profile`` does not time this pair ("" if it does)."""
        return self.leave_out.get(profile, {}).get((framework, mode), "")

    def cases(self, profile: str) -> list[Case]:
        return [self.build(*size) for size in self.sizes[profile]]


#: why compiled D-LSTM is left out of the full profile (measured on the 2-core reference machine)
UNROLLED = ("the Python loop over characters unrolls at trace time: compiling 31 steps took 91 s in "
            "torch.compile, 99 s in jax.jit and 7.8 s in tf.function; 1023+ steps is impractical "
            "(a lax.scan / loop-aware version is future work)")

WORKLOADS = {w.name: w for w in [
    Workload("linear", linear_case, {"quick": [(5,), (1000,)], "full": [(5,), (100,), (1000,), (10000,)]},
             "the seeds' linear model with MSE: per-op dispatch and tape overhead"),
    Workload("mlp", mlp_case, {"quick": [(32,), (256,)], "full": [(32,), (128,), (512,), (1024,)]},
             "two tanh layers and a linear head, batch 64, width swept"),
    Workload("chain", chain_case, {"quick": [(10,), (10000,)], "full": [(10,), (1000,), (100000,)]},
             f"{CHAIN} rounds of sin(y)·0.9 + 0.1·y: overhead per recorded op",
             leave_out={"quick": {(TORCH, "compiled"): "torch.compile took 329 s to compile this chain on the "
                                  "2-core reference machine (torch 2.13, CPU); timed in --profile full"}}),
    Workload("gmm", gmm_case, {"quick": [(2, 5), (10, 10)],
                               "full": [(d, k) for d in (2, 10, 20, 32, 64) for k in (5, 10, 25, 50)]},
             "ADBench/GradBench GMM objective, n = 1000, gradient w.r.t. alphas, means, icf"),
    Workload("dlstm", dlstm_case, {"quick": [(2, 4), (2, 8)], "full": [(2, 1024), (4, 1024), (2, 4096), (4, 4096)]},
             "ADBench/GradBench D-LSTM objective, 14-letter alphabet, Python loop over characters",
             leave_out={"full": {(fw, "compiled"): UNROLLED for fw in FRAMEWORKS}}),
    Workload("cnn", cnn_case, {"quick": [(10,), (34,)], "full": [(10,), (34,), (66,), (130,)]},
             "two 3×3 convolutions (NHWC), average pooling, a dense head; batch 8, image side swept"),
    Workload("attention", attention_case, {"quick": [(16,), (128,)], "full": [(16,), (64,), (256,), (1024,)]},
             "single-head self-attention with a residual, batch 4, model width 32"),
]}
