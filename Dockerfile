# The OTE network hub as a small static image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /hub ./server

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /hub /hub
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s CMD ["/hub", "-probe", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["/hub"]
