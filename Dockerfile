# A small image that runs feedwright: `docker build -t feedwright .`, then
#   docker run --rm -v "$PWD:/srv" feedwright run            (one poll; config.yaml in /srv)
#   docker run -d -v "$PWD:/srv" -p 8080:8080 feedwright serve --addr 0.0.0.0:8080 --poll 10m
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /srv feedwright
COPY --from=build /src/target/release/feedwright /usr/local/bin/feedwright
USER feedwright
WORKDIR /srv
ENTRYPOINT ["feedwright"]
CMD ["run"]
