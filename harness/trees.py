"""Output structures without a framework: a function may return an array, a dict or a list of them.

Frameworks each have their own pytree utilities; the harness needs one order that NumPy, the
reference and all three adapters agree on, so it keeps this small one: dict keys sorted, lists and
tuples in order, anything else a leaf.
"""

from __future__ import annotations

from typing import Any


def leaves(tree: Any) -> list[Any]:
    """The leaves of ``tree`` in the harness's canonical order."""
    if isinstance(tree, dict):
        return [leaf for key in sorted(tree) for leaf in leaves(tree[key])]
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in leaves(item)]
    return [tree]


def paths(tree: Any, prefix: str = "") -> list[str]:
    """A readable name per leaf, same order as :func:`leaves` (``"y0"``, ``"1"``, ``""``)."""
    if isinstance(tree, dict):
        return [p for key in sorted(tree) for p in paths(tree[key], f"{prefix}{key}/")]
    if isinstance(tree, (list, tuple)):
        return [p for i, item in enumerate(tree) for p in paths(item, f"{prefix}{i}/")]
    return [prefix.rstrip("/") or "out"]


def rebuild(tree: Any, new_leaves: list[Any]) -> Any:
    """``tree``'s structure with ``new_leaves`` in place of its leaves."""
    it = iter(new_leaves)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: walk(node[key]) for key in sorted(node)}
        if isinstance(node, (list, tuple)):
            return type(node)(walk(item) for item in node)
        return next(it)

    return walk(tree)


def keys(tree: Any) -> list[tuple]:
    """The key path of each leaf, same order as :func:`leaves` (``("w", 2)`` for ``tree["w"][2]``)."""
    if isinstance(tree, dict):
        return [(key, *rest) for key in sorted(tree) for rest in keys(tree[key])]
    if isinstance(tree, (list, tuple)):
        return [(i, *rest) for i, item in enumerate(tree) for rest in keys(item)]
    return [()]


def python_path(root: str, key_path: tuple) -> str:
    """A key path as the Python expression that reaches the leaf: ``args['w'][2]``."""
    return root + "".join(f"[{key!r}]" for key in key_path)
