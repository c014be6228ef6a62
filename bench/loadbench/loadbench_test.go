package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/bench/internal/hubclient"
	"github.com/otehub/hub/bench/internal/proc"
)

// The oracle below is worked by hand from the nearest-rank definition:
// the p-th percentile of n sorted values is the value at rank
// ceil(p/100 × n).
func TestSummaryAgainstHandComputedPercentiles(t *testing.T) {
	ms := func(v ...float64) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x * float64(time.Millisecond))
		}
		return out
	}
	// 1..20 ms shuffled: ranks 10, 19, 20 (ceil 19.8), 20.
	twenty := ms(7, 3, 20, 1, 15, 9, 12, 4, 18, 2, 11, 6, 19, 14, 5, 17, 8, 13, 16, 10)
	for _, tc := range []struct {
		name    string
		sample  []time.Duration
		errors  map[string]int
		elapsed time.Duration
		want    Summary
	}{
		{
			name: "1 to 20 ms shuffled, over 4 s", sample: twenty, elapsed: 4 * time.Second,
			want: Summary{Requests: 20, Throughput: 5, Latency: Latency{P50: 10, P95: 19, P99: 20, Max: 20}},
		},
		{
			// sorted 1 3 5 7 9: ranks 3 (ceil 2.5), 5 (ceil 4.75), 5, 5
			name: "five values and errors, over 2 s", sample: ms(9, 1, 7, 3, 5), elapsed: 2 * time.Second,
			errors: map[string]int{"OVERLOADED": 2, "HTTP_500": 1, "TIMEOUT": 0},
			want: Summary{Requests: 8, Errors: 3, ErrorsByCode: map[string]int{"OVERLOADED": 2, "HTTP_500": 1},
				Throughput: 2.5, Latency: Latency{P50: 5, P95: 9, P99: 9, Max: 9}},
		},
		{
			// 200 values 0.5, 1.0, ... 100 ms: ranks 100, 190, 198, 200
			name: "200 evenly spaced values, over 10 s", sample: func() []time.Duration {
				var v []float64
				for i := 1; i <= 200; i++ {
					v = append(v, float64(i)/2)
				}
				s := ms(v...)
				rand.New(rand.NewPCG(1, 2)).Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
				return s
			}(), elapsed: 10 * time.Second,
			want: Summary{Requests: 200, Throughput: 20, Latency: Latency{P50: 50, P95: 95, P99: 99, Max: 100}},
		},
		{
			name: "only errors", errors: map[string]int{"TRANSPORT": 4}, elapsed: time.Second,
			want: Summary{Requests: 4, Errors: 4, ErrorsByCode: map[string]int{"TRANSPORT": 4}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := summarize("c", tc.sample, tc.errors, tc.elapsed)
			tc.want.Class = "c"
			if tc.want.ErrorsByCode == nil {
				tc.want.ErrorsByCode = map[string]int{}
			}
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(tc.want)
			if !bytes.Equal(g, w) {
				t.Errorf("summary\n got %s\nwant %s", g, w)
			}
		})
	}
}

func TestRecorderIsSafeForConcurrentUse(t *testing.T) {
	r := newRecorder()
	done := make(chan struct{})
	for i := range 8 {
		go func() {
			for j := range 1000 {
				if j%10 == 0 {
					r.failure("X")
				} else {
					r.success(time.Duration(i))
				}
			}
			done <- struct{}{}
		}()
	}
	for range 8 {
		<-done
	}
	ok, errs := r.snapshot()
	if len(ok) != 8*900 || errs["X"] != 8*100 {
		t.Errorf("%d successes, %d failures; want 7200 and 800", len(ok), errs["X"])
	}
}

func TestWeightsPickInProportion(t *testing.T) {
	w, err := parseWeights("dashboard=1,map=0,search=3,exploration=6")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	counts := map[string]int{}
	const n = 100_000
	for range n {
		counts[w.pick(r)]++
	}
	for class, want := range map[string]float64{classDashboard: 0.1, classMap: 0, classSearch: 0.3, classExploration: 0.6} {
		if got := float64(counts[class]) / n; got < want-0.01 || got > want+0.01 {
			t.Errorf("%s picked %.3f of the time, want %.2f", class, got, want)
		}
	}
	for _, bad := range []string{"dashboard=0", "maps=1", "search=-1", "search", ""} {
		if _, err := parseWeights(bad); err == nil {
			t.Errorf("-weights %q: no error", bad)
		}
	}
}

func TestFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-short", "-subscribers", "3"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.duration != 3*time.Second || len(cfg.clients) != 1 || cfg.clients[0] != 4 || cfg.subscribers != 3 || cfg.writes != 5 {
		t.Errorf("-short -subscribers 3: %+v", cfg)
	}
	cfg, err = parseFlags([]string{"-rate", "50,100", "-url", "http://a:1/, http://b:2", "-writes", "0"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.rates) != 2 || cfg.clients != nil || strings.Join(cfg.urls, " ") != "http://a:1 http://b:2" {
		t.Errorf("-rate 50,100 -url ...: %+v", cfg)
	}
	t.Setenv("HUB_LOAD_KEY", "")
	for _, bad := range [][]string{
		{"-clients", "0"}, {"-rate", "-1"}, {"-network", "1m"}, {"-backends", "sqlite"},
		{"-url", "a:8080", "-writes", "0"}, {"-url", "http://a"}, {"-duration", "0s"},
	} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

// TestPagesRequests reads the pages' requests from their sources and
// checks them against what the sources say, written out here.
func TestPagesRequests(t *testing.T) {
	root, err := proc.ModuleRoot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, err := readPages(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"aggregates", "funding(by: REGION, policy: HIGHEST, split: EQUAL", "partnersPerPilot", "coverage", "pilotsPerYear"} {
		if !strings.Contains(p.dashboard, field) {
			t.Errorf("the dashboard query has no %s: %s", field, p.dashboard)
		}
	}
	if !strings.HasPrefix(p.mapFilters, "{ regions(") || !strings.Contains(p.mapFilters, "themes(") {
		t.Errorf("the map's filter query: %s", p.mapFilters)
	}
	if got := strings.Join(p.mapView["kind"], ","); got != "Organisation,Employer,Programme,Pilot,Service,TargetGroup" {
		t.Errorf("the map's default kinds: %s", got)
	}
	// The map asks for every relationship type the hub knows.
	if len(p.mapView["type"]) != len(hub.RelationshipTypes) || p.mapView.Get("limit") != "1000" || !strings.Contains(p.mapView.Get("metrics"), "betweenness") {
		t.Errorf("the map's export parameters: %v", p.mapView)
	}

	// A page's source that no longer has what the tool reads is an error.
	dir := t.TempDir()
	src := filepath.Join(dir, "web", "map", "src")
	os.MkdirAll(src, 0o755)
	os.WriteFile(filepath.Join(src, "dashboard.js"), []byte("graphql(`{ aggregates { a } }`); graphql(`{ aggregates { b } }`)"), 0o644)
	os.WriteFile(filepath.Join(src, "map.js"), []byte("graphql(`{ regions }`)"), 0o644)
	if _, err := readPages(dir); err == nil || !strings.Contains(err.Error(), "want one") {
		t.Errorf("two queries in dashboard.js: err = %v", err)
	}
}

// TestShortRun runs the command's -short mode against hubs it starts
// (both backends when SecantusDB is installed) and checks that every
// class was answered, with nonzero throughput and no unexpected error,
// and that every measured write's event reached every subscriber.
func TestShortRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the hub: not in -short")
	}
	args := []string{"-short", "-duration", "2s"}
	args = append(args, proc.ShortRunBackends(t)...)
	cfg, err := parseFlags(args)
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := run(ctx, cfg, log.New(&progress, "", log.Ltime))
	var out bytes.Buffer
	if rep != nil {
		rep.write(&out, false)
	}
	t.Logf("progress:\n%s\nreport:\n%s", &progress, &out)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.unexpected(); err != nil {
		t.Error(err)
	}
	if len(rep.Runs) != len(cfg.backends) {
		t.Fatalf("%d runs, want %d", len(rep.Runs), len(cfg.backends))
	}
	for _, r := range rep.Runs {
		if r.Overall.Throughput <= 0 || r.Overall.Errors != 0 {
			t.Errorf("%s: %.1f requests/s, %d errors", r.Target, r.Overall.Throughput, r.Overall.Errors)
		}
		for _, c := range r.Classes {
			if c.Requests == 0 || c.Errors != 0 {
				t.Errorf("%s, %s: %d requests, %d errors", r.Target, c.Class, c.Requests, c.Errors)
			}
		}
		if s := r.Subscriptions; s == nil || s.Writes == 0 || s.Delivered != s.Writes*cfg.subscribers || s.Missing != 0 {
			t.Errorf("%s: events %+v, want every write's at each of %d subscribers", r.Target, s, cfg.subscribers)
		}
	}
	// A hub holds at least its own binary's code and the network in
	// memory: a few MiB at the very least, and far below a gigabyte on
	// the OTE dataset.
	for _, r := range rep.Runs {
		if rss := rep.PeakRSS[r.Target]; rss < 4<<20 || rss > 1<<30 {
			t.Errorf("%s: peak resident memory %d bytes", r.Target, rss)
		}
	}
	var back Report
	var js bytes.Buffer
	if err := rep.write(&js, true); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Runs) != len(rep.Runs) {
		t.Errorf("the JSON report does not read back: %v", err)
	}
}

// TestExportRefusalCountsUnderItsCode sends the map's export requests
// (every view and the GraphML download) to servers answering as the hub
// does: the export, a refusal whose code the report must count rather
// than the HTTP status, and wrong answers.
func TestExportRefusalCountsUnderItsCode(t *testing.T) {
	m := &mix{pages: pages{mapView: map[string][]string{"kind": {"Pilot"}, "limit": {"1000"}}},
		regions: []string{"r1"}, themes: []string{"t1"}}
	for _, tc := range []struct {
		name   string
		status int
		body   string
		// plain answers text/plain instead of the export's type.
		plain bool
		want  string // the error's code, "" for none
	}{
		{"the export", 200, `{"elements":{}}`, false, ""},
		{"overloaded", 503, `{"errors":[{"message":"m","extensions":{"code":"OVERLOADED","retryAfter":1}}]}`, false, "OVERLOADED"},
		{"a plain failure", 500, "internal error", true, "HTTP_500"},
		{"an empty answer", 200, "", false, "BAD_RESPONSE"},
		{"another type", 200, "hello", true, "BAD_RESPONSE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			paths := map[string]bool{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				paths[r.URL.Path] = true
				mu.Unlock()
				if r.URL.Query().Get("limit") != "1000" || r.URL.Query().Get("kind") != "Pilot" {
					t.Errorf("GET %s: not the map's parameters", r.URL)
				}
				switch {
				case tc.plain:
					w.Header().Set("Content-Type", "text/plain")
				case strings.HasSuffix(r.URL.Path, ".graphml"):
					w.Header().Set("Content-Type", "application/graphml+xml")
				default:
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			r := rand.New(rand.NewPCG(1, 1))
			for range 100 {
				if got := codeOrNone(m.export(r)(context.Background(), srv.Client(), srv.URL)); got != tc.want {
					t.Fatalf("code %q, want %q", got, tc.want)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if !paths["/export/network.json"] || !paths["/export/network.graphml"] {
				t.Errorf("100 requests asked only %v", paths)
			}
		})
	}
}

func codeOrNone(err error) string {
	if err == nil {
		return ""
	}
	return hubclient.CodeOf(err)
}
