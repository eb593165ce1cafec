"""Fixtures shared by the test modules."""

import pytest

import vizgrad as vg

from .graphs import sin_chain


@pytest.fixture(scope="session")
def long_chain() -> vg.Graph:
    """The drawing of a 20,000-op chain y = sin(sin(...sin(x))): past the collapse limit."""
    return vg.graph(sin_chain(20_000))
