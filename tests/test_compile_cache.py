"""JAX's compiled programs kept between runs (``--compile-cache``): a second run loads what the first compiled, each
kind of CPU has its own folder, ``off`` and the bench compile anew."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from harness import compile_cache, reference_cache
from harness.bench import runner

ROOT = Path(__file__).resolve().parent.parent
#: prints how many programs JAX loaded from its persistent cache and how many it compiled (JAX's own counters), and
#: whether its lowerings shared one MLIR context (harness.jax_lowering)
COUNTER = '''
import atexit, collections, jax.monitoring
from harness import jax_lowering
seen = collections.Counter()
jax.monitoring.register_event_listener(lambda event, **kw: seen.update([event]))
jax.monitoring.register_event_duration_secs_listener(lambda event, duration, **kw: seen.update([event]))
atexit.register(lambda: print(f"\\nloaded {seen['/jax/compilation_cache/cache_hits']} "
                              f"compiled {seen['/jax/core/compile/backend_compile_duration']} "
                              f"shared {jax_lowering.shared()}"))
'''
#: a run that keeps programs but lowers each in its own context, as JAX does for a user
OWN_CONTEXTS = '''
import pytest
@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    config.gradparity_share_lowering = False
'''


def jax_run(tmp_path: Path, *options: str, env: dict | None = None) -> tuple[int, int, bool]:
    """(programs loaded from the cache, programs compiled, whether lowerings shared a context) by a small JAX slice
    of the suite run with ``options``."""
    pytest.importorskip("jax")
    (tmp_path / "jax_counter.py").write_text(COUNTER)
    (tmp_path / "own_contexts.py").write_text(OWN_CONTEXTS)
    environment = {**(env or os.environ), "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "-p", "jax_counter", "suites/test_gradients.py", "--framework", "jax", "--regimes", "eager",
                           "--dtype", "float32", "-k", "scalar/square-at-3 and test_gradient",
                           "--results-dir", str(tmp_path / "results"), *options],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    loaded, compiled, shared = proc.stdout.rsplit("loaded ", 1)[1].split()[::2]
    return int(loaded), int(compiled), shared == "True"


def test_a_second_run_loads_what_the_first_compiled(tmp_path):
    """Also with the lowerings sharing one MLIR context in the second run and not in the first: JAX finds a kept
    program by its lowered module, so every program found again says sharing left each module as it was."""
    cache = tmp_path / "cache"
    first = jax_run(tmp_path, "--compile-cache", str(cache), "-p", "own_contexts")
    (folder,) = cache.iterdir()
    stored = len(list(folder.iterdir()))
    assert first[1] > 0 and stored > 0 and not first[2], first
    loaded, compiled, shared = jax_run(tmp_path, "--compile-cache", str(cache))
    assert shared
    assert loaded == compiled == first[1], (first, loaded, compiled)  # each program found, none compiled twice
    assert len(list(folder.iterdir())) == stored


def test_off_compiles_anew_even_where_the_environment_names_a_cache(tmp_path):
    inherited = tmp_path / "inherited"
    env = {**os.environ, "JAX_COMPILATION_CACHE_DIR": str(inherited)}
    first = jax_run(tmp_path, "--compile-cache", "off", env=env)
    again = jax_run(tmp_path, "--compile-cache", "off", env=env)
    assert first[0] == again[0] == 0 and again[1] == first[1] > 0, (first, again)
    assert not first[2] and not again[2]  # and lowered as for a user, each program in its own MLIR context
    assert not inherited.exists() or not any(inherited.iterdir())


def test_each_kind_of_cpu_and_jax_release_has_its_own_folder(tmp_path):
    pytest.importorskip("jaxlib")
    avx512 = compile_cache.folder(tmp_path, frozenset({"sse4_2", "avx2", "avx512f"}))
    avx2 = compile_cache.folder(tmp_path, frozenset({"sse4_2", "avx2"}))
    assert avx512 != avx2 and avx512.parent == avx2.parent == tmp_path
    assert avx512 == compile_cache.folder(tmp_path, frozenset({"avx512f", "avx2", "sse4_2"}))  # order does not matter
    assert avx512.name.startswith(f"jax-{importlib.metadata.version('jaxlib')}-")


def test_the_bench_times_jax_without_kept_programs_or_references(tmp_path, monkeypatch):
    """The bench reports the first call's compile time: its timing processes must not load a program compiled
    by a test run (whose environment they would otherwise inherit); nor a reference a test run kept (its
    verification and the checks it times compute their own)."""
    pytest.importorskip("jax")
    started = []

    class Finished:
        returncode = 0

        def __init__(self, command, env, **options):
            started.append((command, env))

        def poll(self):
            return 0

        def wait(self):
            return 0

    monkeypatch.setattr(runner, "subprocess", types.SimpleNamespace(Popen=Finished, STDOUT=subprocess.STDOUT))
    monkeypatch.setattr(runner.verify, "verify", lambda case, *a, **k: {"case": case.id, "ok": True})
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(tmp_path / "from-a-test-run"))
    runner.run(framework_names=["jax"], workloads=["linear"], results=tmp_path / "results")
    assert len(started) == 2  # the timing worker and the checker's speed
    for command, env in started:
        assert env["JAX_ENABLE_COMPILATION_CACHE"] == "false", command
    worker = started[0][0]
    assert worker[worker.index("--compile-cache") + 1] == compile_cache.OFF
    assert worker[worker.index("--reference-cache") + 1] == reference_cache.OFF
