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
        vocabulary: module of its op vocabulary's exceptions table, whose ``VOCABULARY`` maps the op sweep's neutral
            names to its own ops (by rule: the same name in ``namespaces``; the module writes only the exceptions).
        namespaces: the modules an op's neutral name is looked up in, in order (``torch``, ``torch.special``, ...).
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
    namespaces: tuple[str, ...] = ()


REGISTRY: tuple[Framework, ...] = (
    Framework("tensorflow", "TF", "#e8710a", "harness.frameworks.tf_adapter:TensorFlowAdapter",
              "harness.frameworks.tf_ops", "tensorflow-cpu", aliases=("tf",),
              packages=("tensorflow", "tensorflow-cpu", "keras"), loggers=("tensorflow", "absl"),
              modules=("tensorflow", "keras"),
              namespaces=("tensorflow.math", "tensorflow.nn", "tensorflow", "tensorflow.linalg")),
    Framework("torch", "torch", "#c0392b", "harness.frameworks.torch_adapter:TorchAdapter",
              "harness.frameworks.torch_ops", "torch==2.13.0 array-api-compat", aliases=("pytorch",),
              packages=("torch", "array-api-compat"), modules=("torch",),
              namespaces=("torch", "torch.special", "torch.nn.functional", "torch.linalg")),
    Framework("jax", "JAX", "#2e86c1", "harness.frameworks.jax_adapter:JaxAdapter",
              "harness.frameworks.jax_ops", "jax", packages=("jax", "jaxlib"), loggers=("jax",),
              modules=("jax", "jaxlib"), complex_gradient="dL/dx − i·dL/dy",
              namespaces=("jax.numpy", "jax.scipy.special", "jax.nn", "jax.numpy.linalg", "jax.scipy.linalg",
                          "jax.lax")),
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


def register(framework: Framework) -> None:
    """Make ``framework`` known at run time beside the rows above (a framework of one's own, or a test's): its name,
    aliases, label and colour resolve everywhere a name is looked up (:func:`harness.frameworks.load`, vocabularies,
    conventions). The suites' parametrization stays over :data:`FRAMEWORKS`, the rows written here.

    Raises:
        ValueError: the name is taken.
    """
    if framework.name in BY_NAME:
        raise ValueError(f"a framework named {framework.name!r} is registered already")
    BY_NAME[framework.name] = framework
    ALIASES.update({alias: framework.name for alias in framework.aliases})
    LABELS[framework.name] = framework.label
    COLOURS[framework.name] = framework.colour


def unregister(name: str) -> None:
    """Undo :func:`register` (the rows written here stay)."""
    if any(f.name == name for f in REGISTRY):
        raise ValueError(f"{name!r} is one of the registry's own rows")
    BY_NAME.pop(name, None)
    LABELS.pop(name, None)
    COLOURS.pop(name, None)
    for alias in [a for a, n in ALIASES.items() if n == name]:
        del ALIASES[alias]
