# megabox-watch: a discord.py bot that watches MEGABOX cinemas for free seats.
#
#   docker compose build && docker compose up -d      (see docker-compose.yml, .env.example)
#
# Two stages on the same base image, so the virtualenv built in the first one (whose python
# is a symlink to the base image's interpreter) works unchanged in the second one.

# uv, pinned (the version the project is developed with); never :latest
FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

# ---------------------------------------------------------------- builder: the virtualenv
FROM python:3.13-slim AS builder

COPY --from=uv /uv /uvx /bin/

# UV_PYTHON: the base image's own interpreter (no managed Python download).
# UV_PROJECT_ENVIRONMENT: the venv lands in /app/.venv, the path it keeps at runtime.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=python3.13 \
    UV_PROJECT_ENVIRONMENT=/app/.venv

WORKDIR /app

# Only the lock and the project metadata: the dependency layer is rebuilt only when they change.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --frozen --no-dev --no-install-project

# The message catalogues compiled (.po → .mo; the .mo files are never committed). Babel runs
# here only, from uvx's cache, and stays out of the runtime venv.
COPY bot/i18n/locales/ /app/bot/i18n/locales/
RUN --mount=type=cache,target=/root/.cache/uv \
    uvx --from babel==2.19.0 pybabel compile --statistics -d /app/bot/i18n/locales -D messages \
    && test -f /app/bot/i18n/locales/ko/LC_MESSAGES/messages.mo

# ---------------------------------------------------------------- runtime
FROM python:3.13-slim AS runtime

ARG VERSION=0.1.0

LABEL org.opencontainers.image.title="megabox-watch" \
      org.opencontainers.image.description="Discord bot that watches MEGABOX cinemas for screenings with free seats and alerts when seats open" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.base.name="python:3.13-slim"

# A numeric, unprivileged user. /data belongs to it, so a fresh named volume mounted there
# inherits that ownership and the SQLite file can be written.
# A Hangul-capable font for the pictures (seat map legend, /history chart): Debian's
# fonts-nanum, of which only NanumGothic is used (about 4.7 MB of its 33 MB are kept).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-nanum \
    && find /usr/share/fonts/truetype/nanum -type f ! -name NanumGothic.ttf -delete \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log

RUN groupadd --gid 10001 megabox \
    && useradd --uid 10001 --gid 10001 --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin megabox \
    && mkdir -p /data \
    && chown 10001:10001 /data \
    && chmod 0750 /data

# MPLCONFIGDIR: the /history chart worker (matplotlib) keeps its font cache in the /tmp tmpfs,
# since the user has no home; otherwise every chart would rebuild it.
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite:////data/megabox-watch.db \
    HEARTBEAT_FILE=/tmp/megabox-watch.heartbeat \
    MPLCONFIGDIR=/tmp/matplotlib \
    TZ=Asia/Seoul

WORKDIR /app

# The venv and the application code only (root-owned: the bot cannot modify itself).
COPY --from=builder /app/.venv /app/.venv
COPY bot/ /app/bot/
COPY cogs/ /app/cogs/
COPY --from=builder /app/bot/i18n/locales/ /app/bot/i18n/locales/
# The bot's own bytecode, compiled once here: with PYTHONDONTWRITEBYTECODE and a root-owned
# /app, every start (and every drawing worker) would otherwise compile each module again,
# ~0.15 s of CPU before the gateway login (bench/README.md, issue 17).
RUN python -m compileall -q /app/bot /app/cogs

USER 10001:10001

HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "healthcheck"]

# `python -m bot` runs the bot; `docker compose run --rm bot check` runs one check.
ENTRYPOINT ["python", "-m", "bot"]
CMD []
