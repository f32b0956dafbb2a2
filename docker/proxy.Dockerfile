# syntax=docker/dockerfile:1.7
# The LiteLLM proxy with guardstream's shim (`guardrail: shim.KafkaScanGuardrail`).
#
#   docker build -f docker/proxy.Dockerfile -t guardstream-proxy .
#   docker run --rm -p 4000:4000 -e KAFKA_BOOTSTRAP_SERVERS=kafka:9092 \
#       -v "$PWD/deploy/compose/litellm-config.yaml:/app/config.yaml:ro" guardstream-proxy
#
# LiteLLM's official image, pinned to the release guardstream is locked to (1.106.12: 1.82.7,
# 1.82.8 and 1.107.0 were compromised releases, so never a floating tag such as main-latest),
# plus guardstream with its `shim` extra: the project's wheel with --no-deps, and the extra's
# packages that LiteLLM does not bring (aiokafka, async-timeout, orjson, prometheus-client)
# from requirements.lock
# with their hashes. The build fails if the base image's LiteLLM is not 1.106.12.
# For LiteLLM's non-root image, pass --build-arg LITELLM_IMAGE=... --build-arg LITELLM_USER=nobody.

ARG LITELLM_IMAGE=ghcr.io/berriai/litellm:v1.106.12-stable
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS wheel
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY requirements-bootstrap.lock requirements.lock docker/lock-subset.sh ./
RUN pip install --require-hashes -r requirements-bootstrap.lock \
 && sh lock-subset.sh setuptools < requirements.lock > build.lock \
 && sh lock-subset.sh aiokafka async-timeout orjson prometheus-client < requirements.lock > shim.lock \
 && pip install --require-hashes --no-deps -r build.lock
COPY pyproject.toml README.md ./
COPY topics ./topics
COPY shim ./shim
COPY workers ./workers
# A pure-Python wheel of guardstream (shim, topics, and workers, which the proxy never imports).
RUN pip wheel --no-deps --no-build-isolation --wheel-dir /wheels .

FROM ${LITELLM_IMAGE}
ARG LITELLM_USER=root
USER root
COPY --from=wheel /usr/local/bin/uv /tmp/guardstream/uv
COPY --from=wheel /src/shim.lock /tmp/guardstream/shim.lock
COPY --from=wheel /wheels/ /tmp/guardstream/wheels/
# guardstream[shim]: the extra's missing packages hash-checked, then the project without deps
# (its litellm pin is the base image's own, checked first).
RUN set -eu; \
    PY="$(command -v python3 || command -v python)"; \
    "$PY" -c "import importlib.metadata as m, sys; v = m.version('litellm'); sys.exit(0 if v == '1.106.12' else 'the base image has litellm ' + v + ', guardstream is locked to 1.106.12')"; \
    /tmp/guardstream/uv pip install --python "$PY" --break-system-packages --no-cache \
        --require-hashes --no-deps -r /tmp/guardstream/shim.lock; \
    /tmp/guardstream/uv pip install --python "$PY" --break-system-packages --no-cache \
        --no-deps /tmp/guardstream/wheels/guardstream-*.whl; \
    LITELLM_LOCAL_MODEL_COST_MAP=True "$PY" -c "from shim import KafkaScanGuardrail"; \
    rm -rf /tmp/guardstream
COPY deploy/compose/litellm-config.yaml /app/config.yaml
# No network for LiteLLM's model cost map: use the copy bundled with the package.
ENV LITELLM_LOCAL_MODEL_COST_MAP=True
USER ${LITELLM_USER}
EXPOSE 4000
# The base image's entrypoint starts the proxy; these are its arguments.
CMD ["--config", "/app/config.yaml", "--port", "4000"]
