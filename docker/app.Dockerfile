# syntax=docker/dockerfile:1
#
# The callcentre Python application: migrations, the logger, the model download and the transcription
# workers (later the dashboard).
# Built from the repository root:  docker build -f docker/app.Dockerfile .
# (compose.yaml does this; docker/app.Dockerfile.dockerignore keeps .git, .venv, tests ... out.)
ARG PYTHON_VERSION=3.11

# ---- Build: install the project and its dependencies into a virtualenv ----
FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/callcentre
WORKDIR /src
COPY . .
RUN /opt/callcentre/bin/pip install .

# ---- Runtime: the virtualenv only; no source tree, no build tools ----
FROM python:${PYTHON_VERSION}-slim-bookworm
# Same GID as the "ccrec" group in asterisk/Dockerfile, which owns the shared recordings volume.
# /var/lib/callcentre is CALLCENTRE_DATA_DIR in compose.yaml. An empty named volume mounted on its models/
# or redacted/ starts as a copy of the image's directory, owner and mode included, so the unprivileged user
# can write to it.
ARG RECORDINGS_GID=2600
# espeak-ng: the IVR generates the prompts nobody has recorded yet (callcentre ivr prompts --generate).
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid "$RECORDINGS_GID" ccrec \
    && useradd --uid 10001 --user-group --groups ccrec --create-home --shell /usr/sbin/nologin callcentre \
    && install -d -o root -g ccrec -m 2770 /srv/asterisk-rec \
    && install -d -o callcentre -g callcentre -m 0750 \
        /var/lib/callcentre /var/lib/callcentre/models /var/lib/callcentre/redacted \
        /var/lib/callcentre/prompt-cache
COPY --from=build /opt/callcentre /opt/callcentre
ENV PATH=/opt/callcentre/bin:$PATH \
    PYTHONUNBUFFERED=1
USER callcentre
WORKDIR /home/callcentre
CMD ["callcentre", "logger"]
