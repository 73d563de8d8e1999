# The Ombudsflow image: the package and its console script, run as an unprivileged user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY . /src
RUN pip install /src && rm -rf /src

# var/ holds the key ring (a volume in docker-compose.yml); owned by the user that reads it.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin ombudsflow \
    && mkdir -p /app/var \
    && chown ombudsflow:ombudsflow /app/var
USER ombudsflow

# SIGTERM (docker stop) shuts the worker down gracefully.
CMD ["ombudsflow", "worker"]
