"""The public checker's front door (``from harness import gradcheck``): is the derivative of *your* function right,
custom gradients included?

``gradcheck(fn, args, framework="torch")`` differentiates ``fn`` with the framework's own machinery
and compares with float64 finite differences of ``fn`` itself, evaluated in the same framework
(:mod:`harness.reference`: adaptive steps, Richardson extrapolation, an error bar per entry), on the
one judge the suite uses (:mod:`harness.judge`).

- ``args`` is a pytree (tuples, lists, dicts, nested): a tuple or list is passed positionally, a dict
  as keywords. Floating and complex NumPy leaves (float16, bfloat16, float32, float64, complex64,
  complex128) are differentiated, each in its own dtype; integer and bool arrays pass through as
  constant tensors, anything else (Python numbers, strings) unchanged. Every floating or complex
  leaf of ``fn``'s output (a tensor or a pytree of them) is checked.
- Reverse mode weights the outputs with a random cotangent, forward mode pushes a random tangent
  (:func:`harness.domains.weights`: magnitudes in [0.5, 1.5]), so an error in one Jacobian entry cannot
  hide behind a tiny weight. Sources up to :data:`harness.reference.FULL_LIMIT` elements are compared at
  every coordinate; larger ones at sampled coordinates plus random projections, which the result says.
- ``order=2`` checks the Hessian of the weighted output times a random tangent (reverse-over-reverse
  for ``"rev"``, forward-over-reverse for ``"fwd"``) against finite differences of ``fn``; a complex
  output is weighted as ``Re Σ conj(w)·output``.
- ``compiled=True`` checks the derivative computed under ``tf.function``, ``torch.compile`` or
  ``jax.jit``; ``compiled="xla"`` under ``tf.function(jit_compile=True)`` (TensorFlow).
- Complex leaves are checked in one convention, :data:`harness.complexes.CANONICAL` (∂L/∂x + i·∂L/∂y
  for the real loss ``L = Re Σ conj(cotangent)·output``); a framework whose gradient is the conjugate
  (JAX: its VJP is linear in the cotangent) is converted.

The outcomes: passed (a :class:`GradcheckResult`), or one of :mod:`harness.errors`: wrong gradient
(:class:`GradientMismatch`), reference undefined (:class:`ReferenceUndefined`), not deterministic
(:class:`NotDeterministic`), cannot check (:class:`GradcheckError`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from harness import frameworks, trees
from harness.checker import Check, GradcheckResult
from harness.errors import (
    Disconnected,
    GradcheckError,
    GradientMismatch,
    NotDeterministic,
    ReferenceUndefined,
)
from harness.judge import DetectionPower
from harness.tolerances import Tolerance
from harness.user_call import UserCall

__all__ = ["MODES", "DetectionPower", "Disconnected", "GradcheckError", "GradcheckResult", "GradientMismatch",
           "NotDeterministic", "ReferenceUndefined", "gradcheck", "gradcheck_model"]

MODES = ("rev", "fwd")


def _validate(modes: Sequence[str], order: int, nondet_tol: float) -> tuple[str, ...]:
    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    unknown = set(modes) - set(MODES)
    if unknown or not modes:
        raise GradcheckError(f"unknown modes {sorted(unknown) or '(none)'}: use some of {MODES}")
    if order not in (1, 2):
        raise GradcheckError(f"order={order!r}: gradcheck checks order 1 or 2")
    if not (isinstance(nondet_tol, (int, float)) and nondet_tol >= 0):
        raise GradcheckError(f"nondet_tol={nondet_tol!r}: give the largest difference between two calls to accept "
                             f"(a number >= 0; 0 requires identical calls)")
    return modes


def run_check(fn: Callable, args: Any, *, framework: str, kwargs: Mapping[str, Any] | None = None,
              modes: Sequence[str] = ("rev",), order: int = 1, compiled: bool | str = False, device: str = "cpu",
              tolerance: Tolerance | None = None, seed: int = 0, nondet_tol: float = 0.0,
              path_of: Callable[[tuple], str] = lambda key: trees.python_path("args", key)) -> GradcheckResult:
    """:func:`gradcheck` with the leaves' display names chosen by ``path_of`` (a key path -> text)."""
    modes = _validate(modes, order, nondet_tol)
    eager = frameworks.load(frameworks.canonical(framework), device)
    regime = {False: "eager", True: "compiled"}.get(compiled, compiled)
    if regime not in ("eager", "compiled", "xla"):
        raise GradcheckError(f"compiled={compiled!r}: use True (tf.function, torch.compile, jax.jit), 'xla' "
                             f"(TensorFlow's jit_compile=True) or False")
    call = UserCall(fn, args, kwargs, eager, eager.in_regime(regime), path_of)
    check = Check(call, tolerance, order, nondet_tol)
    # determinism first: a random fn has no derivative, and a finite difference of it is noise
    outs = call.evaluate()
    check.noise = call.same_twice("fn", outs, call.evaluate(), call.out_paths, nondet_tol)
    rng = np.random.default_rng(seed)
    if order == 1:
        check.first_order(modes, rng)
    else:
        check.second_order(modes, rng)
    return check.result(modes)


def gradcheck(fn: Callable[..., Any], args: Any, *, framework: str, kwargs: Mapping[str, Any] | None = None,
              modes: Sequence[str] = ("rev",), order: int = 1, compiled: bool | str = False, device: str = "cpu",
              tolerance: Tolerance | None = None, seed: int = 0, nondet_tol: float = 0.0) -> GradcheckResult:
    """Check ``fn``'s derivatives in ``framework`` against float64 finite differences of ``fn``.

    Args:
        fn: takes framework tensors in ``args``' structure (a tuple positionally, a dict as keywords)
            and returns a tensor or a pytree of tensors. It may use ``tf.custom_gradient``,
            ``torch.autograd.Function`` or ``jax.custom_vjp``; its forward pass must work in float64.
        args: the point to check at, a pytree of NumPy arrays and Python values (see the module doc).
        framework: ``"tensorflow"`` (or ``"tf"``), ``"torch"`` or ``"jax"``.
        kwargs: passed to ``fn`` unchanged (static).
        modes: ``"rev"`` (reverse mode) and/or ``"fwd"`` (forward mode; not for ``jax.custom_vjp``).
            At ``order=2``: the outer mode over reverse mode.
        order: 1, or 2 for second derivatives.
        compiled: ``True`` (``tf.function``, ``torch.compile``, ``jax.jit``) or ``"xla"`` (TensorFlow).
        device: ``"cpu"`` or ``"cuda"``.
        tolerance: overrides the per-dtype table of :mod:`harness.tolerances` (default: the entry of
            the least precise leaf).
        seed: seed of the random cotangents, tangents and probes.
        nondet_tol: the largest difference between two calls of fn (or of its derivative) at the same inputs to
            accept (as torch's gradcheck has it); it widens the reference's error bars and the allowance by as much.

    Returns:
        A :class:`GradcheckResult` with the errors measured and the check's detection power.

    Raises:
        GradientMismatch: a derivative differs beyond the tolerance (a NaN or ±inf where the reference is finite
            included); the message names each worst entry by its path (``args['w'][2, 3]``), counts the entries
            over, and gives the reference's error bar. :class:`Disconnected` (also a :class:`GradcheckError`) where
            the framework gives no gradient (``None``) for an input the output depends on.
        ReferenceUndefined: the derivative does not exist at some entries (one-sided derivatives differ, or fn is
            not finite there); each is named with its one-sided derivatives.
        NotDeterministic: two calls of fn or of its derivative at the same inputs differ beyond ``nondet_tol``.
        GradcheckError: the check cannot be made as asked (one line naming the fix).
        harness.frameworks.FrameworkError: unknown framework, not installed, or device absent.
    """
    return run_check(fn, args, framework=framework, kwargs=kwargs, modes=modes, order=order, compiled=compiled,
                     device=device, tolerance=tolerance, seed=seed, nondet_tol=nondet_tol)


def gradcheck_model(model: Any, inputs: Any, *, framework: str, loss: Callable[[Any], Any] | None = None,
                    modes: Sequence[str] = ("rev",), order: int = 1, compiled: bool | str = False,
                    device: str = "cpu", tolerance: Tolerance | None = None, seed: int = 0,
                    nondet_tol: float = 0.0) -> GradcheckResult:
    """Check the gradient of a model's loss w.r.t. every trainable parameter and its floating inputs.

    Args:
        model: a ``torch.nn.Module``, a Keras layer or model (built, or built here by one call on
            ``inputs``), or JAX's pair ``(apply_fn, params)`` with ``apply_fn(params, *inputs)``.
            The model runs on its parameters' values in each dtype (float64 for the reference) through
            ``torch.func.functional_call``, ``stateless_call`` or ``apply_fn``, and is left as it was found:
            parameters, buffers, non-trainable variables, counters (BatchNorm's statistics) and the framework's
            random state are restored. A model in training mode with dropout is random: put it in inference mode.
        inputs: a NumPy array or a tuple of them (the model's positional inputs). Float inputs are
            differentiated too; integer inputs (token ids) are constants.
        loss: ``loss(output) -> tensor`` in framework tensors. Default: the output itself, weighted by the
            random cotangent (in reverse mode), which is a fixed random projection of the output.
        The rest: as for :func:`gradcheck`.

    Raises:
        GradientMismatch: the message names the parameter and entry (``dense.kernel[3, 1]``).
        GradcheckError: the model has no trainable parameters, is not of ``framework``, or its inputs' dtype does
            not suit it (one line, naming the fix); and as for :func:`gradcheck`.
    """
    name = frameworks.canonical(framework)
    adapter = frameworks.load(name, device)  # the framework's own error first (unknown, not installed, no device)
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    single = len(inputs) == 1
    with adapter.preserved(model):
        model_fn = adapter.model_function(model, inputs)

        def path_of(key: tuple) -> str:
            if key[0] == 0:  # a parameter: its own name (a pytree's keys joined by dots)
                return key[1] if model_fn.flat_names else ".".join(str(k) for k in key[1:])
            return "inputs" if single else trees.python_path("inputs", key[1:2]) + trees.python_path("", key[2:])

        def fn(params, model_inputs):
            out = model_fn.call(params, *model_inputs)
            return out if loss is None else loss(out)
        return run_check(fn, (model_fn.params, inputs), framework=name, modes=modes, order=order, compiled=compiled,
                         device=device, tolerance=tolerance, seed=seed, nondet_tol=nondet_tol, path_of=path_of)
