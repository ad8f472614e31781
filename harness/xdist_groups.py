"""Keep ``--dist loadgroup`` grouping the suite's tests: every test of one xdist group on one worker.

The suite leans on the groups: an op's samples are computed together once per mode, framework and dtype, and the
parity and convention tests reuse what the per-framework tests computed on the same worker (``functools.cache``).
pytest-xdist (3.8) tells its scheduler an item's group by appending ``@<group>`` to the item's node id on the worker
(``item._nodeid``); pytest 9.2 keeps node ids structured (``item._id``) and no longer reads ``_nodeid``, so the suffix
is silently dropped and every test is scheduled on its own (pytest-dev/pytest-xdist#1386, open). Nothing fails:
each worker just recomputes the groups it was sent a part of. Measured on this 2-core machine, ``pytest -n 2 --dist
loadgroup suites/test_ops.py``: 129 s without the groups, 103 s in one process. This plugin writes the same suffix
where xdist's was lost, so the scheduler sees the groups again; where xdist's own suffix took, it does nothing.
"""

from __future__ import annotations

import pytest


def group_of(item: pytest.Item) -> str | None:
    """The item's xdist group, as pytest-xdist names it (several marks joined by ``_``), or ``None``."""
    names = {str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
             for mark in item.iter_markers("xdist_group")}
    return "_".join(sorted(names)) or None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # on an xdist worker under --dist loadgroup only: that is where xdist suffixes ids, and the controller schedules
    # by the ids its workers report
    if not (hasattr(config, "workerinput") and getattr(config.option, "loadgroup", False)):
        return
    for item in items:
        group = group_of(item)
        if group is None or item.nodeid.rfind("@") > item.nodeid.rfind("]"):
            continue  # no group, or xdist's own suffix is there (pytest < 9.2)
        suffixed = f"{item.nodeid}@{group}"
        if hasattr(item, "_id"):  # pytest >= 9.2: the structured id, parsed from the string xdist meant to write
            item._id = type(item._id).parse(suffixed)
        else:
            item._nodeid = suffixed
