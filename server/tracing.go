package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/otehub/hub"
)

// Tracing defaults.
const (
	// defaultServiceName names the hub's spans unless OTEL_SERVICE_NAME
	// names them otherwise.
	defaultServiceName = "ote-hub"
	// tracingShutdownTimeout bounds how long Close waits for the last
	// spans to reach the collector; spans still unsent then are lost.
	tracingShutdownTimeout = 5 * time.Second
	// exportWarnEvery is the least time between two warnings that spans
	// could not be exported, so that a collector that is down does not
	// fill the log.
	exportWarnEvery = time.Minute
	// instrumentation names the tracer of the hub's own spans.
	instrumentation = "github.com/otehub/hub/server"
)

// TracingConfig is the OpenTelemetry tracing configuration, from the
// standard OTEL_* variables. Tracing is on when an OTLP endpoint is set,
// OTEL_SDK_DISABLED is not true and OTEL_TRACES_EXPORTER is not none.
// The SDK reads the other standard variables (OTEL_EXPORTER_OTLP_HEADERS,
// _TIMEOUT, _COMPRESSION, certificates, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_BSP_*) from the process environment itself.
type TracingConfig struct {
	// Endpoint is the URL spans are posted to (OTLP over HTTP): that of
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, or
	// OTEL_EXPORTER_OTLP_ENDPOINT with /v1/traces appended. Empty turns
	// tracing off.
	Endpoint string
	// ServiceName is the service.name of every span (OTEL_SERVICE_NAME,
	// "ote-hub").
	ServiceName string
	// Sampler decides which traces are recorded (OTEL_TRACES_SAMPLER
	// and OTEL_TRACES_SAMPLER_ARG; parentbased_always_on).
	Sampler sdktrace.Sampler
	// BatchDelay is the longest a span waits before it is sent
	// (OTEL_BSP_SCHEDULE_DELAY, in milliseconds); 0 leaves the SDK's 5s.
	BatchDelay time.Duration
}

// readTracingEnv reads the OTEL_* variables that decide whether and how
// the hub traces.
func (c *Config) readTracingEnv(getenv func(string) string) error {
	t := TracingConfig{ServiceName: defaultServiceName}
	if v := getenv("OTEL_SERVICE_NAME"); v != "" {
		t.ServiceName = v
	}
	switch v := getenv("OTEL_TRACES_EXPORTER"); v {
	case "", "otlp", "none":
	default:
		return fmt.Errorf("OTEL_TRACES_EXPORTER=%q: want otlp or none", v)
	}
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") || getenv("OTEL_TRACES_EXPORTER") == "none" {
		c.Tracing = t
		return nil
	}
	name := "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	endpoint := getenv(name)
	if endpoint == "" {
		name = "OTEL_EXPORTER_OTLP_ENDPOINT"
		if endpoint = getenv(name); endpoint != "" {
			endpoint = strings.TrimSuffix(endpoint, "/") + "/v1/traces"
		}
	}
	if endpoint != "" {
		u, err := url.Parse(endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%s=%q: want an http or https URL such as http://collector:4318", name, getenv(name))
		}
		t.Endpoint = endpoint
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"} {
		if v := getenv(name); v != "" && v != "http/protobuf" && v != "http/json" {
			// The exporter would send http/protobuf to a gRPC port.
			return fmt.Errorf("%s=%q: the hub sends OTLP over HTTP: want http/protobuf or http/json, and the collector's HTTP port (4318)", name, v)
		}
	}
	sampler, err := samplerFrom(getenv("OTEL_TRACES_SAMPLER"), getenv("OTEL_TRACES_SAMPLER_ARG"))
	if err != nil {
		return err
	}
	t.Sampler = sampler
	if v := getenv("OTEL_BSP_SCHEDULE_DELAY"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms < 1 {
			return fmt.Errorf("OTEL_BSP_SCHEDULE_DELAY=%q: want a whole number of milliseconds of at least 1", v)
		}
		t.BatchDelay = time.Duration(ms) * time.Millisecond
	}
	c.Tracing = t
	return nil
}

// samplerFrom is the sampler OTEL_TRACES_SAMPLER names, with the ratio
// of OTEL_TRACES_SAMPLER_ARG for the traceidratio samplers. The SDK
// would fall back to the default on a name it does not know; the hub
// refuses to start instead, so that a typo is not silently ignored.
func samplerFrom(name, arg string) (sdktrace.Sampler, error) {
	ratio := func() (float64, error) {
		if arg == "" {
			return 1, nil
		}
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 {
			return 0, fmt.Errorf("OTEL_TRACES_SAMPLER_ARG=%q: want a ratio from 0 to 1", arg)
		}
		return r, nil
	}
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "traceidratio":
		r, err := ratio()
		return sdktrace.TraceIDRatioBased(r), err
	case "parentbased_traceidratio":
		r, err := ratio()
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(r)), err
	}
	return nil, fmt.Errorf("OTEL_TRACES_SAMPLER=%q: want always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio", name)
}

// tracing is the hub's tracer and what sends its spans.
type tracing struct {
	provider   *sdktrace.TracerProvider
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
	exporter   *warningExporter
}

// startTracing starts the tracer provider of c, or returns nil when
// tracing is off. Nothing is dialed until the first batch of spans is
// sent, and sending never holds up a request: spans wait in a bounded
// queue, and are dropped when it is full.
func startTracing(ctx context.Context, c TracingConfig, logger *slog.Logger) (*tracing, error) {
	if c.Endpoint == "" {
		return nil, nil
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(c.Endpoint))
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	res, err := resource.New(ctx, resource.WithFromEnv(), resource.WithHost(), resource.WithTelemetrySDK(),
		resource.WithAttributes(semconv.ServiceName(c.ServiceName), semconv.ServiceVersion(version())))
	if err != nil {
		// A partial resource (a malformed OTEL_RESOURCE_ATTRIBUTES) still
		// names the service.
		logger.Warn("tracing: some resource attributes are left out", "err", err)
	}
	abandon, cancel := context.WithCancel(context.Background())
	we := &warningExporter{SpanExporter: exp, logger: logger, abandon: abandon, cancel: cancel}
	var batch []sdktrace.BatchSpanProcessorOption
	if c.BatchDelay > 0 {
		batch = append(batch, sdktrace.WithBatchTimeout(c.BatchDelay))
	}
	sampler := c.Sampler
	if sampler == nil {
		sampler = sdktrace.ParentBased(sdktrace.AlwaysSample())
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(we, batch...), sdktrace.WithResource(res), sdktrace.WithSampler(sampler))
	logger.Info("tracing on", "endpoint", redactedURL(c.Endpoint), "service", c.ServiceName)
	return &tracing{provider: tp, tracer: tp.Tracer(instrumentation), propagator: propagation.TraceContext{}, exporter: we}, nil
}

// redactedURL is u without its password, for the log.
func redactedURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Redacted()
}

// shutdown sends the spans not yet sent, waiting at most
// tracingShutdownTimeout, and then abandons any export still running. A
// failure is only warned of: losing spans does not fail a shutdown.
func (t *tracing) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), tracingShutdownTimeout)
	defer cancel()
	err := t.provider.Shutdown(ctx)
	t.exporter.cancel()
	if err != nil {
		t.exporter.logger.Warn("tracing: spans may be lost at shutdown", "err", err)
	}
}

// warningExporter logs the failures of the exporter it wraps as
// warnings, at most one per exportWarnEvery, rather than handing them to
// OpenTelemetry's global error handler, and stops every export once
// cancel is called.
type warningExporter struct {
	sdktrace.SpanExporter
	logger   *slog.Logger
	abandon  context.Context
	cancel   context.CancelFunc
	lastWarn atomic.Int64
	failed   atomic.Int64
}

func (e *warningExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(e.abandon, cancel)()
	err := e.SpanExporter.ExportSpans(ctx, spans)
	if err == nil || e.abandon.Err() != nil {
		// Once abandoned, shutdown has warned of the spans lost.
		return nil
	}
	lost := e.failed.Add(int64(len(spans)))
	now := time.Now().UnixNano()
	last := e.lastWarn.Load()
	if now-last >= int64(exportWarnEvery) && e.lastWarn.CompareAndSwap(last, now) {
		e.logger.Warn("tracing: spans cannot be sent to the collector", "err", err, "spans_lost", lost)
	}
	return nil
}

// traceRequests starts a server span for every request but the health
// checks (probes), a child of the caller's when the request carries a
// W3C traceparent header. Spans are named by method and the route
// pattern that routes resolves, never the raw path, to keep their names
// few. The access log adds the status. The response writer is passed on
// as it is, so that flushing and hijacking work as without tracing.
func (t *tracing) traceRequests(routes *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := routes.Handler(r)
		if probes[pattern] {
			next.ServeHTTP(w, r)
			return
		}
		ctx := t.propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		method := spanMethod(r.Method)
		attrs := []attribute.KeyValue{semconv.HTTPRequestMethodKey.String(method), semconv.URLPath(r.URL.Path)}
		name := method
		if pattern != "" {
			route := pattern
			if i := strings.IndexByte(route, ' '); i >= 0 {
				route = route[i+1:]
			}
			name += " " + route
			attrs = append(attrs, semconv.HTTPRoute(route))
		}
		ctx, span := t.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
		defer span.End()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// probes are the routes of health checks, which make no spans: load
// balancers call them every few seconds, and a trace of each would
// bury the requests' traces.
var probes = map[string]bool{"GET /healthz": true, "GET /readyz": true}

// spanMethod is method if it is a standard one, and _OTHER otherwise:
// a client chooses it, and span names must stay few.
func spanMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return method
	}
	return "_OTHER"
}

// endRequestSpan adds what the access log knows of a request when it
// ends to its span: the status, and the request's id, by which its log
// lines are found. A 5xx status marks the span failed.
func endRequestSpan(span trace.Span, status int, requestID string) {
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(semconv.HTTPResponseStatusCode(status), attribute.String("hub.request.id", requestID))
	if status >= 500 {
		span.SetAttributes(semconv.ErrorTypeKey.String(strconv.Itoa(status)))
		span.SetStatus(codes.Error, "")
	}
}

// startStoreSpan starts the span of one call of a hub.Store method,
// a child of ctx's span. The function it returns ends the span with the
// call's error: its code (hub.ErrorCode), never its message, which may
// quote stored values. Without a recording span in ctx it starts none,
// and returns ctx as it is: the index's load and change feed and the
// readiness probe's pings run outside requests and would each make a
// trace of one span.
func startStoreSpan(ctx context.Context, tracer trace.Tracer, method string) (context.Context, func(error)) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return ctx, func(error) {}
	}
	ctx, span := tracer.Start(ctx, "hub.Store/"+method, trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attribute.String("hub.store.method", method)))
	return ctx, func(err error) {
		if err != nil {
			code := hub.ErrorCode(err)
			span.SetAttributes(semconv.ErrorTypeKey.String(code))
			if code == hub.EINTERNAL || code == hub.EUNAVAILABLE {
				span.SetStatus(codes.Error, code)
			}
		}
		span.End()
	}
}

// mongoSpans makes a client span of every MongoDB command sent on
// behalf of a traced request. Commands sent outside one (loading the
// network, the change feed's getMore every few seconds, index creation)
// make none, so that the change feed does not flood the collector with
// one-span traces. The command's name, collection and database are
// recorded; never its body, its reply or the failure's message, which
// hold stored values.
type mongoSpans struct {
	tracer trace.Tracer
	spans  sync.Map // commandKey → trace.Span
}

type commandKey struct {
	conn string
	id   int64
}

// mongoMonitor returns the command monitor for the MongoDB client.
func (t *tracing) mongoMonitor() *event.CommandMonitor {
	m := &mongoSpans{tracer: t.tracer}
	return &event.CommandMonitor{Started: m.started, Succeeded: m.succeeded, Failed: m.failed}
}

func (m *mongoSpans) started(ctx context.Context, e *event.CommandStartedEvent) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return
	}
	attrs := []attribute.KeyValue{semconv.DBSystemNameMongoDB, semconv.DBOperationName(e.CommandName), semconv.DBNamespace(e.DatabaseName)}
	name := e.CommandName
	if c := commandCollection(e.CommandName, e.Command); c != "" {
		name += " " + c
		attrs = append(attrs, semconv.DBCollectionName(c))
	}
	if host, _, ok := strings.Cut(e.ConnectionID, "["); ok && host != "" {
		attrs = append(attrs, semconv.ServerAddress(host))
	}
	_, span := m.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	m.spans.Store(commandKey{e.ConnectionID, e.RequestID}, span)
}

func (m *mongoSpans) succeeded(_ context.Context, e *event.CommandSucceededEvent) {
	if s, ok := m.spans.LoadAndDelete(commandKey{e.ConnectionID, e.RequestID}); ok {
		s.(trace.Span).End()
	}
}

func (m *mongoSpans) failed(_ context.Context, e *event.CommandFailedEvent) {
	s, ok := m.spans.LoadAndDelete(commandKey{e.ConnectionID, e.RequestID})
	if !ok {
		return
	}
	span := s.(trace.Span)
	kind := "_OTHER"
	var de driver.Error
	if errors.As(e.Failure, &de) {
		span.SetAttributes(semconv.DBResponseStatusCode(strconv.Itoa(int(de.Code))))
		if de.Name != "" {
			kind = de.Name
		}
	}
	span.SetAttributes(semconv.ErrorTypeKey.String(kind))
	span.SetStatus(codes.Error, kind)
	span.End()
}

// commandCollection is the collection a command works on: the value of
// its first element when that is a string (find, insert, update,
// aggregate…), or of "collection" for getMore; empty otherwise.
func commandCollection(name string, cmd bson.Raw) string {
	if name == "getMore" {
		c, _ := cmd.Lookup("collection").StringValueOK()
		return c
	}
	first, err := cmd.IndexErr(0)
	if err != nil {
		return ""
	}
	c, _ := first.Value().StringValueOK()
	return c
}
