"""The one list of frameworks gradparity knows: everything else (names, labels, colours, adapters,
op vocabularies, install hints, which packages to report) is derived from it.

Adding a framework is one :class:`Framework` row here plus its adapter and vocabulary modules; a
declaration (a case's expectations, an op's divergences, a behaviour) that does not mention the new
framework reads "not characterized" for it rather than failing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Framework:
    """One framework under test.

    Args:
        name: canonical name, used in test ids, records and declarations (``tensorflow``).
        label: short column title in reports (``TF``).
        colour: its colour in every plot, so one framework reads the same everywhere.
        adapter: ``"module:Class"`` of its :class:`~harness.frameworks.base.Adapter` (imported lazily).
        vocabulary: module whose ``VOCABULARY`` maps the op sweep's neutral names to its own ops.
        install: what to ``pip install`` when it is missing.
        aliases: other names a user may type (``tf``).
        packages: distributions whose versions a run records.
        loggers: logger names whose warnings the semantics observer captures.
        modules: top-level modules whose arrays are this framework's tensors (a tensor passed where NumPy belongs).
        complex_gradient: what its gradient of a real loss w.r.t. a complex input is (:mod:`harness.complexes`):
            ``∂L/∂x + i·∂L/∂y`` (TF, torch), or its conjugate (JAX, whose VJP is then linear in the cotangent).
    """

    name: str
    label: str
    colour: str
    adapter: str
    vocabulary: str
    install: str
    aliases: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    loggers: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    complex_gradient: str = "dL/dx + i·dL/dy"


REGISTRY: tuple[Framework, ...] = (
    Framework("tensorflow", "TF", "#e8710a", "harness.frameworks.tf_adapter:TensorFlowAdapter",
              "harness.frameworks.tf_ops", "tensorflow-cpu", aliases=("tf",),
              packages=("tensorflow", "tensorflow-cpu", "keras"), loggers=("tensorflow", "absl"),
              modules=("tensorflow", "keras")),
    Framework("torch", "torch", "#c0392b", "harness.frameworks.torch_adapter:TorchAdapter",
              "harness.frameworks.torch_ops", "torch==2.13.0 array-api-compat", aliases=("pytorch",),
              packages=("torch", "array-api-compat"), modules=("torch",)),
    Framework("jax", "JAX", "#2e86c1", "harness.frameworks.jax_adapter:JaxAdapter",
              "harness.frameworks.jax_ops", "jax", packages=("jax", "jaxlib"), loggers=("jax",),
              modules=("jax", "jaxlib"), complex_gradient="dL/dx − i·dL/dy"),
)

#: canonical names, in report order
FRAMEWORKS: tuple[str, ...] = tuple(f.name for f in REGISTRY)
BY_NAME: dict[str, Framework] = {f.name: f for f in REGISTRY}
ALIASES: dict[str, str] = {alias: f.name for f in REGISTRY for alias in f.aliases}
LABELS: dict[str, str] = {f.name: f.label for f in REGISTRY}
COLOURS: dict[str, str] = {f.name: f.colour for f in REGISTRY}
#: top-level modules whose arrays are some framework's tensors
MODULES: tuple[str, ...] = tuple(m for f in REGISTRY for m in f.modules)
#: every framework distribution whose version a run records
PACKAGES: tuple[str, ...] = tuple(p for f in REGISTRY for p in f.packages)
#: short names for declarations in the suites (``divergence((TF,), ...)``)
TF, TORCH, JAX = "tensorflow", "torch", "jax"
