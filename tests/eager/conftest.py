"""Eager tests restore graph mode (the process default) after each test, whatever the test switched on."""
import pytest

from kflow.engine import execution_mode


@pytest.fixture(autouse=True)
def restore_graph_mode():
    yield
    execution_mode.set_process_default(False)
