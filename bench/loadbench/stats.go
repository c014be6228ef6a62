package main

import (
	"maps"
	"math"
	"slices"
	"sync"
	"time"
)

// recorder collects one class's outcomes during a run: the latency of
// every request answered without error (exact samples, not a histogram:
// a run of minutes holds a few hundred thousand, a few MB) and the
// failed ones by code. Safe for concurrent use.
type recorder struct {
	mu     sync.Mutex
	ok     []time.Duration
	errors map[string]int
}

func newRecorder() *recorder { return &recorder{errors: map[string]int{}} }

// success records a request answered without error after d.
func (r *recorder) success(d time.Duration) {
	r.mu.Lock()
	r.ok = append(r.ok, d)
	r.mu.Unlock()
}

// failure records a failed request by its code.
func (r *recorder) failure(code string) {
	r.mu.Lock()
	r.errors[code]++
	r.mu.Unlock()
}

// snapshot copies what r has recorded.
func (r *recorder) snapshot() ([]time.Duration, map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ok), maps.Clone(r.errors)
}

// Latency is the percentiles of a sample, in milliseconds.
type Latency struct {
	P50 float64 `json:"p50Ms"`
	P95 float64 `json:"p95Ms"`
	P99 float64 `json:"p99Ms"`
	Max float64 `json:"maxMs"`
}

// Summary is what a class (or the whole mix) measured in a run.
type Summary struct {
	Class string `json:"class"`
	// Requests counts every request that ended, with or without error.
	Requests int `json:"requests"`
	Errors   int `json:"errors"`
	// ErrorsByCode counts the failed requests by code: the GraphQL
	// error's extensions.code, USER_ERROR:<code>, HTTP_<status>,
	// TRANSPORT, TIMEOUT, DROPPED (open loop: the client had too many
	// requests in flight to send it).
	ErrorsByCode map[string]int `json:"errorsByCode,omitempty"`
	// Throughput is the requests answered without error per second of
	// the measured window.
	Throughput float64 `json:"throughputPerSecond"`
	// Latency is over the requests answered without error.
	Latency Latency `json:"latency"`
}

// summarize computes a class's summary from its samples over elapsed.
func summarize(class string, ok []time.Duration, errors map[string]int, elapsed time.Duration) Summary {
	s := Summary{Class: class, Requests: len(ok), ErrorsByCode: map[string]int{}}
	for code, n := range errors {
		if n > 0 {
			s.ErrorsByCode[code] = n
			s.Errors += n
		}
	}
	s.Requests += s.Errors
	if elapsed > 0 {
		s.Throughput = float64(len(ok)) / elapsed.Seconds()
	}
	s.Latency = latencyOf(ok)
	return s
}

// latencyOf sorts sample (in place) and returns its percentiles.
func latencyOf(sample []time.Duration) Latency {
	slices.Sort(sample)
	return Latency{P50: millis(percentile(sample, 50)), P95: millis(percentile(sample, 95)),
		P99: millis(percentile(sample, 99)), Max: millis(percentile(sample, 100))}
}

// percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of
// sorted: the smallest value that at least p % of the sample does not
// exceed. An empty sample gives 0.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted))/100)) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
