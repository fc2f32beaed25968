"""Shared books for every report test: NOTES.md B.3's (`b1`, defined with the final accounts'
tests) and the Account Books' quarter of a shop (`books`)."""

from tests.reports.test_account_books import books  # noqa: F401 (a fixture, shared)
from tests.reports.test_final_accounts import b1  # noqa: F401 (a fixture, shared)
