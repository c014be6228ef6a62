package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/otehub/hub/bench"
	"github.com/otehub/hub/bench/floor"
	"github.com/otehub/hub/bench/internal/fill"
	"github.com/otehub/hub/bench/internal/proc"
	"github.com/otehub/hub/internal/secantus"
	"github.com/otehub/hub/synthetic"
)

// floorName names the floor among the systems.
const floorName = "floor"

// outcome is what a run found, for the report and the tests.
type outcome struct {
	network bench.Network
	// systems are the hubs measured, in round order ("hub-embedded",
	// "hub-mongodb"); the floor comes after them.
	systems []string
	// same says, per shape id and hub, how the hub's data equalled the
	// floor's: "byte-identical" or "JSON-equal".
	same map[string]map[string]string
	// measures are per system (the floor included) and shape id.
	measures map[string]map[string]*measure
	rows     []row
}

// run does the whole benchmark and prints its report to out, its
// progress to progress.
func run(ctx context.Context, cfg config, out io.Writer, progress *log.Logger) (*outcome, error) {
	began := time.Now()
	work, cleanup, err := proc.WorkDir(cfg.workDir, "httpbench", cfg.keep, progress)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	logger := slog.New(slog.NewTextHandler(progress.Writer(), &slog.HandlerOptions{Level: slog.LevelWarn}))

	// Build first: a build error should not wait for a long load.
	root, err := proc.ModuleRoot(ctx)
	if err != nil {
		return nil, err
	}
	hubBin, floorBin := cfg.hubBinary, filepath.Join(work, "floor")
	if hubBin == "" {
		hubBin = filepath.Join(work, "hub")
		progress.Printf("building the hub (./server)")
		if err := proc.Build(ctx, root, "./server", hubBin); err != nil {
			return nil, err
		}
	}
	progress.Printf("building the floor server (./bench/floor/server)")
	if err := proc.Build(ctx, root, "./bench/floor/server", floorBin); err != nil {
		return nil, err
	}

	o := &outcome{same: map[string]map[string]string{}, measures: map[string]map[string]*measure{}}
	t0 := time.Now()
	o.network = bench.Describe(synthetic.Generate(cfg.network))
	progress.Printf("generated the %s network in %v: %d nodes, %d relationships", cfg.networkName,
		time.Since(t0).Round(time.Millisecond), o.network.Nodes, o.network.Relationships)
	shs := shapes(o.network)

	var (
		hubs          = map[string]*proc.Server{}
		loads         = map[string]fill.Loaded{}
		secantusStart time.Duration
		// stops end what the run started, the last started first, so
		// that a hub stops before its database.
		stops []func()
	)
	defer func() {
		for _, stop := range slices.Backward(stops) {
			stop()
		}
	}()
	for _, backend := range cfg.backends {
		name := "hub-" + backend
		var env []string
		switch backend {
		case "embedded":
			dir := filepath.Join(work, "embedded")
			progress.Printf("loading the network into the embedded store %s", dir)
			l, err := fill.Embedded(ctx, dir, cfg.network, logger)
			if err != nil {
				return nil, fmt.Errorf("load the embedded store: %w", err)
			}
			loads[backend] = l
			progress.Printf("embedded store: %v", l)
			env = []string{"HUB_DATA_DIR=" + dir}
		case "mongodb":
			t0 := time.Now()
			db, err := secantus.Start(filepath.Join(work, "secantus"), filepath.Join(work, "secantus.log"))
			if err != nil {
				return nil, fmt.Errorf("start SecantusDB (or measure -backends embedded only): %w", err)
			}
			stops = append(stops, func() { db.Stop() })
			secantusStart = time.Since(t0)
			uri := db.URI("hubbench")
			progress.Printf("SecantusDB listening on port %d after %v; loading the network into %s", db.Port(), secantusStart.Round(time.Millisecond), uri)
			l, err := fill.MongoDB(ctx, uri, cfg.network, logger)
			if err != nil {
				return nil, fmt.Errorf("load SecantusDB: %w", err)
			}
			loads[backend] = l
			progress.Printf("SecantusDB: %v", l)
			env = []string{"MONGODB_URI=" + uri, fmt.Sprintf("HUB_MONGODB_TIMEOUT=%v", cfg.mongoTimeout)}
		}
		progress.Printf("starting %s", name)
		// One client address sends every request, as many at once as
		// -concurrency: the rate limits and admission control would
		// measure themselves.
		env = append(env, "HUB_RATE_LIMIT_ANONYMOUS=0", "HUB_RATE_LIMIT_KEY=0", fmt.Sprintf("HUB_MAX_CONCURRENT=%d", max(cfg.concurrency, 1)*2))
		// The report reads the load time from the hub's text log line.
		env = append(env, "HUB_LOG_FORMAT=text")
		s, err := proc.Start(ctx, name, hubBin, append(env, "HUB_SEED=false"), filepath.Join(work, name+".log"), cfg.readyTimeout)
		if err != nil {
			return nil, err
		}
		stops = append(stops, s.Stop)
		hubs[name] = s
		o.systems = append(o.systems, name)
		progress.Printf("%s ready after %v", name, s.StartToReady.Round(time.Millisecond))
	}

	// The floor serves the first hub's answers, checked against the
	// network first.
	client := newClient(cfg.concurrency)
	defer client.CloseIdleConnections()
	first := hubs[o.systems[0]]
	var answers floor.Answers
	for _, sh := range shs {
		body, err := sh.request(first.URL).ask(ctx, client)
		if err != nil {
			return nil, fmt.Errorf("%s on %s: %w", sh.id, first.Name, err)
		}
		data, err := bench.Data(body)
		if err != nil {
			return nil, fmt.Errorf("%s on %s: %w", sh.id, first.Name, err)
		}
		if err := sh.check(data); err != nil {
			return nil, fmt.Errorf("%s on %s: the answer is wrong: %w: %.300s", sh.id, first.Name, err, data)
		}
		if err := sh.fill(&answers, data); err != nil {
			return nil, fmt.Errorf("%s on %s: the floor cannot hold the answer: %w", sh.id, first.Name, err)
		}
	}
	answersPath := filepath.Join(work, "floor-answers.json")
	if err := answers.WriteFile(answersPath); err != nil {
		return nil, err
	}
	progress.Printf("starting the floor server")
	fl, err := proc.Start(ctx, floorName, floorBin, []string{"FLOOR_ANSWERS=" + answersPath}, filepath.Join(work, "floor.log"), time.Minute)
	if err != nil {
		return nil, err
	}
	stops = append(stops, fl.Stop)
	all := append(append([]string(nil), o.systems...), floorName)
	byName := map[string]*proc.Server{floorName: fl}
	for name, s := range hubs {
		byName[name] = s
	}

	// Every system must answer every shape with the floor's data; the
	// measured runs then hold each to its own first answer, byte for byte.
	targets := map[string]map[string]target{}
	for _, sys := range all {
		targets[sys] = map[string]target{}
		o.measures[sys] = map[string]*measure{}
	}
	for _, sh := range shs {
		o.same[sh.id] = map[string]string{}
		for _, sys := range all {
			t := sh.request(byName[sys].URL)
			if t.want, err = t.ask(ctx, client); err != nil {
				return nil, fmt.Errorf("%s on %s: %w", sh.id, sys, err)
			}
			targets[sys][sh.id] = t
			o.measures[sys][sh.id] = &measure{}
		}
		floorData, err := bench.Data(targets[floorName][sh.id].want)
		if err != nil {
			return nil, fmt.Errorf("%s on the floor: %w", sh.id, err)
		}
		for _, sys := range o.systems {
			data, err := bench.Data(targets[sys][sh.id].want)
			if err != nil {
				return nil, fmt.Errorf("%s on %s: %w", sh.id, sys, err)
			}
			how, err := sameData(data, floorData)
			if err != nil {
				return nil, fmt.Errorf("%s: %s and the floor answer different data: %w", sh.id, sys, err)
			}
			o.same[sh.id][sys] = how
		}
	}

	progress.Printf("warming up: %v per system and shape", cfg.warmup)
	for _, sys := range all {
		for _, sh := range shs {
			if cfg.warmup <= 0 {
				break
			}
			if _, err := drive(ctx, client, targets[sys][sh.id], load{concurrency: cfg.concurrency, duration: cfg.warmup}); err != nil {
				return nil, fmt.Errorf("warm-up of %s on %s: %w", sh.id, sys, err)
			}
		}
	}

	loadBefore := proc.LoadAverage()
	roundsBegan := time.Now()
	// A shape is measured on every system in turn, so that the runs a
	// ratio compares are seconds apart; the systems' order rotates from
	// round to round, so that none is always measured first or last.
	for round := range cfg.rounds {
		progress.Printf("round %d of %d", round+1, cfg.rounds)
		for _, sh := range shs {
			for i := range all {
				sys := all[(i+round)%len(all)]
				if err := byName[sys].Running(); err != nil {
					return nil, err
				}
				t := targets[sys][sh.id]
				c1, err := drive(ctx, client, t, load{concurrency: 1, requests: cfg.requests, duration: cfg.duration, latencies: true})
				if err != nil {
					return nil, fmt.Errorf("%s on %s, one client: %w", sh.id, sys, err)
				}
				cN, err := drive(ctx, client, t, load{concurrency: cfg.concurrency, requests: cfg.requests, duration: cfg.duration})
				if err != nil {
					return nil, fmt.Errorf("%s on %s, %d clients: %w", sh.id, sys, cfg.concurrency, err)
				}
				o.measures[sys][sh.id].add(c1, cN)
			}
		}
	}
	roundsTook := time.Since(roundsBegan)
	o.rows = rows(shs, o.systems, floorName, o.measures)

	// The report.
	fmt.Fprintf(out, "HTTP benchmark of the hub against the floor, %s to %s UTC\n",
		began.UTC().Format("2006-01-02 15:04:05"), time.Now().UTC().Format("15:04:05"))
	fmt.Fprintf(out, "host: %s, %d CPUs, %s; load average %s before the rounds, %s after\n",
		proc.CPUModel(), runtime.NumCPU(), runtime.Version(), loadBefore, proc.LoadAverage())
	fmt.Fprintf(out, "network: %s (%d nodes, %d relationships, seed %d)\n", cfg.networkName, o.network.Nodes, o.network.Relationships, cfg.network.Seed)
	fmt.Fprintf(out, "rounds: %d in %v; each measured run at most %v and %d requests; warm-up %v per system and shape\n",
		cfg.rounds, roundsTook.Round(time.Second), cfg.duration, cfg.requests, cfg.warmup)
	for _, sh := range shs {
		fmt.Fprintf(out, "%s %s: %s\n", sh.id, sh.name, sh.query)
	}
	fmt.Fprintln(out)
	for _, backend := range cfg.backends {
		if backend == "mongodb" {
			fmt.Fprintf(out, "load into SecantusDB (started in %v): %v\n", secantusStart.Round(time.Millisecond), loads[backend])
		} else {
			fmt.Fprintf(out, "load into the embedded store: %v\n", loads[backend])
		}
	}
	for _, sys := range o.systems {
		s := hubs[sys]
		var said []string
		if took, ok := readyLoad(s.ReadyBody); ok {
			said = append(said, fmt.Sprintf("index loaded in %v by /readyz (index.loadSeconds)", took.Round(time.Microsecond)))
		}
		if line, took, ok := loadLine(s.LogPath); ok {
			said = append(said, fmt.Sprintf("%v by the hub's log (%s)", took, strings.TrimSpace(line)))
		}
		if len(said) == 0 {
			said = append(said, "neither /readyz nor the hub's log says how long the index took to load")
		}
		said = append(said, fmt.Sprintf("start to ready, measured here: %v", s.StartToReady.Round(time.Millisecond)))
		fmt.Fprintf(out, "%s: %s\n", sys, strings.Join(said, "; "))
	}
	fmt.Fprintf(out, "floor: start to ready %v\n", fl.StartToReady.Round(time.Millisecond))
	for _, sh := range shs {
		var parts []string
		for _, sys := range o.systems {
			parts = append(parts, fmt.Sprintf("%s %s (%d bytes)", sys, o.same[sh.id][sys], len(targets[sys][sh.id].want)))
		}
		fmt.Fprintf(out, "%s data vs the floor's (%d bytes): %s\n", sh.id, len(targets[floorName][sh.id].want), strings.Join(parts, ", "))
	}
	fmt.Fprintln(out)
	writeTable(out, o.rows, cfg.concurrency, floorName)
	return o, nil
}

// readyLoad returns the index load time a /readyz answer gives, if it
// gives one.
func readyLoad(body []byte) (time.Duration, bool) {
	var r struct {
		Index *struct {
			LoadSeconds *float64 `json:"loadSeconds"`
		} `json:"index"`
	}
	if json.Unmarshal(body, &r) != nil || r.Index == nil || r.Index.LoadSeconds == nil {
		return 0, false
	}
	return time.Duration(*r.Index.LoadSeconds * float64(time.Second)), true
}

// ask sends t's request once and returns the body of its 200 answer.
func (t target) ask(ctx context.Context, client *http.Client) ([]byte, error) {
	var buf bytes.Buffer
	if err := t.do(ctx, client, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// sameData says whether a and b are byte-identical or else JSON-equal
// (the same values, numbers compared as written), and fails otherwise.
func sameData(a, b json.RawMessage) (string, error) {
	if bytes.Equal(a, b) {
		return "byte-identical", nil
	}
	va, erra := decodeNumbers(a)
	vb, errb := decodeNumbers(b)
	if err := errors.Join(erra, errb); err != nil {
		return "", err
	}
	at := firstDifference(a, b)
	if !reflect.DeepEqual(va, vb) {
		return "", fmt.Errorf("first difference at byte %d: %.200q against %.200q", at, a[min(at, len(a)):], b[min(at, len(b)):])
	}
	return fmt.Sprintf("JSON-equal (bytes differ from %d)", at), nil
}

func decodeNumbers(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}
