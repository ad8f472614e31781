"""Shape and indexing ops: their gradients move, sum and drop entries (repeated indices must
accumulate, dropped ones must get zeros); sort and top-k with ties are conventions."""

import numpy as np

from harness import numpy_ops
from harness.cases import source
from harness.expectations import divergence
from harness.frameworks.registry import TF, TORCH
from harness.optable import B, M, Op, S, given, sample
from harness.regimes import TORCH_JVP_OF_NUMPY_INDEX

TIES = [[1.0, 3.0, 3.0, 2.0]]
#: values 0.5 apart in shuffled order: no near-ties for a finite difference to cross
DISTINCT = np.random.default_rng(7).permutation(15) / 2.0


def shape(name, *samples, call=None, divergences=(), ref=None):
    """Shape ops are linear in their array inputs: the second derivative is zero, so order 1."""
    return Op(name, "shape", tuple(samples), call=call, order=1, divergences=tuple(divergences), ref=ref)


def of_list(name):
    return lambda xp, x, y, **kw: getattr(xp.ops, name)([x, y], **kw)


def where(xp, x, y, cond):
    return xp.ops.where(cond, x, y)


def slicing(xp, x, index):
    return xp.ops.slice(x, index)


OPS = [
    shape("reshape", sample("matrix", x=source((M, S)), kwargs={"shape": (S, M)}),
          sample("flatten", x=source((B, M, S)), kwargs={"shape": (-1,)})),
    shape("transpose", sample("matrix", x=source((M, S)), kwargs={"axes": (1, 0)}),
          sample("batched", x=source((B, M, S)), kwargs={"axes": (2, 0, 1)})),
    shape("concat", sample("rows", x=source((M, S)), y=source((B, S)), kwargs={"axis": 0}),
          sample("columns", x=source((M, S)), y=source((M, 1)), kwargs={"axis": -1}),
          sample("empty", x=source((M, S)), y=source((0, S)), kwargs={"axis": 0}), call=of_list("concat"),
        ref=lambda xs, axis: np.concatenate(xs, axis=axis)),
    shape("stack", sample("axis-0", x=source((M, S)), y=source((M, S)), kwargs={"axis": 0}),
          sample("axis-last", x=source((M, S)), y=source((M, S)), kwargs={"axis": -1}), call=of_list("stack"),
        ref=lambda xs, axis: np.stack(xs, axis=axis)),
    shape("split", sample("rows", x=source((4, S)), kwargs={"n": 2, "axis": 0}),
          sample("columns", x=source((M, 6)), kwargs={"n": 3, "axis": 1}),
        ref=lambda x, n, axis: tuple(np.split(x, n, axis=axis))),
    shape("slice", sample("contiguous", x=source((S, M)), kwargs={"index": (slice(1, 4),)}),
          sample("columns", x=source((S, M)), kwargs={"index": (slice(None), slice(0, 2))}), call=slicing,
        ref=lambda x, index: x[index]),
    shape("strided_slice", sample("step-2", x=source((S, M)), kwargs={"index": (slice(None, None, 2), slice(1, None))}),
          sample("negative-step", x=source((S, M)), kwargs={"index": (slice(None, None, -2),)}), call=slicing,
          divergences=[divergence((TORCH,), "torch tensors take no negative slice step ('step must be greater "
                                  "than zero'); torch.flip is the idiom", kind="error:ValueError",
                                  samples=("negative-step",), regimes=("eager",)),
                       divergence((TORCH,), "torch tensors take no negative slice step; traced by dynamo, the "
                                  "ValueError arrives as TorchRuntimeError", kind="error:TorchRuntimeError",
                                  samples=("negative-step",), regimes=("compiled",))]),
    shape("gather", sample("repeated-rows", x=source((S, M)), kwargs={"indices": np.array([4, 0, 0, 2]), "axis": 0}),
          sample("columns", x=source((M, S)), kwargs={"indices": np.array([2, 0]), "axis": 1}),
          divergences=[TORCH_JVP_OF_NUMPY_INDEX], ref=lambda x, indices, axis: np.take(x, indices, axis=axis)),
    shape("take_along_axis", sample("rows", x=source((M, S)), kwargs={"indices": np.array([[0, 4], [1, 1], [3, 2]]),
                                                                      "axis": -1}),
          divergences=[TORCH_JVP_OF_NUMPY_INDEX,
                       divergence((TF,), "under XLA, tf.experimental.numpy.take_along_axis fails to compile: "
                                  "'0 is duplicated in the input' (eager and tf.function are right)",
                                  kind="error:InvalidArgumentError", regimes=("xla",), modes=("rev", "fwd"))],
        ref=lambda x, indices, axis: np.take_along_axis(x, indices, axis)),
    shape("scatter", sample("rows", x=source((S, M)), updates=source((2, M)), kwargs={"indices": np.array([1, 3])}),
          divergences=[TORCH_JVP_OF_NUMPY_INDEX], ref=numpy_ops.scatter),
    shape("index_add", sample("repeated-rows", x=source((S, M)), updates=source((3, M)),
                              kwargs={"indices": np.array([1, 3, 1])}), divergences=[TORCH_JVP_OF_NUMPY_INDEX],
        ref=numpy_ops.index_add),
    shape("pad", sample("constant", x=source((M, S)), kwargs={"widths": ((1, 0), (2, 1)), "mode": "constant"}),
          sample("reflect", x=source((M, S)), kwargs={"widths": ((0, 0), (1, 2)), "mode": "reflect"}),
        ref=lambda x, widths, mode: np.pad(x, widths, mode=mode)),
    shape("tile", sample("rows", x=source((M, S)), kwargs={"reps": (2, 1)}),
          sample("both", x=source((2, M)), kwargs={"reps": (2, 3)})),
    shape("repeat", sample("rows", x=source((M, S)), kwargs={"n": 2, "axis": 0}),
          sample("columns", x=source((M, S)), kwargs={"n": 3, "axis": 1}),
        ref=lambda x, n, axis: np.repeat(x, n, axis=axis)),
    shape("flip", sample("rows", x=source((M, S)), kwargs={"axis": 0}),
          sample("columns", x=source((M, S)), kwargs={"axis": -1}), ref=lambda x, axis: np.flip(x, axis)),
    shape("roll", sample("columns", x=source((M, S)), kwargs={"shift": 2, "axis": -1}),
          sample("rows-back", x=source((M, S)), kwargs={"shift": -1, "axis": 0}),
        ref=lambda x, shift, axis: np.roll(x, shift, axis)),
    shape("where", sample("matrix", x=source((M, S)), y=source((M, S)),
                          kwargs={"cond": np.arange(M * S).reshape(M, S) % 3 == 0}),
          sample("broadcast", x=source((M, S)), y=source((S,)), kwargs={"cond": np.arange(S) % 2 == 0}), call=where,
          divergences=[TORCH_JVP_OF_NUMPY_INDEX], ref=lambda c, x, y: np.where(c, x, y)),
    shape("sort", sample("rows", x=source(given(DISTINCT[:15].reshape(M, S))), kwargs={"axis": -1}),
          sample("columns", x=source((M, S)), kwargs={"axis": 0}),
          sample("ties", x=source(given(TIES)), kwargs={"axis": -1}, smooth=False),
        ref=lambda x, axis: np.sort(x, axis=axis, kind="stable")),
    shape("topk", sample("rows", x=source((M, S)), kwargs={"k": 2}),
          sample("ties", x=source(given(TIES)), kwargs={"k": 1}, smooth=False), ref=numpy_ops.topk),
    shape("squeeze", sample("middle", x=source((M, 1, S)))),
    shape("expand_dims", sample("middle", x=source((M, S)), kwargs={"axis": 1})),
    shape("broadcast_to", sample("row", x=source((S,)), kwargs={"shape": (M, S)}),
          sample("column", x=source((M, 1)), kwargs={"shape": (M, S)})),
    shape("tril", sample("square", x=source((S, S))), sample("wide", x=source((M, S)))),
    shape("triu", sample("square", x=source((S, S))), sample("wide", x=source((M, S)))),
    shape("diag", sample("vector", x=source((S,)))),
    shape("moveaxis", sample("batched", x=source((B, M, S)), kwargs={"source": 0, "destination": -1})),
]
