"""The per-dtype tolerance table and its one formula."""

import numpy as np
import pytest

from harness import tolerances
from harness.tolerances import Tolerance


def test_table_tightens_with_precision():
    order = ["bfloat16", "float16", "float32", "float64"]
    rtols = [tolerances.TABLE[d].rtol for d in order]
    assert rtols == sorted(rtols, reverse=True)


def test_case_override_takes_precedence_only_for_its_dtype():
    override = {"float32": Tolerance(rtol=1e-2, atol=1e-3)}
    assert tolerances.for_dtype("float32", override) == override["float32"]
    assert tolerances.for_dtype("float64", override) == tolerances.TABLE["float64"]


def test_unknown_dtype_names_the_known_ones():
    with pytest.raises(KeyError, match="float32"):
        tolerances.for_dtype("int8")


def test_allowance_adds_relative_scaled_and_reference_error_terms():
    tol = Tolerance(rtol=1e-3, atol=1e-4)
    ref, err = np.array([2.0, 0.0]), np.array([0.0, 1e-6])
    got = tol.allowance(ref, err, scale=10.0)
    expected = np.array([1e-3 * 2.0 + 1e-4 * 10.0, 1e-4 * 10.0 + tolerances.ERROR_FACTOR * 1e-6])
    np.testing.assert_allclose(got, expected)


def test_second_derivatives_in_low_precision_get_their_factor_and_nothing_else_does():
    for dtype in ("float16", "bfloat16"):
        second = tolerances.for_dtype(dtype, order=2)
        factor = tolerances.SECOND_ORDER[dtype]
        assert factor > 1 and (second.rtol, second.atol) == (factor * tolerances.TABLE[dtype].rtol,
                                                           factor * tolerances.TABLE[dtype].atol)
        assert tolerances.for_dtype(dtype) == tolerances.TABLE[dtype]
    for dtype in ("float32", "float64"):
        assert tolerances.for_dtype(dtype, order=2) == tolerances.TABLE[dtype]
    declared = {"float16": Tolerance(rtol=1.0, atol=1.0)}
    assert tolerances.for_dtype("float16", declared, order=2) == declared["float16"]


def test_the_size_of_the_summed_terms_replaces_the_sum_that_cancelled():
    tol = Tolerance(rtol=1e-2, atol=0.0)
    ref = np.array([1e-3])
    assert tol.allowance(ref, np.zeros(1), scale=1e-3)[0] == pytest.approx(1e-5)
    assert tol.allowance(ref, np.zeros(1), scale=1e-3, terms=np.array([2.0]))[0] == pytest.approx(2e-2)
    assert tol.allowance(ref, np.zeros(1), scale=1e-3, terms=np.array([1e-6]))[0] == pytest.approx(1e-5)
