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
#: prints how many programs JAX loaded from its persistent cache and how many it compiled (JAX's own counters)
COUNTER = '''
import atexit, collections, jax.monitoring
seen = collections.Counter()
jax.monitoring.register_event_listener(lambda event, **kw: seen.update([event]))
jax.monitoring.register_event_duration_secs_listener(lambda event, duration, **kw: seen.update([event]))
atexit.register(lambda: print(f"\\nloaded {seen['/jax/compilation_cache/cache_hits']} "
                              f"compiled {seen['/jax/core/compile/backend_compile_duration']}"))
'''


def jax_run(tmp_path: Path, *options: str, env: dict | None = None) -> tuple[int, int]:
    """(programs loaded from the cache, programs compiled) by a small JAX slice of the suite run with ``options``."""
    pytest.importorskip("jax")
    (tmp_path / "jax_counter.py").write_text(COUNTER)
    environment = {**(env or os.environ), "PYTHONPATH": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "-p", "jax_counter", "suites/test_gradients.py", "--framework", "jax", "--regimes", "eager",
                           "--dtype", "float32", "-k", "scalar/square-at-3 and test_gradient",
                           "--results-dir", str(tmp_path / "results"), *options],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    loaded, compiled = proc.stdout.rsplit("loaded ", 1)[1].split()[::2]
    return int(loaded), int(compiled)


def test_a_second_run_loads_what_the_first_compiled(tmp_path):
    cache = tmp_path / "cache"
    first = jax_run(tmp_path, "--compile-cache", str(cache))
    (folder,) = cache.iterdir()
    stored = len(list(folder.iterdir()))
    assert first[1] > 0 and stored > 0, first
    loaded, compiled = jax_run(tmp_path, "--compile-cache", str(cache))
    assert loaded == compiled == first[1], (first, loaded, compiled)  # each program found, none compiled twice
    assert len(list(folder.iterdir())) == stored


def test_off_compiles_anew_even_where_the_environment_names_a_cache(tmp_path):
    inherited = tmp_path / "inherited"
    env = {**os.environ, "JAX_COMPILATION_CACHE_DIR": str(inherited)}
    first = jax_run(tmp_path, "--compile-cache", "off", env=env)
    again = jax_run(tmp_path, "--compile-cache", "off", env=env)
    assert first[0] == again[0] == 0 and again[1] == first[1] > 0, (first, again)
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
