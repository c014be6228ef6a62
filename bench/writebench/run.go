package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"math"
	"net/http"
	"path/filepath"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/otehub/hub/bench/internal/hubclient"
	"github.com/otehub/hub/bench/internal/proc"
	"github.com/otehub/hub/internal/secantus"
)

// writeRow is one line of the writes table.
type writeRow struct {
	system  string
	clients int
	res     writeResult
}

// fanRow is one line of the fan-out table.
type fanRow struct {
	setup       string // the hubs: "embedded", "mongodb", "mongodb A→B"
	transport   string
	subscribers int
	res         fanResult
}

// outcome is what a run measured, for the report and the tests.
type outcome struct {
	writes []writeRow
	fans   []fanRow
}

// run does the whole benchmark and prints its report to out, its
// progress to progress.
func run(ctx context.Context, cfg config, out io.Writer, progress *log.Logger) (*outcome, error) {
	began := time.Now()
	work, cleanup, err := proc.WorkDir(cfg.workDir, "writebench", cfg.keep, progress)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	hubBin := cfg.hubBinary
	if hubBin == "" {
		root, err := proc.ModuleRoot(ctx)
		if err != nil {
			return nil, err
		}
		hubBin = filepath.Join(work, "hub")
		progress.Printf("building the hub (./server)")
		if err := proc.Build(ctx, root, "./server", hubBin); err != nil {
			return nil, err
		}
	}
	keys := filepath.Join(work, "keys")
	key, err := hubclient.NewKey(ctx, hubBin, keys, "writebench")
	if err != nil {
		return nil, err
	}

	// stops end what the run started, the last started first, so that
	// a hub stops before its database.
	var stops []func()
	defer func() {
		for _, stop := range slices.Backward(stops) {
			stop()
		}
	}()
	start := func(name string, env ...string) (*proc.Server, error) {
		progress.Printf("starting %s", name)
		// One key writes from every client at once: the rate limits and
		// admission control would measure themselves.
		env = append(env, "HUB_API_KEYS_FILE="+keys, "HUB_RATE_LIMIT_ANONYMOUS=0", "HUB_RATE_LIMIT_KEY=0", "HUB_MAX_CONCURRENT=1024")
		s, err := proc.Start(ctx, name, hubBin, env, filepath.Join(work, name+".log"), cfg.readyTimeout)
		if err != nil {
			return nil, err
		}
		stops = append(stops, s.Stop)
		progress.Printf("%s ready after %v", name, s.StartToReady.Round(time.Millisecond))
		return s, nil
	}
	hubs := map[string]*proc.Server{}
	var mongoURI string
	for _, backend := range cfg.backends {
		var env []string
		switch backend {
		case "embedded":
			env = []string{"HUB_DATA_DIR=" + filepath.Join(work, "embedded")}
		case "mongodb":
			db, err := secantus.Start(filepath.Join(work, "secantus"), filepath.Join(work, "secantus.log"))
			if err != nil {
				return nil, fmt.Errorf("start SecantusDB (or measure -backends embedded only): %w", err)
			}
			stops = append(stops, func() { db.Stop() })
			mongoURI = db.URI("writebench")
			env = []string{"MONGODB_URI=" + mongoURI}
		}
		// Each hub loads the OTE dataset into its empty store.
		s, err := start("hub-"+backend, env...)
		if err != nil {
			return nil, err
		}
		hubs[backend] = s
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}, Timeout: 5 * time.Minute}
	defer client.CloseIdleConnections()
	writers := map[string]*hubclient.Writer{}
	for backend, s := range hubs {
		writers[backend] = &hubclient.Writer{Client: client, URL: s.URL + "/graphql", Key: key}
	}

	o := &outcome{}
	loadBefore := proc.LoadAverage()
	for _, backend := range cfg.backends {
		for _, c := range cfg.clients {
			progress.Printf("writes: hub-%s, %d clients", backend, c)
			res, err := writeLoad(ctx, writers[backend], fmt.Sprintf("wb-%d", c), c, cfg.duration, cfg.requests)
			if err != nil {
				return nil, fmt.Errorf("writes on hub-%s with %d clients: %w", backend, c, err)
			}
			if err := hubs[backend].Running(); err != nil {
				return nil, err
			}
			o.writes = append(o.writes, writeRow{system: "hub-" + backend, clients: c, res: res})
		}
	}

	// Fan-out: on each hub, and from the MongoDB hub to a second one on
	// the same database, started now so that it did not follow the
	// write runs.
	type setup struct {
		name        string
		write, subs *proc.Server
	}
	var setups []setup
	for _, backend := range cfg.backends {
		setups = append(setups, setup{backend, hubs[backend], hubs[backend]})
	}
	if mongoURI != "" {
		b, err := start("hub-mongodb-b", "MONGODB_URI="+mongoURI)
		if err != nil {
			return nil, err
		}
		setups = append(setups, setup{"mongodb A→B", hubs["mongodb"], b})
	}
	for i, st := range setups {
		w := &hubclient.Writer{Client: client, URL: st.write.URL + "/graphql", Key: key}
		id, version, err := w.Create(ctx, fmt.Sprintf("wb-fanout-%d", i))
		if err != nil {
			return nil, fmt.Errorf("fan-out on %s: %w", st.name, err)
		}
		for _, transport := range cfg.transports {
			for _, n := range cfg.subscribers {
				progress.Printf("fan-out: %s, %d subscribers over %s", st.name, n, transport)
				res, v, err := fanOut(ctx, w, st.subs.URL+"/graphql", transport, id, version, n, cfg.events)
				version = v
				if err != nil {
					return nil, fmt.Errorf("fan-out on %s, %d subscribers over %s: %w", st.name, n, transport, err)
				}
				for _, s := range []*proc.Server{st.write, st.subs} {
					if err := s.Running(); err != nil {
						return nil, err
					}
				}
				o.fans = append(o.fans, fanRow{setup: st.name, transport: transport, subscribers: n, res: res})
			}
		}
	}

	fmt.Fprintf(out, "Write benchmark of the hub over HTTP, %s to %s UTC\n",
		began.UTC().Format("2006-01-02 15:04:05"), time.Now().UTC().Format("15:04:05"))
	fmt.Fprintf(out, "host: %s, %d CPUs, %s; load average %s before the runs, %s after\n",
		proc.CPUModel(), runtime.NumCPU(), runtime.Version(), loadBefore, proc.LoadAverage())
	fmt.Fprintf(out, "stores: the OTE dataset, seeded by each hub; write runs of at most %v", cfg.duration)
	if cfg.requests > 0 {
		fmt.Fprintf(out, " and %d mutations", cfg.requests)
	}
	fmt.Fprintf(out, "; fan-out: %d measured updates per run, one at a time\n\n", cfg.events)
	writeWrites(out, o.writes)
	fmt.Fprintln(out)
	writeFans(out, o.fans)
	return o, nil
}

// percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of
// sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func sorted(d []time.Duration) []time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s
}

// ms writes a latency in milliseconds.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.2f ms", v)
}

func writeWrites(w io.Writer, rows []writeRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintf(tw, "| system\t| clients\t| mutations\t| mutations/s\t| createNode p50\t| createNode p99\t| updateNode p50\t| updateNode p99\t|\n")
	fmt.Fprintf(tw, "|---\t|--:\t|--:\t|--:\t|--:\t|--:\t|--:\t|--:\t|\n")
	for _, r := range rows {
		c, u := sorted(r.res.creates), sorted(r.res.updates)
		fmt.Fprintf(tw, "| %s\t| %d\t| %d\t| %.0f\t| %s\t| %s\t| %s\t| %s\t|\n", r.system, r.clients, r.res.mutations(),
			float64(r.res.mutations())/r.res.elapsed.Seconds(), ms(percentile(c, 50)), ms(percentile(c, 99)), ms(percentile(u, 50)), ms(percentile(u, 99)))
	}
	tw.Flush()
}

func writeFans(w io.Writer, rows []fanRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintf(tw, "| hubs\t| transport\t| subscribers\t| deliveries\t| from ack p50\t| p99\t| max\t| from send p50\t| p99\t| max\t| updateNode p50\t| ready in\t|\n")
	fmt.Fprintf(tw, "|---\t|---\t|--:\t|--:\t|--:\t|--:\t|--:\t|--:\t|--:\t|--:\t|--:\t|--:\t|\n")
	for _, r := range rows {
		a, s, m := sorted(r.res.fromAck), sorted(r.res.fromSend), sorted(r.res.mutations)
		fmt.Fprintf(tw, "| %s\t| %s\t| %d\t| %d\t| %s\t| %s\t| %s\t| %s\t| %s\t| %s\t| %s\t| %s\t|\n", r.setup, r.transport, r.subscribers, len(a),
			ms(percentile(a, 50)), ms(percentile(a, 99)), ms(percentile(a, 100)),
			ms(percentile(s, 50)), ms(percentile(s, 99)), ms(percentile(s, 100)), ms(percentile(m, 50)), r.res.ready.Round(time.Millisecond))
	}
	tw.Flush()
}
