"""Finding, importing and naming framework adapters; the only door to torch, TensorFlow and JAX.

Adapters are imported lazily, so a missing framework costs nothing until it is asked for, and
then raises :class:`FrameworkUnavailable` with the reason and the fix, never a bare ImportError.
"""

from __future__ import annotations

import functools
import importlib

from harness.frameworks.base import (Adapter, DeviceUnavailable, FrameworkError, FrameworkUnavailable,
                                     Namespace, UnknownFramework)

__all__ = ["Adapter", "DeviceUnavailable", "FrameworkError", "FrameworkUnavailable", "Namespace",
           "UnknownFramework", "KNOWN", "canonical", "load", "parse_list"]

#: canonical name -> (adapter module, adapter class, what to pip install)
KNOWN: dict[str, tuple[str, str, str]] = {
    "tensorflow": ("harness.frameworks.tf_adapter", "TensorFlowAdapter", "tensorflow-cpu"),
    "torch": ("harness.frameworks.torch_adapter", "TorchAdapter", "torch==2.13.0 array-api-compat"),
    "jax": ("harness.frameworks.jax_adapter", "JaxAdapter", "jax"),
}
ALIASES = {"tf": "tensorflow", "pytorch": "torch"}


def canonical(name: str) -> str:
    """The canonical framework name for ``name`` (``tf`` -> ``tensorflow``).

    Raises:
        UnknownFramework: ``name`` is not a framework we know.
    """
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in KNOWN:
        raise UnknownFramework(f"unknown framework {name!r}: choose from {', '.join(KNOWN)} (or tf, pytorch)")
    return key


def parse_list(text: str | None) -> list[str]:
    """``"torch,jax"`` -> ``["torch", "jax"]``; empty or ``None`` -> every known framework."""
    if not text:
        return list(KNOWN)
    names = [canonical(part) for part in text.split(",") if part.strip()]
    return list(dict.fromkeys(names))


@functools.cache
def adapter_class(name: str) -> type[Adapter]:
    """The adapter class for ``name``, importing its framework.

    Raises:
        UnknownFramework: not a framework we know.
        FrameworkUnavailable: known, but its import fails here (not installed, or broken).
    """
    name = canonical(name)
    module, cls, package = KNOWN[name]
    try:
        return getattr(importlib.import_module(module), cls)
    except ImportError as exc:
        raise FrameworkUnavailable(f"{name} is not importable here ({exc}): pip install {package}") from None


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
