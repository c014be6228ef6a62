// Command httpbench measures the hub over HTTP against a floor: the
// same three queries sent over loopback to the hub as a real process (on
// the embedded store and on MongoDB) and to a stock gqlgen server that
// answers them from objects held in memory (package bench/floor). The
// hub's latency and throughput divided by the floor's are what the
// hub's own work costs on top of gqlgen and net/http.
//
// One run generates the synthetic network, loads it into an embedded
// store and into a SecantusDB server it starts, builds and starts the
// hub on each (HUB_SEED=false) and the floor server, checks that all
// answer each query with the same data, warms up, then measures in
// rounds: in each, every shape runs on every system in turn (the order
// rotating from round to round), so that the host's drift affects all
// of them alike. It prints, per query shape and system, the
// median and 99th-percentile latency of one client, the requests per
// second of -concurrency clients, and both as ratios to the floor.
//
//	go run ./bench/httpbench            # the 10k network, a few minutes plus loading
//	go run ./bench/httpbench -short     # a small network, well under a minute
//
// docs/performance.md describes the figures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"slices"
	"strings"
	"time"

	"github.com/otehub/hub/bench/internal/proc"
	"github.com/otehub/hub/synthetic"
)

// config is one run's settings.
type config struct {
	network     synthetic.Config
	networkName string
	// backends are the hub's stores to measure: "embedded", "mongodb".
	backends    []string
	rounds      int
	duration    time.Duration // most time of one measured run
	requests    int           // most requests of one measured run
	concurrency int
	warmup      time.Duration // per system and shape
	// hubBinary is a built hub to run instead of building ./server.
	hubBinary    string
	workDir      string
	keep         bool
	readyTimeout time.Duration
	// mongoTimeout is the hub's MongoDB call limit (HUB_MONGODB_TIMEOUT):
	// SecantusDB answers the hub's first full load slowly.
	mongoTimeout time.Duration
}

func main() {
	proc.Main("httpbench", parseFlags, func(ctx context.Context, cfg config, out io.Writer, progress *log.Logger) error {
		_, err := run(ctx, cfg, out, progress)
		return err
	})
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("httpbench", flag.ContinueOnError)
	short := fs.Bool("short", false, "a bounded small run for CI: the small network, one round of short runs (flags given explicitly still apply)")
	network := fs.String("network", "10k", "the synthetic network: 10k (synthetic.Default10k) or small (synthetic.Small(1))")
	backends := fs.String("backends", "embedded,mongodb", "the hub's stores to measure, comma-separated: embedded, mongodb (on a SecantusDB server the command starts)")
	rounds := fs.Int("rounds", 5, "rounds; each measures every system and shape once")
	duration := fs.Duration("duration", 2*time.Second, "most time of one measured run (one system, shape and concurrency)")
	requests := fs.Int("requests", 5000, "most requests of one measured run")
	concurrency := fs.Int("concurrency", 8, "clients of the throughput runs")
	warmup := fs.Duration("warmup", time.Second, "warm-up per system and shape, before the rounds")
	hubBinary := fs.String("hub", "", "a built hub binary to run instead of building ./server")
	workDir := fs.String("work", "", "directory for binaries, stores and logs (default: a new temporary one)")
	keep := fs.Bool("keep", false, "keep the work directory (its logs and stores) after the run")
	readyTimeout := fs.Duration("ready-timeout", 15*time.Minute, "how long a server may take to answer /readyz")
	mongoTimeout := fs.Duration("mongodb-timeout", 10*time.Minute, "the hub's time limit of one MongoDB call (HUB_MONGODB_TIMEOUT)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./bench/httpbench [flags]\n\nThe hub over HTTP against a stock gqlgen floor; see docs/performance.md.\n\n")
		fs.PrintDefaults()
	}
	if err := proc.Parse(fs, args, short, map[string]func(){
		"network":  func() { *network = "small" },
		"rounds":   func() { *rounds = 1 },
		"duration": func() { *duration = 300 * time.Millisecond },
		"requests": func() { *requests = 200 },
		"warmup":   func() { *warmup = 100 * time.Millisecond },
	}); err != nil {
		return config{}, err
	}
	cfg := config{
		networkName: *network, rounds: *rounds, duration: *duration, requests: *requests,
		concurrency: *concurrency, warmup: *warmup, hubBinary: *hubBinary, workDir: *workDir, keep: *keep,
		readyTimeout: *readyTimeout, mongoTimeout: *mongoTimeout,
	}
	switch *network {
	case "10k":
		cfg.network = synthetic.Default10k()
	case "small":
		cfg.network = synthetic.Small(1)
	default:
		return config{}, fmt.Errorf("-network %q: want 10k or small", *network)
	}
	for b := range strings.SplitSeq(*backends, ",") {
		b = strings.TrimSpace(b)
		switch {
		case b == "":
		case b != "embedded" && b != "mongodb":
			return config{}, fmt.Errorf("-backends: unknown backend %q (want embedded, mongodb)", b)
		case !slices.Contains(cfg.backends, b):
			cfg.backends = append(cfg.backends, b)
		}
	}
	switch {
	case len(cfg.backends) == 0:
		return config{}, errors.New("-backends names no backend")
	case cfg.rounds < 1 || cfg.concurrency < 1:
		return config{}, errors.New("-rounds and -concurrency must be at least 1")
	case cfg.duration <= 0 && cfg.requests <= 0:
		return config{}, errors.New("a measured run needs -duration or -requests")
	}
	return cfg, nil
}
