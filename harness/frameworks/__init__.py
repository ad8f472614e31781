"""Finding, importing and naming framework adapters; the only door to torch, TensorFlow and JAX.

Adapters are imported lazily, so a missing framework costs nothing until it is asked for, and
then raises :class:`FrameworkUnavailable` with the reason and the fix, never a bare ImportError.
"""

from __future__ import annotations

import functools
import importlib

from harness.frameworks.base import (
    Adapter,
    DeviceUnavailable,
    FrameworkError,
    FrameworkUnavailable,
    Namespace,
    UnknownFramework,
    Vocabulary,
)
from harness.frameworks.registry import (
    ALIASES,
    BY_NAME,
    FRAMEWORKS,
    LABELS,
    REGISTRY,
    Framework,
)

__all__ = ["Adapter", "DeviceUnavailable", "FrameworkError", "FrameworkUnavailable", "Namespace",
           "UnknownFramework", "Framework", "REGISTRY", "FRAMEWORKS", "LABELS", "canonical", "load",
           "parse_list", "vocabulary"]


def canonical(name: str) -> str:
    """The canonical framework name for ``name`` (``tf`` -> ``tensorflow``).

    Raises:
        UnknownFramework: ``name`` is not a framework we know.
    """
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in BY_NAME:
        raise UnknownFramework(f"unknown framework {name!r}: choose from {', '.join(FRAMEWORKS)} "
                               f"(or {', '.join(ALIASES)})")
    return key


def parse_list(text: str | None) -> list[str]:
    """``"torch,jax"`` -> ``["torch", "jax"]``; empty or ``None`` -> every known framework."""
    if not text:
        return list(FRAMEWORKS)
    names = [canonical(part) for part in text.split(",") if part.strip()]
    return list(dict.fromkeys(names))


@functools.cache
def adapter_class(name: str) -> type[Adapter]:
    """The adapter class for ``name``, importing its framework.

    Raises:
        UnknownFramework: not a framework we know.
        FrameworkUnavailable: known, but its import fails here (not installed, or broken).
    """
    framework = BY_NAME[canonical(name)]
    module, cls = framework.adapter.split(":")
    try:
        return getattr(importlib.import_module(module), cls)
    except ImportError as exc:
        raise FrameworkUnavailable(f"{framework.name} is not importable here ({exc}): "
                                   f"pip install {framework.install}") from None


@functools.cache
def vocabulary(name: str) -> Vocabulary:
    """Framework ``name``'s op vocabulary (imports the framework; raises as :func:`adapter_class`)."""
    framework = BY_NAME[canonical(name)]
    adapter_class(framework.name)  # the clear FrameworkUnavailable, before the vocabulary's own import
    return importlib.import_module(framework.vocabulary).VOCABULARY


@functools.cache
def load(name: str, device: str = "cpu") -> Adapter:
    """A ready adapter for framework ``name`` on ``device`` (``cpu`` or ``cuda``), cached.

    Raises:
        UnknownFramework, FrameworkUnavailable: see :func:`adapter_class`.
        DeviceUnavailable: ``device`` is not present for this framework.
    """
    if device not in ("cpu", "cuda"):
        raise DeviceUnavailable(f"unknown device {device!r}: use cpu or cuda")
    return adapter_class(name)(device)
