"""Security headers on every response (issue 13): a strict Content-Security-Policy, no framing, no
MIME sniffing, no full URLs in the Referer sent to other sites.

A plain after-request hook rather than Flask-Talisman: the portal needs only these fixed headers,
and Talisman's other defaults (forcing HTTPS, marking the session cookie secure) belong to the
deployment's proxy and cookie settings, which config.py already owns.
"""
from __future__ import annotations

# Scripts only from our own files: no inline <script>, no onclick=…, no eval. Every page script is
# in static/js/ (admin pages: static/js/admin_csp.js replaces Flask-Admin's inline handlers).
# style-src allows 'unsafe-inline' on purpose: page templates set computed widths (the dashboard's
# bars) and carry small <style> blocks, and Flask-Admin's widgets set style attributes. Styles
# cannot run code, and with scripts, forms, frames and base-uri locked down the remaining risk of an
# injected style is small next to breaking those pages.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",  # Bootstrap draws its icons (select arrows, checks) as data: SVGs
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
    # Stricter than strict-origin-when-cross-origin: other sites get no Referer at all (our paths
    # can name a referral or a search a worker ran), our own pages get the full one.
    "Referrer-Policy": "same-origin",
}


def add_security_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
