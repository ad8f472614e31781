"""Neural-network ops: softmax and losses, convolutions (stride, padding, dilation), pooling,
normalisation, embedding lookup, attention, a fixed-mask dropout; hard logits that overflow
``exp`` in float32, and pooling windows with tied maxima."""

import os
import platform

import numpy as np
import scipy.special as sp

from harness import env, numpy_ops
from harness.cases import const, source
from harness.domains import bernoulli, probabilities, uniform
from harness.expectations import divergence
from harness.frameworks.registry import JAX, TF, TORCH
from harness.optable import B, M, Op, S, given, sample
from harness.regimes import TORCH_JVP_OF_NUMPY_INDEX
from harness.tolerances import Tolerance
from suites.ops import low_precision

#: values 0.5 apart in shuffled order: no near-ties for a finite difference to cross (pools, sort)
DISTINCT = np.random.default_rng(7).permutation(60) / 2.0
LARGE_LOGITS = [[1000.0, 1000.0, -1000.0], [0.0, 1.0, 2.0]]
#: one window of a 2x2 pool holds two equal maxima
TIED_POOL = np.array([[1.0, 5.0, 0.0, 2.0], [5.0, 2.0, 1.0, 3.0],
                      [0.0, 1.0, 4.0, 4.0], [2.0, 3.0, 1.0, 0.0]])[None, :, :, None]


def tf_convolves_without_onednn() -> tuple[str, ...]:
    """The dtypes in which TF's CPU convolutions run on TF's own kernels here, not on oneDNN's.

    TF hands a convolution to oneDNN only on x86 with ``TF_ENABLE_ONEDNN_OPTS`` on (its default there), and only in a
    dtype oneDNN takes on this CPU (TF's ``IsDataTypeSupportedByOneDNNOnThisCPU``): float32 always, bfloat16 with
    AVX-512F or AVX-NE-CONVERT, float16 with AVX512-BW and AVX512-FP16 or AMX-FP16, or with AVX-NE-CONVERT; never
    float64. So the answer depends on the machine: float64 and float16 on an AMD EPYC with AVX-512 but no
    AVX512-FP16, float64 alone on the reference's Intel Xeon, every dtype with ``TF_ENABLE_ONEDNN_OPTS=0`` (all three
    measured). Off x86 (not measured: TF's Arm builds have a oneDNN path of their own) every dtype is taken to be on
    TF's kernels; the declaration is strict, so a machine where the rule is wrong fails loudly either way."""
    everything = ("float32", "float64", "float16", "bfloat16")
    if (platform.machine().lower() not in ("x86_64", "amd64")
            or os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1").strip().lower() in ("0", "false")):
        return everything
    flags = env.cpu_flags()
    onednn = {"float32"}
    if flags & {"avx512f", "avx_ne_convert"}:
        onednn.add("bfloat16")
    if ("avx512bw" in flags and flags & {"avx512_fp16", "amx_fp16"}) or "avx_ne_convert" in flags:
        onednn.add("float16")
    return tuple(d for d in everything if d not in onednn)


# measured 2026-12-05: the error in eager and tf.function; XLA's own convolution (jit_compile) takes dilation in
# every dtype
DILATED = divergence((TF,), "TF's own CPU Conv2DBackpropInput kernel rejects dilation > 1 (InvalidArgumentError: "
                     "'Current CPU implementations do not yet support dilation rates larger than 1'); only oneDNN's "
                     "takes it, and TF uses oneDNN only on x86, with TF_ENABLE_ONEDNN_OPTS on, in a dtype oneDNN "
                     "runs on this CPU (float32 always, bfloat16 with AVX-512, float16 with AVX512-FP16, never "
                     "float64). Fix: jit_compile=True, or float32", wrong=True, samples=("dilation-2",),
                     dtypes=tf_convolves_without_onednn(), modes=("rev",), regimes=("eager", "compiled"))
_MOMENTS_WHY = ("tf.nn.moments computes the variance around stop_gradient(mean): first derivatives are right "
                "(d var / d mean = 0 at the mean) but second derivatives are not")
# in float16/bfloat16 the wrong second derivative can fall inside the dtype's second-order tolerance at a draw
# (bfloat16 at --grad-seed 2, float16 at 4)
MOMENTS = (divergence((TF,), _MOMENTS_WHY, wrong=True, modes=("order2",), dtypes=("float32", "float64")),
           divergence((TF,), _MOMENTS_WHY, wrong=True, modes=("order2",), dtypes=("float16", "bfloat16"), strict=False))
LINEAR_BETA = [*MOMENTS, divergence((TF,), "beta enters linearly, so its second derivative is absent: TF answers None",
                          kind="beta:none", modes=("order2",)),
               divergence((TORCH,), "beta enters linearly, so its second derivative is absent: torch.autograd.grad "
                          "raises unless allow_unused=True", kind="error:RuntimeError", modes=("order2",))]


def nn(name, *samples, call=None, order=2, divergences=(), tolerances=None, ref=None, found=()):
    return Op(name, "nn", tuple(samples), call=call, order=order, divergences=tuple(divergences),
              tolerances=tolerances or {}, ref=ref, found=found)


def conv_samples(spatial):
    shape = (B, 8, 2) if spatial == 1 else (B, 6, 6, 2)
    kernel = (3, 2, 4) if spatial == 1 else (3, 3, 2, 3)
    settings = {"valid": ("VALID", 1, 1), "same": ("SAME", 1, 1), "stride-2": ("SAME", 2, 1),
                "dilation-2": ("VALID", 1, 2)}
    return tuple(sample(label, x=source(shape), w=source(kernel),
                        kwargs={"padding": padding, "stride": stride, "dilation": dilation})
                 for label, (padding, stride, dilation) in settings.items())


OPS = [
    nn("softmax", sample("rows", x=source((M, S), uniform(-3, 3)), kwargs={"axis": -1}),
       sample("columns", x=source((M, S), uniform(-3, 3)), kwargs={"axis": 0}),
       sample("large", x=source(given(LARGE_LOGITS)), kwargs={"axis": -1}, second_order=False),
        ref=lambda x, axis: sp.softmax(x, axis=axis)),
    nn("log_softmax", sample("rows", x=source((M, S), uniform(-3, 3))),
       sample("large", x=source(given(LARGE_LOGITS)), second_order=False), ref=numpy_ops.log_softmax),
    nn("softmax_cross_entropy", sample("logits", logits=source((M, S), uniform(-3, 3)), labels=const((M, S), probabilities())),
       sample("labels-too", logits=source((M, S), uniform(-3, 3)), labels=source((M, S), probabilities())),
       divergences=[divergence((TF,), "the mixed second derivative d²/dlabels dlogits of "
                               "tf.nn.softmax_cross_entropy_with_logits is 0 (it is -1 on the diagonal block): "
                               "TF's gradient for the labels is not differentiable w.r.t. the logits", wrong=True,
                               samples=("labels-too",), modes=("order2",)),
                    divergence((TF,), "tf.nn.softmax_cross_entropy_with_logits in float64 is good to ~2e-7 relative, "
                               "not to float64's ~1e-15: up to 1.6x float64's tolerance at some --grad-seed inputs "
                               "(seeds 1 and 3), so its float64 values are judged at 10x the tolerance",
                               dtypes=("float64",), tolerance=Tolerance(rtol=1e-6, atol=1e-8))],
        ref=lambda logits, labels: -np.sum(labels * numpy_ops.log_softmax(logits), axis=-1)),
    nn("sparse_cross_entropy", sample("logits", logits=source((M, S), uniform(-3, 3)),
                                      kwargs={"labels": np.array([0, 4, 2])}),
       sample("large", logits=source(given(LARGE_LOGITS)), kwargs={"labels": np.array([2, 0])},
              second_order=False), divergences=[TORCH_JVP_OF_NUMPY_INDEX], ref=numpy_ops.sparse_xent),
    nn("sigmoid_cross_entropy", sample("logits", logits=source((M, S), uniform(-5, 5)), labels=const((M, S), uniform(0, 1))),
       sample("large", logits=source(given([[-90.0, -30.0, 30.0, 90.0]])), labels=const(given([[0.25, 1.0, 0.0, 0.5]])), second_order=False),
        ref=numpy_ops.sigmoid_xent),
    nn("conv1d", *conv_samples(1), divergences=[DILATED], ref=numpy_ops.conv),
    nn("conv2d", *conv_samples(2), divergences=[DILATED], ref=numpy_ops.conv),
    nn("max_pool2d", sample("window-2", x=source((B, 4, 4, 2)), kwargs={"window": 2, "stride": 2}),
       sample("overlapping", x=source(given(DISTINCT[:50].reshape(B, 5, 5, 1))), kwargs={"window": 3, "stride": 1}),
       sample("ties", x=source(given(TIED_POOL)), kwargs={"window": 2, "stride": 2}, smooth=False), order=1,
        ref=lambda x, window, stride: numpy_ops.pool2d(x, window=window, stride=stride, reduce=np.max)),
    nn("avg_pool2d", sample("window-2", x=source((B, 4, 4, 2)), kwargs={"window": 2, "stride": 2}),
       sample("overlapping", x=source((B, 5, 5, 1)), kwargs={"window": 3, "stride": 1}), order=1,
        ref=lambda x, window, stride: numpy_ops.pool2d(x, window=window, stride=stride, reduce=np.mean)),
    nn("layer_norm", sample("rows", x=source((M, S)), gamma=source((S,)), beta=source((S,))),
       sample("constant-row", x=source(given([[2.0, 2.0, 2.0, 2.0]])), gamma=source(given([1.0, 0.5, -1.0, 2.0])),
              beta=source(given([0.0, 0.0, 0.0, 0.0])), second_order=False),
       divergences=LINEAR_BETA, ref=lambda x, gamma, beta: numpy_ops.standardize(x, -1) * gamma + beta,
        found=low_precision.LAYER_NORM),
    nn("batch_norm", sample("batch", x=source((S, M)), gamma=source((M,)), beta=source((M,))), divergences=LINEAR_BETA,
        ref=lambda x, gamma, beta: numpy_ops.standardize(x, 0) * gamma + beta),
    nn("embedding", sample("repeated-ids", table=source((S, M)), kwargs={"ids": np.array([[0, 2], [2, 4]])}), order=1,
       divergences=[TORCH_JVP_OF_NUMPY_INDEX], ref=lambda table, ids: table[ids]),
    nn("attention", sample("heads", q=source((B, 4, 2, 3)), k=source((B, 4, 2, 3)), v=source((B, 4, 2, 3))),
       divergences=[divergence((TORCH,), "torch's CPU scaled_dot_product_attention dispatches to a flash kernel "
                               "with no forward-mode derivative", kind="error:NotImplementedError", modes=("fwd", "order2")),
                    divergence((JAX,), "jax.nn.dot_product_attention in float64 is good to ~4e-6 relative, not "
                               "float64's ~1e-12", wrong=True, dtypes=("float64",), modes=("rev", "fwd")),
                    divergence((TF,), "keras.ops.dot_product_attention in float64 is good to ~4e-7 relative, not "
                               "float64's ~1e-15: forward mode fails float64's tolerance at --grad-seed 0 and not at 5, "
                               "reverse mode at 2 (1.8x) and not at 0, so both are judged at 10x the tolerance",
                               dtypes=("float64",), modes=("rev", "fwd"), tolerance=Tolerance(rtol=1e-6, atol=1e-8))],
        ref=numpy_ops.attention),
    nn("dropout", sample("fixed-mask", x=source((M, S)), mask=const((M, S), bernoulli(0.5)), kwargs={"rate": 0.5}),
       order=1, ref=lambda x, mask, rate: x * mask / (1 - rate)),
    nn("l2_normalize", sample("rows", x=source((M, S)), kwargs={"axis": -1}),
       sample("zero-row", x=source(given([[0.0, 0.0, 0.0]])), kwargs={"axis": -1}, smooth=False), divergences=[
           divergence((TF, TORCH, JAX), "normalizing the zero vector: TF clamps the squared norm at 1e-12 (gradient "
                      "~1e6·g), torch the norm at 1e-12 (~1e12·g), JAX divides by 0 (NaN)", convention=True)],
        ref=lambda x, axis: x / np.linalg.norm(x, axis=axis, keepdims=True)),
]
