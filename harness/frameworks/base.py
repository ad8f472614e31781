"""The interface every framework adapter implements, and the errors a user sees when one is missing.

Adapters speak NumPy at their edges: inputs arrive as float64/float32 NumPy arrays, gradients
leave as NumPy arrays (or ``None`` where the framework itself answered ``None``). In between,
each adapter uses its framework's idiomatic user API, because that API is what users get wrong.

A differentiable function handed to an adapter has the signature ``f(xp, **tensors)``: ``xp`` is
the adapter's NumPy-like namespace and ``tensors`` holds every named input (constants and
sources). It returns an array, or a dict or list of arrays (see :mod:`harness.trees`).
"""

from __future__ import annotations

import abc
import contextlib
import importlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Arrays = Mapping[str, np.ndarray]
Grads = dict[str, np.ndarray | None]


@contextlib.contextmanager
def native_stderr_quiet():
    """Silence what native code writes to file descriptor 2 inside the block (a framework's load-time
    banners, which its log-level settings do not reach); Python exceptions still propagate."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class FrameworkError(Exception):
    """Base of the errors that name a framework problem and its fix in one line."""


class UnknownFramework(FrameworkError, ValueError):
    """A framework name we do not know."""


class FrameworkUnavailable(FrameworkError, ImportError):
    """A known framework that cannot be imported here."""


class DeviceUnavailable(FrameworkError, RuntimeError):
    """A device was asked for that this framework cannot see."""


class NotAvailable(FrameworkError, AttributeError):
    """An op of the sweep's vocabulary that this framework does not have (the message says why)."""


class UnknownOp(FrameworkError, KeyError):
    """A name no vocabulary entry declares: a typo or a missing entry, so a bug, never "n/a"."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


@dataclass(frozen=True)
class Missing:
    """A vocabulary entry for an op the framework lacks, with the reason a user would want."""

    why: str


class Vocabulary:
    """One framework's native ops under the op sweep's neutral names (``xp.ops.erf``).

    By rule, a name is the framework's own op of that name, found in the framework's namespaces in the order its
    registry row gives (``torch``, ``torch.special``, ``torch.nn.functional``, ``torch.linalg``), imported on first
    use. Only the exceptions are written, in one table per framework: a different name or signature, a composition
    (:attr:`composites` says which), or :class:`Missing` where the framework lacks the op (asking for it raises
    :class:`NotAvailable` with the reason, so the check reads "n/a"). A name the rule cannot find and no exception
    declares raises :class:`UnknownOp`: a typo must fail, not skip.
    """

    def __init__(self, framework: str, exceptions: Mapping[str, Callable[..., Any] | Missing],
                 composites: Mapping[str, str] | None = None, namespaces: tuple[str, ...] = (), *,
                 reference: bool = False):
        self._framework = framework
        self._ops = dict(exceptions)
        self._namespaces = tuple(namespaces)
        self._found: dict[str, Callable[..., Any]] = {}
        #: op name -> how the entry is composed, where it is not one op of the framework's own
        self.composites = dict(composites or {})
        #: whether this is the float64 reference's vocabulary (NumPy), where an op may carry its own meaning
        self.reference = reference

    def _by_rule(self, name: str) -> Callable[..., Any] | None:
        found = self.__dict__["_found"]
        if name not in found:
            for path in self.__dict__["_namespaces"]:
                candidate = getattr(importlib.import_module(path), name, None)
                if callable(candidate):
                    found[name] = candidate
                    break
        return found.get(name)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("__"):  # copy/pickle probes: not op names
            raise AttributeError(name)
        entry = self.__dict__["_ops"].get(name)
        if entry is None:
            entry = self._by_rule(name)
        if entry is None:
            where = ", ".join(self.__dict__["_namespaces"]) or "none"
            raise UnknownOp(f"{self._framework}'s op vocabulary has no entry {name!r}, and its namespaces ({where}) have "
                            f"no such op: add it to {self._framework}'s exceptions table (Missing(why) if the "
                            f"framework lacks the op)")
        if isinstance(entry, Missing):
            raise NotAvailable(f"{self._framework} has no {name}: {entry.why}")
        return entry

    def __contains__(self, name: str) -> bool:
        return isinstance(self._ops.get(name), Callable) or self._by_rule(name) is not None

    def declares(self, name: str) -> bool:
        """Whether ``name`` resolves here, by rule or exception (available or :class:`Missing`)."""
        return name in self._ops or self._by_rule(name) is not None

    def define(self, name: str, meaning: Callable[..., Any]) -> None:
        """Declare what ``name`` means here (an op row's ``ref=``); declaring it again differently is an error.

        Raises:
            ValueError: ``name`` already means something else.
        """
        known = self._ops.get(name)
        if known is not None and known is not meaning:
            raise ValueError(f"{self._framework}'s {name!r} is declared twice, differently: one op row per name")
        self._ops[name] = meaning

    @property
    def exceptions(self) -> frozenset[str]:
        """The names the exceptions table writes out (available or :class:`Missing`)."""
        return frozenset(self._ops)


@dataclass
class ModelFunction:
    """A user's model as a function of its trainable parameters, for :func:`harness.gradcheck_model`:
    ``call(params, *inputs)`` runs it on framework tensors without changing it; ``params`` are NumPy arrays (a dict
    name -> array, or the user's pytree for JAX); ``flat_names`` whether ``params``' keys are already dotted names."""

    params: Any
    call: Callable[..., Any]
    flat_names: bool


@dataclass(frozen=True)
class Timed:
    """The callables a benchmark times, each returning only once the device's work is done.

    ``backward`` takes the state ``backward_setup`` returns (a recorded forward pass), so a timer
    can run the setup untimed; both are ``None`` where the framework cannot split them (a
    ``tf.function`` keeps its tape inside), and the backward time is then derived.
    """

    forward: Callable[[], Any]
    forward_backward: Callable[[], Any]
    backward_setup: Callable[[], Any] | None
    backward: Callable[[Any], Any] | None


class Namespace:
    """A NumPy-like namespace: a framework's own module plus the few names it lacks.

    Case functions are written once against this surface (``xp.exp``, ``xp.matrix_transpose``,
    ``xp.sum(x, axis=0)``, ``x @ y``), so a name missing from one framework is filled here, in
    the adapter, never worked around in a case.
    """

    def __init__(self, base: Any, **extras: Callable[..., Any]):
        self._base = base
        self._extras = extras

    def __getattr__(self, name: str) -> Any:
        extras = self.__dict__.get("_extras", {})
        if name in extras:
            return extras[name]
        return getattr(self.__dict__["_base"], name)


class Adapter(abc.ABC):
    """One framework's gradient machinery behind a small NumPy-facing interface."""

    #: canonical name, as used in test ids and reports
    name: str
    #: the framework's version string
    version: str
    #: whether :meth:`compile` speeds up thousands of small calls (finite differences). Measured
    #: on a 400-element sin: JAX 0.86 s eager vs 0.39 s jitted; TF 0.47 s eager vs 1.26 s
    #: with tf.function, whose per-call overhead exceeds eager dispatch for small functions.
    compile_small_calls: bool = False

    #: where its derivatives are computed (see :mod:`harness.regimes`)
    regime: str = "eager"

    @property
    def complex_gradient(self) -> str:
        """Its convention for the gradient of a real loss w.r.t. a complex input (its registry row's)."""
        from harness.frameworks.registry import BY_NAME

        return BY_NAME[self.name].complex_gradient

    def __init__(self, device: str = "cpu"):
        self.device = device

    def in_regime(self, regime: str) -> Adapter:
        """This adapter computing its derivatives in ``regime`` (``eager``: itself).

        Raises:
            NotAvailable: the framework has no such regime (the message says why).
        """
        from harness.regimes import (
            supports,  # the regimes' table imports the frameworks' registry
        )

        if regime == self.regime:
            return self
        raise NotAvailable(supports(self.name, regime) or f"{self.name} has no {regime} regime here")

    # -- arrays and devices ---------------------------------------------------------------
    def one_program_per_check(self) -> Adapter:
        """The adapter to run many small checks with: itself, unless compiling each check as one
        program is cheaper than eager dispatch (JAX: see its adapter)."""
        return self

    @property
    @abc.abstractmethod
    def xp(self) -> Namespace:
        """The NumPy-like namespace case functions run on."""

    @abc.abstractmethod
    def tensor(self, value: np.ndarray) -> Any:
        """A constant framework array on this adapter's device, with ``value``'s dtype."""

    @abc.abstractmethod
    def numpy(self, value: Any) -> np.ndarray:
        """A framework array (or Python number) as a NumPy array on the host."""

    @abc.abstractmethod
    def sync(self, value: Any = None) -> None:
        """Block until queued device work (and ``value``, where given) is finished."""

    @classmethod
    @abc.abstractmethod
    def device_names(cls) -> list[str]:
        """The devices this framework can use here, e.g. ``["cpu", "cuda"]``."""

    # -- derivatives ------------------------------------------------------------------------
    @abc.abstractmethod
    def vjp(self, f: Callable, inputs: Arrays, sources: Sequence[str],
            cotangents: Sequence[np.ndarray] | None = None, *, zero_unconnected: bool = False,
            none_unconnected: bool = False) -> Grads:
        """Reverse mode: the gradient of ``sum(cotangent * f)`` w.r.t. each source.

        Args:
            f: the function, ``f(xp, **tensors)``.
            inputs: every named input of ``f``.
            sources: the names differentiated against (the rest are constants).
            cotangents: one array per output leaf (:func:`harness.trees.leaves` order); ``None``
                means "the gradient of the sum of every output element", which each adapter asks
                of its framework in the idiomatic way (TF's implicit sum, ones elsewhere).
            zero_unconnected: ask the framework for zeros instead of its default answer (``None``
                or an error) for a source the output does not depend on.
            none_unconnected: ask for ``None`` there instead of an error (torch's ``allow_unused``), so a checker
                can tell "no gradient reaches this input" from a gradient of zeros; a framework that has no such
                answer gives its zeros.

        Returns:
            source name -> gradient, or ``None`` where the framework answered ``None``.
        """

    @abc.abstractmethod
    def jvp(self, f: Callable, inputs: Arrays, tangents: Arrays) -> list[np.ndarray]:
        """Forward mode: the output tangent (one array per output leaf) along ``tangents``."""

    @abc.abstractmethod
    def jacobian(self, f: Callable, inputs: Arrays, sources: Sequence[str], *,
                 zero_unconnected: bool = False) -> Grads:
        """The full Jacobian of a single-array output, as ``(output.size, source.size)`` each."""

    @abc.abstractmethod
    def hvp(self, f: Callable, inputs: Arrays, tangents: Arrays, *, zero_unconnected: bool = False,
            outer: str = "rev") -> Grads:
        """Second order: the Hessian of the scalar output times ``tangents`` (keys = sources).

        ``outer``: ``"rev"`` (reverse-over-reverse) or ``"fwd"`` (forward-over-reverse); each adapter's
        default is its framework's idiom (JAX: forward-over-reverse, as its cookbook recommends).
        """

    @abc.abstractmethod
    def per_target(self, f: Callable, inputs: Arrays, sources: Sequence[str], *,
                   persistent: bool = True, zero_unconnected: bool = False) -> dict[str, Grads]:
        """Several gradients from one recording: one per output leaf (name -> grads).

        With ``persistent=False`` the recording is the framework's default one-shot kind (TF's
        non-persistent tape, torch without ``retain_graph``): a second gradient raises where the
        framework does, and that error propagates.
        """

    def model_vjp(self, model: str, fn: Callable, inputs: Arrays, sources: Sequence[str], *,
                  compute: str | None = None) -> Grads:
        """Gradient of a model's loss w.r.t. its trainable weights, built the framework's way.

        ``model`` names the architecture (see ``harness.frameworks.models``); ``fn`` is the same
        loss in neutral math, for frameworks whose idiomatic model *is* a function (JAX).
        Weights arrive in Keras layout (kernel ``(in, out)``); adapters convert and convert back.
        ``compute`` (``float16``/``bfloat16``): mixed precision by the framework's own mechanism — the
        weights stay in their dtype (float32), the model computes in ``compute``, the loss against the
        target ``t`` in the weights' dtype.
        """
        raise NotImplementedError(f"{self.name} has no model {model!r}")

    @abc.abstractmethod
    def timed(self, f: Callable, inputs: Arrays, sources: Sequence[str], *, compiled: bool) -> Timed:
        """Forward, forward + backward and backward-alone callables of the scalar loss ``f``.

        ``compiled`` uses the framework's compiler (``tf.function``, ``torch.compile``, ``jax.jit``);
        the first call of a compiled callable includes tracing and compilation.
        """

    def is_tensor(self, value: Any) -> bool:
        """Whether ``value`` is this framework's array (what a differentiable function must return)."""
        from harness.frameworks.registry import BY_NAME

        return type(value).__module__.split(".")[0] in BY_NAME[self.name].modules

    def model_function(self, model: Any, inputs: tuple) -> ModelFunction:
        """``model`` (this framework's kind of model, built or built by a call on ``inputs``) as a function of its
        trainable parameters.

        Raises:
            GradcheckError: ``model`` is not this framework's, or has no trainable parameters (one line).
        """
        from harness.errors import GradcheckError

        raise GradcheckError(f"{self.name} has no model plumbing here: check the model's function with gradcheck")

    def preserved(self, model: Any) -> contextlib.AbstractContextManager:
        """A context that leaves ``model`` and the framework's random state as they were found: every buffer,
        non-trainable variable and counter a forward pass may touch (BatchNorm's running statistics)."""
        return contextlib.nullcontext()

    def reset_peak_memory(self) -> None:
        """Start a new peak-memory window on the device (nothing to do on CPU)."""

    def peak_memory_bytes(self) -> int | None:
        """The device allocator's peak since the last reset; ``None`` on CPU, where the process's
        peak resident size is the measure instead."""
        return None

    def compile(self, fn: Callable) -> Callable:
        """``fn`` compiled the framework's way (``tf.function``, ``jax.jit``); eager by default."""
        return fn

    #: the name of the framework's vectorizing map, where it has one (``torch.func.vmap``)
    vectorizer: str | None = None

    def vectorized(self, fn: Callable) -> Callable | None:
        """``fn`` (tensors in, a list of tensors out) mapped over a new leading axis of every argument by the
        framework's own vectorizing map, or ``None`` where it has none. The finite-difference reference evaluates a
        rung's points in one such call (:func:`harness.reference.evaluate`)."""
        return None
