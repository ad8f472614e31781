"""The op sweep's table: every op, by family, in declaration order (names are unique across it)."""

from suites.ops import binary, linalg, nn, reductions, shape, unary

TABLE = [op for module in (unary, binary, reductions, linalg, shape, nn) for op in module.OPS]

_names = [op.name for op in TABLE]
if len(set(_names)) != len(_names):
    raise ValueError(f"duplicate op names in the table: {sorted({n for n in _names if _names.count(n) > 1})}")
