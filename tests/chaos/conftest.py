"""The chaos drill runs the whole pipeline as processes, like the e2e tests."""

from tests.e2e.conftest import pipeline  # noqa: F401 - the same fixture: start what is not running
