"""``python -m harness check module:function``: the public checker from the shell.

  python -m harness check mypkg.ops:gelu --framework torch --arg x=3,4 [--arg w=4] [--domain positive]
                          [--dtype float32] [--order 2] [--modes rev,fwd] [--compiled] [--seed 0]

Domains: normal (default; complex for a complex --dtype), positive, unit, probability, spd, invertible, complex.

Draws each ``--arg`` (name=shape) from its domain, calls ``function(**tensors)`` with framework tensors,
checks its derivatives with :func:`harness.gradcheck`, prints the result, and exits with its outcome:
0 passed, 1 wrong gradient, 2 the check could not be made (the error names the fix), 3 the reference is undefined
at some entries (a kink, a tie, outside the domain), 4 the function is not deterministic.
"""

from __future__ import annotations

import argparse
import importlib
import sys

import numpy as np

from harness import domains
from harness.api import (
    MODES,
    GradcheckError,
    GradientMismatch,
    NotDeterministic,
    ReferenceUndefined,
    gradcheck,
)
from harness.plans import numpy_dtype

#: the domains a shell user names
DOMAINS = {
    "normal": domains.normal(),
    "positive": domains.uniform(0.1, 3.0),
    "unit": domains.uniform(-0.9, 0.9),
    "probability": domains.probabilities(),
    "spd": domains.spd(),
    "invertible": domains.invertible(),
    "complex": domains.complex_normal(),
}
DTYPES = ("float16", "bfloat16", "float32", "float64", "complex64", "complex128")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="check the derivatives of your function (module:function) at drawn inputs")
    p.add_argument("function", help="module.path:function, called as function(**tensors)")
    p.add_argument("--framework", required=True, help="tensorflow (tf), torch or jax")
    p.add_argument("--arg", action="append", default=[], metavar="NAME=SHAPE",
                   help="an input and its shape (x=3,4; x= for a scalar); repeat for each")
    p.add_argument("--domain", action="append", default=[], metavar="[NAME=]DOMAIN",
                   help=f"where inputs are drawn: {', '.join(DOMAINS)} (default normal); NAME= for one input")
    p.add_argument("--dtype", default="float64", choices=DTYPES)
    p.add_argument("--order", type=int, default=1, choices=(1, 2))
    p.add_argument("--modes", default="rev", help=f"comma-separated, of {', '.join(MODES)}")
    p.add_argument("--compiled", nargs="?", const="true", default="", choices=("true", "xla"),
                   help="check the compiled derivative (tf.function, torch.compile, jax.jit); 'xla' for TF's jit_compile")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--nondet-tol", type=float, default=0.0,
                   help="accept differences up to this between two calls at the same inputs (default: none)")
    p.set_defaults(run=run)


def _function(spec: str):
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise GradcheckError(f"{spec!r} names no function: write module.path:function (e.g. mypkg.ops:gelu)")
    try:
        target = importlib.import_module(module_name)
    except ImportError as exc:
        raise GradcheckError(f"cannot import {module_name!r} ({exc}): run from the directory that holds it, "
                             f"or install its package") from None
    for part in attr.split("."):
        if not hasattr(target, part):
            raise GradcheckError(f"{module_name} has no {attr!r}: check the name after the colon")
        target = getattr(target, part)
    return target


def _shape(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(n) for n in text.split(",") if n.strip())
    except ValueError:
        raise GradcheckError(f"shape {text!r} is not comma-separated integers: write --arg x=3,4") from None


def draw_args(specs: list[str], domain_specs: list[str], dtype: str, seed: int) -> dict[str, np.ndarray]:
    """The named inputs ``--arg``/``--domain`` describe, drawn with ``seed`` and cast to ``dtype``."""
    if not specs:
        raise GradcheckError("no --arg given: name each input and its shape, e.g. --arg x=3,4")
    # a complex dtype draws complex values unless a domain is named
    chosen = {"": "complex" if dtype.startswith("complex") else "normal"}
    for spec in domain_specs:
        name, _, domain = spec.rpartition("=")
        if domain not in DOMAINS:
            raise GradcheckError(f"unknown domain {domain!r}: choose from {', '.join(DOMAINS)}")
        chosen[name] = domain
    rng = np.random.default_rng(seed)
    drawn = {}
    for spec in specs:
        name, eq, shape = spec.partition("=")
        if not eq or not name.isidentifier():
            raise GradcheckError(f"--arg {spec!r}: write NAME=SHAPE, e.g. --arg x=3,4")
        domain = DOMAINS[chosen.get(name, chosen[""])]
        values = domain(rng, _shape(shape))
        if np.iscomplexobj(values) and not dtype.startswith("complex"):
            raise GradcheckError("--domain complex draws complex values: pass --dtype complex64 or complex128")
        drawn[name] = values.astype(numpy_dtype(dtype))
    unknown = set(chosen) - set(drawn) - {""}
    if unknown:
        raise GradcheckError(f"--domain names {sorted(unknown)}, which no --arg defines")
    return drawn


def run(args: argparse.Namespace) -> int:
    try:
        fn = _function(args.function)
        inputs = draw_args(args.arg, args.domain, args.dtype, args.seed)
        compiled = {"": False, "true": True}.get(args.compiled, args.compiled)
        modes = [m.strip() for m in args.modes.split(",") if m.strip()]
        result = gradcheck(fn, inputs, framework=args.framework, modes=modes, order=args.order, compiled=compiled,
                           device=args.device, seed=args.seed, nondet_tol=args.nondet_tol)
    except GradientMismatch as exc:
        print(f"MISMATCH {args.function}: {exc}")
        return 1
    except ReferenceUndefined as exc:
        print(f"UNDEFINED {args.function}: {exc}")
        return 3
    except NotDeterministic as exc:
        print(f"NOT DETERMINISTIC {args.function}: {exc}", file=sys.stderr)
        return 4
    except GradcheckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"OK {args.function}: {result}")
    return 0
