"""NOTES.md B.3's books (`b1`, defined with the final accounts' tests) for every report test."""

from tests.reports.test_final_accounts import b1  # noqa: F401 (a fixture, shared)
