# syntax=docker/dockerfile:1
# Build stage: the same install and build steps the README uses.
FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN FUZZ=0 bash scripts/install-deps.sh
COPY . .
RUN rm -rf build && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DWA_BUILD_TESTS=ON \
 && cmake --build build -j "$(nproc)" --target wa-sidecar wa-simulator

# Runtime stage: shared libraries only, non-root user, sessions on a volume.
FROM debian:bookworm-slim
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      ca-certificates curl libssl3 zlib1g libsqlite3-0 libprotobuf32 libyaml-cpp0.7 \
      libqrencode4 libpng16-16 libcpp-httplib0.11 libsignal-protocol-c2.3.2 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin wa \
 && mkdir -p /app/sessions && chown wa:wa /app/sessions && chmod 0700 /app/sessions
WORKDIR /app
COPY --from=build /src/build/wa-sidecar /usr/local/bin/wa-sidecar
COPY --from=build /src/build/tests/sim/wa-simulator /usr/local/bin/wa-simulator
COPY config.example.yaml /app/config.yaml
USER wa
ENV SESSIONS_DIR=/app/sessions PORT=3000 HOST=0.0.0.0
VOLUME ["/app/sessions"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s --retries=3 \
  CMD curl -fsS -H "X-Internal-Secret: ${INTERNAL_SECRET}" "http://127.0.0.1:${PORT}/health" >/dev/null || exit 1
ENTRYPOINT ["/usr/local/bin/wa-sidecar", "--config", "/app/config.yaml"]
