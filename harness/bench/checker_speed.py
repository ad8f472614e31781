"""The correctness machinery's own speed, timed by ``python -m harness bench`` in each framework's process:

- **the checker beside its peers**: ``harness.gradcheck`` of a correct ``sin(x)·x`` in float64 at 400, 3,600 and
  100,000 elements, interleaved round by round with the framework's own checker on the same function —
  ``torch.autograd.gradcheck`` (the whole Jacobian both ways; ``fast_mode=True`` at 100,000, where the whole Jacobian is
  10¹⁰ entries), ``tf.test.compute_gradient`` (the whole Jacobian numerically and theoretically; not at 100,000, for the
  same reason) and ``jax.test_util.check_grads`` (finite differences along one random direction per mode: what it
  compares is one number, which is why it is fast, and what it cannot catch is a wrong entry the random direction
  weighs little). Each record states what its checker compared.
- **the suite's throughput**: the correctness checks of every registered case, float32 and float64, eager and
  compiled, per second and per core, with their references cached (as in a suite run, where a reference is
  computed once per sample).

Run as ``python -m harness.bench.checker_speed --framework NAME --log PATH``; each measurement is appended to the
bench run's log the moment it is taken, with pytest-benchmark's statistics (:class:`pytest_benchmark.stats.Stats`)
so the run file stays readable by ``pytest-benchmark compare``.
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

SIZES = (400, 3600, 100_000)
#: interleaved rounds per size (one warm-up round first, untimed)
ROUNDS = {400: 7, 3600: 5, 100_000: 3}
#: the suite's throughput: rounds over every case and dtype, after a warm-up pass that fills the reference cache
SUITE_ROUNDS = 3
SUITE_DTYPES = ("float32", "float64")
#: the compiled regime compiles every check afresh (seconds each under torch.compile): the first few cases
COMPILED_CASES = 4


def interleaved(contenders: dict[str, Callable[[], object]], rounds: int, seed: int = 0) -> dict[str, list[float]]:
    """Seconds per call of each contender, alternating them within every round in a shuffled order (so a slow
    phase of a shared machine falls on all of them), after one untimed warm-up round."""
    order, times = list(contenders), {name: [] for name in contenders}
    shuffle = random.Random(seed)
    for name in order:
        contenders[name]()
    for _ in range(rounds):
        shuffle.shuffle(order)
        for name in order:
            start = time.perf_counter()
            contenders[name]()
            times[name].append(time.perf_counter() - start)
    return times


def stats(times: list[float]) -> dict:
    from pytest_benchmark.stats import Stats

    s = Stats()
    for t in times:
        s.update(t)
    return s.as_dict()


def peers(framework: str, size: int, x: np.ndarray) -> tuple[str, str, Callable[[], object]] | None:
    """(name, what it compares, call) of ``framework``'s own checker of ``sin(x)·x`` at ``x``, or None where it
    cannot run at that size (said in the record)."""
    if framework == "torch":
        import torch

        leaf = torch.tensor(x, requires_grad=True)
        fast = size > 10_000
        return ("torch.autograd.gradcheck" + (" (fast_mode)" if fast else ""),
                "one random projection of the Jacobian" if fast else "the whole Jacobian, both ways",
                lambda: torch.autograd.gradcheck(lambda t: torch.sin(t) * t, (leaf,), fast_mode=fast))
    if framework == "tensorflow":
        if size > 10_000:
            return None
        import tensorflow as tf

        t = tf.constant(x)
        return ("tf.test.compute_gradient", "the whole Jacobian, numerically and theoretically",
                lambda: tf.test.compute_gradient(lambda v: tf.sin(v) * v, [t]))
    if framework == "jax":
        import jax.numpy as jnp
        from jax.test_util import check_grads

        v = jnp.asarray(x)
        return ("jax.test_util.check_grads", "one random direction in reverse mode",
                lambda: check_grads(lambda a: jnp.sin(a) * a, (v,), order=1, modes=("rev",)))
    return None


def checker_records(framework: str, sizes=SIZES, done: frozenset = frozenset()) -> Iterator[dict]:
    """The checker beside its peer at each size, one size at a time (sizes already in ``done`` are skipped)."""
    from harness import gradcheck
    from harness.frameworks import load

    xp = load(framework, "cpu").xp
    for size in sizes:
        if f"checker::{framework}-{size}-harness.gradcheck" in done:
            continue
        x = np.random.default_rng(0).uniform(-2.0, 2.0, size)
        result = gradcheck(lambda a: xp.sin(a) * a, (x,), framework=framework)
        contenders = {"harness.gradcheck": lambda: gradcheck(lambda a: xp.sin(a) * a, (x,), framework=framework)}
        peer = peers(framework, size, x)
        if peer is not None:
            contenders[peer[0]] = peer[2]
        times = interleaved(contenders, ROUNDS.get(size, 3))
        for name, measured in times.items():
            compares = (f"{result.power}; reference: {result.evaluation}" if name == "harness.gradcheck"
                        else peer[1])
            yield ({"name": f"checker[{framework}-{size}-{name}]", "fullname": f"checker::{framework}-{size}-{name}",
                        "group": f"checker: sin(x)·x, {size} float64 elements", "stats": stats(measured),
                        "extra_info": {"checker": name, "framework": framework, "size": size, "dtype": "float64",
                                       "compares": compares, "interleaved_with": sorted(set(times) - {name}),
                                       "left_out": "" if peer else f"{framework}'s own checker forms the whole "
                                                                   f"Jacobian: {size}² entries"}})


def suite_records(framework: str, threads: int, regimes=("eager", "compiled"),
                  done: frozenset = frozenset()) -> Iterator[dict]:
    """The suite's checks per second in each regime."""
    from harness import check
    from harness.suite_plugin import load_adapter

    try:
        from suites.cases import REGISTRY
    except ImportError:  # an installed gradparity outside its repository has no suite to time
        return
    for regime in regimes:
        if f"suite::{framework}-{regime}" in done:
            continue
        adapter = load_adapter(framework, "cpu", regime)
        cases = [c for c in REGISTRY if not c.is_complex]
        if regime != "eager":
            cases = cases[:COMPILED_CASES]  # a compiled check compiles afresh: a sample, said in the record

        def every_check():
            return [check.run(case, adapter, dtype).outcome.verdict for case in cases for dtype in SUITE_DTYPES]
        every_check()  # the references and the framework's caches, as a suite run has them
        times = []
        for _ in range(SUITE_ROUNDS if regime == "eager" else 1):
            start = time.perf_counter()
            count = len(every_check())
            times.append(time.perf_counter() - start)
        median = float(np.median(times))
        yield ({"name": f"suite[{framework}-{regime}]", "fullname": f"suite::{framework}-{regime}",
                    "group": "suite throughput", "stats": stats(times),
                    "extra_info": {"suite": regime, "framework": framework, "checks": count,
                                   "checks_per_second": count / median, "threads": threads,
                                   "checks_per_second_per_core": count / median / threads,
                                   "cases": len(cases), "dtypes": list(SUITE_DTYPES)}})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--log", required=True)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    args = parser.parse_args(argv)
    from harness import env
    from harness.bench import log
    from harness.suite_plugin import limit_threads

    limit_threads(args.threads)
    done = frozenset(log.done(args.log)) if Path(args.log).exists() else frozenset()
    for record in itertools.chain(checker_records(args.framework, [int(s) for s in args.sizes.split(",")], done),
                                  suite_records(args.framework, args.threads, done=done)):
        record["machine"] = env.conditions()
        log.append(args.log, record)  # each measurement kept the moment it is taken
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
