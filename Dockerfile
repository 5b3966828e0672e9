# syntax=docker/dockerfile:1
#
# One production image for every PyTake process. Each container runs exactly one of:
#
#   python -m pytake_analytics   python -m pytake_ingress   python -m pytake_router
#   python -m pytake_executor    python -m pytake_sender    python -m pytake_tools.metasim (dev)
#
# (the same commands the dev runner, tools/src/pytake_tools/stack.py, starts). Configuration comes
# only from the environment; see docker-compose.yml and deploy/k8s/.
#
#   docker build -t pytake:local .

ARG PYTHON_IMAGE=python:3.11-slim
ARG NODE_IMAGE=node:20-slim

# --- console: the operators' web app, built once; analytics serves the files ----------------
FROM ${NODE_IMAGE} AS console
WORKDIR /console
COPY console/package.json console/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY console/ ./
RUN npm run build

# --- builder: a self-contained virtual environment at /opt/venv ------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY constraints.txt ./
COPY shared/ ./shared/
COPY services/ ./services/
COPY tools/ ./tools/

# Non-editable installs, versions pinned by constraints.txt (the same pins `make venv` uses).
# Without extras: the embedded broker and database, coverage and the other dev tools stay out
# of the image (pytake-tools is here for the CLI and the Meta simulator of the dev profile).
RUN pip install -c constraints.txt \
        ./shared \
        ./services/ingress \
        ./services/router \
        ./services/executor \
        ./services/sender \
        ./services/analytics \
        ./tools \
    && python -c "import pytake_shared, pytake_ingress, pytake_router, pytake_executor, pytake_sender, pytake_analytics, pytake_tools.metasim"

# --- runtime ---------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN groupadd --system --gid 10001 pytake \
    && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/pytake \
        --shell /usr/sbin/nologin pytake

COPY --from=builder /opt/venv /opt/venv
COPY --from=console /console/dist /opt/pytake/console
ENV CONSOLE_DIR=/opt/pytake/console

WORKDIR /home/pytake
# Numeric, so Kubernetes' runAsNonRoot can verify it without resolving the name.
USER 10001:10001

# No service is the default: every container names its own command.
CMD ["python", "-c", "print('PyTake image: run one process per container, e.g.\\n  python -m pytake_analytics | pytake_ingress | pytake_router | pytake_executor | pytake_sender\\n  python -m pytake_tools.metasim  (Meta Graph API simulator, dev only)')"]
