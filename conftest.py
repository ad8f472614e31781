"""pytest wiring for gradparity: options, parametrization over frameworks and dtypes, report hooks.

Options (all prefixed, registered here):
  --framework torch,jax   frameworks to test (default: all known; missing ones skip with a reason)
  --device cpu|cuda       where framework arrays live (cuda skips with a reason where absent)
  --dtype float32,float64 dtypes to test
  --grad-seed N           seed of every drawn input, cotangent and tangent
  --results-dir DIR       where correctness.json/.md are written (default: results)

Test modules that check cases declare ``CASES`` (an iterable of :class:`harness.cases.Case`);
a test asking for ``case``, ``framework`` and ``dtype`` gets one item per combination, with ids
like ``persistent/two-targets-torch-float64``. Modules declaring ``BEHAVIOURS`` get one item per
behaviour and framework (``sources/plain-tensor-weights-tensorflow``). Outcomes travel on ``user_properties``, so they
reach the controller under pytest-xdist too, and are written once at the end of the session.
"""

from __future__ import annotations

import os
import time

import pytest

from harness import frameworks
from harness.bench.timing import PHASES
from harness.bench.workloads import WORKLOADS
from harness.cases import DTYPES
from harness.report import correctness, ops, semantics

OUTCOME_KEY = "gradparity"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradparity")
    group.addoption("--framework", default="", help="comma-separated frameworks (tensorflow|tf, torch, jax); default all")
    group.addoption("--device", default="cpu", choices=("cpu", "cuda"), help="device for framework arrays")
    group.addoption("--dtype", default=",".join(DTYPES), help="comma-separated dtypes (float32, float64)")
    group.addoption("--grad-seed", type=int, default=0, help="seed for drawn inputs, cotangents and tangents")
    group.addoption("--results-dir", default="results", help="where correctness.json/.md are written")
    bench = parser.getgroup("gradparity-bench")
    bench.addoption("--bench-profile", default="quick", choices=("quick", "full"), help="workload sizes to time")
    bench.addoption("--bench-workloads", default="", help="comma-separated workloads (default: all)")
    bench.addoption("--bench-modes", default="eager,compiled", help="eager and/or compiled")
    bench.addoption("--bench-dtype", default="float32", choices=("float32", "float64"), help="dtype of timed runs")
    bench.addoption("--threads", type=int, default=None,
                    help="threads per framework (sets thread env vars and CPU affinity before any framework loads)")
    bench.addoption("--bench-log", default="", help="append each measurement to this JSON-lines file as it is taken")
    bench.addoption("--bench-resume", action="store_true", help="skip measurements already in --bench-log")
    bench.addoption("--bench-verified", default="", help="verification results from `python -m harness bench`")


def pytest_configure(config: pytest.Config) -> None:
    try:
        config.gradparity_frameworks = frameworks.parse_list(config.getoption("--framework"))
    except frameworks.UnknownFramework as exc:
        raise pytest.UsageError(f"--framework: {exc}") from None
    dtypes = [d.strip() for d in config.getoption("--dtype").split(",") if d.strip()]
    unknown = [d for d in dtypes if d not in DTYPES]
    if unknown:
        raise pytest.UsageError(f"--dtype: unknown {unknown}; choose from {', '.join(DTYPES)}")
    config.gradparity_dtypes = dtypes
    threads = config.getoption("--threads")
    if threads is not None:
        limit_threads(threads)
    config.pluginmanager.register(OutcomeCollector(config), "gradparity-outcomes")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    names = metafunc.fixturenames
    if "bench_case" in names:
        parametrize_bench(metafunc)
        return
    if "run" in names and "method" in names:
        combos = [(r, fw, m, dt) for r, fw, m in metafunc.module.TRAININGS
                  if fw in metafunc.config.gradparity_frameworks for dt in metafunc.config.gradparity_dtypes]
        metafunc.parametrize(["run", "framework", "method", "dtype"], combos,
                             ids=[f"training/{r.name}-{fw}-{m}-{dt}" for r, fw, m, dt in combos])
        return
    if "op_check" in names or "kink_check" in names:
        parametrize_ops(metafunc)
        return
    if "behaviour" in names:
        combos = [(b, fw) for b in metafunc.module.BEHAVIOURS for fw in metafunc.config.gradparity_frameworks]
        metafunc.parametrize(["behaviour", "framework"], combos, ids=[f"{b.id}-{fw}" for b, fw in combos])
        return
    if "case" not in names:
        return
    cases = list(metafunc.module.CASES)
    config = metafunc.config
    dtypes = config.gradparity_dtypes
    if "framework" in names:
        combos = [(c, fw, dt) for c in cases for fw in config.gradparity_frameworks for dt in dtypes]
        metafunc.parametrize(["case", "framework", "dtype"], combos,
                             ids=[f"{c.id}-{fw}-{dt}" for c, fw, dt in combos])
    else:
        combos = [(c, dt) for c in cases for dt in dtypes]
        metafunc.parametrize(["case", "dtype"], combos, ids=[f"{c.id}-{dt}" for c, dt in combos])


def parametrize_ops(metafunc: pytest.Metafunc) -> None:
    """The op sweep: check × framework × dtype (a declared wrong value is a strict xfail), or
    check × dtype for the cross-framework tests; ids ``ops/<op>/<sample>/<mode>-<framework>-<dtype>``."""
    config = metafunc.config
    if "kink_check" in metafunc.fixturenames:
        combos = [(c, dt) for c in metafunc.module.KINKS for dt in config.gradparity_dtypes]
        metafunc.parametrize(["kink_check", "dtype"], combos, ids=[f"ops/{c.id}-{dt}" for c, dt in combos])
        return
    if "framework" not in metafunc.fixturenames:
        combos = [(c, dt) for c in metafunc.module.CHECKS for dt in config.gradparity_dtypes]
        metafunc.parametrize(["op_check", "dtype"], combos, ids=[f"ops/{c.id}-{dt}" for c, dt in combos])
        return
    params = []
    for c in metafunc.module.CHECKS:
        for fw in config.gradparity_frameworks:
            for dt in config.gradparity_dtypes:
                known = c.known_wrong(fw, dt)
                marks = [pytest.mark.xfail(strict=True, reason=known.why)] if known else []
                params.append(pytest.param(c, fw, dt, marks=marks, id=f"ops/{c.id}-{fw}-{dt}"))
    metafunc.parametrize(["op_check", "framework", "dtype"], params)


def parametrize_bench(metafunc: pytest.Metafunc) -> None:
    """workload size × framework × mode × phase; with benchmarks disabled (the test run), a smoke
    test: the smallest size of each workload, eager, each phase once."""
    config = metafunc.config
    chosen = [w.strip() for w in config.getoption("--bench-workloads").split(",") if w.strip()]
    unknown = sorted(set(chosen) - set(WORKLOADS))
    if unknown:
        raise pytest.UsageError(f"--bench-workloads: unknown {unknown}; choose from {', '.join(WORKLOADS)}")
    modes = [m.strip() for m in config.getoption("--bench-modes").split(",") if m.strip()]
    if set(modes) - {"eager", "compiled"}:
        raise pytest.UsageError(f"--bench-modes: use eager and/or compiled, not {modes}")
    smoke = config.getoption("benchmark_disable", False) and not config.getoption("benchmark_enable", False)
    profile = config.getoption("--bench-profile")
    combos = []
    for name in chosen or WORKLOADS:
        cases = WORKLOADS[name].cases(profile)
        for case in cases[:1] if smoke else cases:
            for fw in config.gradparity_frameworks:
                for mode in ["eager"] if smoke else modes:
                    if not WORKLOADS[name].left_out(profile, fw, mode):
                        combos += [(case, fw, mode, phase) for phase in PHASES]
    metafunc.parametrize(["bench_case", "framework", "mode", "phase"], combos,
                         ids=[f"{c.id}-{fw}-{m}-{p}" for c, fw, m, p in combos])


def limit_threads(n: int) -> None:
    """Hold every framework to ``n`` threads: env vars read at import, and CPU affinity (JAX's
    thread flags do not hold it to one core; affinity does)."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
        os.environ[var] = str(n)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                               f" --xla_cpu_multi_thread_eigen={'true' if n > 1 else 'false'}"
                               f" intra_op_parallelism_threads={n}").strip()
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))[:n]
        os.sched_setaffinity(0, cpus)


def load_adapter(name: str, device: str) -> frameworks.Adapter:
    """The adapter, or a skip naming why it is not here (not installed, no such device)."""
    try:
        return frameworks.load(name, device)
    except (frameworks.FrameworkUnavailable, frameworks.DeviceUnavailable) as exc:
        pytest.skip(str(exc))


@pytest.fixture
def device(request: pytest.FixtureRequest) -> str:
    return request.config.getoption("--device")


@pytest.fixture
def grad_seed(request: pytest.FixtureRequest) -> int:
    return request.config.getoption("--grad-seed")


@pytest.fixture
def adapter(framework: str, device: str) -> frameworks.Adapter:
    return load_adapter(framework, device)


@pytest.fixture
def selected_frameworks(request: pytest.FixtureRequest) -> list[str]:
    return request.config.gradparity_frameworks


@pytest.fixture
def record(request: pytest.FixtureRequest):
    """``record(item)``: keep a record (a dict, or an object with ``to_dict()``) for results/."""
    def keep(item) -> None:
        request.node.user_properties.append((OUTCOME_KEY, item if isinstance(item, dict) else item.to_dict()))
    return keep


class OutcomeCollector:
    """Gathers the records of every test (on the xdist controller too) and writes them at the end."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.records: list[dict] = []
        self.started = time.time()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":
            self.records.extend(value for key, value in report.user_properties if key == OUTCOME_KEY)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        config = self.config
        if hasattr(config, "workerinput") or not self.records:
            return  # an xdist worker's records reach the controller through its reports
        run = {
            "args": list(config.invocation_params.args),
            "seed": config.getoption("--grad-seed"),
            "device": config.getoption("--device"),
            "dtypes": config.gradparity_dtypes,
            "frameworks": config.gradparity_frameworks,
            "wall_seconds": round(time.time() - self.started, 1),
        }
        paths = []
        for report in (correctness, semantics, ops):
            mine = [r for r in self.records if r["record"] in report.RECORDS]
            if mine:
                paths += report.write(mine, run, config.getoption("--results-dir"))
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            terminal.write_line(f"gradparity: {len(self.records)} records -> {', '.join(map(str, paths))}")
