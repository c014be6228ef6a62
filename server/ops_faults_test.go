package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/otehub/hub"
	"github.com/otehub/hub/internal/secantus"
	"github.com/otehub/hub/mongodb"
	"github.com/otehub/hub/mongodb/mongotest"
)

// opsHub is a hub process on a fixed address, which a test can kill and
// start again there.
type opsHub struct {
	name, bin, addr, dir string
	env                  []string
	logs                 *syncBuffer

	mu  sync.Mutex
	cmd *exec.Cmd
}

func newOpsHub(t *testing.T, name, bin string, env ...string) *opsHub {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &opsHub{name: name, bin: bin, addr: ln.Addr().String(), dir: t.TempDir(), env: env, logs: &syncBuffer{}}
	ln.Close()
	t.Cleanup(func() {
		h.mu.Lock()
		cmd := h.cmd
		h.mu.Unlock()
		if cmd == nil {
			return
		}
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return h
}

func (h *opsHub) url() string { return "http://" + h.addr }

// start runs the process and waits until /readyz answers 200; it
// returns how long that took.
func (h *opsHub) start(t *testing.T) time.Duration {
	t.Helper()
	cmd := exec.Command(h.bin, "-addr", h.addr, "-data-dir", h.dir)
	cmd.Env = append(os.Environ(), h.env...)
	cmd.Stdout, cmd.Stderr = h.logs, h.logs
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	h.cmd = cmd
	h.mu.Unlock()
	waitFor(t, h.name+" ready", 90*time.Second, func() bool {
		code, _ := h.readyz()
		return code == http.StatusOK
	})
	return time.Since(began)
}

// kill ends the process with SIGKILL, as a crash or an OOM kill would.
func (h *opsHub) kill(t *testing.T) {
	t.Helper()
	h.mu.Lock()
	cmd := h.cmd
	h.cmd = nil
	h.mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
}

func (h *opsHub) readyz() (int, readinessBody) {
	var r readinessBody
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(h.url() + "/readyz")
	if err != nil {
		return 0, r
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(&r)
	return resp.StatusCode, r
}

// faultsClient is the load's HTTP client: its timeout is well past the
// hub's store timeout, so that a hung request shows as one.
var faultsClient = newOpsClient()

// opsPost posts a GraphQL request; err is a transport error (no
// answer: connection refused or cut, or the client's timeout) or an
// answer that is not GraphQL's.
func opsPost(url, key, query string, vars map[string]any) (gqlResponse, error) {
	status, out, err := faultsClient.post(context.Background(), url, key, "", query, vars)
	if err != nil && status != 0 {
		err = fmt.Errorf("status %d: %w", status, err)
	}
	return out, err
}

// opsEvent is one request of the load.
type opsEvent struct {
	at    time.Time // when its answer came
	took  time.Duration
	hub   string
	write bool
	// outcome is "ok", an error code, or "transport"; stale is the
	// answer's freshness.
	outcome string
	stale   bool
	// message is a failed write's error message.
	message string
}

// opsRecorder keeps every request of the load.
type opsRecorder struct {
	mu     sync.Mutex
	events []opsEvent
}

func (r *opsRecorder) add(e opsEvent) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// between returns the events answered in [from, to).
func (r *opsRecorder) between(from, to time.Time) []opsEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []opsEvent
	for _, e := range r.events {
		if !e.at.Before(from) && e.at.Before(to) {
			out = append(out, e)
		}
	}
	return out
}

// rates are the successful reads and writes a second among events over
// d.
func rates(events []opsEvent, d time.Duration) (reads, writes float64) {
	for _, e := range events {
		if e.outcome != "ok" {
			continue
		}
		if e.write {
			writes++
		} else {
			reads++
		}
	}
	return reads / d.Seconds(), writes / d.Seconds()
}

// acked is what a writer was told of one node: its last acknowledged
// version and name.
type acked struct {
	id, key, name string
	version       int64
}

// opsWriter creates nodes and updates them, retrying every write whose
// outcome it did not learn (a transport error or STORE_UNAVAILABLE)
// with the same key or expected version until it learns it, as the
// operations guide advises clients.
type opsWriter struct {
	n        int
	key      string // the API key
	hubs     []*opsHub
	rec      *opsRecorder
	inFlight []atomic.Int32 // writes in flight per hub, by index in hubs
	source   string

	mu    sync.Mutex
	nodes map[string]*acked // by node id
	// resolved counts the writes whose outcome a retry learned from a
	// CONFLICT: the earlier attempt had been stored.
	resolved int
}

const opsNodeQuery = `query($id: ID!) { node(id: $id) { id version ... on Organisation { name } } }`

// do sends one write to hub i and records it; it returns the answer, or
// ok false when the outcome is unknown.
func (w *opsWriter) do(i int, query string, vars map[string]any) (gqlResponse, bool) {
	h := w.hubs[i]
	w.inFlight[i].Add(1)
	start := time.Now()
	r, err := opsPost(h.url(), w.key, query, vars)
	w.inFlight[i].Add(-1)
	ev := opsEvent{at: time.Now(), took: time.Since(start), hub: h.name, write: true, outcome: "ok"}
	switch {
	case err != nil:
		ev.outcome = "transport"
	case len(r.Errors) > 0:
		ev.outcome, ev.message = errorCode(r), r.Errors[0].Message
	}
	w.rec.add(ev)
	return r, ev.outcome == "ok"
}

// settle writes until the outcome is known: it returns the payload of
// an acknowledged write, or the user errors of a refused one. Retries
// go to the next hub after a transport error, as a load balancer would
// send them. A write begun goes on after the load stops, until ctx
// ends, so that what the database holds at the end is known.
func (w *opsWriter) settle(ctx context.Context, hubIdx int, field, query string, vars map[string]any) (map[string]any, []any) {
	for attempt := 0; ctx.Err() == nil; attempt++ {
		r, ok := w.do(hubIdx, query, vars)
		if ok {
			payload, _ := path(r.Data, field).(map[string]any)
			errs, _ := payload["userErrors"].([]any)
			return payload, errs
		}
		if len(r.Errors) == 0 {
			hubIdx = (hubIdx + 1) % len(w.hubs)
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil, nil
}

// read returns the node as hub i has it, waiting until it holds at
// least version min (a write the store took reaches the index soon
// after).
func (w *opsWriter) read(ctx context.Context, id string, min int64) (version int64, name string) {
	for ctx.Err() == nil {
		for _, h := range w.hubs {
			r, err := opsPost(h.url(), "", opsNodeQuery, map[string]any{"id": id})
			if err != nil {
				continue
			}
			v, _ := path(r.Data, "node", "version").(float64)
			if int64(v) >= min {
				n, _ := path(r.Data, "node", "name").(string)
				return int64(v), n
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return 0, ""
}

// run writes until stop ends: node k is created, then renamed twice.
func (w *opsWriter) run(stop context.Context, t *testing.T, pace time.Duration) {
	// A write begun is settled, up to a minute after the load stops.
	ctx, cancel := context.WithCancel(context.WithoutCancel(stop))
	defer cancel()
	context.AfterFunc(stop, func() { time.AfterFunc(time.Minute, cancel) })
	hubIdx := w.n % len(w.hubs)
	for k := 0; stop.Err() == nil; k++ {
		key := fmt.Sprintf("ops-w%d-%d", w.n, k)
		id := hub.NodeID(hub.KindOrganisation, key)
		name := key + " v1"
		payload, errs := w.settle(ctx, hubIdx, "createNode", createNode, map[string]any{"in": map[string]any{"kind": "Organisation", "key": key,
			"fields": map[string]any{"name": map[string]any{"fi": name}, "type": "ASSOCIATION",
				"sources": []any{map[string]any{"sourceId": w.source, "quote": "kuormitus"}}}}})
		if ctx.Err() != nil {
			return
		}
		var version int64
		switch {
		case len(errs) > 0 && path(errs, 0, "code") == "CONFLICT":
			// An attempt whose answer was lost was stored: the node
			// is there, and is ours.
			v, got := w.read(ctx, id, 1)
			if got != name {
				t.Errorf("%s exists after a retried create with name %q, want %q", key, got, name)
			}
			version = v
			w.mu.Lock()
			w.resolved++
			w.mu.Unlock()
		case len(errs) > 0:
			t.Errorf("createNode %s: %v", key, errs)
			return
		default:
			v, _ := path(payload, "node", "version").(float64)
			version = int64(v)
		}
		w.mu.Lock()
		w.nodes[id] = &acked{id: id, key: key, name: name, version: version}
		w.mu.Unlock()

		for rename := 2; rename <= 3 && stop.Err() == nil; rename++ {
			time.Sleep(pace)
			name := fmt.Sprintf("%s v%d", key, rename)
			payload, errs := w.settle(ctx, hubIdx, "updateNode", updateNode, map[string]any{"in": map[string]any{"id": id, "version": version,
				"set": map[string]any{"name": map[string]any{"fi": name}}}})
			if ctx.Err() != nil {
				return
			}
			switch {
			case len(errs) > 0 && path(errs, 0, "code") == "CONFLICT":
				v, got := w.read(ctx, id, version+1)
				if v != version+1 || got != name {
					t.Errorf("%s after a retried update: v%d %q, want v%d %q", key, v, got, version+1, name)
				}
				version = v
				w.mu.Lock()
				w.resolved++
				w.mu.Unlock()
			case len(errs) > 0:
				t.Errorf("updateNode %s: %v", key, errs)
				return
			default:
				v, _ := path(payload, "node", "version").(float64)
				version = int64(v)
			}
			w.mu.Lock()
			w.nodes[id] = &acked{id: id, key: key, name: name, version: version}
			w.mu.Unlock()
		}
		time.Sleep(pace)
	}
}

// opsRead sends the read mix to h until ctx ends.
func opsRead(ctx context.Context, h *opsHub, rec *opsRecorder, offset int) {
	for i := offset; ctx.Err() == nil; i++ {
		q := legitimate[i%len(legitimate)]
		start := time.Now()
		r, err := opsPost(h.url(), "", q.query, nil)
		ev := opsEvent{at: time.Now(), took: time.Since(start), hub: h.name, outcome: "ok"}
		switch {
		case err != nil:
			ev.outcome = "transport"
			time.Sleep(50 * time.Millisecond) // a hub that is down refuses at once
		case len(r.Errors) > 0:
			ev.outcome = errorCode(r)
		case !q.check(r):
			ev.outcome = "WRONG_ANSWER"
		}
		ev.stale = path(r.Extensions, "freshness", "stale") == true
		rec.add(ev)
	}
}

// phaseSummary is what one fault did to the load.
type phaseSummary struct {
	name                        string
	fault, recovery             time.Duration
	readsOK, readsFailed, stale int
	firstStale                  time.Duration
	readFailures                map[string]int
	writesOK                    int
	writeFailures               map[string]int
	writeMessages               map[string]int
	maxWriteFailure             time.Duration
	readsBefore, readsAfter     float64
	writesBefore, writesAfter   float64
}

func (p phaseSummary) String() string {
	codes := make([]string, 0, len(p.writeFailures))
	for c, n := range p.writeFailures {
		codes = append(codes, fmt.Sprintf("%s %d", c, n))
	}
	sort.Strings(codes)
	reads := make([]string, 0, len(p.readFailures))
	for c, n := range p.readFailures {
		reads = append(reads, fmt.Sprintf("%s %d", c, n))
	}
	sort.Strings(reads)
	return fmt.Sprintf("%s: fault %v | during: reads ok %d (stale %d, the first %v in), failed %d [%s]; writes acknowledged %d, failed [%s], slowest failure %v | recovery %v | reads/s %.0f before, %.0f after; writes/s %.1f before, %.1f after",
		p.name, p.fault.Round(100*time.Millisecond), p.readsOK, p.stale, p.firstStale.Round(time.Millisecond), p.readsFailed, strings.Join(reads, ", "), p.writesOK, strings.Join(codes, ", "),
		p.maxWriteFailure.Round(time.Millisecond), p.recovery.Round(time.Millisecond), p.readsBefore, p.readsAfter, p.writesBefore, p.writesAfter)
}

// TestOpsFaultsUnderLoad: two hub processes on one SecantusDB under a
// steady load of reads and writes while MongoDB is stopped, frozen past
// the store timeout, restarted empty (then restored), and while one hub
// is killed mid-write. Reads keep answering from memory and say they
// are stale, writes fail fast with STORE_UNAVAILABLE, no acknowledged
// write is lost, no retry makes a second node, and throughput comes
// back. HUB_OPS_DURATION sets the length of each phase.
func TestOpsFaultsUnderLoad(t *testing.T) {
	d := opsDuration(t)
	// Each fault lasts half the duration, and long enough to be one: the
	// freeze past the store timeout, the outage past the feed's notice.
	const storeTimeout = 2 * time.Second
	window := max(d/4, 2*time.Second)
	faultFor := max(d/2, 2*storeTimeout+time.Second)
	// A write refused fast: the store timeout, the abort's second, and
	// a margin for a loaded host.
	writeFailBound := storeTimeout + time.Second + 3*time.Second

	dir := t.TempDir()
	data := filepath.Join(dir, "db")
	db, err := secantus.Start(data, filepath.Join(dir, "secantus.log"))
	if err != nil {
		mongotest.Unavailable(t, err)
	}
	t.Cleanup(func() { db.Stop() })
	bin := filepath.Join(dir, "hub")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build the hub: %v\n%s", err, out)
	}
	keys := filepath.Join(dir, "keys")
	editor := mustNewKey(t, keys, "-role", "editor", "-subject", "kuormitus")
	env := []string{"MONGODB_URI=" + db.URI("ote"), "HUB_MONGODB_TIMEOUT=" + storeTimeout.String(), "HUB_API_KEYS_FILE=" + keys,
		"HUB_RATE_LIMIT_ANONYMOUS=0", "HUB_RATE_LIMIT_KEY=0", "HUB_LOG_LEVEL=info", "HUB_LOG_FORMAT=json"}
	a := newOpsHub(t, "A", bin, env...)
	a.start(t)
	b := newOpsHub(t, "B", bin, env...)
	b.start(t)
	hubs := []*opsHub{a, b}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, h := range hubs {
			for _, line := range strings.Split(h.logs.String(), "\n") {
				if strings.Contains(line, `"level":"ERROR"`) || strings.Contains(line, `"level":"WARN"`) {
					t.Logf("%s: %s", h.name, line)
				}
			}
		}
	})

	rec := &opsRecorder{}
	ctx, stop := context.WithCancel(context.Background())
	var load sync.WaitGroup
	for i, h := range hubs {
		for r := range 2 {
			load.Add(1)
			go func() { defer load.Done(); opsRead(ctx, h, rec, i+r) }()
		}
	}
	writers := make([]*opsWriter, 2)
	for i := range writers {
		writers[i] = &opsWriter{n: i, key: editor, hubs: hubs, rec: rec, inFlight: make([]atomic.Int32, len(hubs)),
			source: hub.NodeID(hub.KindSourceDocument, "seed-000"), nodes: map[string]*acked{}}
		load.Add(1)
		go func() { defer load.Done(); writers[i].run(ctx, t, 20*time.Millisecond) }()
	}
	stopLoad := func() {
		stop()
		load.Wait()
	}
	defer stopLoad()

	// recovered waits until both hubs are up with a fresh feed and a
	// write goes through each, and returns when that was.
	recovered := func(what string) time.Time {
		t.Helper()
		waitFor(t, what+": both hubs fresh", 90*time.Second, func() bool {
			for _, h := range hubs {
				code, r := h.readyz()
				if code != http.StatusOK || r.Status != "ready" || r.Feed.Stale || !r.Store.Reachable {
					return false
				}
			}
			return true
		})
		// The first write each writer has acknowledged since.
		since := time.Now()
		waitFor(t, what+": writes acknowledged again", 90*time.Second, func() bool {
			n := 0
			for _, e := range rec.between(since, time.Now().Add(time.Hour)) {
				if e.write && e.outcome == "ok" {
					n++
				}
			}
			return n > 0
		})
		return time.Now()
	}

	var summaries []phaseSummary
	// phase runs the load for a window, then the fault (inject returns
	// when it is over, and says when it began and ended), then measures
	// recovery and a window after it.
	phase := func(name string, inject func(t *testing.T) (began, ended time.Time), check func(t *testing.T, s *phaseSummary, during []opsEvent)) {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			time.Sleep(window)
			began, ended := inject(t)
			back := recovered(name)
			time.Sleep(window)
			end := time.Now()
			s := phaseSummary{name: name, fault: ended.Sub(began), recovery: back.Sub(ended),
				writeFailures: map[string]int{}, writeMessages: map[string]int{}, readFailures: map[string]int{}}
			s.readsBefore, s.writesBefore = rates(rec.between(start, began), began.Sub(start))
			// The window right after recovery, as the issue asks: the
			// first second, and the rest of the window as a check.
			s.readsAfter, s.writesAfter = rates(rec.between(back, back.Add(time.Second)), time.Second)
			readsLater, writesLater := rates(rec.between(back.Add(time.Second), end), end.Sub(back.Add(time.Second)))
			during := rec.between(began, back)
			for _, e := range during {
				switch {
				case e.write && e.outcome == "ok":
					s.writesOK++
				case e.write:
					s.writeFailures[e.outcome]++
					if e.message != "" {
						s.writeMessages[e.message]++
					}
					s.maxWriteFailure = max(s.maxWriteFailure, e.took)
				case e.outcome == "ok":
					s.readsOK++
					if e.stale {
						if s.stale == 0 {
							s.firstStale = e.at.Sub(began)
						}
						s.stale++
					}
				default:
					s.readsFailed++
					s.readFailures[e.hub+" "+e.outcome]++
				}
			}
			check(t, &s, during)
			// Throughput comes back: within a factor of 3 of before,
			// in the first second after recovery or the window after.
			const factor = 3
			if s.readsAfter*factor < s.readsBefore && readsLater*factor < s.readsBefore {
				t.Errorf("reads/s %.0f before, %.0f in the second after recovery and %.0f later", s.readsBefore, s.readsAfter, readsLater)
			}
			if s.writesAfter*factor < s.writesBefore && writesLater*factor < s.writesBefore {
				t.Errorf("writes/s %.1f before, %.1f in the second after recovery and %.1f later", s.writesBefore, s.writesAfter, writesLater)
			}
			t.Log(s)
			for m, n := range s.writeMessages {
				t.Logf("  %d writes failed with %q", n, m)
			}
			summaries = append(summaries, s)
		})
	}

	// storeFault checks what a fault of the database does: every read
	// answered, stale ones among them; every failed write refused with
	// STORE_UNAVAILABLE within the bound.
	storeFault := func(t *testing.T, s *phaseSummary, during []opsEvent) {
		if s.readsFailed > 0 {
			t.Errorf("%d reads failed during the fault: %v", s.readsFailed, s.readFailures)
		}
		if s.stale == 0 {
			t.Errorf("no read during the fault said it was stale (%d reads)", s.readsOK)
		}
		for code, n := range s.writeFailures {
			if code != "STORE_UNAVAILABLE" {
				t.Errorf("%d writes failed with %s, want STORE_UNAVAILABLE", n, code)
			}
		}
		if len(s.writeFailures) == 0 {
			t.Errorf("no write failed during the fault")
		}
		if s.maxWriteFailure > writeFailBound {
			t.Errorf("the slowest failed write took %v, want at most %v", s.maxWriteFailure, writeFailBound)
		}
	}

	// outage is a fault that begin starts and end ends, faultFor apart.
	outage := func(begin, end func() error) func(t *testing.T) (time.Time, time.Time) {
		return func(t *testing.T) (time.Time, time.Time) {
			began := time.Now()
			if err := begin(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(faultFor)
			if err := end(); err != nil {
				t.Fatal(err)
			}
			return began, time.Now()
		}
	}
	phase("MongoDB stopped and started again", outage(db.Stop, db.Restart), storeFault)
	phase("MongoDB frozen past the store timeout", outage(db.Freeze, db.Thaw), storeFault)

	phase("MongoDB restarted empty, then its data restored", func(t *testing.T) (time.Time, time.Time) {
		began := time.Now()
		if err := db.Stop(); err != nil {
			t.Fatal(err)
		}
		if err := db.RestartIn(filepath.Join(dir, "empty")); err != nil {
			t.Fatal(err)
		}
		// Every hub notices, says so at ERROR and in /readyz.
		restarted := time.Now()
		for _, h := range hubs {
			waitFor(t, h.name+" notices the empty database", 60*time.Second, func() bool {
				code, r := h.readyz()
				return code == http.StatusOK && r.Status == "degraded" && r.Store.Replaced && r.Feed.Stale
			})
			t.Logf("%s reported the database replaced at most %v after it came back empty", h.name, time.Since(restarted).Round(time.Millisecond))
			found := false
			for _, line := range strings.Split(h.logs.String(), "\n") {
				if strings.Contains(line, `"level":"ERROR"`) && strings.Contains(line, "the database is not the one this hub started on") {
					found = true
				}
			}
			if !found {
				t.Errorf("%s logged no ERROR line about the database", h.name)
			}
		}
		time.Sleep(faultFor)
		client, err := mongo.Connect(options.Client().ApplyURI(db.URI("ote")))
		if err != nil {
			t.Fatal(err)
		}
		n, err := client.Database("ote").Collection(mongodb.NodesCollection).CountDocuments(t.Context(), bson.M{})
		client.Disconnect(context.Background())
		if err != nil || n != 0 {
			t.Errorf("the empty database holds %d nodes (%v): a write went into it", n, err)
		}
		// The operator restores the data.
		if err := db.Stop(); err != nil {
			t.Fatal(err)
		}
		if err := db.RestartIn(data); err != nil {
			t.Fatal(err)
		}
		return began, time.Now()
	}, storeFault)

	phase("hub A killed mid-write and started again", func(t *testing.T) (time.Time, time.Time) {
		waitFor(t, "a write in flight on A", 30*time.Second, func() bool {
			for _, w := range writers {
				if w.inFlight[0].Load() > 0 {
					return true
				}
			}
			return false
		})
		began := time.Now()
		a.kill(t)
		time.Sleep(window)
		ready := a.start(t)
		t.Logf("A was ready %v after its start", ready.Round(time.Millisecond))
		return began, time.Now()
	}, func(t *testing.T, s *phaseSummary, during []opsEvent) {
		// Reads on A fail while it is down (transport) and while it
		// loads the network again (STORE_UNAVAILABLE, /readyz 503: a
		// load balancer sends them elsewhere).
		for _, e := range during {
			if e.hub == "B" && !e.write && e.outcome != "ok" {
				t.Errorf("a read on B failed while A was down: %s", e.outcome)
			}
			if e.write && e.outcome != "ok" && e.outcome != "transport" && e.outcome != "STORE_UNAVAILABLE" {
				t.Errorf("a write failed with %s while A was down", e.outcome)
			}
		}
		if s.writesOK == 0 {
			t.Error("no write was acknowledged while A was down (B takes them)")
		}
	})

	stopLoad()

	t.Run("every acknowledged write is there, once", func(t *testing.T) {
		all := map[string]*acked{}
		resolved := 0
		for _, w := range writers {
			for id, n := range w.nodes {
				all[id] = n
			}
			resolved += w.resolved
		}
		if len(all) == 0 {
			t.Fatal("no write was acknowledged")
		}
		for _, h := range hubs {
			lost := 0
			for id, want := range all {
				r, err := opsPost(h.url(), "", opsNodeQuery, map[string]any{"id": id})
				v, _ := path(r.Data, "node", "version").(float64)
				name, _ := path(r.Data, "node", "name").(string)
				if err != nil || int64(v) != want.version || name != want.name {
					lost++
					if lost <= 5 {
						t.Errorf("%s: %s is v%v %q (%v), acknowledged v%d %q", h.name, want.key, v, name, err, want.version, want.name)
					}
				}
			}
			if lost > 0 {
				t.Errorf("%s: %d of %d acknowledged nodes are not as acknowledged", h.name, lost, len(all))
			}
		}
		// The database itself, read with a client of the test's own: one
		// node per key the writers meant, and one creation in its
		// history.
		client, err := mongo.Connect(options.Client().ApplyURI(db.URI("ote")))
		if err != nil {
			t.Fatal(err)
		}
		defer client.Disconnect(context.Background())
		ote := client.Database("ote")
		cur, err := ote.Collection(mongodb.NodesCollection).Find(t.Context(), bson.M{"key": bson.M{"$regex": "^ops-w"}})
		if err != nil {
			t.Fatal(err)
		}
		var docs []struct {
			ID  string `bson:"_id"`
			Key string `bson:"key"`
		}
		if err := cur.All(t.Context(), &docs); err != nil {
			t.Fatal(err)
		}
		perKey := map[string]int{}
		for _, d := range docs {
			perKey[d.Key]++
		}
		for key, n := range perKey {
			if n != 1 {
				t.Errorf("%d nodes with key %s", n, key)
			}
		}
		for _, n := range all {
			if perKey[n.key] != 1 {
				t.Errorf("acknowledged %s: %d nodes in the database", n.key, perKey[n.key])
			}
		}
		// A key stored but never acknowledged can only be the write in
		// flight when the load stopped.
		if extra := len(perKey) - len(all); extra < 0 || extra > len(writers) {
			t.Errorf("%d nodes in the database, %d acknowledged", len(perKey), len(all))
		}
		creations, err := ote.Collection(mongodb.HistoryCollection).Aggregate(t.Context(), mongo.Pipeline{
			{{Key: "$match", Value: bson.M{"op": string(hub.RevisionCreate)}}},
			{{Key: "$group", Value: bson.M{"_id": "$rowId", "n": bson.M{"$sum": 1}}}},
			{{Key: "$match", Value: bson.M{"n": bson.M{"$gt": 1}}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		var twice []bson.M
		if err := creations.All(t.Context(), &twice); err != nil {
			t.Fatal(err)
		}
		if len(twice) > 0 {
			t.Errorf("rows created twice in the history: %v", twice)
		}
		t.Logf("%d nodes acknowledged, each once in the database; %d writes whose answer was lost were learned from a CONFLICT on their retry", len(all), resolved)
	})

	fmt.Printf("\nFaults under load (HUB_OPS_DURATION=%v; 2 hubs on SecantusDB, 4 readers, 2 writers, store timeout %v):\n", d, storeTimeout)
	for _, s := range summaries {
		fmt.Println("  " + s.String())
	}
}
