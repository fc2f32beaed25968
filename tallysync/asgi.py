"""ASGI entry point served by uvicorn (server.launch): HTTP pages and the live WebSocket."""

import gc
import os

import django
from channels.routing import ProtocolTypeRouter

from tallysync.var import var_dir, var_prepare

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tallysync.settings")
var_prepare(var_dir())  # uvicorn may be started without manage.py (tests, benchmarks)
django.setup(set_prefix=False)  # as django.core.asgi.get_asgi_application does

from tallysync.handler import RequestHandler  # noqa: E402 - Django's handlers need it set up

http_application = RequestHandler()

from server.scheduler import scheduler_start  # noqa: E402
from sync.layers import claim_single_process  # noqa: E402 - needs Django set up
from sync.publisher import serving  # noqa: E402
from sync.routing import websocket_application  # noqa: E402

claim_single_process()
scheduler_start()  # the day's backups, in a thread of their own (backups.schedule)
application = serving(
    ProtocolTypeRouter({"http": http_application, "websocket": websocket_application})
)
# What start-up built (Django, the models, the URL and template machinery) lives as long as the
# process: keep it out of the collector's full passes, which otherwise walk it every time and
# stall every socket's fan-out meanwhile (bench/fanout.py --variants nofreeze measures this).
gc.freeze()
