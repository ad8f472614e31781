"""A declaration that holds in some releases and not in others says so as data: ``versions=`` on the expectation
(a PEP 440 specifier), checked against the installed release wherever a declaration is applied (op divergences,
case expectations, behaviours), never as an ``if`` in the suite."""

from __future__ import annotations

import re

import pytest

from harness import expectations
from harness.expectations import Expectation, divergence


@pytest.fixture
def installed(monkeypatch):
    releases = {}
    monkeypatch.setattr(expectations, "installed_version", lambda fw: releases.get(fw))
    import harness.cases
    import harness.semantics
    monkeypatch.setattr(harness.cases, "installed_version", lambda fw: releases.get(fw))
    monkeypatch.setattr(harness.semantics, "installed_version", lambda fw: releases.get(fw))
    return releases


def test_a_divergence_fixed_in_a_release_applies_only_before_it(installed):
    fixed = divergence(("tensorflow",), "wrong before 2.21", versions="<2.21", wrong=True)
    installed["tensorflow"] = "2.20.0"
    assert fixed.applies(framework="tensorflow")
    installed["tensorflow"] = "2.21.0"
    assert not fixed.applies(framework="tensorflow")
    installed["torch"] = "2.13.0+cpu"  # a local build label does not change the release
    assert divergence(("torch",), "new in 2.13", versions=">=2.13").applies(framework="torch")
    assert Expectation(why="every release").applies(framework="tensorflow")


def test_a_case_expectation_and_a_behaviour_follow_the_installed_release(installed):
    from harness.cases import Case, source
    from harness.semantics import Behaviour

    declared = Expectation("x:none", "None before 0.10", versions="<0.10")
    case = Case("scalar/versioned", lambda xp, x: xp.sum(x), {"x": source((2,))}, expect={"jax": declared})
    installed["jax"] = "0.9.2"
    assert case.expected("jax").kind == "x:none"
    installed["jax"] = "0.10.2"
    assert case.expected("jax").kind == "value"
    row = Behaviour("sources/versioned", "a versioned row", expect={"jax": declared},
                    observe={"jax": lambda: None}, fix="", no_reference="a test row")
    assert row.expected("jax").kind == "n/a" and "declared for releases <0.10" in row.expected("jax").why
    installed["jax"] = "0.9.2"
    assert row.expected("jax") is declared


def test_a_malformed_range_is_refused_with_the_form_to_use():
    with pytest.raises(ValueError, match="give a PEP 440 specifier"):
        Expectation(why="x", versions="before 2.21")


def test_the_reports_show_the_releases_each_fact_held_in(tmp_path):
    """A behaviour and a declared divergence measured in this run and in a version-set run beside it: the reports
    list both releases; a fact that did not hold in the other run lists one."""
    from harness.report import kinds, ops, semantics, store

    def behaviour(fw, verdict):
        return {"record": "behaviour", "id": "sources/plain-tensor", "section": "sources", "title": "t",
                "framework": fw, "expected": "none", "why": "w", "link": "", "observed": "none", "detail": "",
                "fix": "f", "fix_verified": None, "fix_detail": "", "verdict": verdict, "message": ""}

    def op(fw, verdict):
        return {"record": "op", "op": "gelu", "family": "unary", "sample": "vector", "mode": "rev",
                "id": "gelu/vector/rev", "inputs": "x", "framework": fw, "dtype": "float64", "device": "cpu",
                "verdict": verdict, "why": "TF's float64 gelu is off", "kind": "value", "link": "", "message": "off",
                "regime": "eager", "undefined": "", "max_rel_err": 1e-6, "composite": ""}

    def conditions(tf):
        return {"date": "d", "cpu": "c", "cores_usable": 2, "python": "3.11", "commit": "x", "machine": "m",
                "packages": {"tensorflow-cpu": tf, "torch": "2.13.0"}}
    run = {"args": [], "seed": 0, "device": "cpu", "dtypes": ["float64"], "frameworks": ["tensorflow", "torch"],
           "wall_seconds": 1}
    store.save(tmp_path / "versions" / "previous" / "semantics.json", semantics.SCHEMA,
               [behaviour("tensorflow", "pass"), behaviour("torch", "fail")], run, conditions("2.20.0"))
    store.save(tmp_path / "versions" / "previous" / "ops.json", ops.SCHEMA, [op("tensorflow", "known")], run,
               conditions("2.20.0"))
    kinds.write(semantics, [behaviour("tensorflow", "pass"), behaviour("torch", "pass")], run, tmp_path,
                conditions("2.21.0"))
    kinds.write(ops, [op("tensorflow", "known")], run, tmp_path, conditions("2.21.0"))
    sem = (tmp_path / "semantics.md").read_text()
    assert "tensorflow-cpu 2.20.0; tensorflow-cpu 2.21.0 · torch 2.13.0" in sem, sem
    row = re.search(r"\| gelu +\| tensorflow +\| float64 +\| eager +\| TF's float64 gelu is off +\| +1 \| (.*?) +\|",
                    (tmp_path / "ops.md").read_text())
    assert row and row.group(1) == "tensorflow-cpu 2.20.0; tensorflow-cpu 2.21.0"
