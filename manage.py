#!/usr/bin/env python
"""Django's command-line utility for TallySync."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tallysync.settings")
    from django.core.management import execute_from_command_line

    from tallysync.var import var_dir, var_prepare

    var_prepare(var_dir())  # the secret key on a fresh clone, before settings read it

    execute_from_command_line(sys.argv)
