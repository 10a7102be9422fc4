# The marketplace's production image: gunicorn serving Django, static files via WhiteNoise.
# The same image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=marketplace.settings \
    VAR_DIR=/app/var

WORKDIR /app
RUN useradd --create-home --uid 1000 app

# XStatic-Bootstrap ships only an sdist that needs pkg_resources at build time,
# so it is built without isolation against the pinned setuptools (as in the Makefile).
COPY requirements.txt .
RUN pip install --upgrade pip "setuptools<81" wheel \
    && pip install --no-build-isolation XStatic-Bootstrap \
    && pip install -r requirements.txt

COPY . .

# Translations are compiled with Babel (no gettext in the image); static files are
# collected with throwaway settings values, which never reach the running containers.
RUN if ls locale/*/LC_MESSAGES/django.po >/dev/null 2>&1; then \
        pybabel compile -d locale -D django; \
    fi \
    && DJANGO_ENV=production SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
       python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media /app/var/private \
    && chown -R app:app /app/var

USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://localhost:8000/healthz', timeout=4)"
CMD ["gunicorn", "marketplace.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-", "--forwarded-allow-ips", "*"]
