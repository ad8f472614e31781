"""Lazy handles on the framework-named scenario modules (``on_tensorflow``, ``on_torch``, ``on_jax``).

``TF_RAW.constant_weights`` is a callable that imports ``suites.semantics.on_tensorflow`` (and so
TensorFlow) only when a row calls it: the rows are plain data, importable without any framework.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from harness.frameworks.registry import JAX, TF, TORCH


@dataclass(frozen=True)
class Scenario:
    """One scenario function of one framework's module, resolved when called."""

    framework: str
    name: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        module = importlib.import_module(f"suites.semantics.on_{self.framework}")
        return getattr(module, self.name)(*args, **kwargs)


class Scenarios:
    """``Scenarios(TORCH).loop`` -> the :class:`Scenario` ``loop`` of ``suites.semantics.on_torch``."""

    def __init__(self, framework: str):
        self.framework = framework

    def __getattr__(self, name: str) -> Scenario:
        if name.startswith("__"):
            raise AttributeError(name)
        return Scenario(self.framework, name)


TF_RAW, TORCH_RAW, JAX_RAW = Scenarios(TF), Scenarios(TORCH), Scenarios(JAX)
