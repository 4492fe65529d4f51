# syntax=docker/dockerfile:1
# Multi-stage image: a builder installs CPU-only torch and the project into a venv and builds the
# offline base encoder; the runtime stage copies both and runs uvicorn as a non-root user.

FROM python:3.11-slim AS builder
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# CPU-only torch first, so the project's pin (torch==2.13.0) is already satisfied.
RUN pip install --index-url "$TORCH_INDEX_URL" "torch==2.13.0"
COPY pyproject.toml README.md ./
COPY service ./service
COPY models ./models
COPY training ./training
RUN pip install .
# Build the base model at image build time into the image's cache directory.
ENV TRIAGE_CACHE_DIR=/opt/triage-cache
RUN triage base-model

FROM python:3.11-slim AS runtime
RUN useradd --create-home --uid 10001 triage
ENV PATH=/opt/venv/bin:$PATH \
    TRIAGE_CACHE_DIR=/opt/triage-cache \
    TRIAGE_DATA_DIR=/var/lib/triage \
    TRIAGE_HOST=0.0.0.0 \
    TRIAGE_PORT=8000 \
    PYTHONUNBUFFERED=1
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /opt/triage-cache /opt/triage-cache
COPY --from=builder /app /app
RUN mkdir -p /var/lib/triage && chown triage:triage /var/lib/triage
WORKDIR /app
USER triage
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["uvicorn", "service.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000"]
