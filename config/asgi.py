"""ASGI entry point (uvicorn serves this in ``sscard demo`` and ``sscard serve``).

On PostgreSQL, terminals' ``POST /api/v1/cards/verify`` calls with a bearer token are answered
by the lean route of ``config/fastverify.py`` (the most frequent call, without Django's full
stack); every other request, and every request on SQLite, goes to Django unchanged.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django_application = get_asgi_application()

# Imported once Django is set up: the route compiles its query with the ORM.
from config.fastverify import with_fast_verification  # noqa: E402
from sscard.core import background  # noqa: E402

# This process is a server: work a page starts runs in its pool when no broker takes it, and
# stops with the server (sscard/core/background.py).
background.serve()
_fronted = with_fast_verification(django_application)
application = background.WithLifespan(_fronted, inner_lifespan=_fronted is not django_application)

# Django, its URLs and the lean route are set up and live as long as the process. Keep them
# out of the collector's full passes, which would otherwise walk them all (some 125,000
# objects: 100 ms and more on a small machine) while every request in flight waits.
gc.freeze()
