"""Regimes: where a gradient is computed besides eager code — one more axis of the registry.

- ``eager``: the framework's default execution (JAX's op sweep runs each check as one jitted
  program even here: un-jitted JAX costs 3x, see :meth:`JaxAdapter.one_program_per_check`);
- ``compiled``: the framework's compiler around the user's function, as users write it:
  ``tf.function`` around the tape and its ``gradient`` call (a train step), ``torch.compile``
  around the function with autograd outside it (AOTAutograd compiles the backward), ``jax.jit``
  around the derivative transformation;
- ``xla``: TensorFlow's ``tf.function(jit_compile=True)``. Elsewhere it is not a regime of its
  own (``jax.jit`` always compiles with XLA; torch compiles with Inductor), so it reads "n/a".

Beside them, ``mixed`` labels the model cases run in mixed precision (``check.mixed``: float32 weights
computing in float16/bfloat16 by ``torch.autocast``, a Keras policy or JAX casts); it is no ``--regimes``
choice but runs wherever float16/bfloat16 are selected, because it only exists for models.

A regime changes how a check runs, never what it is compared with: the same float64 reference,
the same tolerance, and in a compiled regime also the framework's own eager answer.

``--regimes`` picks what a run covers (:func:`parse`): ``default`` runs every correctness case in
every regime (eager in every dtype, compiled ones in float32) and the op sweep eager in float32 and
float64, every op in reverse mode and ``suites.ops.DEEP_BY_DEFAULT`` in forward mode and second order
too; ``all`` runs everything in every dtype, except that the op sweep compiles in float32 only (every
dtype would take four times its ~20 minutes); a list such as ``eager,compiled`` runs those regimes over
everything. ``--dtype`` given explicitly applies to every regime.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from harness.expectations import (
    COMPLEX,
    LOW_PRECISION,
    REGIMES,
    Expectation,
    divergence,
)
from harness.frameworks.registry import JAX, TF, TORCH

#: why a framework has no such regime
NOT_A_REGIME = {
    (TORCH, "xla"): "torch has no XLA compiler here: torch.compile (Inductor) is its compiler, the compiled regime",
    (JAX, "xla"): "jax.jit always compiles with XLA: the compiled regime is this one",
}

#: what a regime does that the framework documents, for every case of a mode (a case's own declaration
#: for that regime takes precedence); filled from measurements, each with its reason
KNOWN: tuple[Expectation, ...] = (
    Expectation("error:RuntimeError",
                "torch.compile's backward cannot be differentiated again ('torch.compile with aot_autograd does not "
                "currently support double backward'; where a graph break leaves the first gradient outside the graph, "
                "'The differentiated Tensor ... appears to not have been used in the graph', and allow_unused + "
                "materialize_grads then give zeros: a silently wrong Hessian). Take second derivatives of the "
                "uncompiled function (torch.func.hessian, or autograd.grad with create_graph=True)",
                frameworks=(TORCH,), regimes=("compiled",), modes=("hvp",), fixable=False),
)


#: errors a compiled regime cannot re-raise as their own type from the code it traces, and what the user sees instead:
#: TF's AutoGraph re-raises them as StagingError (measured, TF 2.21: it rebuilds TF's OpErrors and the built-in errors
#: of its own list, not LookupError)
REWRAPPED: dict[tuple[str, str], dict[str, str]] = {
    (TF, regime): {"LookupError": "StagingError"} for regime in ("compiled", "xla")}


def traced(framework: str, regime: str, declared: Expectation | None) -> Expectation | None:
    """A framework-wide declaration as ``regime`` shows it: an error the regime re-raises as another type
    (:data:`REWRAPPED`) is declared as that type, with the reason kept."""
    kind = declared.kind.removeprefix("error:") if declared is not None else ""
    seen = REWRAPPED.get((framework, regime), {}).get(kind)
    if seen is None:
        return declared
    return dataclasses.replace(declared, kind=f"error:{seen}", fixable=False,
                               why=f"{declared.why} (inside the {regime} regime the {kind} is re-raised as {seen})")


#: an op sweep declaration for the ops that index with a NumPy array: under torch.compile, torch.func.jvp of a
#: function that turns it into a tensor (``torch.from_numpy``) fails inside dynamo (measured, torch 2.13)
TORCH_JVP_OF_NUMPY_INDEX = divergence(
    (TORCH,), "torch.compile around torch.func.jvp fails on an index array the function turns into a tensor "
    "(torch.from_numpy): 'AssertionError: Guard failed on the same frame it was created. This is a bug'; pass "
    "index tensors in as arguments", kind="error:AssertionError", modes=("fwd",), regimes=("compiled",))


def supports(framework: str, regime: str) -> str | None:
    """``None`` where ``framework`` runs in ``regime``, else the reason it does not."""
    return NOT_A_REGIME.get((framework, regime))


def known(framework: str, regime: str, mode: str) -> Expectation | None:
    """The regime-wide declaration for ``framework`` checking ``mode`` in ``regime``, if any."""
    return next((e for e in KNOWN if e.applies(framework=framework, mode=mode, regime=regime)), None)


@dataclass(frozen=True)
class Selection:
    """What a run covers: the regimes cases run in, the regimes ops run in, and whether it is a full run (every
    op in every mode and dtype, compiled regimes in every dtype) or the default run's subset."""

    case_regimes: tuple[str, ...]
    op_regimes: tuple[str, ...]
    full: bool

    def dtypes_for(self, dtypes: list[str], *, explicit: bool, kind: str | None, regime: str | None,
                   is_complex: bool = False, only: frozenset[str] | None = None) -> list[str]:
        """The dtypes one test item runs in, out of ``dtypes`` (``--dtype``; ``explicit`` where the user gave it).

        ``kind``: ``"cases"`` (float16/bfloat16 always; complex dtypes for complex cases alone), ``"ops"``
        (low precision in a full run or where asked for; never complex) or ``None`` (any other test: float32 and
        float64); ``regime``: beyond eager, the cases compile in float32 (complex64) in the default run and the op
        sweep always, unless ``--dtype`` is given; ``only``: a
        test built for these dtypes alone (mixed precision), which runs them by default as the cases do.
        """
        low = kind == "cases" or only is not None or (kind == "ops" and (self.full or explicit))
        chosen = [d for d in dtypes if (low or d not in LOW_PRECISION) and (kind == "cases" or d not in COMPLEX)]
        if regime not in (None, "eager") and not explicit and (kind == "ops" or not self.full):
            # the budget: a compiled check costs ~2 s under torch.compile here (Inductor builds C++), so compiled
            # regimes run in float32 (complex64), the dtype models are compiled in: the cases in the default run,
            # the op sweep always (every dtype would take four times the full sweep's ~20 minutes)
            chosen = [d for d in chosen if d in ("float32", "complex64")]
        if kind == "cases":
            chosen = [d for d in chosen if (d in COMPLEX) == is_complex]
        return [d for d in chosen if only is None or d in only]

    @property
    def label(self) -> str:
        deep = "every op in every mode" if self.full else "every op in reverse mode, the default subset deeper"
        return f"cases: {', '.join(self.case_regimes)}; ops: {', '.join(self.op_regimes)} ({deep})"


def parse(text: str) -> Selection:
    """``default``, ``all`` or a comma list of regimes.

    Raises:
        ValueError: an unknown regime (the message lists the known ones).
    """
    text = text.strip() or "default"
    if text == "default":
        return Selection(REGIMES, ("eager",), False)
    if text == "all":
        return Selection(REGIMES, REGIMES, True)
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in REGIMES]
    if unknown:
        raise ValueError(f"unknown regimes {unknown}: choose default, all, or from {', '.join(REGIMES)}")
    chosen = tuple(dict.fromkeys(names))
    return Selection(chosen, chosen, True)
