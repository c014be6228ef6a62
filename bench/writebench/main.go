// Command writebench measures the hub's writes over HTTP and how fast
// their events reach subscribers, with the hub running as a real
// process on the embedded store and on MongoDB (a SecantusDB server it
// starts), each holding the OTE dataset, and an editor's API key made
// with `hub key new`.
//
// Writes: several clients, each creating a node (createNode, citing a
// source) and then updating it naming the version it got back
// (updateNode), again and again; it reports mutations per second and
// the median and 99th-percentile latency of each. Fan-out: N
// subscribers of the changes subscription over WebSocket
// (graphql-transport-ws, one connection each) or server-sent events,
// then one update at a time; for each, the time from the mutation's
// acknowledgement (its HTTP answer) to each subscriber receiving the
// event, and from its sending. Fan-out runs on one hub per backend, and
// across two hubs on one SecantusDB (the mutation through A, the
// subscribers on B).
//
//	go run ./bench/writebench           # a few minutes
//	go run ./bench/writebench -short    # well under a minute (CI-sized)
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
	"time"

	"github.com/otehub/hub/bench/internal/proc"
)

// config is one run's settings.
type config struct {
	// backends are the hub's stores: "embedded", "mongodb".
	backends []string
	// clients are the concurrency levels of the write runs.
	clients  []int
	duration time.Duration // most time of one write run
	requests int           // most mutations of one write run (0: no bound)
	// subscribers are the fan-out sizes; transports "ws", "sse".
	subscribers []int
	transports  []string
	// events is how many measured updates each fan-out sends.
	events       int
	hubBinary    string
	workDir      string
	keep         bool
	readyTimeout time.Duration
}

func main() {
	proc.Main("writebench", parseFlags, func(ctx context.Context, cfg config, out io.Writer, progress *log.Logger) error {
		_, err := run(ctx, cfg, out, progress)
		return err
	})
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("writebench", flag.ContinueOnError)
	short := fs.Bool("short", false, "a bounded run for CI: 4 clients for 1s, 1 and 10 subscribers, 3 events (flags given explicitly still apply)")
	backends := fs.String("backends", "embedded,mongodb", "the hub's stores, comma-separated: embedded, mongodb (on a SecantusDB server the command starts; also the two-instance fan-out)")
	clients := fs.String("clients", "1,4,16", "concurrent writers of the write runs, comma-separated")
	duration := fs.Duration("duration", 5*time.Second, "most time of one write run")
	requests := fs.Int("requests", 0, "most mutations of one write run (0: bounded by -duration alone)")
	subscribers := fs.String("subscribers", "1,100,1000", "subscribers of the fan-out runs, comma-separated")
	transports := fs.String("transports", "ws,sse", "subscription transports: ws (graphql-transport-ws), sse (server-sent events)")
	events := fs.Int("events", 20, "measured updates per fan-out run, sent one at a time")
	hubBinary := fs.String("hub", "", "a built hub binary to run instead of building ./server")
	workDir := fs.String("work", "", "directory for binaries, stores and logs (default: a new temporary one)")
	keep := fs.Bool("keep", false, "keep the work directory after the run")
	readyTimeout := fs.Duration("ready-timeout", 5*time.Minute, "how long a hub may take to answer /readyz")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./bench/writebench [flags]\n\nMutations and subscription fan-out over HTTP; see docs/performance.md.\n\n")
		fs.PrintDefaults()
	}
	if err := proc.Parse(fs, args, short, map[string]func(){
		"clients":     func() { *clients = "4" },
		"duration":    func() { *duration = time.Second },
		"subscribers": func() { *subscribers = "1,10" },
		"events":      func() { *events = 3 },
	}); err != nil {
		return config{}, err
	}
	cfg := config{duration: *duration, requests: *requests, events: *events, hubBinary: *hubBinary,
		workDir: *workDir, keep: *keep, readyTimeout: *readyTimeout}
	var err error
	if cfg.backends, err = proc.Names("-backends", *backends, "embedded", "mongodb"); err != nil {
		return config{}, err
	}
	if cfg.transports, err = proc.Names("-transports", *transports, "ws", "sse"); err != nil {
		return config{}, err
	}
	if cfg.clients, err = proc.Counts("-clients", *clients); err != nil {
		return config{}, err
	}
	if cfg.subscribers, err = proc.Counts("-subscribers", *subscribers); err != nil {
		return config{}, err
	}
	switch {
	case cfg.duration <= 0 && cfg.requests <= 0:
		return config{}, errors.New("a write run needs -duration or -requests")
	case cfg.events < 1:
		return config{}, errors.New("-events must be at least 1")
	}
	return cfg, nil
}
