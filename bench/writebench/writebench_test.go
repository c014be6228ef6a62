package main

import (
	"bytes"
	"context"
	"log"
	"testing"
	"time"

	"github.com/otehub/hub/bench/internal/proc"
)

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
		{hundred, 50, 50}, {hundred, 99, 99}, {hundred, 100, 100},
		{[]time.Duration{-3, 7}, 50, -3}, {[]time.Duration{7}, 99, 7}, {nil, 50, 0},
	} {
		if got := percentile(tc.sorted, tc.p); got != tc.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", tc.sorted, tc.p, got, tc.want)
		}
	}
}

func TestShortFlagsBoundTheRun(t *testing.T) {
	cfg, err := parseFlags([]string{"-short", "-events", "5"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.duration != time.Second || len(cfg.clients) != 1 || cfg.events != 5 || len(cfg.subscribers) != 2 {
		t.Errorf("-short -events 5: %+v", cfg)
	}
	for _, bad := range [][]string{{"-clients", "0"}, {"-transports", "grpc"}, {"-backends", ""}, {"-events", "0"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

// TestShortRun runs the command's -short mode: it builds and starts the
// hub on each backend (and a second one on SecantusDB), writes with an
// editor's key, and fails unless every mutation succeeds with the
// versions expected and every subscriber receives every measured event
// of the node it follows. Timings are printed, not checked.
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
	if want := len(cfg.backends) * len(cfg.clients); len(o.writes) != want {
		t.Errorf("%d write rows, want %d", len(o.writes), want)
	}
	for _, r := range o.writes {
		if len(r.res.creates) == 0 || len(r.res.updates) != len(r.res.creates) {
			t.Errorf("%s with %d clients: %d creates, %d updates", r.system, r.clients, len(r.res.creates), len(r.res.updates))
		}
	}
	setups := len(cfg.backends)
	if len(cfg.backends) == 2 {
		setups++ // from one MongoDB hub to another
	}
	if want := setups * len(cfg.transports) * len(cfg.subscribers); len(o.fans) != want {
		t.Errorf("%d fan-out rows, want %d", len(o.fans), want)
	}
	for _, r := range o.fans {
		if want := r.subscribers * cfg.events; len(r.res.fromAck) != want || len(r.res.mutations) != cfg.events {
			t.Errorf("%s over %s to %d: %d deliveries of %d mutations, want %d of %d", r.setup, r.transport, r.subscribers,
				len(r.res.fromAck), len(r.res.mutations), want, cfg.events)
		}
	}
}
