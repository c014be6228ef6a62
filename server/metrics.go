package main

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph"
)

// Bounds of the labels clients choose: an operation's name, and an
// error code (which the hub chooses, but a bound costs nothing).
const (
	// maxOperationNames is how many distinct operation names get a
	// label of their own; later ones are counted as "other".
	maxOperationNames = 256
	// maxErrorCodes is the same for extensions.code.
	maxErrorCodes = 64
	// maxLabelLength bounds the length of such a label.
	maxLabelLength = 64
)

// latencyBuckets are the bounds, in seconds, of the latency histograms:
// most reads are answered from memory in a millisecond or two; the
// request timeout is 30 s by default.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// metrics are the hub's Prometheus metrics, in a registry of the Main's
// own (tests run several Mains in one process).
type metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec

	operations        *prometheus.CounterVec
	operationDuration *prometheus.HistogramVec
	graphqlErrors     *prometheus.CounterVec
	names, codes      *labelSet

	store *observer

	poolOpen, poolInUse prometheus.Gauge
	poolCheckout        prometheus.Histogram
	poolFailures        *prometheus.CounterVec
	poolCleared         prometheus.Counter
}

// newMetrics creates the metrics of m and registers them, with the Go
// runtime's and the process's. What m's index and GraphQL endpoint
// count is read at each scrape.
func newMetrics(m *Main) *metrics {
	reg := prometheus.NewRegistry()
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	mt := &metrics{reg: reg,
		names: newLabelSet(maxOperationNames, "anonymous", graph.ReportableName),
		codes: newLabelSet(maxErrorCodes, "none", validCode),
	}
	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "hub_build_info", Help: "Always 1; the label names the build, as /healthz does.",
		ConstLabels: prometheus.Labels{"version": version()}}, func() float64 { return 1 }))

	mt.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hub_http_requests_total",
		Help: "HTTP requests answered, by route (the pattern that served them), method and status class."},
		[]string{"route", "method", "status"})
	mt.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hub_http_request_duration_seconds",
		Help: "Time to answer an HTTP request, by route and method; WebSockets and event streams left out.", Buckets: latencyBuckets},
		[]string{"route", "method"})
	mt.operations = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hub_graphql_operations_total",
		Help: "GraphQL operations, by operation name, type and outcome (ok: no error in the response)."},
		[]string{"operation", "type", "outcome"})
	mt.operationDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hub_graphql_operation_duration_seconds",
		Help: "Time to answer a GraphQL query or mutation, by operation name and type.", Buckets: latencyBuckets},
		[]string{"operation", "type"})
	mt.graphqlErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hub_graphql_errors_total",
		Help: "Errors in GraphQL responses, by extensions.code."}, []string{"code"})
	mt.store = &observer{calls: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hub_store_call_duration_seconds",
		Help: "Time of a call to the store, by method and outcome (ok or the error code).", Buckets: latencyBuckets},
		[]string{"method", "outcome"})}
	mt.poolOpen = prometheus.NewGauge(prometheus.GaugeOpts{Name: "hub_mongodb_pool_connections",
		Help: "Connections open in the MongoDB driver's pools."})
	mt.poolInUse = prometheus.NewGauge(prometheus.GaugeOpts{Name: "hub_mongodb_pool_connections_in_use",
		Help: "Connections checked out of the MongoDB driver's pools."})
	mt.poolCheckout = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hub_mongodb_pool_checkout_duration_seconds",
		Help:    "Time to check a connection out of the MongoDB driver's pool, failed checkouts included.",
		Buckets: []float64{.0001, .0005, .001, .005, .01, .05, .1, .5, 1, 5}})
	mt.poolFailures = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hub_mongodb_pool_checkout_failures_total",
		Help: "Failed checkouts from the MongoDB driver's pool, by reason (timeout, connectionError, poolClosed)."}, []string{"reason"})
	mt.poolCleared = prometheus.NewCounter(prometheus.CounterOpts{Name: "hub_mongodb_pool_cleared_total",
		Help: "Times the MongoDB driver cleared a pool (its server failed)."})
	for _, c := range []prometheus.Collector{mt.httpRequests, mt.httpDuration, mt.operations, mt.operationDuration,
		mt.graphqlErrors, mt.store.calls, hubCollector{m}} {
		f(c)
	}
	return mt
}

// handler serves the metrics in Prometheus' text format.
func (mt *metrics) handler(logger *slog.Logger) http.Handler {
	return promhttp.HandlerFor(mt.reg, promhttp.HandlerOpts{
		Registry:            mt.reg,
		ErrorLog:            slog.NewLogLogger(logger.Handler(), slog.LevelError),
		MaxRequestsInFlight: 4,
	})
}

// instrument counts and times the requests next answers. The route is
// the pattern of mux that serves the request, never its path, which
// the client chooses.
func (mt *metrics) instrument(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, route := mux.Handler(r)
		if route == "" {
			route = "unmatched"
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		began := time.Now()
		next.ServeHTTP(rec, r)
		method := methodLabel(r.Method)
		mt.httpRequests.WithLabelValues(route, method, strconv.Itoa(rec.status/100)+"xx").Inc()
		// A stream lasts as long as its client wants: its time says
		// nothing of the hub's.
		if rec.status != http.StatusSwitchingProtocols && !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/event-stream") {
			mt.httpDuration.WithLabelValues(route, method).Observe(time.Since(began).Seconds())
		}
	})
}

// methodLabel is the method, or "other" for one the hub serves nowhere.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodPatch:
		return m
	}
	return "other"
}

// poolMonitor returns the MongoDB pool monitor that feeds the pool
// metrics.
func (mt *metrics) poolMonitor() *event.PoolMonitor {
	return &event.PoolMonitor{Event: func(e *event.PoolEvent) {
		switch e.Type {
		case event.ConnectionCreated:
			mt.poolOpen.Inc()
		case event.ConnectionClosed:
			mt.poolOpen.Dec()
		case event.ConnectionCheckedOut:
			mt.poolInUse.Inc()
			mt.poolCheckout.Observe(e.Duration.Seconds())
		case event.ConnectionCheckedIn:
			mt.poolInUse.Dec()
		case event.ConnectionCheckOutFailed:
			mt.poolCheckout.Observe(e.Duration.Seconds())
			reason := e.Reason
			switch reason {
			case event.ReasonTimedOut, event.ReasonConnectionErrored, event.ReasonPoolClosed:
			default:
				reason = "other"
			}
			mt.poolFailures.WithLabelValues(reason).Inc()
		case event.ConnectionPoolCleared:
			mt.poolCleared.Inc()
		}
	}}
}

// registerPool registers the pool metrics: only a hub on MongoDB has
// a pool.
func (mt *metrics) registerPool() {
	for _, c := range []prometheus.Collector{mt.poolOpen, mt.poolInUse, mt.poolCheckout, mt.poolFailures, mt.poolCleared} {
		mt.reg.MustRegister(c)
	}
	// Present from the start, so that a rate over them has a beginning.
	for _, r := range []string{event.ReasonTimedOut, event.ReasonConnectionErrored, event.ReasonPoolClosed} {
		mt.poolFailures.WithLabelValues(r)
	}
}

// observe returns store with its calls observed.
func (mt *metrics) observe(store hub.Store) hub.Store {
	return &observedStore{store: store, o: mt.store}
}

// graphqlExtension returns the gqlgen extension that counts and times
// the GraphQL operations and counts their errors by code.
func (mt *metrics) graphqlExtension() graphql.HandlerExtension { return operationMetrics{mt} }

// operationMetrics is the gqlgen extension of the GraphQL metrics. It
// sees an operation's responses as the transport gets them, so an
// operation the endpoint refuses (RATE_LIMITED, OVERLOADED) counts as
// failed; and a request that fails before it names an operation (a
// document that does not parse or validate, or a limit) in the one
// response gqlgen makes of it.
type operationMetrics struct{ mt *metrics }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
} = operationMetrics{}

func (operationMetrics) ExtensionName() string                   { return "Metrics" }
func (operationMetrics) Validate(graphql.ExecutableSchema) error { return nil }

// dispatchedKey marks the responses of operations that InterceptOperation
// counts.
type dispatchedKey struct{}

func (o operationMetrics) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	name, typ := o.mt.names.label(oc.Operation.Name, true), string(oc.Operation.Operation)
	began := startOf(oc)
	responses := next(ctx)
	failed, counted := false, false
	return func(ctx context.Context) *graphql.Response {
		resp := responses(context.WithValue(ctx, dispatchedKey{}, true))
		if counted {
			return resp
		}
		if resp != nil {
			o.countErrors(resp.Errors)
			failed = failed || len(resp.Errors) > 0
		}
		// A query or a mutation answers once; a subscription counts when
		// its stream ends, failed if any of its responses had errors (a
		// subscription refused, or ended by the hub).
		if typ == "subscription" {
			if resp == nil {
				counted = true
				o.mt.operations.WithLabelValues(name, typ, outcome(failed)).Inc()
			}
			return resp
		}
		counted = true
		failed = failed || resp == nil // cancelled before it answered
		o.mt.operations.WithLabelValues(name, typ, outcome(failed)).Inc()
		o.mt.operationDuration.WithLabelValues(name, typ).Observe(time.Since(began).Seconds())
		return resp
	}
}

func (o operationMetrics) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || ctx.Value(dispatchedKey{}) != nil {
		return resp
	}
	// The request failed before its operation ran: count it here.
	name, typ, began := "unknown", "unknown", time.Time{}
	if graphql.HasOperationContext(ctx) {
		oc := graphql.GetOperationContext(ctx)
		began = startOf(oc)
		if oc.Operation != nil {
			name, typ = o.mt.names.label(oc.Operation.Name, true), string(oc.Operation.Operation)
		} else if oc.OperationName != "" {
			// No operation of the document could be read: a name the
			// client sent is counted only if a real operation had it.
			name = o.mt.names.label(oc.OperationName, false)
		}
	}
	o.countErrors(resp.Errors)
	o.mt.operations.WithLabelValues(name, typ, outcome(len(resp.Errors) > 0)).Inc()
	if !began.IsZero() && typ != "subscription" {
		o.mt.operationDuration.WithLabelValues(name, typ).Observe(time.Since(began).Seconds())
	}
	return resp
}

func (o operationMetrics) countErrors(errs gqlerror.List) {
	for _, e := range errs {
		code, _ := e.Extensions["code"].(string)
		o.mt.graphqlErrors.WithLabelValues(o.mt.codes.label(code, true)).Inc()
	}
}

// startOf is when gqlgen began the operation (before parsing), or now.
func startOf(oc *graphql.OperationContext) time.Time {
	if t := oc.Stats.OperationStart; !t.IsZero() {
		return t
	}
	return time.Now()
}

func outcome(failed bool) string {
	if failed {
		return "error"
	}
	return "ok"
}

// labelSet bounds the values of a label that clients choose: a valid
// value gets a label of its own if it is one of the first max distinct
// ones seen, any other is "other"; the empty value is called empty.
type labelSet struct {
	max   int
	empty string
	valid func(string) bool

	mu    sync.RWMutex
	known map[string]struct{}
}

func newLabelSet(max int, empty string, valid func(string) bool) *labelSet {
	return &labelSet{max: max, empty: empty, valid: valid, known: map[string]struct{}{}}
}

// label returns v's label; admit says whether v may become a known
// value.
func (s *labelSet) label(v string, admit bool) string {
	if v == "" {
		return s.empty
	}
	if !s.valid(v) {
		return "other"
	}
	s.mu.RLock()
	_, known := s.known[v]
	s.mu.RUnlock()
	if known {
		return v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.known[v]; ok {
		return v
	}
	if !admit || len(s.known) >= s.max {
		return "other"
	}
	s.known[v] = struct{}{}
	return v
}

// validCode reports whether s looks like an extensions.code: upper case
// letters, digits and underscores, starting with a letter.
func validCode(s string) bool {
	if len(s) > maxLabelLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || c == '_' && i > 0 || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// hubCollector reads, at each scrape, what the index and the GraphQL
// endpoint count themselves.
type hubCollector struct{ m *Main }

var (
	descNodes = prometheus.NewDesc("hub_index_nodes", "Nodes in the in-memory index.", nil, nil)
	descRels  = prometheus.NewDesc("hub_index_relationships", "Relationships in the in-memory index.", nil, nil)
	descLoads = prometheus.NewDesc("hub_index_loads_total",
		"Full loads of the network into the index, the first included; later ones follow a broken or reset change feed.", nil, nil)
	descLoadSeconds = prometheus.NewDesc("hub_index_load_duration_seconds", "How long the last full load took.", nil, nil)
	descChanges     = prometheus.NewDesc("hub_index_changes_applied_total", "Changes applied to the index from the store's change feed.", nil, nil)
	descLag         = prometheus.NewDesc("hub_index_feed_lag_seconds",
		"Time from the commit of the newest change applied to its application in this instance's index.", nil, nil)
	descLastChange = prometheus.NewDesc("hub_index_last_change_timestamp_seconds",
		"Commit time of the newest change applied to the index (Unix seconds); absent before the first.", nil, nil)
	descStale = prometheus.NewDesc("hub_index_feed_stale",
		"1 while the change feed is broken and the index serves what it last knew, else 0.", nil, nil)
	descStaleSeconds = prometheus.NewDesc("hub_index_feed_stale_seconds",
		"Seconds since the change feed broke; 0 while it is current.", nil, nil)
	descRejections = prometheus.NewDesc("hub_rejections_total",
		"Requests and operations refused for the hub's sake (overloaded) or the caller's rate (rate_limited); stage request: the HTTP request, before GraphQL; operation: one operation.",
		[]string{"reason", "stage"}, nil)
	descSubscriptions = prometheus.NewDesc("hub_subscriptions_open", "Subscriptions open, by transport (websocket, sse).", []string{"transport"}, nil)
)

func (hubCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descNodes, descRels, descLoads, descLoadSeconds, descChanges, descLag, descLastChange,
		descStale, descStaleSeconds, descRejections, descSubscriptions} {
		ch <- d
	}
}

func (c hubCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	if l := c.m.Network; l != nil {
		st := l.Status()
		gauge(descNodes, float64(st.Nodes))
		gauge(descRels, float64(st.Relationships))
		counter(descLoads, float64(st.Loads))
		gauge(descLoadSeconds, st.LoadDuration.Seconds())
		counter(descChanges, float64(st.Changes))
		stale, staleFor := 0.0, 0.0
		if st.Stale {
			stale, staleFor = 1, time.Since(st.Since).Seconds()
		}
		gauge(descStale, stale)
		gauge(descStaleSeconds, staleFor)
		if !st.LastChange.IsZero() {
			gauge(descLag, max(0, st.AppliedAt.Sub(st.LastChange).Seconds()))
			gauge(descLastChange, float64(st.LastChange.UnixMilli())/1000)
		} else {
			gauge(descLag, 0)
		}
	}
	if api := c.m.api; api != nil {
		st := api.Stats()
		for _, r := range []struct {
			reason string
			n      uint64
			stage  string
		}{
			{"overloaded", st.Overloaded.Requests, "request"}, {"overloaded", st.Overloaded.Operations, "operation"},
			{"rate_limited", st.RateLimited.Requests, "request"}, {"rate_limited", st.RateLimited.Operations, "operation"},
		} {
			counter(descRejections, float64(r.n), r.reason, r.stage)
		}
		gauge(descSubscriptions, float64(st.WebSocketSubscriptions), "websocket")
		gauge(descSubscriptions, float64(st.EventStreamSubscriptions), "sse")
	}
}
