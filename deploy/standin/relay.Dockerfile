# socat, to stand in for services with no Debian package (the OpenTelemetry collector and
# Jaeger): deploy/standin/compose.test.yml says what each one relays, and where.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends socat \
    && rm -rf /var/lib/apt/lists/*
USER nobody
ENTRYPOINT ["socat"]
