# Builds the manager as a static binary and ships it on a distroless base as a non-root user.
# OpenShift users who need a UBI base can pass --build-arg BASE_IMAGE=registry.access.redhat.com/ubi9/ubi-micro:latest.
ARG BASE_IMAGE=gcr.io/distroless/static:nonroot

FROM golang:1.26 AS builder
ARG TARGETOS
ARG TARGETARCH
WORKDIR /workspace
ENV GOTOOLCHAIN=local

# Dependencies first, so source changes reuse the module download layer.
COPY go.mod go.sum ./
RUN go mod download

COPY cmd/ cmd/
COPY api/ api/
COPY controllers/ controllers/
COPY pkg/ pkg/

RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags="-s -w" -o manager ./cmd/manager

FROM ${BASE_IMAGE}
WORKDIR /
COPY --from=builder /workspace/manager .
USER 65532:65532
ENTRYPOINT ["/manager"]
