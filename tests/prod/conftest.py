"""The production-topology tests start real processes for a minute or two: they run only when
selected (``pytest -m prod``, ``make prod-check``), never in the default selection of make test."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    if "prod" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(
        reason="starts the production topology: select it with -m prod (make prod-check)"
    )
    for item in items:
        if item.get_closest_marker("prod") is not None:
            item.add_marker(skip)
