# One image with all five binaries; docker-compose.yml runs each worker from it.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --locked --release --workspace --bins

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/matchbot /src/target/release/matchbot-scanner \
     /src/target/release/matchbot-matcher /src/target/release/matchbot-notifier \
     /src/target/release/matchbot-recorder /usr/local/bin/
ENV MATCHBOT_CONFIG=/etc/matchbot/config.json
USER nobody
