# Production image: gunicorn serves the app, whitenoise the static files.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 1000 app
# gettext's msgfmt compiles (and checks) the translation catalogs below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md ./
COPY annotation_platform ./annotation_platform
COPY accounts ./accounts
COPY tasks ./tasks
COPY rubrics ./rubrics
COPY quality ./quality
COPY reviews ./reviews
COPY metrics ./metrics
COPY imports ./imports
COPY exports ./exports
COPY integrations ./integrations
COPY mediafiles ./mediafiles
RUN pip install .
COPY manage.py gunicorn.conf.py ./
COPY templates ./templates
COPY static ./static
COPY locale ./locale

# Static files are collected into the image (gunicorn.conf.py would otherwise collect them
# at start: the app user cannot write here). collectstatic needs settings that import; the
# real key comes from the environment.
RUN DEBUG=false SECRET_KEY=collectstatic-only python manage.py compile_locale --force \
    && DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown -R app:app /app/media

USER app
EXPOSE 8000
# Worker class and count: gunicorn.conf.py (the container's CPU quota, or WEB_CONCURRENCY).
# Health: docker-compose.yml checks web (/healthz), worker (ping) and beat (heartbeat file).
CMD ["gunicorn", "annotation_platform.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
