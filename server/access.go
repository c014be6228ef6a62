package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/otehub/hub"
)

// requestIDHeader carries a request's id back to the client, which can
// quote it to an operator who finds the request's log line by it.
const requestIDHeader = "X-Request-Id"

// accessLog gives every request an id (answered in X-Request-Id) and
// logs one line when it ends: method, path, status, bytes, duration, the
// id and, when the request is traced, the trace id; never the query
// string or the body, which may hold personal data or keys. A client
// that hangs up is logged at DEBUG.
func (m *Main) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newRequestID()
		w.Header().Set(requestIDHeader, id)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		began := time.Now()
		next.ServeHTTP(rec, r.WithContext(hub.WithRequestID(r.Context(), id)))
		level := slog.LevelInfo
		switch {
		case errors.Is(r.Context().Err(), context.Canceled):
			level = slog.LevelDebug // the client hung up
		case rec.status >= 500:
			level = slog.LevelWarn
		}
		attrs := []slog.Attr{slog.String("id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Int64("bytes", rec.bytes),
			slog.Float64("seconds", time.Since(began).Seconds())}
		// With tracing on, the request's span (traceRequests) gets the
		// status and the id, and the line the trace id.
		span := trace.SpanFromContext(r.Context())
		if sc := span.SpanContext(); sc.IsValid() {
			endRequestSpan(span, rec.status, id)
			attrs = append(attrs, slog.String("trace_id", sc.TraceID().String()))
		}
		m.Logger.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// statusRecorder notes the status and size of an answer. It passes on
// Flush (server-sent events) and Unwrap (http.ResponseController, for
// hijacking WebSockets).
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
