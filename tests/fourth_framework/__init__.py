"""A fourth framework, added the way the README says a framework is added: a registry row (:data:`ROW`), an adapter
(``adapter.py``) and an exceptions table (``ops.py``), and nothing else. It is autograd, the NumPy-based automatic
differentiation library; tests/test_fourth_framework.py registers it and runs a slice of the cases and ops on it."""

from harness.frameworks.registry import Framework

ROW = Framework("autograd", "AG", "#7d3c98", "tests.fourth_framework.adapter:AutogradAdapter",
                "tests.fourth_framework.ops", "autograd", packages=("autograd",), modules=("autograd",),
                namespaces=("autograd.numpy", "autograd.scipy.special", "autograd.numpy.linalg"))
