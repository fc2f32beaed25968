"""Put first on PYTHONPATH (`make test-portable`), this makes uvloop and httptools unimportable in
every Python of the run, the servers the tests start included: the code paths an office without
them takes (Windows has no uvloop) are then the ones tested. `importlib.util.find_spec` says
None for them, as for a package that is not installed."""

import os
import sys

for name in os.environ.get("TALLYSYNC_HIDE_MODULES", "uvloop,httptools").split(","):
    if name.strip():
        sys.modules[name.strip()] = None  # type: ignore[assignment]
