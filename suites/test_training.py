"""Training parity: each framework's gradient descent follows the float64 NumPy trajectory step
for step, and the converging runs end at the least-squares answer. Ids read
``training/<run>-<framework>-<method>-<dtype>``."""

from __future__ import annotations

from harness import training
from harness.records import TrainingRecord
from harness.suite_plugin import load_adapter, over
from harness.tolerances import CONVERGED
from suites.semantics.training import TRAINERS, TRAININGS, trajectory_tolerance


@over(TRAININGS, args=("run", "framework", "method"), dtypes=True,
      ids=lambda item: f"training/{item[0].name}-{item[1]}-{item[2]}")
def test_training_parity(run, framework, method, dtype, record):
    load_adapter(framework, "cpu")  # skips with the reason where the framework is not installed
    trajectory = TRAINERS[framework][method](run, dtype, method)
    tol = trajectory_tolerance(method, dtype)
    verdict = training.judge(run, trajectory, tol, CONVERGED[dtype])
    record(TrainingRecord(run=run.name, doc=run.doc, framework=framework, method=method, dtype=dtype, steps=run.steps,
                          max_trajectory_diff=verdict.max_trajectory_diff, relative_diff=verdict.relative_diff,
                          final_vs_closed_form=verdict.final_vs_closed_form, tolerance=f"rtol {tol.atol:g}",
                          verdict="pass" if verdict.passed else "fail", message=verdict.message))
    assert verdict.passed, f"{run.name} on {framework} ({method}, {dtype}): {verdict.message}"
