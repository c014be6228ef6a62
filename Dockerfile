# The OTE network hub as a small static image: the pages bundled with
# Node, the binary built with Go (the pages embedded), run as a non-root
# user on a distroless base. Build with `make image` (or docker build
# --build-arg VERSION=... .).

FROM node:20-bookworm-slim AS pages
WORKDIR /src/web/map
COPY web/map/package.json web/map/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/map/ ./
RUN npm run build --silent

FROM golang:1.26 AS build
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=pages /src/web/map/dist ./web/map/dist
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.buildVersion=${VERSION}" -o /hub ./server \
 && mkdir -p /data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /hub /hub
# Writable by any uid, so that the image also runs under an arbitrary
# user (OpenShift, --user): the embedded store's directory.
COPY --from=build --chmod=1777 /data /data
ENV HUB_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD ["/hub", "-probe", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["/hub"]
