package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/otehub/hub"
	"github.com/otehub/hub/internal/subscribetest"
	"github.com/otehub/hub/mongodb/mongotest"
)

// exposition is a scrape of /metrics as Prometheus' own text parser reads
// it.
type exposition map[string]*dto.MetricFamily

// scrape GETs url and parses the answer.
func scrape(tb testing.TB, url string) exposition {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		tb.Fatalf("GET %s: %s %.300s", url, resp.Status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		tb.Fatalf("GET %s: Content-Type %q, want Prometheus' text format", url, ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		tb.Fatalf("GET %s: the exposition does not parse: %v", url, err)
	}
	return fams
}

// matches reports whether m has every label of kv (name, value, ...).
func matches(m *dto.Metric, kv []string) bool {
	for i := 0; i+1 < len(kv); i += 2 {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == kv[i] && l.GetValue() == kv[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// value sums the series of the family name that have the labels kv: a
// counter's or a gauge's value, a histogram's count of observations.
func (e exposition) value(name string, kv ...string) float64 {
	sum := 0.0
	for _, m := range e[name].GetMetric() {
		if !matches(m, kv) {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			sum += m.Untyped.GetValue()
		}
	}
	return sum
}

// labels returns the distinct values of label in the family name.
func (e exposition) labels(name, label string) []string {
	var out []string
	for _, m := range e[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label && !slices.Contains(out, l.GetValue()) {
				out = append(out, l.GetValue())
			}
		}
	}
	sort.Strings(out)
	return out
}

// checkHistograms checks that every histogram of the family name is
// whole: cumulative buckets that never decrease and hold no more than
// the count.
func (e exposition) checkHistograms(name string) error {
	for _, m := range e[name].GetMetric() {
		h := m.GetHistogram()
		if h == nil {
			return fmt.Errorf("%s is not a histogram", name)
		}
		prev := uint64(0)
		for _, b := range h.GetBucket() {
			if b.GetCumulativeCount() < prev || b.GetCumulativeCount() > h.GetSampleCount() {
				return fmt.Errorf("%s%v: bucket le=%g holds %d after %d, count %d", name, m.GetLabel(), b.GetUpperBound(), b.GetCumulativeCount(), prev, h.GetSampleCount())
			}
			prev = b.GetCumulativeCount()
		}
	}
	return nil
}

// delta is a counter's or histogram's expected growth between two
// scrapes.
type delta struct {
	name   string
	labels []string
	want   float64
}

// mustGrow scrapes url until every delta holds between before and the
// scrape (an HTTP request is counted once its answer is written, which
// may be a moment after the client has read it), or fails after 5 s.
func mustGrow(tb testing.TB, url string, before exposition, deltas []delta) exposition {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		after := scrape(tb, url)
		var wrong []string
		for _, d := range deltas {
			if got := after.value(d.name, d.labels...) - before.value(d.name, d.labels...); got != d.want {
				wrong = append(wrong, fmt.Sprintf("%s%v grew by %g, want %g", d.name, d.labels, got, d.want))
			}
		}
		if len(wrong) == 0 {
			return after
		}
		if time.Now().After(deadline) {
			tb.Fatalf("after 5 s:\n%s", strings.Join(wrong, "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// postOperation posts a GraphQL request with an operation name.
func postOperation(tb testing.TB, m *Main, query, operationName string) answer {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "operationName": operationName})
	req, _ := http.NewRequest(http.MethodPost, m.URL()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return sendRequest(tb, req)
}

// The metrics count what clients did, by the exact numbers: operations
// by name, type and outcome, their latencies, their errors by code, the
// refusals of the rate limit and of admission control whether before
// GraphQL or after, and the HTTP requests by route and status class as
// the client saw them.
func TestMetricsCountRequests(t *testing.T) {
	held := &heldReads{entered: make(chan struct{}, 10), release: make(chan struct{})}
	// Nine requests, then one in a hundred seconds; one operation at a
	// time; two root fields at most.
	m := mustRunMainWith(t, map[string]string{"HUB_RATE_LIMIT_ANONYMOUS": "0.01,9", "HUB_MAX_CONCURRENT": "1", "HUB_MAX_ROOT_FIELDS": "2"}, func(m *Main) {
		m.wrapReads = func(r hub.Reader) hub.Reader { held.Reader = r; return held }
	})
	MustBeReady(t, m, 30*time.Second)
	metricsURL := m.URL() + "/metrics"
	before := scrape(t, metricsURL)
	for _, name := range []string{"hub_graphql_operations_total", "hub_graphql_errors_total"} {
		if v := before.value(name); v != 0 {
			t.Errorf("%s is %g before any request", name, v)
		}
	}

	const pilots = `query Pilots { pilots { totalCount } }`
	var statuses []int
	send := func(query, wantCode string) {
		t.Helper()
		a := sendRequest(t, request(m, query, nil))
		if a.code() != wantCode {
			t.Fatalf("%s: %d %s, want code %q", query, a.status, a.raw, wantCode)
		}
		statuses = append(statuses, a.status)
	}
	for range 3 {
		send(pilots, "")
	}
	send(`query Bad { nope }`, "GRAPHQL_VALIDATION_FAILED")
	send(`query Wide { a: pilots { totalCount } b: pilots { totalCount } c: pilots { totalCount } }`, "LIMIT_EXCEEDED")
	// A mutation costs five: its request took one, four more are not
	// left (it would fail UNAUTHENTICATED if it ran).
	send(`mutation Write { deleteNode(input: {id: "organisation:x", version: 1}) { deletedIds } }`, "RATE_LIMITED")
	// One operation held in the only slot: the next waits and is refused
	// before GraphQL.
	slow := make(chan answer)
	go func() {
		slow <- sendRequest(t, request(m, fmt.Sprintf(`query Slow { node(id: %q) { id } }`, hub.NodeID(hub.KindOrganisation, "eksote")), nil))
	}()
	<-held.entered
	send(pilots, "OVERLOADED")
	close(held.release)
	if a := <-slow; a.status != http.StatusOK || a.code() != "" {
		t.Fatalf("the held query: %d %s", a.status, a.raw)
	}
	statuses = append(statuses, http.StatusOK)
	send(pilots, "")
	// The ninth request took the last token: the tenth is refused before
	// GraphQL.
	send(pilots, "RATE_LIMITED")

	deltas := []delta{
		{"hub_graphql_operations_total", []string{"operation", "Pilots", "type", "query", "outcome", "ok"}, 4},
		{"hub_graphql_operations_total", []string{"operation", "Slow", "type", "query", "outcome", "ok"}, 1},
		{"hub_graphql_operations_total", []string{"operation", "Wide", "type", "query", "outcome", "error"}, 1},
		{"hub_graphql_operations_total", []string{"operation", "Write", "type", "mutation", "outcome", "error"}, 1},
		// A document that does not validate names no operation.
		{"hub_graphql_operations_total", []string{"operation", "unknown", "type", "unknown", "outcome", "error"}, 1},
		{"hub_graphql_operations_total", nil, 8},
		{"hub_graphql_operation_duration_seconds", []string{"operation", "Pilots", "type", "query"}, 4},
		{"hub_graphql_operation_duration_seconds", nil, 8},
		{"hub_graphql_errors_total", []string{"code", "GRAPHQL_VALIDATION_FAILED"}, 1},
		{"hub_graphql_errors_total", []string{"code", "LIMIT_EXCEEDED"}, 1},
		{"hub_graphql_errors_total", []string{"code", "RATE_LIMITED"}, 1},
		{"hub_graphql_errors_total", nil, 3},
		{"hub_rejections_total", []string{"reason", "rate_limited", "stage", "operation"}, 1},
		{"hub_rejections_total", []string{"reason", "rate_limited", "stage", "request"}, 1},
		{"hub_rejections_total", []string{"reason", "overloaded", "stage", "request"}, 1},
		{"hub_rejections_total", []string{"reason", "overloaded", "stage", "operation"}, 0},
		{"hub_http_requests_total", []string{"route", "/graphql", "method", "POST"}, float64(len(statuses))},
		{"hub_http_request_duration_seconds", []string{"route", "/graphql", "method", "POST"}, float64(len(statuses))},
	}
	classes := map[string]float64{}
	for _, s := range statuses {
		classes[fmt.Sprintf("%dxx", s/100)]++
	}
	for class, n := range classes {
		deltas = append(deltas, delta{"hub_http_requests_total", []string{"route", "/graphql", "method", "POST", "status", class}, n})
	}
	after := mustGrow(t, metricsURL, before, deltas)
	for _, name := range []string{"hub_graphql_operation_duration_seconds", "hub_http_request_duration_seconds", "hub_store_call_duration_seconds"} {
		if err := after.checkHistograms(name); err != nil {
			t.Error(err)
		}
	}
	// The routes are the server's patterns, whatever path was asked for.
	for _, p := range []string{"/no/such/page?x=1", "/healthz"} {
		resp, err := http.Get(m.URL() + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	after = mustGrow(t, metricsURL, after, []delta{
		{"hub_http_requests_total", []string{"route", "unmatched", "method", "GET", "status", "4xx"}, 1},
		{"hub_http_requests_total", []string{"route", "GET /healthz", "method", "GET", "status", "2xx"}, 1},
	})
	for _, route := range after.labels("hub_http_requests_total", "route") {
		if strings.Contains(route, "no/such") {
			t.Errorf("a requested path became a route label: %q", route)
		}
	}
	// The index as /readyz reports it.
	_, ready := readiness(t, m)
	if n := after.value("hub_index_nodes"); n != float64(ready.Index.Nodes) || n == 0 {
		t.Errorf("hub_index_nodes %g, /readyz says %d", n, ready.Index.Nodes)
	}
	if n := after.value("hub_index_relationships"); n != float64(ready.Index.Relationships) || n == 0 {
		t.Errorf("hub_index_relationships %g, /readyz says %d", n, ready.Index.Relationships)
	}
	if after.value("hub_index_loads_total") != 1 || after.value("hub_index_feed_stale") != 0 {
		t.Errorf("loads %g, stale %g; want one load and a current feed", after.value("hub_index_loads_total"), after.value("hub_index_feed_stale"))
	}
	if v := after.value("hub_build_info", "version", version()); v != 1 {
		t.Errorf("hub_build_info{version=%q} = %g", version(), v)
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := after[name]; !ok {
			t.Errorf("%s missing: the Go and process collectors are not registered", name)
		}
	}
}

// Operation names are chosen by clients: only the first 256 distinct
// valid names get a label; the rest, and names that are too long or not
// names at all, are counted as "other".
func TestMetricsBoundOperationNames(t *testing.T) {
	m := MustRunMain(t, nil)
	MustBeReady(t, m, 30*time.Second)
	for i := range 300 {
		if a := sendRequest(t, request(m, fmt.Sprintf("query N%03d { __typename }", i), nil)); a.status != http.StatusOK {
			t.Fatalf("N%03d: %d %s", i, a.status, a.raw)
		}
	}
	long := "L" + strings.Repeat("o", maxLabelLength)
	if a := sendRequest(t, request(m, "query "+long+" { __typename }", nil)); a.status != http.StatusOK {
		t.Fatalf("a long name: %d %s", a.status, a.raw)
	}
	const odd = `me@example.org"} 1`
	if a := postOperation(t, m, "query A { __typename }", odd); a.code() == "" {
		t.Fatalf("an operation name the document does not hold: %d %s", a.status, a.raw)
	}
	if a := sendRequest(t, request(m, "{ __typename }", nil)); a.status != http.StatusOK {
		t.Fatalf("anonymous: %d %s", a.status, a.raw)
	}

	e := scrape(t, m.URL()+"/metrics")
	want := []string{"anonymous", "other"}
	for i := range maxOperationNames {
		want = append(want, fmt.Sprintf("N%03d", i))
	}
	sort.Strings(want)
	if got := e.labels("hub_graphql_operations_total", "operation"); !slices.Equal(got, want) {
		t.Errorf("%d operation labels, want the %d of the first %d names, anonymous and other; got %v", len(got), len(want), maxOperationNames, got)
	}
	for _, tc := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"operation", "N000", "outcome", "ok"}, 1},
		{[]string{"operation", "N255", "outcome", "ok"}, 1},
		{[]string{"operation", "other", "type", "query", "outcome", "ok"}, 300 - maxOperationNames + 1},
		{[]string{"operation", "other", "type", "unknown", "outcome", "error"}, 1},
		{[]string{"operation", "anonymous", "outcome", "ok"}, 1},
		{nil, 303},
	} {
		if got := e.value("hub_graphql_operations_total", tc.labels...); got != tc.want {
			t.Errorf("hub_graphql_operations_total%v = %g, want %g", tc.labels, got, tc.want)
		}
	}
	if got := e.value("hub_graphql_operation_duration_seconds", "operation", "other"); got != 300-maxOperationNames+2 {
		t.Errorf("other's latencies: %g observations", got)
	}
	if got := len(e["hub_graphql_operation_duration_seconds"].GetMetric()); got > maxOperationNames+3 {
		t.Errorf("%d latency series", got)
	}
}

// HUB_METRICS_ADDR moves /metrics to a listener of its own, which
// serves nothing else, and counts what the main listener serves.
func TestMetricsAddr(t *testing.T) {
	m := MustRunMain(t, map[string]string{"HUB_METRICS_ADDR": "127.0.0.1:0"})
	MustBeReady(t, m, 30*time.Second)
	if m.MetricsURL() == "" || m.MetricsURL() == m.URL() {
		t.Fatalf("metrics at %q, the hub at %q", m.MetricsURL(), m.URL())
	}
	for _, url := range []string{m.URL() + "/metrics", m.MetricsURL() + "/graphql", m.MetricsURL() + "/"} {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", url, resp.Status)
		}
	}
	before := scrape(t, m.MetricsURL()+"/metrics")
	if r := postQuery(t, m, `query Pilots { pilots { totalCount } }`, nil); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	mustGrow(t, m.MetricsURL()+"/metrics", before, []delta{
		{"hub_graphql_operations_total", []string{"operation", "Pilots", "outcome", "ok"}, 1},
		{"hub_http_requests_total", []string{"route", "/graphql", "status", "2xx"}, 1},
		{"hub_http_requests_total", []string{"route", "GET /metrics"}, 0},
	})
	if _, ok := before["hub_build_info"]; !ok {
		t.Error("no hub_build_info on the metrics listener")
	}
	if e := scrape(t, m.MetricsURL()+"/metrics"); e.value("hub_http_requests_total", "route", "unmatched", "status", "4xx") != 1 {
		t.Errorf("the main listener's 404 for /metrics: %g", e.value("hub_http_requests_total", "route", "unmatched"))
	}
}

// Open subscriptions are counted by transport while they are open; a
// subscription counts as an operation when it ends.
func TestMetricsSubscriptions(t *testing.T) {
	m := MustRunMain(t, nil)
	MustBeReady(t, m, 30*time.Second)
	url, metricsURL := m.URL()+"/graphql", m.URL()+"/metrics"
	const watch = `subscription Watch { changes { id } }`
	before := scrape(t, metricsURL)
	ws, _, err := subscribetest.DialWebSocket(t.Context(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for _, id := range []string{"a", "b"} {
		if _, err := ws.Subscribe(t.Context(), id, subscribetest.Request{Query: watch}); err != nil {
			t.Fatal(err)
		}
	}
	sse, resp, err := subscribetest.PostEventStream(t.Context(), url, subscribetest.Request{Query: watch}, nil)
	if err != nil || sse == nil {
		t.Fatalf("event stream: %v %v", resp, err)
	}
	after := mustGrow(t, metricsURL, before, []delta{
		{"hub_subscriptions_open", []string{"transport", "websocket"}, 2},
		{"hub_subscriptions_open", []string{"transport", "sse"}, 1},
	})
	if err := ws.Stop(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	after = mustGrow(t, metricsURL, after, []delta{
		{"hub_subscriptions_open", []string{"transport", "websocket"}, -1},
		{"hub_subscriptions_open", []string{"transport", "sse"}, 0},
		{"hub_graphql_operations_total", []string{"operation", "Watch", "type", "subscription", "outcome", "ok"}, 1},
		// A subscription's time is its client's: no latency.
		{"hub_graphql_operation_duration_seconds", []string{"operation", "Watch"}, 0},
	})
	sse.Close()
	mustGrow(t, metricsURL, after, []delta{
		{"hub_subscriptions_open", []string{"transport", "sse"}, -1},
		{"hub_graphql_operations_total", []string{"operation", "Watch", "type", "subscription", "outcome", "ok"}, 1},
	})
}

// On MongoDB, a write shows in the store calls, the index and the
// driver's connection pool.
func TestMetricsOnMongoDB(t *testing.T) {
	keysFile := filepath.Join(t.TempDir(), "keys")
	editor := mustNewKey(t, keysFile, "-role", "editor", "-subject", "tester")
	m := MustRunMain(t, map[string]string{"MONGODB_URI": mongotest.URI(t), "HUB_API_KEYS_FILE": keysFile})
	MustBeReady(t, m, 30*time.Second)
	metricsURL := m.URL() + "/metrics"
	before := scrape(t, metricsURL)
	source := hub.NodeID(hub.KindSourceDocument, "seed-000")
	_, r := postAs(t, m, editor, createNode, map[string]any{"in": map[string]any{"kind": "Organisation", "key": "mittari",
		"fields": map[string]any{"name": map[string]any{"fi": "Mittari"}, "type": "ASSOCIATION",
			"sources": []any{map[string]any{"sourceId": source, "quote": "testi"}}}}})
	if path(r.Data, "createNode", "node", "id") != hub.NodeID(hub.KindOrganisation, "mittari") {
		t.Fatalf("createNode: %+v", r)
	}
	after := mustGrow(t, metricsURL, before, []delta{
		{"hub_store_call_duration_seconds", []string{"method", "Apply", "outcome", "ok"}, 1},
		{"hub_store_call_duration_seconds", []string{"method", "Apply", "outcome", "EUNAVAILABLE"}, 0},
		{"hub_index_nodes", nil, 1},
		{"hub_index_changes_applied_total", nil, 1},
		{"hub_graphql_operations_total", []string{"type", "mutation", "outcome", "ok"}, 1},
	})
	for _, name := range []string{"hub_mongodb_pool_connections", "hub_mongodb_pool_checkout_duration_seconds"} {
		if v := after.value(name); v <= 0 {
			t.Errorf("%s = %g after a write", name, v)
		}
	}
	if _, ok := after["hub_mongodb_pool_connections_in_use"]; !ok {
		t.Error("hub_mongodb_pool_connections_in_use missing")
	}
	if v := after.value("hub_mongodb_pool_checkout_failures_total"); v != 0 {
		t.Errorf("%g failed checkouts", v)
	}
	if after.value("hub_index_last_change_timestamp_seconds") <= 0 || after.value("hub_index_feed_lag_seconds") < 0 {
		t.Errorf("last change at %g, lag %g", after.value("hub_index_last_change_timestamp_seconds"), after.value("hub_index_feed_lag_seconds"))
	}
	if err := after.checkHistograms("hub_store_call_duration_seconds"); err != nil {
		t.Error(err)
	}
}

// The embedded store has no pool: no pool metrics.
func TestMetricsWithoutMongoDBHaveNoPool(t *testing.T) {
	m := MustRunMain(t, nil)
	MustBeReady(t, m, 30*time.Second)
	for name := range scrape(t, m.URL()+"/metrics") {
		if strings.HasPrefix(name, "hub_mongodb_") {
			t.Errorf("%s on the embedded store", name)
		}
	}
}
