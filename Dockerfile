# syntax=docker/dockerfile:1
# The loadproof container image: `docker build -t loadproof:dev .`
# Used by deploy/kubernetes/ (README "Running on Kubernetes"). Linted by .ci/k8s-check.sh
# (hadolint, warnings fail); no image is built in CI (the CI machine has no container runtime).

# ---- build: the release binary, from the locked dependency set ----
# The major-version tag follows the stable toolchain, which is what CI uses too; Cargo.toml's
# rust-version (1.85) is the floor.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
# Cache mounts keep the crates.io downloads and the build between `docker build`s (BuildKit);
# the binary is copied out of the cached target/ because a cache mount is not part of the layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin loadproof \
    && install -m 0755 target/release/loadproof /usr/local/bin/loadproof

# ---- runtime: Debian slim, the binary, CA certificates, a non-root user ----
FROM debian:bookworm-slim
# DL3008 (pin apt versions) is ignored: bookworm's security updates replace a package's version
# in the archive, after which a pinned `ca-certificates=VERSION` no longer installs; the base
# image tag is the pin, and CA certificates are a package one wants current.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
# A fixed numeric UID/GID, so Kubernetes' runAsNonRoot can verify it and fsGroup can match it.
RUN groupadd --system --gid 10001 loadproof \
    && useradd --system --uid 10001 --gid loadproof --home-dir /home/loadproof --create-home \
       --shell /usr/sbin/nologin loadproof \
    && install -d -o loadproof -g loadproof /results
COPY --from=build /usr/local/bin/loadproof /usr/local/bin/loadproof
USER 10001:10001
WORKDIR /home/loadproof
# /metrics while a run goes (--metrics-listen 0.0.0.0:9464).
EXPOSE 9464
ENTRYPOINT ["loadproof"]
CMD ["--help"]
