"""Regimes: where a gradient is computed besides eager code — one more axis of the registry.

- ``eager``: the framework's default execution (JAX's op sweep runs each check as one jitted
  program even here: un-jitted JAX costs 3x, see :meth:`JaxAdapter.one_program_per_check`);
- ``compiled``: the framework's compiler around the user's function, as users write it:
  ``tf.function`` around the tape and its ``gradient`` call (a train step), ``torch.compile``
  around the function with autograd outside it (AOTAutograd compiles the backward), ``jax.jit``
  around the derivative transformation;
- ``xla``: TensorFlow's ``tf.function(jit_compile=True)``. Elsewhere it is not a regime of its
  own (``jax.jit`` always compiles with XLA; torch compiles with Inductor), so it reads "n/a".

A regime changes how a check runs, never what it is compared with: the same float64 reference,
the same tolerance, and in a compiled regime also the framework's own eager answer.

``--regimes`` picks what a run covers (:func:`parse`): ``default`` runs every correctness case in
every regime (eager in every dtype, compiled ones in float32) and the op sweep eager in float32 and
float64, every op in reverse mode and ``suites.ops.DEEP_BY_DEFAULT`` in forward mode and second order
too; ``all`` runs everything in every dtype; a list such as ``eager,compiled`` runs those regimes over
everything. ``--dtype`` given explicitly applies to every regime.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.expectations import REGIMES, Expectation

#: why a framework has no such regime
NOT_A_REGIME = {
    ("torch", "xla"): "torch has no XLA compiler here: torch.compile (Inductor) is its compiler, the compiled regime",
    ("jax", "xla"): "jax.jit always compiles with XLA: the compiled regime is this one",
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
                frameworks=("torch",), regimes=("compiled",), modes=("hvp",), fixable=False),
)


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
