"""The project's settings plus what exists only in tests: a record kind of their own
(tests/recordkind), so production settings stay as they ship."""

from tallysync.settings import *  # noqa: F403
from tallysync.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.recordkind"]
