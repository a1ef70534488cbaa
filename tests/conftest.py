"""Shared fixtures: a registry built once from the shipped data, and an empty one per test."""
from __future__ import annotations

import pytest

from providers.registry import Registry


@pytest.fixture(scope="session")
def national_registry(tmp_path_factory) -> Registry:
    """The registry a user gets from `providers import`: every shipped listing."""
    path = tmp_path_factory.mktemp("registry") / "registry.db"
    registry = Registry(f"sqlite:///{path}")
    registry.import_sources()
    return registry


@pytest.fixture
def empty_registry(tmp_path) -> Registry:
    return Registry(f"sqlite:///{tmp_path / 'registry.db'}")
