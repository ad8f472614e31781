"""The suite's pytest plugin: options, explicit parametrization over a registry, fixtures, the results writer.

Loaded explicitly, never by an entry point: the root ``conftest.py`` names it (``pytest_plugins``), and the benchmark
worker's run passes ``-p harness.suite_plugin``. An installed gradparity brings only :mod:`harness.pytest_plugin` to
other projects' pytest runs (the ``gradcheck`` fixture, options prefixed ``--gradcheck-``), so these options never
meet a project's own. Options:

  --framework torch,jax   frameworks to test (default: all known; missing ones skip with a reason)
  --device cpu|cuda       where framework arrays live (cuda skips with a reason where absent)
  --dtype float32,float64 dtypes to test
  --grad-seed N           seed of every drawn input, cotangent and tangent
  --regimes default|all|eager,compiled,xla   regimes to run (see harness.regimes)
  --results-dir DIR       where results/*.json and .md are written (checked before the run starts)
  --compile-cache DIR|off where JAX's compiled programs are kept between runs (harness.compile_cache), its lowerings
                          sharing one MLIR context (harness.jax_lowering); off: JAX as a user runs it
  --reference-cache DIR|off  where the suite's float64 references are kept between runs (harness.reference_cache)

A test module says what it runs over with :func:`over` (as OpInfo's ``@ops`` does)::

    @over(REGISTRY, frameworks=True, dtypes=True)
    def test_gradient(case, framework, dtype, adapter, record): ...

Records travel on ``user_properties`` (so they reach the controller under pytest-xdist) and are
written once at the end of the session by the report kind that owns them.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from harness import compile_cache, frameworks, jax_lowering, reference_cache, regimes, reproduce, xdist_groups
from harness.expectations import DTYPES
from harness.frameworks.base import NotAvailable
from harness.records import to_dict
from harness.report import bench, html, kinds

RECORD_KEY = "gradparity"
MARKER = "gradparity_over"


def over(items: Iterable[Any] | Callable[[pytest.Config], Iterable[Any]], *, args: tuple[str, ...] = ("case",),
         frameworks: bool = False, dtypes: bool | Iterable[str] = False, ids: Callable[[Any], str] | None = None,
         known_wrong: Callable[[Any, str, str, int, str], Any] | None = None,
         group: Callable[[Any], str] | None = None, regimes: str | None = None) -> pytest.MarkDecorator:
    """Parametrize a test over a registry: one item per test, times the selected frameworks and dtypes.

    Args:
        items: the registry (cases, op checks, behaviours), or ``items(config)`` where it depends on options.
            With several ``args``, each item is a tuple; a ``framework`` among them is filtered by ``--framework``.
        args: the test's argument names the item fills.
        frameworks: add a ``framework`` argument over ``--framework``.
        dtypes: add a ``dtype`` argument over ``--dtype``; a collection of dtypes: over those ``--dtype`` selects
            (a test built for float16/bfloat16 alone runs them by default, as the cases do).
        ids: the item's test id (default ``item.id``); framework and dtype are appended with ``-``.
        known_wrong: ``known_wrong(item, framework, dtype, seed, regime)`` -> an expectation with ``why`` where the values
            are declared wrong (at the inputs ``--grad-seed`` draws): that parameter becomes a strict xfail (it
            fails loudly once the framework is fixed).
        group: ``group(item)`` -> a pytest-xdist group: under ``--dist loadgroup`` the tests of one group share
            a worker, so a cross-framework test reuses the per-framework results computed there.
        regimes: ``"cases"`` or ``"ops"``: add a ``regime`` argument over the regimes ``--regimes`` selects for
            them (ids gain ``-<regime>`` beyond eager).
    """
    dtypes = dtypes if isinstance(dtypes, bool) else tuple(dtypes)
    return getattr(pytest.mark, MARKER)(items=items, args=tuple(args), frameworks=frameworks, dtypes=dtypes,
                                        ids=ids or (lambda item: item.id), known_wrong=known_wrong, group=group,
                                        regimes=regimes)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradparity")
    group.addoption("--framework", default="", help="comma-separated frameworks (tensorflow|tf, torch, jax); default all")
    group.addoption("--device", default="cpu", choices=("cpu", "cuda"), help="device for framework arrays")
    group.addoption("--dtype", default="", help=f"comma-separated dtypes ({', '.join(DTYPES)}); default: all for the "
                    "correctness cases, float32 and float64 elsewhere (the op sweep eager in every real dtype with --regimes all, "
                    "compiled in float32); given, it applies to every regime")
    group.addoption("--grad-seed", type=int, default=0, help="seed for drawn inputs, cotangents and tangents")
    group.addoption("--regimes", default="default",
                    help="default (every case in every regime, the op sweep eager with forward mode and second order "
                         "on a subset), all, or a comma list of eager, compiled, xla")
    group.addoption("--results-dir", default="results", help="where results/*.json and .md are written")
    group.addoption("--compile-cache", default=None,
                    help="where JAX's compiled programs are kept between runs, keyed by JAX release and CPU (default "
                         "$GRADPARITY_COMPILE_CACHE or ~/.cache/gradparity; a set JAX_COMPILATION_CACHE_DIR is kept); "
                         "off: JAX as a user runs it (every program compiled anew, each lowered in its own MLIR context)")
    group.addoption("--reference-cache", default=None,
                    help="where the suite's float64 references are kept between runs, keyed by the code of harness/ "
                         "and suites/, the inputs and seed, the NumPy release and the CPU (default: beside "
                         "--compile-cache's default); off: compute every reference anew")
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


def writable_dir(path: str | Path) -> Path:
    """``path`` as a directory this process can write, created if missing.

    Raises:
        pytest.UsageError: a file is in the way, or the directory cannot be written (one line, with the fix).
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise pytest.UsageError(f"--results-dir {path}: is a file, not a directory; give a directory "
                                "(it is created if missing)")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise pytest.UsageError(f"--results-dir {path}: cannot write there ({exc.strerror}); "
                                "give a directory you can write") from None
    return path


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: parametrize over a gradparity registry (see harness.suite_plugin.over)")
    # pytest-xdist registers it too; stated here so --strict-markers holds in a run without xdist
    config.addinivalue_line("markers", "xdist_group(name): tests that share one xdist worker under --dist loadgroup")
    try:
        config.gradparity_frameworks = frameworks.parse_list(config.getoption("--framework"))
    except frameworks.UnknownFramework as exc:
        raise pytest.UsageError(f"--framework: {exc}") from None
    dtypes = [d.strip() for d in (config.getoption("--dtype") or ",".join(DTYPES)).split(",") if d.strip()]
    unknown = [d for d in dtypes if d not in DTYPES]
    if unknown:
        raise pytest.UsageError(f"--dtype: unknown {unknown}; choose from {', '.join(DTYPES)}")
    config.gradparity_dtypes = dtypes
    try:
        config.gradparity_selection = regimes.parse(config.getoption("--regimes"))
    except ValueError as exc:
        raise pytest.UsageError(f"--regimes: {exc}") from None
    threads = config.getoption("--threads")
    if threads is not None:
        limit_threads(threads)
    # before any framework loads (JAX reads it at import), and inherited by the xdist workers and subprocesses
    # and one MLIR context for JAX's lowerings while programs are kept (off: JAX as a user runs it, as the bench times)
    config.gradparity_share_lowering = compile_cache.use(config.getoption("--compile-cache")) is not None
    reference_cache.use(config.getoption("--reference-cache"))
    if not hasattr(config, "workerinput") and not config.option.collectonly:
        # before the run, not after it: a run that cannot be written is lost work
        writable_dir(config.getoption("--results-dir"))
    config.pluginmanager.register(RecordCollector(config), "gradparity-records")
    if not config.pluginmanager.is_registered(xdist_groups):
        config.pluginmanager.register(xdist_groups, "gradparity-xdist-groups")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker(MARKER)
    if marker is None:
        return
    spec, config = marker.kwargs, metafunc.config
    items = spec["items"](config) if callable(spec["items"]) else spec["items"]
    args = spec["args"]
    chosen = config.gradparity_frameworks
    selection = config.gradparity_selection
    regime_list = {"cases": selection.case_regimes, "ops": selection.op_regimes}.get(spec["regimes"], [None])
    only = None if isinstance(spec["dtypes"], bool) else frozenset(spec["dtypes"])
    explicit = bool(config.getoption("--dtype"))
    params = []
    ours = Path(metafunc.module.__file__).resolve().is_relative_to(reference_cache.ROOT / "suites")
    for item in items:
        values = tuple(item) if len(args) > 1 else (item,)
        if ours:  # the suite's own cases (and training runs): their references may be kept between runs
            for value in values:
                reference_cache.admit(getattr(value, "case", value))
        if "framework" in args and values[args.index("framework")] not in chosen:
            continue
        for regime in regime_list:
            # a regime a framework does not have is no test (regimes.NOT_A_REGIME says why, in the reports);
            # a cross-framework test needs two frameworks that have it
            having = [fw for fw in chosen if regime is None or regimes.supports(fw, regime) is None]
            if not spec["frameworks"] and len(having) < min(2, len(chosen)):
                continue
            in_regime = selection.dtypes_for(config.gradparity_dtypes, explicit=explicit, kind=spec["regimes"],
                                             regime=regime, is_complex=getattr(item, "is_complex", False), only=only)
            for fw in having if spec["frameworks"] else [None]:
                for dt in in_regime if spec["dtypes"] else [None]:
                    known = (spec["known_wrong"](item, fw, dt, config.getoption("--grad-seed"), regime or "eager")
                             if spec["known_wrong"] and (fw or not spec["frameworks"]) else None)
                    marks = [pytest.mark.xfail(strict=getattr(known, "strict", True), reason=known.why)] if known else []
                    if spec["group"]:
                        marks.append(pytest.mark.xdist_group(spec["group"](item)))
                    ident = reproduce.test_id(spec["ids"](item), fw, dt, regime)
                    params.append(pytest.param(*values, *(v for v in (fw, dt, regime) if v), marks=marks, id=ident))
    names = [*args, *(["framework"] if spec["frameworks"] else []), *(["dtype"] if spec["dtypes"] else []),
             *(["regime"] if spec["regimes"] else [])]
    metafunc.parametrize(names, params)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    # JAX is imported by the first item that uses it, not at configure: a run without JAX items never loads it
    if item.config.gradparity_share_lowering and jax_lowering.share():
        item.config.gradparity_share_lowering = False  # shared from now on: nothing more to do


def pytest_unconfigure(config: pytest.Config) -> None:
    """An xdist worker leaves once pytest is done with it (its unconfigure and cleanup, the end-of-run check for
    exceptions in finalizers included): it skips the exit handlers registered before (JAX clears every cache of
    compiled programs) and the interpreter's teardown of three frameworks. Measured at the end of the default run:
    each worker took over 10 s after its last test, and pytest-xdist killed both at its 10 s timeout, waiting for
    them; leaving here, the last test to pytest's summary took 4.5 s instead of 10.4 s (one run each)."""
    if hasattr(config, "workerinput"):
        atexit.register(_leave)  # exit handlers run last-registered first: this one before the frameworks'


def _leave() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


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


def load_adapter(name: str, device: str, regime: str = "eager") -> frameworks.Adapter:
    """The adapter in ``regime``, or a skip naming why it is not here (not installed, no such device or regime)."""
    try:
        return frameworks.load(name, device).in_regime(regime)
    except (frameworks.FrameworkUnavailable, frameworks.DeviceUnavailable) as exc:
        pytest.skip(str(exc))
    except NotAvailable as exc:
        pytest.skip(f"n/a: {exc}")


@pytest.fixture
def device(request: pytest.FixtureRequest) -> str:
    return request.config.getoption("--device")


@pytest.fixture
def grad_seed(request: pytest.FixtureRequest) -> int:
    return request.config.getoption("--grad-seed")


@pytest.fixture
def adapter(framework: str, device: str) -> frameworks.Adapter:
    """The framework's adapter on ``--device``; skips with the reason where it is not here."""
    return load_adapter(framework, device)


@pytest.fixture
def selected_frameworks(request: pytest.FixtureRequest) -> list[str]:
    return request.config.gradparity_frameworks


@pytest.fixture
def record(request: pytest.FixtureRequest) -> Callable[[Any], None]:
    """``record(item)``: keep a record (a record dataclass, or a plain dict) for results/."""
    def keep(item: Any) -> None:
        request.node.user_properties.append((RECORD_KEY, to_dict(item)))
    return keep


class RecordCollector:
    """Gathers the records of every test (on the xdist controller too) and writes them at the end, in
    collection order, so a report does not depend on which worker finished first."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.kept: list[tuple[str, dict]] = []
        self.order: dict[str, int] = {}
        self.started = time.time()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if session.items:  # the xdist controller collects nothing itself: its workers report their order
            self.order = {item.nodeid: i for i, item in enumerate(session.items)}

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.order = self.order or {nodeid: i for i, nodeid in enumerate(ids)}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":
            self.kept.extend((report.nodeid, value) for key, value in report.user_properties if key == RECORD_KEY)

    @property
    def records(self) -> list[dict]:
        last = len(self.order)
        return [record for _, record in sorted(self.kept, key=lambda kept: self.order.get(kept[0], last))]

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int):
        """Write the reports while the other plugins finish: pytest-xdist's wait for its workers to exit (each frees
        its frameworks) overlaps the writing. At the end of the default run, last test to pytest's exit: 20 s one
        after the other, 14 s overlapped (one run each)."""
        config = self.config
        records = self.records
        if hasattr(config, "workerinput") or not records:
            return (yield)  # an xdist worker's records reach the controller through its reports
        run = {
            "args": list(config.invocation_params.args),
            "seed": config.getoption("--grad-seed"),
            "device": config.getoption("--device"),
            "dtypes": config.gradparity_dtypes,
            "regimes": config.gradparity_selection.label,
            "frameworks": config.gradparity_frameworks,
            "wall_seconds": round(time.time() - self.started, 1),
        }
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="gradparity-results") as writer:
            writing = writer.submit(self.write, records, run, Path(config.getoption("--results-dir")))
            try:
                return (yield)
            finally:
                lines = writing.result()  # an error of the writing is raised here, in pytest's thread
                terminal = config.pluginmanager.get_plugin("terminalreporter")
                if terminal is not None:
                    for line in lines:
                        terminal.write_line(line)

    @staticmethod
    def write(records: list[dict], run: dict, results: Path) -> list[str]:
        """Every report of the run under ``results``; the lines that say where they are."""
        try:
            paths = kinds.write_all(records, run, results)
            page, summary = html.write(results, bench.latest_runs(results))
        except OSError as exc:  # the directory went away mid-run: keep the records somewhere
            kept = kinds.keep_somewhere(records, run)
            return [f"gradparity: could not write results ({exc}); the {len(records)} records are in {kept}"]
        return [f"gradparity: {len(records)} records -> {', '.join(map(str, paths))}",
                f"gradparity report: {page}", *(f"  {line}" for line in summary)]
