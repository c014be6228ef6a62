package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/otehub/hub"
	"github.com/otehub/hub/internal/subscribetest"
	"github.com/otehub/hub/mongodb/mongotest"
)

// collector is a fake OTLP/HTTP collector: it decodes what the hub
// posts to /v1/traces as the protocol defines it, and keeps the spans
// and the raw bodies.
type collector struct {
	*httptest.Server
	mu        sync.Mutex
	spans     []*tracepb.Span
	resources []*commonpb.KeyValue
	bodies    [][]byte
	requests  int
}

func newCollector(t *testing.T) *collector {
	c := &collector{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		raw, err := io.ReadAll(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req coltracepb.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" || proto.Unmarshal(raw, &req) != nil {
			t.Errorf("the collector got %s %s (%s), want an ExportTraceServiceRequest posted to /v1/traces", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		c.requests++
		c.bodies = append(c.bodies, raw)
		for _, rs := range req.ResourceSpans {
			c.resources = append(c.resources, rs.GetResource().GetAttributes()...)
			for _, ss := range rs.ScopeSpans {
				c.spans = append(c.spans, ss.Spans...)
			}
		}
		c.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(out)
	}))
	t.Cleanup(c.Close)
	return c
}

// attr is the value of a span's attribute key as a string ("" when the
// span has none), string slices joined by commas.
func attr(s *tracepb.Span, key string) string {
	return attrIn(s.Attributes, key)
}

func attrIn(kvs []*commonpb.KeyValue, key string) string {
	for _, kv := range kvs {
		if kv.Key != key {
			continue
		}
		switch v := kv.Value.Value.(type) {
		case *commonpb.AnyValue_StringValue:
			return v.StringValue
		case *commonpb.AnyValue_IntValue:
			return strconv.FormatInt(v.IntValue, 10)
		case *commonpb.AnyValue_ArrayValue:
			var parts []string
			for _, e := range v.ArrayValue.Values {
				parts = append(parts, e.GetStringValue())
			}
			return strings.Join(parts, ",")
		}
	}
	return ""
}

// TestTracingExportsSpans runs a hub on MongoDB that sends its spans to
// a fake collector, and checks what reaches the wire: the request span
// continues the caller's trace, the operation span is its child, the
// mutation's MongoDB commands are spans under its operation, and no
// span holds the query, a variable or an e-mail address.
func TestTracingExportsSpans(t *testing.T) {
	col := newCollector(t)
	keysFile := filepath.Join(t.TempDir(), "keys")
	editorKey := mustNewKey(t, keysFile, "-role", "editor", "-subject", "tester")
	var logs syncBuffer
	m := mustRunMainWith(t, map[string]string{
		"MONGODB_URI":                 mongotest.URI(t),
		"HUB_API_KEYS_FILE":           keysFile,
		"OTEL_EXPORTER_OTLP_ENDPOINT": col.URL,
		"OTEL_BSP_SCHEDULE_DELAY":     "50",
	}, func(m *Main) { m.LogOutput = &logs })
	MustBeReady(t, m, 30*time.Second)

	const (
		traceID    = "4bf92f3577b34da6a3ce929d0e0e4736"
		parentSpan = "00f067aa0ba902b7"
		email      = "jaljitys.testi@example.fi"
	)
	variable := hub.NodeID(hub.KindOrganisation, "salainen-muuttuja")
	post := func(key, traceparent, query string, vars map[string]any) gqlResponse {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req, _ := http.NewRequest(http.MethodPost, m.URL()+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if traceparent != "" {
			req.Header.Set("traceparent", traceparent)
		}
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out gqlResponse
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, %v", resp.StatusCode, err)
		}
		return out
	}
	const findQuery = `query FindNode($id: ID!) { node(id: $id) { id } }`
	if r := post("", "00-"+traceID+"-"+parentSpan+"-01", findQuery, map[string]any{"id": variable}); len(r.Errors) != 0 {
		t.Fatalf("FindNode: %+v", r)
	}
	// The error message quotes the variable; the span must not.
	const badID = "ei-tunniste-salainen"
	if r := post("", "", `query BadId($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": badID}); !strings.Contains(fmt.Sprint(r.Errors), badID) {
		t.Fatalf("BadId: %+v, want an error that quotes the id", r)
	}
	longName := "Q" + strings.Repeat("x", 64)
	post("", "", "query "+longName+" { __typename }", nil)
	const createQuery = `mutation CreateContact($in: CreateNodeInput!) { createNode(input: $in) { node { id } userErrors { code } } }`
	r := post(editorKey, "", createQuery, map[string]any{"in": map[string]any{"kind": "Contact", "key": "jaljitys-testi", "fields": map[string]any{
		"name": map[string]any{"fi": "Jäljitys Testi"}, "contact": map[string]any{"email": email},
		"sources": []any{map[string]any{"statedBy": true}}}}})
	if path(r.Data, "createNode", "node", "id") == nil {
		t.Fatalf("createNode: %+v", r)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	col.mu.Lock()
	defer col.mu.Unlock()
	byID := map[string]*tracepb.Span{}
	for _, s := range col.spans {
		byID[hex.EncodeToString(s.SpanId)] = s
	}
	find := func(name string) []*tracepb.Span {
		var out []*tracepb.Span
		for _, s := range col.spans {
			if s.Name == name {
				out = append(out, s)
			}
		}
		return out
	}
	var names []string
	for _, s := range col.spans {
		names = append(names, s.Name)
	}
	t.Logf("%d spans in %d exports: %s", len(col.spans), col.requests, strings.Join(names, " | "))

	// The query: its request span continues the caller's trace.
	var request *tracepb.Span
	for _, s := range find("POST /graphql") {
		if hex.EncodeToString(s.TraceId) == traceID {
			request = s
		}
	}
	if request == nil {
		t.Fatalf("no POST /graphql span in trace %s", traceID)
	}
	if got := hex.EncodeToString(request.ParentSpanId); got != parentSpan || request.Kind != tracepb.Span_SPAN_KIND_SERVER {
		t.Errorf("the request span's parent is %q (kind %v), want the caller's %s, a server span", got, request.Kind, parentSpan)
	}
	if attr(request, "http.route") != "/graphql" || attr(request, "http.response.status_code") != "200" || attr(request, "hub.request.id") == "" {
		t.Errorf("request span attributes %v", request.Attributes)
	}
	ops := find("query FindNode")
	if len(ops) != 1 || !bytes.Equal(ops[0].ParentSpanId, request.SpanId) || !bytes.Equal(ops[0].TraceId, request.TraceId) {
		t.Fatalf("query FindNode spans %v, want one, a child of the request span", ops)
	}
	if attr(ops[0], "graphql.operation.type") != "query" || attr(ops[0], "graphql.operation.name") != "FindNode" {
		t.Errorf("operation span attributes %v", ops[0].Attributes)
	}
	if !strings.Contains(logs.String(), `"trace_id":"`+traceID+`"`) {
		t.Errorf("no access log line names the trace %s", traceID)
	}

	if bad := find("query BadId"); len(bad) != 1 || attr(bad[0], "graphql.error.codes") != "BAD_USER_INPUT" || bad[0].Status.GetCode() == tracepb.Status_STATUS_CODE_ERROR {
		t.Errorf("query BadId spans %v, want one with the code BAD_USER_INPUT, not failed (the caller's error)", bad)
	}

	// A name too long to name a span leaves it out.
	if len(find("query")) != 1 {
		t.Errorf("want one span named plain %q for the operation named %s", "query", longName)
	}

	// The mutation: MongoDB commands under its operation span.
	muts := find("mutation CreateContact")
	if len(muts) != 1 {
		t.Fatalf("mutation CreateContact spans: %d, want 1", len(muts))
	}
	under := func(s *tracepb.Span, ancestor *tracepb.Span) bool {
		for s != nil {
			if bytes.Equal(s.SpanId, ancestor.SpanId) {
				return true
			}
			s = byID[hex.EncodeToString(s.ParentSpanId)]
		}
		return false
	}
	commands := map[string]bool{}
	for _, s := range col.spans {
		if attr(s, "db.system.name") != "mongodb" {
			continue
		}
		if len(s.ParentSpanId) == 0 || byID[hex.EncodeToString(s.ParentSpanId)] == nil {
			t.Errorf("MongoDB span %q has no traced parent: commands outside requests (the change feed) must make no spans", s.Name)
			continue
		}
		if s.Kind != tracepb.Span_SPAN_KIND_CLIENT || attr(s, "db.operation.name") == "" || attr(s, "db.namespace") == "" {
			t.Errorf("MongoDB span %q: kind %v, attributes %v", s.Name, s.Kind, s.Attributes)
		}
		if under(s, muts[0]) {
			commands[s.Name] = true
		}
	}
	if len(commands) == 0 {
		t.Fatal("no MongoDB command span under the mutation's operation span")
	}
	t.Logf("MongoDB commands under the mutation: %v", commands)
	// The write is one store call between the operation and its
	// commands: the transaction's commit is under hub.Store/Apply.
	applies := find("hub.Store/Apply")
	if len(applies) != 1 || !under(applies[0], muts[0]) {
		t.Fatalf("hub.Store/Apply spans under the mutation: %d of %d", len(applies), len(find("hub.Store/Apply")))
	}
	for _, s := range col.spans {
		if s.Name == "commitTransaction" && under(s, muts[0]) && !under(s, applies[0]) {
			t.Errorf("the mutation's commitTransaction is not under its hub.Store/Apply span")
		}
	}

	if got := attrIn(col.resources, "service.name"); got != "ote-hub" {
		t.Errorf("service.name %q, want ote-hub", got)
	}
	if host, _ := os.Hostname(); attrIn(col.resources, "host.name") != host || attrIn(col.resources, "service.version") != version() {
		t.Errorf("resource %v, want host.name %s and service.version %s", col.resources, host, version())
	}
	// Nothing of the documents or the variables on the wire, in any
	// attribute, name or event.
	for _, body := range col.bodies {
		for _, secret := range []string{email, "@example.fi", variable, badID, "salainen", "node(id:", "createNode(input", "Jäljitys"} {
			if bytes.Contains(body, []byte(secret)) {
				t.Errorf("an export holds %q", secret)
			}
		}
	}
}

// TestTracingOff checks that without an endpoint, or with the SDK
// disabled, the hub makes no tracer and sends nothing, even with the
// endpoint in the process environment that the OpenTelemetry SDK reads.
func TestTracingOff(t *testing.T) {
	col := newCollector(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", col.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "10")
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{"no endpoint", nil},
		{"disabled", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": col.URL, "OTEL_SDK_DISABLED": "true"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs syncBuffer
			m := mustRunMainWith(t, tc.env, func(m *Main) { m.LogOutput = &logs })
			if m.tracing != nil {
				t.Fatal("tracing is on")
			}
			req, _ := http.NewRequest(http.MethodPost, m.URL()+"/graphql", strings.NewReader(`{"query":"query Q { __typename }"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(logs.String(), "trace_id") || strings.Contains(logs.String(), "tracing") {
				t.Errorf("the log mentions tracing: %s", logs.String())
			}
		})
	}
	time.Sleep(100 * time.Millisecond) // ten schedule delays
	col.mu.Lock()
	defer col.mu.Unlock()
	if col.requests != 0 {
		t.Errorf("the collector got %d exports", col.requests)
	}
}

// TestTracingCollectorUnreachable checks that a collector that refuses
// connections, or accepts them and never answers, neither slows requests
// nor holds Close past tracingShutdownTimeout, and is only warned of.
func TestTracingCollectorUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()
	hang := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hang); silent.Close() })
	for _, tc := range []struct{ name, endpoint string }{{"refused", refused}, {"silent", silent.URL}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			m := mustRunMainWith(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": tc.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "10"},
				func(m *Main) { m.LogOutput = &logs })
			var slowest time.Duration
			for i := 0; i < 30; i++ {
				began := time.Now()
				status, r := postAs(t, m, "", `query Q { __typename }`, nil)
				if status != http.StatusOK || path(r.Data, "__typename") != "Query" {
					t.Fatalf("request %d: %d %+v", i, status, r)
				}
				slowest = max(slowest, time.Since(began))
				time.Sleep(10 * time.Millisecond)
			}
			if slowest > time.Second {
				t.Errorf("the slowest request took %v", slowest)
			}
			began := time.Now()
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			took := time.Since(began)
			t.Logf("slowest request %v, Close %v", slowest, took)
			if took > tracingShutdownTimeout+time.Second {
				t.Errorf("Close took %v, want at most %v", took, tracingShutdownTimeout)
			}
			cannotSend := 0
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, `"level":"ERROR"`) {
					t.Errorf("logged an error: %s", line)
				}
				if strings.Contains(line, "tracing:") {
					t.Log(line)
				}
				if strings.Contains(line, "spans cannot be sent") {
					cannotSend++
				}
			}
			if cannotSend > 1 {
				t.Errorf("%d warnings that spans cannot be sent, want at most one a minute", cannotSend)
			}
		})
	}
}

func TestReadTracingEnv(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		endpoint string
		service  string
		sampler  string
		delay    time.Duration
		err      string
	}{
		{name: "nothing set", service: "ote-hub", sampler: "ParentBased{root:AlwaysOnSampler"},
		{name: "base endpoint", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"},
			endpoint: "http://collector:4318/v1/traces", service: "ote-hub", sampler: "ParentBased{root:AlwaysOnSampler"},
		{name: "traces endpoint as it is", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://other:4318",
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://collector/otlp/traces"}, endpoint: "https://collector/otlp/traces", service: "ote-hub", sampler: "ParentBased"},
		{name: "disabled", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "TRUE"}, service: "ote-hub"},
		{name: "disabled only by true", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "1"},
			endpoint: "http://c:4318/v1/traces", service: "ote-hub", sampler: "ParentBased"},
		{name: "service and sampler", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SERVICE_NAME": "hub-a",
			"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25", "OTEL_BSP_SCHEDULE_DELAY": "200"},
			endpoint: "http://c:4318/v1/traces", service: "hub-a", sampler: "ParentBased{root:TraceIDRatioBased{0.25}", delay: 200 * time.Millisecond},
		{name: "always off", env: map[string]string{"OTEL_TRACES_SAMPLER": "always_off"}, service: "ote-hub", sampler: "AlwaysOffSampler"},
		{name: "unknown sampler", env: map[string]string{"OTEL_TRACES_SAMPLER": "xray"}, err: "OTEL_TRACES_SAMPLER"},
		{name: "ratio out of range", env: map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"}, err: "OTEL_TRACES_SAMPLER_ARG"},
		{name: "endpoint without scheme", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, err: "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{name: "no exporter", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}, service: "ote-hub"},
		{name: "otlp exporter", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "otlp"},
			endpoint: "http://c:4318/v1/traces", service: "ote-hub", sampler: "ParentBased"},
		{name: "console exporter", env: map[string]string{"OTEL_TRACES_EXPORTER": "console"}, err: "OTEL_TRACES_EXPORTER"},
		{name: "json", env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, service: "ote-hub"},
		{name: "grpc", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"}, err: "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"},
		{name: "bad delay", env: map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "5s"}, err: "OTEL_BSP_SCHEDULE_DELAY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Config
			err := c.readTracingEnv(func(k string) string { return tc.env[k] })
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want one naming %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := c.Tracing
			if got.Endpoint != tc.endpoint || got.ServiceName != tc.service || got.BatchDelay != tc.delay {
				t.Errorf("got %+v", got)
			}
			if tc.sampler != "" && (got.Sampler == nil || !strings.HasPrefix(got.Sampler.Description(), tc.sampler)) {
				t.Errorf("sampler %v, want %s…", got.Sampler, tc.sampler)
			}
		})
	}
}

func TestStoreSpan(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		code   string
		failed bool
	}{
		{"ok", nil, "", false},
		{"conflict", hub.Errorf(hub.ECONFLICT, "node otehub:Contact:x has e-mail a@example.fi"), hub.ECONFLICT, false},
		{"unavailable", hub.Wrap(hub.EUNAVAILABLE, errors.New("dial tcp: refused"), "MongoDB is not reachable"), hub.EUNAVAILABLE, true},
		{"raw", errors.New("a@example.fi"), hub.EINTERNAL, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := tracetest.NewSpanRecorder()
			tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("test")
			ctx, parent := tracer.Start(context.Background(), "parent")
			inner, end := startStoreSpan(ctx, tracer, "Apply")
			end(tc.err)
			parent.End()
			spans := rec.Ended()
			if len(spans) != 2 {
				t.Fatalf("%d spans ended, want 2", len(spans))
			}
			s := spans[0]
			if s.Name() != "hub.Store/Apply" || s.Parent().SpanID() != parent.SpanContext().SpanID() ||
				s.SpanContext().SpanID() == parent.SpanContext().SpanID() {
				t.Errorf("span %q parent %v", s.Name(), s.Parent().SpanID())
			}
			if trace.SpanContextFromContext(inner).SpanID() != s.SpanContext().SpanID() {
				t.Error("the returned context does not carry the store span")
			}
			var errType string
			for _, kv := range s.Attributes() {
				if string(kv.Key) == "error.type" {
					errType = kv.Value.AsString()
				}
				if strings.Contains(kv.Value.Emit(), "@") {
					t.Errorf("attribute %s = %q holds the error's message", kv.Key, kv.Value.Emit())
				}
			}
			if errType != tc.code || (s.Status().Code.String() == "Error") != tc.failed || strings.Contains(s.Status().Description, "@") {
				t.Errorf("error.type %q status %v, want %q failed=%v", errType, s.Status(), tc.code, tc.failed)
			}
		})
	}
}

// TestStoreSpanOutsideRequests checks that a store call outside a traced
// request (the change feed, a readiness ping) makes no span.
func TestStoreSpanOutsideRequests(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("test")
	ctx := context.Background()
	got, end := startStoreSpan(ctx, tracer, "Watch")
	end(nil)
	if got != ctx || len(rec.Ended()) != 0 || len(rec.Started()) != 0 {
		t.Errorf("%d spans started without a parent; want none and ctx unchanged", len(rec.Started()))
	}
}

func TestCommandCollection(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  bson.D
		want string
	}{
		{"find", bson.D{{Key: "find", Value: "nodes"}, {Key: "filter", Value: bson.D{{Key: "email", Value: "a@example.fi"}}}}, "nodes"},
		{"insert", bson.D{{Key: "insert", Value: "history"}, {Key: "documents", Value: bson.A{}}}, "history"},
		{"aggregate on the database", bson.D{{Key: "aggregate", Value: 1}}, ""},
		{"getMore", bson.D{{Key: "getMore", Value: int64(42)}, {Key: "collection", Value: "relationships"}}, "relationships"},
		{"commitTransaction", bson.D{{Key: "commitTransaction", Value: 1}}, ""},
		{"empty", bson.D{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := bson.Marshal(tc.cmd)
			if err != nil {
				t.Fatal(err)
			}
			name := ""
			if len(tc.cmd) > 0 {
				name = tc.cmd[0].Key
			}
			if got := commandCollection(name, raw); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestTracingKeepsStreams checks that a traced hub still upgrades
// WebSockets and flushes event streams, and that a query sent over a
// WebSocket makes an operation span under the connection's request span.
func TestTracingKeepsStreams(t *testing.T) {
	col := newCollector(t)
	m := MustRunMain(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": col.URL, "OTEL_BSP_SCHEDULE_DELAY": "50"})
	url := m.URL() + "/graphql"
	ws, _, err := subscribetest.DialWebSocket(t.Context(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	a, err := ws.Subscribe(t.Context(), "a", subscribetest.Request{Query: changesQuery})
	if err != nil {
		t.Fatal(err)
	}
	b, resp, err := subscribetest.PostEventStream(t.Context(), url, subscribetest.Request{Query: changesQuery}, nil)
	if err != nil || b == nil {
		t.Fatalf("event stream: %v %v", resp, err)
	}
	defer b.Close()
	q, err := ws.Subscribe(t.Context(), "q", subscribetest.Request{Query: `query OverWebSocket { __typename }`})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := q.Next(t.Context()); err != nil || string(r.Data) != `{"__typename":"Query"}` {
		t.Fatalf("query over the WebSocket: %+v %v", r, err)
	}
	for m.Network.Subscribers() != 2 {
		time.Sleep(5 * time.Millisecond)
	}
	found, err := m.Network.NodesByID(t.Context(), []string{hub.NodeID(hub.KindOrganisation, "eksote")})
	if err != nil || found[0] == nil {
		t.Fatalf("eksote: %v", err)
	}
	n := found[0].Clone()
	n.Name.EN = "Renamed for the traced subscribers"
	batch := &hub.Batch{Nodes: []*hub.Node{n}}
	if err := hub.Prepare(t.Context(), m.Network, batch, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := m.Network.Apply(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]subscribetest.Stream{"websocket": a, "sse": b} {
		if ev := nextChange(t, s, 10*time.Second); ev.ID != n.ID || ev.Node.Name != n.Name.EN {
			t.Errorf("%s: %+v", name, ev)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	col.mu.Lock()
	defer col.mu.Unlock()
	var upgrade, op *tracepb.Span
	for _, s := range col.spans {
		switch s.Name {
		case "GET /graphql":
			upgrade = s
		case "query OverWebSocket":
			op = s
		}
	}
	if upgrade == nil || op == nil || !bytes.Equal(op.ParentSpanId, upgrade.SpanId) {
		t.Fatalf("want a query OverWebSocket span under the GET /graphql span of the WebSocket; got %v and %v", op, upgrade)
	}
	if got := attr(upgrade, "http.response.status_code"); got != "101" {
		t.Errorf("the WebSocket's request span has status %q, want 101", got)
	}
}
