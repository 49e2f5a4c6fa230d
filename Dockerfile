# syntax=docker/dockerfile:1
# The incident service (`obs serve`): build a virtualenv with the project in one stage, copy only it
# and the content the service reads (runbooks/, incident/) into a slim runtime stage, run as a
# non-root user. Settings come from OBS_* variables; secrets from files (OBS_*_FILE).
#   docker build -t obs:0.1.0 .
#   docker run -e OBS_DATABASE_URL_FILE=/run/secrets/database_url -e OBS_WEBHOOK_TOKEN_FILE=... obs:0.1.0

ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/obs
WORKDIR /src
# Dependencies first, so editing the code does not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p observability demo && touch observability/__init__.py demo/__init__.py \
    && /opt/obs/bin/pip install . && /opt/obs/bin/pip uninstall -y observability
COPY observability/ observability/
COPY demo/ demo/
RUN /opt/obs/bin/pip install --no-deps . && /opt/obs/bin/obs --help >/dev/null

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 obs \
    && useradd --system --uid 10001 --gid obs --home-dir /app --no-create-home --shell /usr/sbin/nologin obs
COPY --from=build /opt/obs /opt/obs
WORKDIR /app
COPY runbooks/ runbooks/
COPY incident/ incident/
# var/ is the one writable place (the SQLite default for a trial run; production uses PostgreSQL).
RUN mkdir var && chown obs:obs var
ENV PATH=/opt/obs/bin:$PATH \
    OBS_REPO_ROOT=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
EXPOSE 8080
# /healthz: the process serves; /readyz (database reachable, schema current) is for load balancers.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
ENTRYPOINT ["obs"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
