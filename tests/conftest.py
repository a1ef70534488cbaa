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


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL on loopback for this test session (tests/services.py)."""
    from services import Postgres

    with Postgres() as server:
        yield server


@pytest.fixture(scope="session")
def redis_server():
    """A real Redis on loopback for this test session."""
    from services import Redis

    with Redis() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_registry(postgres) -> Registry:
    """The same national registry as `national_registry`, in PostgreSQL."""
    registry = Registry(postgres.create_database("registry"))
    registry.import_sources()
    return registry
