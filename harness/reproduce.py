"""One place makes a check's test id and the command that reruns it.

The suite's parametrization (:mod:`harness.suite_plugin`) names every item with :func:`test_id`, and every report
prints :func:`command` for what it found, with each option the item needs to exist: its regime (``--regimes``: the
default run compiles float32 only, and checks forward mode and second order for a subset of ops), its dtype
(``--dtype``: float16/bfloat16 exist in the op sweep only when asked for), its framework and the seed the run drew
its inputs with. So a command copied from a report selects its item, whatever run the report came from.
"""

from __future__ import annotations

#: the regime whose name a test id leaves out
EAGER = "eager"


def test_id(base: str, framework: str | None = None, dtype: str | None = None, regime: str | None = None) -> str:
    """``ops/log1p/hard/rev-torch-float32`` (``-compiled`` appended beyond eager)."""
    shown = None if regime in (None, EAGER) else regime
    return "-".join(part for part in (base, framework, dtype, shown) if part)


def command(test: str, base: str, *, framework: str | None = None, dtype: str | None = None,
            regime: str | None = None, seed: int | None = 0) -> str:
    """The shell command that reruns one item: ``pytest "suites/test_ops.py::test_op[<id>]" --regimes eager ...``.

    Args:
        test: ``path::name`` of the test function (``suites/test_ops.py::test_op``).
        base: the item's own id part (``ops/log1p/hard/rev``).
        framework, dtype, regime: the item's parameters, where it has them (``regime`` only where the test is
            parametrized by regime: the correctness cases and the op sweep).
        seed: the run's ``--grad-seed``.
    """
    options = []
    if regime is not None:
        options += ["--regimes", regime]
    if dtype is not None:
        options += ["--dtype", dtype]
    if framework is not None:
        options += ["--framework", framework]
    if seed is not None:
        options += ["--grad-seed", str(seed)]
    return f'pytest "{test}[{test_id(base, framework, dtype, regime)}]" ' + " ".join(options)
