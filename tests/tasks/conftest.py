"""Fixtures of the tasks tests that more than one module uses."""

from __future__ import annotations

import pytest

from tests.tasks.rubric_fixtures import World, build_world


@pytest.fixture
def world(cast) -> World:
    """The cast project with rubric and guidelines history (see ``build_world``)."""
    return build_world(cast)
