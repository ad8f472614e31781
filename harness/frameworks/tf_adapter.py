"""TensorFlow adapter: ``tf.GradientTape`` over ``tf.Variable`` sources, as TF users write it.

The namespace is ``tensorflow.experimental.numpy`` with its gaps filled from ``tf.linalg``. We
never call ``tnp.experimental_enable_numpy_behavior()``: it changes TF's type promotion for the
whole process, and every TF behaviour the suite records must be TF's default.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from harness.frameworks.base import (
    Adapter,
    Arrays,
    DeviceUnavailable,
    Grads,
    ModelFunction,
    Namespace,
    NotAvailable,
    Timed,
    native_stderr_quiet,
)
from harness.trees import leaves, paths

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TF's own log threshold, for what it logs after loading
# TF 2.21 prints its oneDNN and absl banners from native code while loading, before that threshold applies
with native_stderr_quiet():
    import tensorflow as tf
    import tensorflow.experimental.numpy as tnp

from harness.frameworks import tf_ops  # noqa: E402 (after the quiet import of tensorflow)

# the compiled regime traces a new tf.function per check by design (one check's graph must never
# serve another's); TF's advice to stop retracing is about training loops, not this
logging.getLogger("tensorflow").addFilter(lambda record: "triggered tf.function retracing" not in record.getMessage())


class _Linalg:
    """The part of ``numpy.linalg`` the cases use, over ``tf.linalg``."""

    inv = staticmethod(tf.linalg.inv)
    det = staticmethod(tf.linalg.det)
    solve = staticmethod(tf.linalg.solve)
    cholesky = staticmethod(tf.linalg.cholesky)


def _conv2d(x, w):
    """NHWC images, HWIO kernel, stride 1, VALID: TF's native layout."""
    return tf.nn.conv2d(x, w, strides=1, padding="VALID")


def _bfloat16_aware(name: str, native: Callable) -> Callable:
    """tnp's ``name``, except on bfloat16, which tnp does not count as a float: its transcendental functions
    call ``x.astype(float)`` on it, a method TF tensors lack (TF 2.21). TF's own op takes bfloat16 as it is."""
    wrapped = getattr(tnp, name)

    def call(x, *args, **kwargs):
        return native(x, *args, **kwargs) if getattr(x, "dtype", None) == tf.bfloat16 else wrapped(x, *args, **kwargs)
    return call


_TNP_GAPS = {"exp": tf.math.exp, "log": tf.math.log, "sin": tf.math.sin, "cos": tf.math.cos, "tan": tf.math.tan,
             "tanh": tf.math.tanh, "sqrt": tf.math.sqrt, "log1p": tf.math.log1p, "expm1": tf.math.expm1,
             "arctan": tf.math.atan, "arcsin": tf.math.asin, "arccos": tf.math.acos, "arctanh": tf.math.atanh,
             "arcsinh": tf.math.asinh, "arccosh": tf.math.acosh, "sinh": tf.math.sinh, "cosh": tf.math.cosh,
             "exp2": lambda x: tf.math.pow(tf.constant(2, x.dtype), x),
             "log2": lambda x: tf.math.log(x) / tf.math.log(tf.constant(2, x.dtype)),
             "log10": lambda x: tf.math.log(x) / tf.math.log(tf.constant(10, x.dtype))}

class _FFT:
    """``numpy.fft``'s transforms the cases use, over ``tf.signal`` (tnp has none)."""

    fft = staticmethod(tf.signal.fft)


XP = Namespace(tnp, matrix_transpose=tf.linalg.matrix_transpose, linalg=_Linalg(), conv2d=_conv2d,
               astype=tf.cast, ops=tf_ops.VOCABULARY, fft=_FFT(),
               **{name: _bfloat16_aware(name, native) for name, native in _TNP_GAPS.items()})


def _unconnected(zero: bool) -> tf.UnconnectedGradients:
    return tf.UnconnectedGradients.ZERO if zero else tf.UnconnectedGradients.NONE


class TensorFlowAdapter(Adapter):
    """``GradientTape`` for reverse mode (``persistent`` when asked), ``ForwardAccumulator`` forward."""

    name = "tensorflow"
    version = str(tf.__version__)

    def __init__(self, device: str = "cpu", *, regime: str = "eager"):
        if device == "cuda" and not tf.config.list_physical_devices("GPU"):
            raise DeviceUnavailable("TensorFlow sees no GPU here (tensorflow-cpu has none): run with --device cpu")
        super().__init__(device)
        self.regime = regime
        self._device_name = "/GPU:0" if device == "cuda" else "/CPU:0"

    def in_regime(self, regime: str) -> TensorFlowAdapter:
        """``compiled``: each derivative computed inside ``tf.function`` (the tape and its gradient
        call, as a train step is written); ``xla``: inside ``tf.function(jit_compile=True)``."""
        return self if regime == self.regime else type(self)(self.device, regime=regime)

    def _run(self, compute: Callable[[], Any]) -> Any:
        """``compute()`` in this adapter's regime: traced once by ``tf.function`` where compiled
        (variables are created outside it and captured, as ``tf.function`` requires)."""
        if self.regime == "eager":
            return compute()
        try:
            return tf.function(compute, jit_compile=self.regime == "xla")()
        except Exception as exc:
            # AutoGraph re-raises an error from traced code as StagingError where it cannot rebuild its type:
            # the vocabulary's "no such op" is the harness's own, so it is found and raised as itself
            cause = exc.__context__
            while cause is not None and not isinstance(cause, NotAvailable):
                cause = cause.__context__
            if cause is not None:
                raise cause from None
            raise

    @property
    def xp(self) -> Namespace:
        return XP

    @classmethod
    def device_names(cls) -> list[str]:
        return ["cpu"] + (["cuda"] if tf.config.list_physical_devices("GPU") else [])

    def _placed(self) -> contextlib.AbstractContextManager:
        return tf.device(self._device_name)

    def tensor(self, value: np.ndarray) -> tf.Tensor:
        with self._placed():
            return tf.constant(value)

    def numpy(self, value: Any) -> np.ndarray:
        if isinstance(value, tf.IndexedSlices):  # gather's gradient is sparse: densify for comparison
            value = tf.convert_to_tensor(value)
        if isinstance(value, tf.Tensor):
            return value.numpy()  # np.asarray fails on a bfloat16 tensor ("__array__ not producing an array")
        return np.asarray(value)

    def sync(self, value: Any = None) -> None:
        # on CPU, eager ops and tf.function calls return finished tensors; a GPU queues work
        if self.device == "cuda":
            tf.test.experimental.sync_devices()

    def compile(self, fn: Callable) -> Callable:
        return tf.function(fn)

    vectorizer = "tf.vectorized_map"

    def vectorized(self, fn: Callable) -> Callable | None:
        mapped = tf.function(lambda *args: tf.vectorized_map(lambda a: fn(*a), args, fallback_to_while_loop=False),
                             reduce_retracing=True)
        return lambda *args: list(mapped(*args))

    def timed(self, f: Callable, inputs: Arrays, sources: Sequence[str], *, compiled: bool) -> Timed:
        consts, variables = self._split(inputs, sources)
        srcs = [variables[s] for s in sources]

        def forward():
            return f(self.xp, **consts, **variables)

        def forward_backward():
            with tf.GradientTape() as tape:
                loss = f(self.xp, **consts, **variables)
            return loss, tape.gradient(loss, srcs)

        def backward_setup():
            with tf.GradientTape() as tape:
                loss = f(self.xp, **consts, **variables)
            return tape, loss

        def backward(state):
            tape, loss = state
            return self._synced(tape.gradient(loss, srcs))

        if compiled:
            forward, forward_backward = tf.function(forward), tf.function(forward_backward)
        with self._placed():
            return Timed(lambda: self._synced(forward()), lambda: self._synced(forward_backward()),
                         None if compiled else backward_setup, None if compiled else backward)

    def reset_peak_memory(self) -> None:
        if self.device == "cuda":
            tf.config.experimental.reset_memory_stats("GPU:0")

    def peak_memory_bytes(self) -> int | None:
        return int(tf.config.experimental.get_memory_info("GPU:0")["peak"]) if self.device == "cuda" else None

    def _synced(self, value):
        self.sync(value)
        return value

    def _split(self, inputs: Arrays, sources: Sequence[str]):
        with self._placed():
            consts = {n: tf.constant(v) for n, v in inputs.items() if n not in sources}
            variables = {n: tf.Variable(inputs[n], name=n) for n in sources}
        return consts, variables

    def _grads(self, raw: Sequence[Any], sources: Sequence[str]) -> Grads:
        return {name: None if g is None else self.numpy(g) for name, g in zip(sources, raw)}

    def vjp(self, f: Callable, inputs: Arrays, sources: Sequence[str],
            cotangents: Sequence[np.ndarray] | None = None, *, zero_unconnected: bool = False,
            none_unconnected: bool = False) -> Grads:
        # TF answers None for an unconnected source by default: none_unconnected asks for nothing else
        consts, variables = self._split(inputs, sources)

        def compute():
            with tf.GradientTape() as tape:
                out = f(self.xp, **consts, **variables)
            if cotangents is None:
                # the idiomatic call: a non-scalar, dict or list target is summed by TF itself
                target, output_gradients = out, None
            else:
                target = leaves(out)
                output_gradients = [tf.constant(c, dtype=o.dtype) for c, o in zip(cotangents, target)]
            return tape.gradient(target, [variables[s] for s in sources], output_gradients=output_gradients,
                                 unconnected_gradients=_unconnected(zero_unconnected))
        with self._placed():
            return self._grads(self._run(compute), sources)

    def jvp(self, f: Callable, inputs: Arrays, tangents: Arrays) -> list[np.ndarray]:
        names = list(tangents)
        with self._placed():
            consts = {n: tf.constant(v) for n, v in inputs.items() if n not in names}
            primals = [tf.constant(inputs[n]) for n in names]
            directions = [tf.constant(tangents[n]) for n in names]

            def compute():
                with tf.autodiff.ForwardAccumulator(primals, directions) as acc:
                    out = f(self.xp, **consts, **dict(zip(names, primals)))
                return [acc.jvp(o, unconnected_gradients=tf.UnconnectedGradients.ZERO) for o in leaves(out)]
            return [self.numpy(t) for t in self._run(compute)]

    def jacobian(self, f: Callable, inputs: Arrays, sources: Sequence[str], *,
                 zero_unconnected: bool = False) -> Grads:
        consts, variables = self._split(inputs, sources)

        def compute():
            with tf.GradientTape() as tape:
                (out,) = leaves(f(self.xp, **consts, **variables))
            return tape.jacobian(out, [variables[s] for s in sources],
                                 unconnected_gradients=_unconnected(zero_unconnected))
        with self._placed():
            raw = self._run(compute)
        return {n: None if j is None else self.numpy(j).reshape(-1, inputs[n].size)
                for n, j in zip(sources, raw)}

    def hvp(self, f: Callable, inputs: Arrays, tangents: Arrays, *, zero_unconnected: bool = False,
            outer: str = "rev") -> Grads:
        sources = list(tangents)
        consts, variables = self._split(inputs, sources)
        srcs = [variables[s] for s in sources]

        def forward_over_reverse():
            with tf.autodiff.ForwardAccumulator(srcs, [tf.constant(tangents[s]) for s in sources]) as acc:
                with tf.GradientTape() as tape:
                    (out,) = leaves(f(self.xp, **consts, **variables))
                grads = tape.gradient(out, srcs, unconnected_gradients=tf.UnconnectedGradients.ZERO)
            return [acc.jvp(g, unconnected_gradients=tf.UnconnectedGradients.ZERO) for g in grads]

        def compute():
            with tf.GradientTape() as outer_tape:
                with tf.GradientTape() as inner:
                    (out,) = leaves(f(self.xp, **consts, **variables))
                grads = inner.gradient(out, srcs, unconnected_gradients=_unconnected(zero_unconnected))
                dot = tf.add_n([tf.reduce_sum(g * tangents[s]) for s, g in zip(sources, grads) if g is not None]
                               or [tf.constant(0, out.dtype)])
            return outer_tape.gradient(dot, srcs, unconnected_gradients=_unconnected(zero_unconnected))
        with self._placed():
            return self._grads(self._run(forward_over_reverse if outer == "fwd" else compute), sources)

    def per_target(self, f: Callable, inputs: Arrays, sources: Sequence[str], *,
                   persistent: bool = True, zero_unconnected: bool = False) -> dict[str, Grads]:
        consts, variables = self._split(inputs, sources)
        srcs = [variables[s] for s in sources]
        names = []

        def compute():
            with tf.GradientTape(persistent=persistent) as tape:
                out = f(self.xp, **consts, **variables)
            names[:] = paths(out)
            return [tape.gradient(target, srcs, unconnected_gradients=_unconnected(zero_unconnected))
                    for target in leaves(out)]
        with self._placed():
            raw = self._run(compute)
        return {name: self._grads(grads, sources) for name, grads in zip(names, raw)}

    def model_function(self, model: Any, inputs: tuple) -> ModelFunction:
        from harness.frameworks.keras_functions import function_of

        return function_of(model, inputs)

    def preserved(self, model: Any) -> contextlib.AbstractContextManager:
        from harness.frameworks.keras_functions import preserved

        return preserved(model)

    def model_vjp(self, model: str, fn: Callable, inputs: Arrays, sources: Sequence[str], *,
                  compute: str | None = None) -> Grads:
        from harness.frameworks.tf_models import build

        weights = str(inputs["x"].dtype)
        with self._placed():
            # mixed precision: a Keras dtype policy (``mixed_float16``: float32 variables, float16 compute)
            net, variable_of = build(model, inputs, dtype=f"mixed_{compute}" if compute else weights)
            x, t = tf.constant(inputs["x"]), tf.constant(inputs["t"])

            def step():
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean((tf.cast(net(x), weights) - t) ** 2)
                # ask for the model's own trainable_variables, as a training loop does, then name them
                return tape.gradient(loss, net.trainable_variables)
            raw = self._run(step)
        by_id = {id(v): g for v, g in zip(net.trainable_variables, raw)}
        missing = [n for n in sources if id(variable_of[n]) not in by_id]
        if missing:
            raise LookupError(f"{model}: weights {missing} are not in trainable_variables")
        return self._grads([by_id[id(variable_of[n])] for n in sources], sources)
