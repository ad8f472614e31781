"""gradparity's pytest plugin for other projects' tests: the ``gradcheck`` fixture, and nothing else.

Registered by the ``pytest11`` entry point, so an installed gradparity brings it to every pytest run in that
environment; it behaves as a guest there: its only options are prefixed (``--gradcheck-seed``,
``--gradcheck-device``), it writes no file, and it imports nothing but pytest until a test asks for the fixture
(the checker, NumPy and the frameworks load on that test's first call). gradparity's own suite loads its own,
larger plugin (:mod:`harness.suite_plugin`) explicitly.

    def test_my_op(gradcheck):
        gradcheck(my_op, (x,), framework="torch", modes=("rev", "fwd"))   # gradcheck.model(net, x, ...) for models
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradcheck", "gradparity's gradcheck fixture")
    group.addoption("--gradcheck-seed", type=int, default=0,
                    help="seed of the gradcheck fixture's random cotangents, tangents and probes (default 0)")
    group.addoption("--gradcheck-device", default="cpu", choices=("cpu", "cuda"),
                    help="device of the gradcheck fixture's framework arrays (default cpu)")


class GradcheckAssertion:
    """:func:`harness.gradcheck` (called) and :func:`harness.gradcheck_model` (``.model``) as assertions: every
    outcome but a pass fails the test with the checker's message, once, and none of the harness's traceback."""

    def __init__(self, seed: int, device: str):
        self.seed, self.device = seed, device

    def _checked(self, name: str, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        from harness import (
            errors,  # the checker loads on the first call, not when pytest starts
        )
        from harness.api import gradcheck, gradcheck_model

        kwargs.setdefault("seed", self.seed)
        kwargs.setdefault("device", self.device)
        check: Callable[..., Any] = {"gradcheck": gradcheck, "gradcheck_model": gradcheck_model}[name]
        try:
            return check(*args, **kwargs)
        except (errors.GradientMismatch, errors.GradcheckError) as exc:
            message = f"{type(exc).__name__}: {exc}"
        pytest.fail(message, pytrace=False)  # outside the except block: the message once, no chained traceback

    def __call__(self, fn: Callable[..., Any], args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        return self._checked("gradcheck", fn, args, **kwargs)

    def model(self, model: Any, inputs: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        return self._checked("gradcheck_model", model, inputs, **kwargs)


@pytest.fixture
def gradcheck(request: pytest.FixtureRequest) -> GradcheckAssertion:
    """``gradcheck(fn, args, framework="torch")`` in a user's own test: fails the test on any outcome but a pass;
    ``--gradcheck-seed`` and ``--gradcheck-device`` are its defaults. ``gradcheck.model(net, x, framework=...)`` for
    a model."""
    return GradcheckAssertion(request.config.getoption("--gradcheck-seed"),
                              request.config.getoption("--gradcheck-device"))
