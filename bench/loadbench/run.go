package main

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/otehub/hub/bench/internal/fill"
	"github.com/otehub/hub/bench/internal/hubclient"
	"github.com/otehub/hub/bench/internal/proc"
	"github.com/otehub/hub/internal/secantus"
)

// run measures every target at every load level and returns the report
// (nil when nothing was measured).
func run(ctx context.Context, cfg config, progress *log.Logger) (*Report, error) {
	rep := &Report{
		Started: time.Now().UTC(), Host: proc.CPUModel(), CPUs: runtime.NumCPU(), GoVersion: runtime.Version(),
		LoadBefore: proc.LoadAverage(), Weights: cfg.weights, Duration: cfg.duration.String(), Warmup: cfg.warmup.String(),
		Writes: cfg.writes, Subscribers: cfg.subscribers, Network: cfg.networkName,
	}
	root, err := proc.ModuleRoot(ctx)
	if err != nil {
		return nil, err
	}
	pg, err := readPages(root)
	if err != nil {
		return nil, fmt.Errorf("read the pages' requests: %w", err)
	}
	defer func() { rep.LoadAfter = proc.LoadAverage() }()
	if len(cfg.urls) > 0 {
		rep.Mode = "the hubs at " + strings.Join(cfg.urls, ", ") + ", with their own limits"
		rep.Network = ""
		return rep, measure(ctx, rep, strings.Join(cfg.urls, " "), cfg.urls, cfg.key, cfg, pg, progress)
	}
	rep.Mode = "hubs started here, rate limits off (HUB_RATE_LIMIT_ANONYMOUS=0, HUB_RATE_LIMIT_KEY=0)"
	if cfg.maxConcurrent > 0 {
		rep.Mode += fmt.Sprintf(", HUB_MAX_CONCURRENT=%d", cfg.maxConcurrent)
	} else {
		rep.Mode += ", admission control at its default (4 operations per CPU)"
	}

	work, cleanup, err := proc.WorkDir(cfg.workDir, "loadbench", cfg.keep, progress)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	hubBin := cfg.hubBinary
	if hubBin == "" {
		hubBin = filepath.Join(work, "hub")
		progress.Printf("building the hub (./server)")
		if err := proc.Build(ctx, root, "./server", hubBin); err != nil {
			return nil, err
		}
	}
	keys := filepath.Join(work, "keys")
	key, err := hubclient.NewKey(ctx, hubBin, keys, "loadbench")
	if err != nil {
		return nil, err
	}
	// One backend after the other: the first hub stops before the
	// second starts, so that they do not share the cores.
	for _, backend := range cfg.backends {
		if err := startAndMeasure(ctx, rep, backend, work, hubBin, keys, key, cfg, pg, progress); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// startAndMeasure starts a hub on backend, measures it and stops it.
func startAndMeasure(ctx context.Context, rep *Report, backend, work, hubBin, keys, key string, cfg config, pg pages, progress *log.Logger) error {
	env := []string{"HUB_API_KEYS_FILE=" + keys, "HUB_RATE_LIMIT_ANONYMOUS=0", "HUB_RATE_LIMIT_KEY=0"}
	if cfg.maxConcurrent > 0 {
		env = append(env, "HUB_MAX_CONCURRENT="+strconv.Itoa(cfg.maxConcurrent))
	}
	logger := slog.New(slog.DiscardHandler)
	var stops []func()
	defer func() {
		for _, stop := range slices.Backward(stops) {
			stop()
		}
	}()
	switch backend {
	case "embedded":
		dir := filepath.Join(work, "embedded")
		env = append(env, "HUB_DATA_DIR="+dir)
		if cfg.networkName == "10k" {
			progress.Printf("loading the 10k network into the embedded store")
			l, err := fill.Embedded(ctx, dir, networkConfig(), logger)
			if err != nil {
				return err
			}
			progress.Printf("loaded: %v", l)
		}
	case "mongodb":
		db, err := secantus.Start(filepath.Join(work, "secantus"), filepath.Join(work, "secantus.log"))
		if err != nil {
			return fmt.Errorf("start SecantusDB (or measure -backends embedded only): %w", err)
		}
		stops = append(stops, func() { db.Stop() })
		uri := db.URI("loadbench")
		env = append(env, "MONGODB_URI="+uri)
		if cfg.networkName == "10k" {
			progress.Printf("loading the 10k network into SecantusDB")
			l, err := fill.MongoDB(ctx, uri, networkConfig(), logger)
			if err != nil {
				return err
			}
			progress.Printf("loaded: %v", l)
			// SecantusDB answers the hub's first full read slowly.
			env = append(env, "HUB_MONGODB_TIMEOUT=10m")
		}
	}
	if cfg.networkName == "10k" {
		env = append(env, "HUB_SEED=false")
	}
	name := "hub-" + backend
	progress.Printf("starting %s", name)
	s, err := proc.Start(ctx, name, hubBin, env, filepath.Join(work, name+".log"), cfg.readyTimeout)
	if err != nil {
		return err
	}
	stops = append(stops, s.Stop)
	progress.Printf("%s ready after %v", name, s.StartToReady.Round(time.Millisecond))
	if err := measure(ctx, rep, name, []string{s.URL}, key, cfg, pg, progress); err != nil {
		return err
	}
	if err := s.Running(); err != nil {
		return err
	}
	if rss, err := s.PeakRSS(); err == nil {
		if rep.PeakRSS == nil {
			rep.PeakRSS = map[string]int64{}
		}
		rep.PeakRSS[name] = rss
	}
	return nil
}

// measure runs every load level of cfg against the hubs at bases.
func measure(ctx context.Context, rep *Report, target string, bases []string, key string, cfg config, pg pages, progress *log.Logger) error {
	conns := max(slices.Max(append([]int{1}, cfg.clients...)), min(cfg.maxInFlight, 256))
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: conns * len(bases), MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute}}
	defer client.CloseIdleConnections()
	m, err := newMix(ctx, client, bases[0], pg)
	if err != nil {
		return err
	}
	d := &driver{client: client, bases: bases, mix: m, weights: cfg.weights, timeout: cfg.timeout}
	type level struct {
		clients int
		rate    float64
	}
	var levels []level
	for _, c := range cfg.clients {
		levels = append(levels, level{clients: c})
	}
	for _, r := range cfg.rates {
		levels = append(levels, level{rate: r})
	}
	for i, lv := range levels {
		r := Run{Target: target, Loop: "closed", Clients: lv.clients, Rate: lv.rate}
		loop := func(window context.Context, rec map[string]*recorder) { d.closedLoop(ctx, window, lv.clients, rec) }
		if lv.rate > 0 {
			r.Loop = "open"
			loop = func(window context.Context, rec map[string]*recorder) {
				d.openLoop(ctx, window, lv.rate, cfg.maxInFlight, rec)
			}
		}
		progress.Printf("%s: %s loop, %s", target, r.Loop, r.level())
		tr := &trickle{prefix: fmt.Sprintf("load-%d-%d", time.Now().UnixNano(), i), rate: cfg.writes, timeout: cfg.timeout,
			acked: map[version]time.Time{}, rec: newRecorder()}
		for _, b := range bases {
			tr.writers = append(tr.writers, &hubclient.Writer{Client: client, URL: b + "/graphql", Key: key, Source: m.source})
		}
		var subs *subscribers
		if cfg.subscribers > 0 && cfg.writes > 0 {
			if subs, err = subscribe(ctx, bases, cfg.subscribers); err != nil {
				return err
			}
			if err := prime(ctx, tr, subs); err != nil {
				subs.close()
				return err
			}
		}
		tctx, stopWrites := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { tr.run(tctx) })

		warm, cancel := context.WithTimeout(ctx, cfg.warmup)
		loop(warm, nil)
		cancel()
		rec := map[string]*recorder{}
		for _, c := range readClasses {
			rec[c] = newRecorder()
		}
		tr.measure(true)
		began := time.Now()
		window, cancel := context.WithTimeout(ctx, cfg.duration)
		loop(window, rec)
		cancel()
		// From the first request to the last answer: the loops stop
		// sending at the window's end and wait for the answers.
		elapsed := time.Since(began)
		tr.measure(false)
		stopWrites()
		wg.Wait()
		r.LoadAverage = proc.LoadAverage()
		r.Seconds = elapsed.Seconds()

		var all []time.Duration
		allErrs := map[string]int{}
		for _, c := range append(slices.Clone(readClasses), classWrite) {
			rc := rec[c]
			if c == classWrite {
				if cfg.writes == 0 {
					continue
				}
				rc = tr.rec
			}
			ok, errs := rc.snapshot()
			all = append(all, ok...)
			for code, n := range errs {
				allErrs[code] += n
			}
			r.Classes = append(r.Classes, summarize(c, ok, errs, elapsed))
		}
		r.Overall = summarize("all", all, allErrs, elapsed)
		if subs != nil {
			written := tr.written()
			var ws []version
			for w := range written {
				ws = append(ws, w)
			}
			// Events in flight at the window's end get a few seconds.
			_, err := subs.waitFor(ctx, ws, 10*time.Second)
			subs.close()
			if err != nil && ctx.Err() != nil {
				return err
			}
			dl := subs.deliveries(written)
			r.Subscriptions = &dl
		}
		rep.Runs = append(rep.Runs, r)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// prime writes until every subscriber has received an event of the
// trickle's writes, and then the last write's: the hub opens a
// subscription after answering the request for it, so that the
// measured writes start with every subscription open.
func prime(ctx context.Context, tr *trickle, subs *subscribers) error {
	r := newRand()
	deadline := time.Now().Add(time.Minute)
	for {
		w, err := tr.write(ctx, r)
		if err != nil {
			return fmt.Errorf("a write before the run: %w", err)
		}
		ok, err := subs.waitFor(ctx, []version{w}, 500*time.Millisecond)
		if err != nil {
			return fmt.Errorf("a subscriber before the run: %w", err)
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after a minute of writes, not every one of %d subscribers has received an event", len(subs.subs))
		}
	}
}
