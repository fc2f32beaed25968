"""The `tallysync` command an installed server has (pyproject's [project.scripts]): Django's
manage.py under another name, so `tallysync migrate` and `tallysync serve` are what
`python manage.py migrate` and `python manage.py serve` are in a checkout."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tallysync.settings")
    from django.core.management import execute_from_command_line

    from tallysync.var import var_dir, var_prepare

    var_prepare(var_dir())  # the secret key on a fresh install, before settings read it
    execute_from_command_line(argv if argv is not None else sys.argv)


if __name__ == "__main__":
    main()
