"""What a check of a user's derivative reports when it is not a pass: one exception per outcome.

- :class:`GradientMismatch`: **wrong gradient**: entries beyond their allowance (a NaN or ±inf where the reference is
  finite included), each named by its path; :class:`Disconnected` when the framework gives no gradient at all for
  an input the output depends on;
- :class:`ReferenceUndefined`: **reference undefined**: the derivative does not exist at some entries (a kink, a
  jump, a tie, outside the domain), so they cannot be judged; the rest passed;
- :class:`NotDeterministic`: **not deterministic**: two calls at the same inputs differ, so there is no derivative
  to check;
- :class:`GradcheckError`: **cannot check** as asked; the message names the problem and the fix in one line.
"""

from __future__ import annotations


class GradientMismatch(AssertionError):
    """The framework's derivative differs from the float64 reference beyond the tolerance."""


class GradcheckError(ValueError):
    """The check cannot be made as asked; the message names the problem and the fix in one line."""


class Disconnected(GradientMismatch, GradcheckError):
    """No gradient flows from the output to an input the output depends on (the framework answers ``None``): a wrong
    gradient, and one no derivative formula can be blamed for, so it is both a mismatch and a one-line error."""


class ReferenceUndefined(GradcheckError):
    """The derivative does not exist at some entries (one-sided derivatives differ, or the function is not finite
    there): neither a pass nor a wrong gradient. Move the point off the kink, or state the framework's convention
    there as a value."""


class NotDeterministic(GradcheckError):
    """Two calls of fn (or of its derivative) at the same inputs differ: a random function has no derivative to
    check. Seed its randomness, use inference mode, or pass ``nondet_tol=`` to accept differences that small."""
