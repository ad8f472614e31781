"""The suite's pytest wiring lives in the package, in a plugin loaded here (and by the benchmark worker's run) and
nowhere else: ``harness/suite_plugin.py`` (options, ``@over`` parametrization, fixtures, the results writer). The
``pytest11`` entry point of an installed gradparity brings other projects only the ``gradcheck`` fixture
(``harness/pytest_plugin.py``)."""

pytest_plugins = ["harness.suite_plugin"]
