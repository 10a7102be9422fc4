"""The framework's floor: a WSGI app that answers every request with "ok", served by the
same gunicorn as the site (bench/catalog.py measures /healthz against it)."""


def application(environ, start_response):
    body = b"ok"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [body]
