package main

import (
	"bytes"
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otehub/hub/bench/internal/proc"
)

// countingServer answers every POST with body and counts the requests
// it answered; from the answer numbered changeAt on (when > 0) it
// answers something else.
func countingServer(t *testing.T, body string, changeAt int64) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if i := n.Add(1); changeAt > 0 && i >= changeAt {
			io.WriteString(w, body+" (changed)")
			return
		}
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestDriveCountsEveryRequestItSends(t *testing.T) {
	const body = `{"data":{"x":1}}`
	for _, tc := range []struct {
		name string
		l    load
		want int // 0: bounded by time, any number
	}{
		{"37 requests from one client", load{concurrency: 1, requests: 37, latencies: true}, 37},
		{"37 requests from eight clients", load{concurrency: 8, requests: 37, latencies: true}, 37},
		{"a count reached before the time bound", load{concurrency: 8, requests: 50, duration: time.Minute}, 50},
		{"a time bound from eight clients", load{concurrency: 8, duration: 150 * time.Millisecond, latencies: true}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, answered := countingServer(t, body, 0)
			client := newClient(tc.l.concurrency)
			defer client.CloseIdleConnections()
			r, err := drive(context.Background(), client, target{url: srv.URL, body: []byte(`{}`), want: []byte(body)}, tc.l)
			if err != nil {
				t.Fatal(err)
			}
			if got := answered.Load(); int64(r.requests) != got {
				t.Errorf("counted %d requests, the server answered %d", r.requests, got)
			}
			if tc.want > 0 && r.requests != tc.want {
				t.Errorf("counted %d requests, want %d", r.requests, tc.want)
			}
			if tc.want == 0 && r.requests == 0 {
				t.Error("no request in the time bound")
			}
			if wantLat := r.requests; !tc.l.latencies {
				if len(r.latencies) != 0 {
					t.Errorf("%d latencies kept, none asked", len(r.latencies))
				}
			} else if len(r.latencies) != wantLat {
				t.Errorf("%d latencies for %d requests", len(r.latencies), r.requests)
			}
		})
	}
}

func TestDriveStopsAtTheFirstWrongAnswer(t *testing.T) {
	const body = `{"data":{"x":1}}`
	srv, answered := countingServer(t, body, 6)
	client := newClient(1)
	defer client.CloseIdleConnections()
	r, err := drive(context.Background(), client, target{url: srv.URL, body: []byte(`{}`), want: []byte(body)}, load{concurrency: 1, requests: 100})
	if err == nil || !strings.Contains(err.Error(), "the answer changed") {
		t.Fatalf("err = %v, want a changed answer", err)
	}
	if r.requests != 5 || answered.Load() != 6 {
		t.Errorf("%d requests counted, %d answered; want 5 right answers of 6", r.requests, answered.Load())
	}

	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	if _, err := drive(context.Background(), client, target{url: failing.URL, body: []byte(`{}`)}, load{concurrency: 2, requests: 10}); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("err = %v, want the 503", err)
	}
}

func TestPercentileIsTheNearestRank(t *testing.T) {
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, time.Duration(i))
	}
	for _, tc := range []struct {
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{hundred, 50, 50}, {hundred, 99, 99}, {hundred, 100, 100}, {hundred, 1, 1},
		{[]time.Duration{7}, 50, 7}, {[]time.Duration{7}, 99, 7},
		{[]time.Duration{1, 2, 3}, 50, 2}, {[]time.Duration{1, 2, 3, 4}, 50, 2},
		{nil, 50, 0},
	} {
		if got := percentile(tc.sorted, tc.p); got != tc.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", tc.sorted, tc.p, got, tc.want)
		}
	}
}

func TestSameDataTellsBytesFromJSONFromDifferent(t *testing.T) {
	for _, tc := range []struct {
		a, b, want string // want "" for an error
	}{
		{`{"a":[1,"x"]}`, `{"a":[1,"x"]}`, "byte-identical"},
		{`{"a":"<&>","b":2}`, `{"b":2, "a":"\u003c\u0026\u003e"}`, "JSON-equal"},
		{`{"a":1600000}`, `{"a":1.6e+06}`, ""},
		{`{"a":[1,2]}`, `{"a":[2,1]}`, ""},
	} {
		got, err := sameData([]byte(tc.a), []byte(tc.b))
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("%s against %s: %q, want an error", tc.a, tc.b, got)
		case tc.want != "" && (err != nil || !strings.HasPrefix(got, tc.want)):
			t.Errorf("%s against %s: %q, %v; want %s", tc.a, tc.b, got, err, tc.want)
		}
	}
}

func TestLoadLineReadsTheHubsLog(t *testing.T) {
	path := t.TempDir() + "/hub.log"
	log := `time=2026-12-05T07:00:00.000Z level=INFO msg="embedded store open" dir=/tmp/x
time=2026-12-05T07:00:01.000Z level=INFO msg="network loaded" nodes=0 relationships=100000 took=1.234s
`
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	line, took, ok := loadLine(path)
	if !ok || took != 1234*time.Millisecond || !strings.Contains(line, "network loaded") {
		t.Errorf("loadLine = %q, %v, %v; want the network-loaded line and 1.234s", line, took, ok)
	}
}

// TestShortRun runs the command's -short mode: it builds and starts the
// hub on each backend and the floor, and fails unless every hub answers
// every shape with the floor's data and every measured run completes.
// Timings are printed, not checked.
func TestShortRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the hub: not in -short")
	}
	args := []string{"-short"}
	args = append(args, proc.ShortRunBackends(t)...)
	cfg, err := parseFlags(args)
	if err != nil {
		t.Fatal(err)
	}
	var out, progress bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	o, err := run(ctx, cfg, &out, log.New(&progress, "", log.Ltime))
	t.Logf("progress:\n%s\nreport:\n%s", &progress, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.systems) != len(cfg.backends) {
		t.Fatalf("systems %v for backends %v", o.systems, cfg.backends)
	}
	for _, sh := range shapes(o.network) {
		for _, sys := range o.systems {
			if o.same[sh.id][sys] == "" {
				t.Errorf("%s: %s was not compared with the floor", sh.id, sys)
			}
		}
		for _, sys := range append(o.systems, floorName) {
			m := o.measures[sys][sh.id]
			if m == nil || len(m.latencies) == 0 || m.requests == 0 {
				t.Errorf("%s on %s: nothing measured", sh.id, sys)
			}
		}
	}
	if want := 3 * (len(o.systems) + 1); len(o.rows) != want {
		t.Errorf("%d rows in the table, want %d", len(o.rows), want)
	}
}
