"""Test-support tooling for kactors: checkers and harnesses used by fault-simulation tests.

This package holds code that tests import but production components never do, so the
control plane itself stays free of test-only dependencies.
"""
