"""Every gradient case of the suites, by category, in one registry (ids are unique across it)."""

from harness.cases import Registry
from suites.cases import (
                          complex_numbers,
                          control_flow,
                          disconnected,
                          higher_order,
                          intermediate,
                          matrix,
                          models,
                          nonscalar,
                          persistent,
                          scalar,
)

REGISTRY = Registry([case for module in (scalar, matrix, nonscalar, persistent, intermediate, disconnected,
                                         models, higher_order, control_flow, complex_numbers)
                     for case in module.CASES])
