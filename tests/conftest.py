"""Fixtures shared by the test modules."""

import pytest

import vizgrad as vg


@pytest.fixture(scope="session")
def long_chain() -> vg.Graph:
    """The drawing of a 20,000-op chain y = sin(sin(...sin(x))): past the collapse limit."""
    x = vg.Variable(0.5, name="x")
    y = x
    for _ in range(20_000):
        y = vg.sin(y)
    return vg.graph(y)
