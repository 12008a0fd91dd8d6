# One image with all five binaries; docker-compose.yml runs each worker from it.
#
#   docker build -t matchbot .            compiles the binaries in the rust image (minutes)
#   docker build --build-arg BINARIES=prebuilt -f Dockerfile DIR
#                                         takes them ready-made from DIR/prebuilt/ (needs
#                                         BuildKit, which builds only the stages used;
#                                         scripts/compose does this for the tests)
ARG BINARIES=source

FROM rust:1.95-bookworm AS source
WORKDIR /src
COPY . .
RUN cargo build --locked --release --workspace --bins \
    && mkdir /out && cp target/release/matchbot target/release/matchbot-scanner \
       target/release/matchbot-matcher target/release/matchbot-notifier \
       target/release/matchbot-recorder /out/

FROM scratch AS prebuilt
COPY prebuilt/ /out/

FROM ${BINARIES} AS binaries

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=binaries /out/ /usr/local/bin/
ENV MATCHBOT_CONFIG=/etc/matchbot/config.json
USER nobody
