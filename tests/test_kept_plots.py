"""Plots kept between runs by what they draw (``harness/report/kept_plots.py``): a copy only where the same data was
drawn by the same code under the same style, the same bytes as drawing it, and a plot written whatever the cache's
state."""

from __future__ import annotations

import importlib.util
import os

import matplotlib
import pytest

from harness.records import ExtremeRecord
from harness.report import extremes, kept_plots
from harness.report import ops as ops_report

CONDITIONS = {"frameworks": {}, "device": "cpu", "machine": "test", "python": "3.11", "threads": 1, "dtypes": []}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache root for this test, and fresh counters."""
    monkeypatch.setenv("GRADPARITY_COMPILE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(kept_plots, "stats", {"copied": 0, "drawn": 0})
    monkeypatch.setattr(kept_plots, "_pruned", set())
    return kept_plots.folder()


def sweep(*profiles: list) -> dict:
    """A loaded ops.json with one swept op per profile (``op0``, ``op1``, ...)."""
    records = [ExtremeRecord(f"op{i}", "torch", "float32", "cpu", version="2.13.0", verdict="pass", why="", points=3,
                             ok=3, defects=0, inexact=0, tolerance_ulps=64.0, failing="none", worst_ulps=2.0,
                             worst_allowed=64.0, worst_x=1.0, worst_got=1.0, worst_exact=1.0, declared=[],
                             profile=profile).to_dict() for i, profile in enumerate(profiles)]
    return {"schema": ops_report.SCHEMA, "conditions": CONDITIONS, "run": {}, "records": records}


A = [[-3.0, 1.0], [1e-3, 2.0], [5.0, 0.5]]
B = [[-3.0, 1.0], [1e-3, 2.0], [5.0, 40.0]]  # one point's error differs


def test_the_same_data_is_copied_and_is_the_picture_drawn(cache, tmp_path):
    (drawn,) = extremes.write_plots(sweep(A), tmp_path / "first")
    (copied,) = extremes.write_plots(sweep(A), tmp_path / "second")
    assert kept_plots.stats == {"copied": 1, "drawn": 1}
    assert copied.read_bytes() == drawn.read_bytes() and len(list(cache.glob("*.png"))) == 1


def test_other_data_is_drawn_anew(cache, tmp_path):
    (a,) = extremes.write_plots(sweep(A), tmp_path / "a")
    (b,) = extremes.write_plots(sweep(B), tmp_path / "b")
    assert kept_plots.stats == {"copied": 0, "drawn": 2} and a.read_bytes() != b.read_bytes()
    # each op of a report by its own data: the op whose data changed is drawn, the other copied
    extremes.write_plots(sweep(A, A), tmp_path / "c")
    assert kept_plots.stats == {"copied": 1, "drawn": 3}


def test_other_drawing_code_or_style_draws_anew(cache, tmp_path, monkeypatch):
    def drawer(name: str, colour: str):
        """A draw function in a module of its own: its file is the code the key holds."""
        module = tmp_path / f"{name}.py"
        module.write_text("def draw(path):\n    import matplotlib.pyplot as plt\n    fig = plt.figure()\n"
                          f"    fig.gca().plot([0, 1], color={colour!r})\n    fig.savefig(path)\n    plt.close(fig)\n")
        spec = importlib.util.spec_from_file_location(name, module)
        loaded = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded)
        return loaded.draw

    kept_plots.write(tmp_path / "1.png", ("x",), drawer("red", "red"))
    kept_plots.write(tmp_path / "2.png", ("x",), drawer("blue", "blue"))
    assert kept_plots.stats == {"copied": 0, "drawn": 2}
    assert (tmp_path / "1.png").read_bytes() != (tmp_path / "2.png").read_bytes()
    monkeypatch.setitem(matplotlib.rcParams, "lines.linewidth", 7.0)
    kept_plots.write(tmp_path / "3.png", ("x",), drawer("red", "red"))
    assert kept_plots.stats == {"copied": 0, "drawn": 3}


def test_a_cache_that_cannot_be_used_still_writes_every_plot(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("GRADPARITY_COMPILE_CACHE", str(blocker))
    monkeypatch.setattr(kept_plots, "stats", {"copied": 0, "drawn": 0})
    for run in ("one", "two"):
        (path,) = extremes.write_plots(sweep(A), tmp_path / run)
        assert path.stat().st_size > 1000
    assert kept_plots.stats == {"copied": 0, "drawn": 2}


def test_only_the_most_recently_used_plots_are_kept(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(kept_plots, "KEEP", 2)
    cache.mkdir(parents=True)
    for age, name in enumerate(("newer", "older", "oldest")):
        (cache / f"{name}.png").write_bytes(b"png")
        os.utime(cache / f"{name}.png", (1e9 - age * 1000, 1e9 - age * 1000))
    extremes.write_plots(sweep(A), tmp_path / "run")  # drawn, kept, then the oldest removed
    assert sorted(p.name for p in cache.glob("*.png") if len(p.name) < 12) == ["newer.png"]
    assert len(list(cache.glob("*.png"))) == 2


def test_a_copied_plot_counts_as_recently_used(cache, tmp_path):
    extremes.write_plots(sweep(A), tmp_path / "first")
    (kept,) = cache.glob("*.png")
    os.utime(kept, (1e9, 1e9))
    extremes.write_plots(sweep(A), tmp_path / "second")
    assert kept_plots.stats["copied"] == 1 and kept.stat().st_mtime > 1e9 + 1
