"""Every op of the table resolves in the NumPy reference's vocabulary and in each framework's: by rule (the same name
in the namespaces of its registry row) or by an exception its table writes out (Missing(why) where the framework
lacks the op). A name that resolves nowhere, or an exception for an op the table does not have, fails here, naming
the file to change, not as a silent n/a."""

import pytest

from harness import frameworks
from harness.frameworks.base import Missing, NotAvailable, UnknownOp, Vocabulary
from harness.plans import NUMPY
from suites.ops import TABLE

#: every name the op rows ask for by name (an op with its own call asks for the names that call uses)
REQUIRED = {op.name for op in TABLE if op.by_name} | {"slice", "moveaxis", "einsum", "where", "concat", "stack"}


def _compare(name: str, vocabulary: Vocabulary) -> None:
    unresolved = sorted(n for n in REQUIRED if not vocabulary.declares(n))
    stale = sorted(vocabulary.exceptions - {op.name for op in TABLE})
    assert not unresolved and not stale, (
        f"{name}'s vocabulary: {unresolved} resolve neither by name in its namespaces nor in its exceptions table "
        f"(add an exception, or Missing(why)); exceptions for ops the table does not have: {stale}")


def test_numpy_reference_covers_the_table():
    _compare("numpy", NUMPY.ops)


@pytest.mark.parametrize("framework", frameworks.FRAMEWORKS)
def test_framework_vocabulary_covers_the_table(framework):
    try:
        vocabulary = frameworks.vocabulary(framework)
    except frameworks.FrameworkUnavailable as exc:
        pytest.skip(str(exc))
    _compare(framework, vocabulary)


def test_a_plain_op_resolves_by_rule_and_an_exception_wins():
    vocabulary = Vocabulary("demo", {"tanh": abs, "logit": Missing("no logit here")}, namespaces=("numpy", "math"))
    import math

    import numpy as np

    assert vocabulary.sin is np.sin and vocabulary.lgamma is math.lgamma and vocabulary.tanh is abs
    with pytest.raises(UnknownOp, match="demo's op vocabulary has no entry 'sni', and its namespaces"):
        vocabulary.sni  # noqa: B018 (the lookup is the test)
    with pytest.raises(NotAvailable, match="demo has no logit: no logit here"):
        vocabulary.logit  # noqa: B018
    vocabulary.define("softsign", abs)
    with pytest.raises(ValueError, match="declared twice"):
        vocabulary.define("softsign", len)
