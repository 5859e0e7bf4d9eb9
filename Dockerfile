# The Revisor operator image: a static-enough binary on distroless, non-root.
# Build: docker build -t revisor/revisor:0.1.0 .
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# rustls (no OpenSSL) and a bundled SQLite: the binary needs only glibc.
RUN cargo build --release --locked --bin revisor

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/revisor /usr/local/bin/revisor
# distroless "nonroot" (65532), matching the chart's securityContext.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/revisor"]
CMD ["run"]
