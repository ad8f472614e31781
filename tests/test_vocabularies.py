"""Every op vocabulary (the NumPy reference's and each framework's) declares exactly the op table's
names: adding an op without an entry somewhere, or a stale entry, fails here, not as a silent n/a."""

import pytest

from harness import frameworks
from harness.plans import NUMPY
from harness.frameworks.base import Missing, UnknownOp, Vocabulary
from suites.ops import TABLE



def _compare(name: str, vocabulary: Vocabulary) -> None:
    # an op with its own call (strided_slice calls xp.ops.slice) needs no entry of its own
    required = {op.name for op in TABLE if op.by_name}
    missing, stale = sorted(required - vocabulary.names), sorted(vocabulary.names - {op.name for op in TABLE})
    assert not missing and not stale, (f"{name}'s vocabulary: no entry for {missing} (add one, or Missing(why)); "
                                       f"entries the table does not have: {stale}")


def test_numpy_reference_covers_the_table():
    _compare("numpy", NUMPY.ops)


@pytest.mark.parametrize("framework", frameworks.FRAMEWORKS)
def test_framework_vocabulary_covers_the_table(framework):
    try:
        vocabulary = frameworks.vocabulary(framework)
    except frameworks.FrameworkUnavailable as exc:
        pytest.skip(str(exc))
    _compare(framework, vocabulary)


def test_unknown_name_is_a_bug_and_missing_is_na():
    vocabulary = Vocabulary("demo", {"sin": abs, "logit": Missing("no logit here")})
    with pytest.raises(UnknownOp, match="demo's op vocabulary has no entry 'sni'"):
        vocabulary.sni  # noqa: B018 (the lookup is the test)
    with pytest.raises(frameworks.base.NotAvailable, match="demo has no logit: no logit here"):
        vocabulary.logit  # noqa: B018
