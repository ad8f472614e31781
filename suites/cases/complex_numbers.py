"""Complex inputs: the gradient of a real loss w.r.t. complex sources, in complex64 and complex128.

Each framework's answer is turned into one convention (``∂L/∂x + i·∂L/∂y``; JAX's conjugated, see
:mod:`harness.complexes`) and compared with the float64 reference, finite differences in the real and
imaginary parts. Holomorphic functions enter through a complex weight (``real(w · f(z))``, so the loss
depends on f's real and imaginary parts); the non-holomorphic ones (abs, conj, real, imag, angle,
``|z|²``) and the FFT are where conventions and implementations part ways.
"""

from harness.cases import Case, const, source
from harness.domains import complex_normal, normal

Z = complex_normal()
#: angle(z) is discontinuous across the negative real axis: stay to its right
RIGHT = complex_normal(0.5, center=2.0)


def weighted_real(f):
    """``sum(real(w · f(z)))``: a real loss that sees both parts of a holomorphic ``f``."""
    return lambda xp, z, w: xp.sum(xp.real(w * f(xp, z)))


CASES = [
    Case("complex/exp", weighted_real(lambda xp, z: xp.exp(z)), {"z": source((4,), Z), "w": const((4,), Z)}),
    Case("complex/sin", weighted_real(lambda xp, z: xp.sin(z)), {"z": source((4,), Z), "w": const((4,), Z)}),
    Case("complex/polynomial", weighted_real(lambda xp, z: z ** 3 - 2.0 * z + 1.0),
         {"z": source((4,), Z), "w": const((4,), Z)}),
    Case("complex/matmul", lambda xp, a, b, w: xp.sum(xp.real(w * (a @ b))),
         {"a": source((2, 3), Z), "b": source((3, 2), Z), "w": const((2, 2), Z)}),
    Case("complex/abs-squared", lambda xp, z: xp.sum(xp.real(z * xp.conj(z))), {"z": source((4,), Z)},
         doc="|z|² as z·conj(z): dL/dx + i·dL/dy = 2z"),
    Case("complex/abs", lambda xp, z, c: xp.sum(c * xp.abs(z)), {"z": source((4,), Z), "c": const((4,), normal())}),
    Case("complex/conj", weighted_real(lambda xp, z: xp.conj(z)), {"z": source((4,), Z), "w": const((4,), Z)}),
    Case("complex/real-and-imag", lambda xp, z: xp.sum(xp.real(z) ** 2 + 3.0 * xp.imag(z)), {"z": source((4,), Z)}),
    Case("complex/angle", lambda xp, z, c: xp.sum(c * xp.angle(z)), {"z": source((4,), RIGHT), "c": const((4,), normal())}),
    Case("complex/fft-power", lambda xp, z, c: xp.sum(c * xp.abs(xp.fft.fft(z)) ** 2),
         {"z": source((8,), Z), "c": const((8,), normal())}, doc="weighted power spectrum"),
    Case("complex/fft-weighted", weighted_real(lambda xp, z: xp.fft.fft(z)), {"z": source((8,), Z), "w": const((8,), Z)}),
]
