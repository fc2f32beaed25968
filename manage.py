#!/usr/bin/env python
"""Django's command-line utility for TallySync (installed, it is the `tallysync` command)."""

if __name__ == "__main__":
    from tallysync.cli import main

    main()
