package graph_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/graph"
	"github.com/otehub/hub/index"
	"github.com/otehub/hub/synthetic"
)

// mustOpenSynthetic returns a network of 3 000 organisations and 20 000
// relationships, large enough that its network metrics take seconds.
func mustOpenSynthetic(tb testing.TB) *index.Live {
	tb.Helper()
	s, err := embedded.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n, err := index.Open(ctx, s, index.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { n.Close() })
	cfg := synthetic.Config{Seed: 1, Organisations: 3000, Relationships: 20000, Pilots: 100, Services: 50, TargetGroups: 10, Themes: 3, Sources: 2}
	if err := synthetic.Load(ctx, n, synthetic.Generate(cfg)); err != nil {
		tb.Fatal(err)
	}
	return n
}

// settled waits until the process has at most want goroutines and
// returns how long that took, or false after within.
func settled(want int, within time.Duration) (time.Duration, bool) {
	start := time.Now()
	for time.Since(start) < within {
		if runtime.NumGoroutine() <= want {
			return time.Since(start), true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return within, false
}

// expensive asks for the network metrics of the whole network under
// several aliases: each alias computes betweenness and closeness over
// 3 000 nodes, seconds of CPU.
func expensive(aliases int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range aliases {
		fmt.Fprintf(&b, " m%d: networkMetrics(kinds: [Organisation], limit: 3000) { modularity nodes { betweenness closeness } }", i)
	}
	return b.String() + " }"
}

func TestWorkEndsWithTheRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a synthetic network")
	}
	net := mustOpenSynthetic(t)
	body := `{"query": ` + fmt.Sprintf("%q", expensive(12)) + `}`

	t.Run("past the timeout the client gets 503 and the work stops", func(t *testing.T) {
		srv := httptest.NewServer(graph.NewHandler(graph.Options{Network: net, Timeout: 300 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}))
		defer srv.Close()
		idle := runtime.NumGoroutine()
		start := time.Now()
		ex := do(t, post(t, srv.URL, "application/json", strings.NewReader(body)))
		answered := time.Since(start)
		if ex.status != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503: %.300s", ex.status, ex.body)
		}
		if answered > 5*time.Second {
			t.Errorf("answered after %v", answered)
		}
		http.DefaultClient.CloseIdleConnections()
		// Uncancelled, the twelve computations go on for seconds after
		// the answer.
		took, ok := settled(idle+2, 3*time.Second)
		t.Logf("answered 503 after %v; the work stopped %v later", answered, took)
		if !ok {
			t.Errorf("%d goroutines still running 3 s after the answer (%d before the request)", runtime.NumGoroutine(), idle)
		}
	})

	t.Run("a client that disconnects stops the work", func(t *testing.T) {
		srv := httptest.NewServer(graph.NewHandler(graph.Options{Network: net, Timeout: time.Minute, Logger: slog.New(slog.DiscardHandler)}))
		defer srv.Close()
		idle := runtime.NumGoroutine()
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		req := post(t, srv.URL, "application/json", strings.NewReader(body)).WithContext(ctx)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			t.Fatalf("answered %d before the client left", resp.StatusCode)
		}
		http.DefaultClient.CloseIdleConnections()
		took, ok := settled(idle+2, 3*time.Second)
		t.Logf("the work stopped %v after the client left", took)
		if !ok {
			t.Errorf("%d goroutines still running 3 s after the client left (%d before the request)", runtime.NumGoroutine(), idle)
		}
	})
}
