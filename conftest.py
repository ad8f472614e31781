"""The suite's pytest wiring lives in the package: ``harness/pytest_plugin.py`` (options, ``@over``
parametrization, fixtures, the results writer), registered by the ``pytest11`` entry point of an
installed gradparity. Named here too, so a checkout that was never ``pip install``-ed still runs."""

pytest_plugins = ["harness.pytest_plugin"]
