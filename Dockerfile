# Container image for scour, built by GoReleaser (dockers_v2 in
# .goreleaser.yaml) from the release binaries: it copies the binary for the
# target platform, it does not compile. Usage:
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/src" ghcr.io/scour-dev/scour scan /src
FROM alpine:3.22
# git: for repositories whose hooks or credential helpers scour shells out
# to; ca-certificates: for remote clones and verification over HTTPS.
RUN apk add --no-cache ca-certificates git \
	&& adduser -D -u 10001 scour \
	&& git config --system --add safe.directory '*'
ARG TARGETPLATFORM
COPY $TARGETPLATFORM/scour /usr/bin/scour
USER scour
WORKDIR /src
ENTRYPOINT ["/usr/bin/scour"]
