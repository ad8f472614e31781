"""The exact reference of the extreme-value sweep: the mpmath derivatives, the committed data file that holds
them, the ULP judgement of a framework's answer, and the report section and plots built from its records."""

import math

import mpmath as mp
import numpy as np
import pytest

from harness import exact, extremes
from harness.records import ExtremeRecord
from harness.report import extremes as extremes_report
from harness.report import ops as ops_report
from tests.test_report import CONDITIONS, RUN


@pytest.mark.parametrize("key, x, expected", [
    ("log", 1e-8, 1e8),
    ("reciprocal", 1e-6, -1e12),
    ("sqrt", 1e-12, 5e5),
    ("exp", 700.0, math.exp(700.0)),
    ("sigmoid", 30.0, math.exp(-30.0) / (1 + math.exp(-30.0)) ** 2),
    ("tanh", 20.0, 4 / (math.exp(20.0) + math.exp(-20.0)) ** 2),
    ("atanh", 0.5, 1 / 0.75),
])
def test_derivative_matches_closed_forms_in_float64(key, x, expected):
    assert exact.derivative(exact.BY_KEY[key], x) == pytest.approx(expected, rel=1e-14)


def test_derivative_beside_a_pole_and_in_the_tails_stays_exact():
    # tan one float64 step below π/2: sec² = 1/cos² with cos ≈ 6.1e-17, exactly as mpmath computes it at 100 digits
    x = float(np.nextafter(math.pi / 2, 0))
    with mp.workdps(100):
        expected = float(1 / mp.cos(mp.mpf(x)) ** 2)
    assert exact.derivative(exact.BY_KEY["tan"], x) == pytest.approx(expected, rel=1e-15)
    # sinc' at 1e-300 is -π²x/3 (its closed form cancels 600 digits there) and gelu' far left underflows to -0
    assert exact.derivative(exact.BY_KEY["sinc"], 1e-300) == pytest.approx(-math.pi ** 2 / 3 * 1e-300, rel=1e-14)
    assert exact.derivative(exact.BY_KEY["gelu"], -1e30) == 0.0


def test_a_precision_sensitive_derivative_is_refused_not_rounded():
    cancels = exact.Swept("cancels", lambda x: (1 + x) - 1)  # 1e-60 survives 70 digits, not 40
    with pytest.raises(ArithmeticError, match="raise the precision"):
        exact.derivative(cancels, 1e-60)


@pytest.mark.parametrize("dtype", exact.DTYPES)
def test_points_span_the_domain_in_the_dtype(dtype):
    info = np.finfo(dtype)
    log = exact.points(exact.BY_KEY["log"], dtype)
    assert log.min() == float(info.smallest_subnormal) and log.max() == float(info.max)
    assert np.array_equal(log, log.astype(dtype).astype(np.float64))  # representable
    atanh = exact.points(exact.BY_KEY["atanh"], dtype)
    assert atanh.max() == float(np.nextafter(np.asarray(1.0, dtype), 0))  # one ULP from the edge
    assert (np.abs(atanh) < 1).all()
    relu6 = exact.points(exact.BY_KEY["relu6"], dtype)
    assert 0.0 not in relu6 and 6.0 not in relu6 and (relu6 < 0).any()


def test_the_committed_data_file_holds_every_point_and_recomputes():
    table = exact.load()
    rng = np.random.default_rng(0)
    for spec in exact.SWEPT:
        for dtype in exact.DTYPES:
            points = extremes.points_of(table, spec.key, dtype)  # raises if the file and the spec disagree
            i = int(rng.integers(len(points.x)))
            value, condition = exact._evaluate(spec, float(points.x[i]))
            assert (value == points.derivative[i] or np.isnan(value) and np.isnan(points.derivative[i])), spec.key
            assert condition == pytest.approx(points.condition[i], rel=1e-6, abs=1e-300)


def test_the_condition_number_holds_where_the_closed_form_cancels():
    """sinc' = (cos(πx)·πx − sin(πx)) / (πx²) cancels 2·log10(1/πx) digits near 0; its condition number |x·f''/f'|
    is 1 there (f' ≈ −π²x/3), and must not come out as the noise of a difference taken without the digits."""
    for x in (-1e-10, -6.385249e-133, 5.5e-158, -1e-300):
        value, condition = exact._evaluate(exact.BY_KEY["sinc"], x)
        assert value == pytest.approx(-np.pi ** 2 * x / 3, rel=1e-12)
        assert condition == pytest.approx(1.0, rel=1e-6), x


def test_a_missing_data_file_names_the_command_that_writes_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m harness exact"):
        exact.load(tmp_path / "none.csv.gz")


def test_judge_separates_defects_inexact_and_flushed_subnormals():
    tiny32 = float(np.finfo(np.float32).tiny)
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    exact_values = np.array([1e-20, 1e-20, 1.0, 1.0, 1e-40, 1e60, 2.0])
    got = np.array([0.0, np.nan, 1.0 + 2 ** -23, 1.0 + 200 * 2 ** -23, 0.0, np.inf, 2.0 * (1 + 2e-5)])
    condition = np.array([1, 1, 1, 1, 1, 1, 10.0])
    judged = extremes.judge(x, got, exact_values, "float32", condition)
    assert list(judged["verdict"]) == ["defect", "defect", "ok", "inexact", "ok", "ok", "ok"]
    assert judged["ulps"][4] == pytest.approx(1e-40 / tiny32)  # below the smallest normal: in its units
    assert judged["allowed"][6] == 10 * extremes.ULPS["float32"]  # ~168 ULPs off, ill-conditioned: allowed
    assert extremes.failing_ranges(judged) == [(1.0, 2.0), (4.0, 4.0)]
    assert extremes.describe(extremes.failing_ranges(judged)) == "[1, 2] ∪ [4, 4]"
    # NaN and ±inf for a finite derivative are defects however ill-conditioned the point; an exact 0 is one only
    # beyond the allowance (within it, an input an ULP away has derivative 0: sinc's zeros at |x| < 1e-131 passed
    # so while their stored condition numbers were noise, see the test above)
    huge = extremes.judge(x[:4], np.array([0.0, -np.inf, np.nan, 0.0]), np.array([1e-20, 1.0, 1.0, 1e-20]),
                          "float32", np.array([1e30, np.inf, 1e30, 1.0]))
    assert list(huge["verdict"]) == ["ok", "defect", "defect", "defect"]


def test_the_sweep_section_and_plots_come_from_records(tmp_path):
    record = ExtremeRecord("sigmoid", "torch", "float32", "cpu", version="2.13.0", verdict="known",
                           why="s·(1 - s) is 0 once s rounds to 1", points=4, ok=2, defects=1, inexact=1,
                           tolerance_ulps=64.0, failing="[7.98, 80.2]", worst_ulps=1e30, worst_allowed=64.0,
                           worst_x=25.3, worst_got=0.0, worst_exact=1.03e-11,
                           declared=[[7.98, 80.2, "s·(1 - s) is 0 once s rounds to 1"]],
                           profile=[[-30.0, 0.5], [1e-3, 1.0], [25.3, 1e30]])
    data = {"schema": ops_report.SCHEMA, "conditions": CONDITIONS, "run": RUN, "records": [record.to_dict()]}
    markdown = ops_report.render(data)
    assert "## Extreme values" in markdown and "[7.98, 80.2]" in markdown and "extremes/sigmoid.png" in markdown
    assert "sigmoid" in extremes_report.findings(extremes_report.frame(data))[0][0]
    (path,) = extremes_report.write_plots(data, tmp_path)
    assert path == tmp_path / "extremes" / "sigmoid.png" and path.stat().st_size > 1000
