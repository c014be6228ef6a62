// Command loadbench drives a representative mix of requests against the
// hub and reports, per class of request and overall, the requests, the
// errors by code, the throughput and the latency (p50, p95, p99, max).
//
// The mix, as the hub's users make it (weights by -weights):
//
//   - dashboard: the dashboard page's aggregates query, read from
//     web/map/src/dashboard.js;
//   - map: GET /export/network.json with the map page's parameters (read
//     from web/map/src/map.js), some views filtered by a region or a
//     theme of the page's filter query, a few GraphML downloads;
//   - search: search(text:) with terms people type, and the first words
//     of the network's names;
//   - exploration: node(id) with its relationships, and neighbourhood(id);
//
// beside them a trickle of writes (-writes a second: createNode, then
// updateNode of the nodes written, with an editor's API key), and
// -subscribers WebSocket subscriptions to changes, which report how
// soon each write's event reaches each of them.
//
// By default the command builds the hub and runs it on the embedded
// store, then on a SecantusDB server it starts, each with the OTE
// dataset (or -network 10k, the synthetic network) and its rate limits
// off. With -url it targets running hubs instead (several URLs: round
// robin, for instances behind no balancer), with their own limits.
// Closed loop by default (-clients workers, each sending its next
// request when answered), open loop with -rate.
//
//	go run ./bench/loadbench                       # both backends, the dataset
//	go run ./bench/loadbench -short                # seconds (CI-sized)
//	go run ./bench/loadbench -clients 4,16,64 -network 10k
//	go run ./bench/loadbench -url http://a:8080,http://b:8080 -key $KEY -rate 200
//
// It fails (exit 1, after the report) when a request fails other than
// OVERLOADED (the hub shedding load) or DROPPED (the open loop's own
// bound), or a subscriber misses an event. docs/performance.md
// describes the figures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/otehub/hub/bench/internal/proc"
	"github.com/otehub/hub/synthetic"
)

// config is one run's settings.
type config struct {
	urls []string // targets; empty: start hubs on backends
	key  string   // API key of the writes, with urls
	// backends are the stores of the hubs started: "embedded", "mongodb".
	backends    []string
	networkName string // "dataset" or "10k"
	clients     []int  // closed-loop levels
	rates       []float64
	maxInFlight int
	duration    time.Duration
	warmup      time.Duration
	timeout     time.Duration
	weights     weights
	writes      float64 // a second
	subscribers int
	// maxConcurrent is HUB_MAX_CONCURRENT of the hubs started (0: theirs).
	maxConcurrent int
	json          bool
	allowErrors   bool
	hubBinary     string
	workDir       string
	keep          bool
	readyTimeout  time.Duration
}

func main() {
	proc.Main("loadbench", parseFlags, func(ctx context.Context, cfg config, out io.Writer, progress *log.Logger) error {
		rep, err := run(ctx, cfg, progress)
		if rep != nil {
			if werr := rep.write(out, cfg.json); werr != nil && err == nil {
				err = werr
			}
		}
		if err == nil && !cfg.allowErrors {
			err = rep.unexpected()
		}
		return err
	})
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	short := fs.Bool("short", false, "a CI-sized run of seconds: 4 clients for 3s after 1s of warm-up, 5 writes a second, 2 subscribers (flags given explicitly still apply)")
	urls := fs.String("url", "", "base URLs of running hubs, comma-separated (round robin); default: start hubs on -backends")
	key := fs.String("key", os.Getenv("HUB_LOAD_KEY"), "with -url: an API key that may write (env HUB_LOAD_KEY); without one, give -writes 0")
	backends := fs.String("backends", "embedded,mongodb", "without -url: the stores of the hubs started, one after the other: embedded, mongodb (a SecantusDB server the command starts)")
	network := fs.String("network", "dataset", "without -url: the network the hubs hold: dataset (the OTE dataset) or 10k (synthetic.Default10k)")
	clients := fs.String("clients", "8", "closed loop: concurrent clients, comma-separated for several runs")
	rates := fs.String("rate", "", "open loop: requests a second of the mix, comma-separated for several runs (instead of -clients)")
	maxInFlight := fs.Int("max-inflight", 1000, "open loop: most requests waiting for answers; more are counted DROPPED")
	duration := fs.Duration("duration", 30*time.Second, "measured time of each run")
	warmup := fs.Duration("warmup", 3*time.Second, "unmeasured load before each run")
	timeout := fs.Duration("timeout", 30*time.Second, "time limit of one request")
	weightList := fs.String("weights", "dashboard=20,map=5,search=35,exploration=40", "shares of the read classes")
	writes := fs.Float64("writes", 2, "mutations a second beside the mix (0: none)")
	subscribers := fs.Int("subscribers", 20, "WebSocket subscriptions to changes, timing the writes' events (0: none)")
	maxConcurrent := fs.Int("max-concurrent", 0, "without -url: the hubs' HUB_MAX_CONCURRENT (0: the hub's default, 4 per CPU)")
	jsonOut := fs.Bool("json", false, "print the report as JSON instead of tables")
	allowErrors := fs.Bool("allow-errors", false, "report unexpected errors without failing")
	hubBinary := fs.String("hub", "", "a built hub binary to run instead of building ./server")
	workDir := fs.String("work", "", "directory for binaries, stores and logs (default: a new temporary one)")
	keep := fs.Bool("keep", false, "keep the work directory after the run")
	readyTimeout := fs.Duration("ready-timeout", 15*time.Minute, "how long a hub may take to answer /readyz")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./bench/loadbench [flags]\n\nA representative mix of reads, writes and subscriptions against the hub; see docs/performance.md.\n\n")
		fs.PrintDefaults()
	}
	if err := proc.Parse(fs, args, short, map[string]func(){
		"clients":     func() { *clients = "4" },
		"duration":    func() { *duration = 3 * time.Second },
		"warmup":      func() { *warmup = time.Second },
		"writes":      func() { *writes = 5 },
		"subscribers": func() { *subscribers = 2 },
	}); err != nil {
		return config{}, err
	}
	cfg := config{key: *key, networkName: *network, maxInFlight: *maxInFlight, duration: *duration, warmup: *warmup,
		timeout: *timeout, writes: *writes, subscribers: *subscribers, maxConcurrent: *maxConcurrent, json: *jsonOut,
		allowErrors: *allowErrors, hubBinary: *hubBinary, workDir: *workDir, keep: *keep, readyTimeout: *readyTimeout}
	for u := range strings.SplitSeq(*urls, ",") {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				return config{}, fmt.Errorf("-url %q: want http:// or https://", u)
			}
			cfg.urls = append(cfg.urls, u)
		}
	}
	var err error
	if cfg.backends, err = proc.Names("-backends", *backends, "embedded", "mongodb"); err != nil {
		return config{}, err
	}
	if cfg.weights, err = parseWeights(*weightList); err != nil {
		return config{}, err
	}
	if *rates != "" {
		for s := range strings.SplitSeq(*rates, ",") {
			r, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || r <= 0 {
				return config{}, fmt.Errorf("-rate: %q is not a positive rate", s)
			}
			cfg.rates = append(cfg.rates, r)
		}
	} else {
		if cfg.clients, err = proc.Counts("-clients", *clients); err != nil {
			return config{}, err
		}
	}
	switch {
	case cfg.networkName != "dataset" && cfg.networkName != "10k":
		return config{}, fmt.Errorf("-network %q: want dataset or 10k", cfg.networkName)
	case cfg.duration <= 0 || cfg.warmup < 0 || cfg.timeout <= 0:
		return config{}, errors.New("-duration and -timeout must be positive, -warmup not negative")
	case cfg.writes < 0 || cfg.subscribers < 0 || cfg.maxInFlight < 1 || cfg.maxConcurrent < 0:
		return config{}, errors.New("-writes, -subscribers and -max-concurrent must not be negative, -max-inflight positive")
	case len(cfg.urls) > 0 && cfg.writes > 0 && cfg.key == "":
		return config{}, errors.New("-url: the writes need -key (or HUB_LOAD_KEY) with an editor's API key, or -writes 0")
	}
	return cfg, nil
}

// parseWeights parses class=weight pairs; classes left out weigh 0.
func parseWeights(list string) (weights, error) {
	w := weights{}
	total := 0
	for pair := range strings.SplitSeq(list, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		class, n, ok := strings.Cut(pair, "=")
		v, err := strconv.Atoi(n)
		if !ok || err != nil || v < 0 {
			return nil, fmt.Errorf("-weights: %q is not class=weight", pair)
		}
		if !slices.Contains(readClasses, class) {
			return nil, fmt.Errorf("-weights: unknown class %q (want %s)", class, strings.Join(readClasses, ", "))
		}
		w[class] = v
		total += v
	}
	if total == 0 {
		return nil, errors.New("-weights: every class weighs 0")
	}
	return w, nil
}

// networkConfig is the synthetic network of -network 10k.
func networkConfig() synthetic.Config { return synthetic.Default10k() }
