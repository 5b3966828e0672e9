"""Repository-wide pytest configuration: the shared fixtures plugin, and the xdist grouping.

`make test` runs the suite on pytest-xdist workers. Every end-to-end test (six processes plus a
broker and a database each) goes to the same worker, one after the other, so two whole stacks
never compete for the two cores while the other workers run the unit and integration tests.
"""

import pytest

pytest_plugins = ["pytake_shared.testing.fixtures"]


# First: xdist's own hook reads the group markers off the items, so they must be on by then.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("e2e") is not None:
            item.add_marker(pytest.mark.xdist_group("e2e"))
