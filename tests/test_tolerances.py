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
