"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``.

The threaded server gets two process-wide settings here, not in ``create_app`` (which tests, CLI
commands and jobs also call): a crash dumps every thread's Python stack to stderr (faulthandler),
and on Python 3.11 the cyclic garbage collector runs only at the end of a request
(``portal.gc_safepoints``: the fix for workers dying with SIGSEGV under concurrent requests).
"""
import faulthandler

from portal import create_app
from portal import gc_safepoints
from portal.search import service as search_service

faulthandler.enable()
app = create_app()
gc_safepoints.install(app)
search_service.warm(app)  # each gunicorn worker imports this module: it warms its own searcher
