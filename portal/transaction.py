"""One commit per request, at the request boundary (the model is Indico's ``RH`` in indico/web/rh.py).

Operations, views, decorators, hooks and context builders change models and at most ``flush()``;
none of them commits. When the request is over, this module decides once for all of it:

- a handled response with a status below 500 (including a redirect after a save, a 400 form page,
  and a refusal: ``refuse(403)`` or the API's 403 keep their audit row this way) is committed;
- a 5xx response, or an exception nobody handled, rolls everything back;
- if the commit itself fails (a constraint checked only at commit, a lost connection, a concurrent
  edit found at the final flush), everything is rolled back and the user gets an error page that
  says nothing was saved, instead of a success message for a change that is not there.

A view that catches a domain error (``ReferralError``, a version conflict) and answers with the form
again calls ``db.session.rollback()`` itself first, so the half-done operation is not committed with
the page. CLI commands and jobs are not requests: they commit at their own end (``*/cli.py``, the
HSDS import's ``finish_import``, the search index's rebuild and sync); see
``tests/integration/test_transaction_boundary.py`` for the complete list of allowed commit sites.
"""
from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request, session
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

log = logging.getLogger(__name__)


def register_transaction(app: Flask) -> None:
    """Register the request boundary. Call it after every other ``after_request`` registration:
    Flask runs after-request functions in reverse order, so the last registered runs first, and a
    "nothing was saved" page it substitutes still gets the security headers added after it."""
    app.after_request(end_request_transaction)
    app.teardown_request(_discard_after_exception)


def end_request_transaction(response: Response) -> Response:
    if response.status_code >= 500:
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        # The endpoint and the class of error only: never the values (they may be about a client).
        log.error("commit at the end of %s %s failed (%s); nothing was saved",
                  request.method, request.endpoint, type(error).__name__)
        return _nothing_saved_response()
    return response


def _discard_after_exception(error: BaseException | None) -> None:
    # An exception that reached Flask unhandled (with PROPAGATE_EXCEPTIONS, as in tests and debug,
    # the after-request step above never sees it): drop whatever the request had written.
    if error is not None:
        db.session.rollback()


def _nothing_saved_response() -> Response:
    # A "Saved." flash queued by the view would announce a change that is not there.
    session.pop("_flashes", None)
    if request.path.startswith("/api/"):
        response = jsonify({"error": "The change could not be saved; nothing was saved. Please try again.",
                            "status": 500})
        response.status_code = 500
        return response
    try:
        body = render_template("error.html", code=500, nothing_saved=True)
    except Exception:  # the database may be what failed, and the page's chrome reads from it
        log.exception("could not render the error page after a failed commit")
        body = "Your change could not be saved, and nothing was saved. Please try again."
    return Response(body, status=500)
