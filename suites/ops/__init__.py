"""The op sweep's table: every op, by family, in declaration order (names are unique across it)."""

from suites.ops import binary, linalg, nn, reductions, shape, unary

TABLE = [op for module in (unary, binary, reductions, linalg, shape, nn) for op in module.OPS]

_names = [op.name for op in TABLE]
if len(set(_names)) != len(_names):
    raise ValueError(f"duplicate op names in the table: {sorted({n for n in _names if _names.count(n) > 1})}")


def _deep_by_default(op) -> bool:
    """Whether the default run checks ``op`` beyond reverse mode: where a declaration concerns its forward
    mode or second order eagerly in float32/float64 (so every declared divergence the default run can meet
    stays checked), or it is its family's first op."""
    declared = op.tolerances or any(not d.convention and d.value is None and d.applies(regime="eager")
                                    and (not d.dtypes or {"float32", "float64"} & set(d.dtypes))
                                    and (not d.modes or {"fwd", "order2"} & set(d.modes)) for d in op.divergences)
    return bool(declared) or op is next(o for o in TABLE if o.family == op.family)


#: ops the default run (``--regimes default``) checks in forward mode and second order too; every op is
#: checked in reverse mode, and ``--regimes all`` checks every op in every mode
DEEP_BY_DEFAULT = frozenset(op.name for op in TABLE if _deep_by_default(op))
