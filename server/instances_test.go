package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/internal/secantus"
	"github.com/otehub/hub/internal/subscribetest"
	"github.com/otehub/hub/mongodb"
	"github.com/otehub/hub/mongodb/mongotest"
	"github.com/otehub/hub/storetest"
)

// feedBound is how soon a change written through one client must be
// visible in every hub instance. It is generous for a loaded CI host;
// the test logs the lag it saw.
const feedBound = 10 * time.Second

// hubProcess is a hub started as its own OS process.
type hubProcess struct {
	cmd  *exec.Cmd
	url  string
	logs *syncBuffer
}

// startHub runs the built hub binary on a free port with env and a
// fresh data directory.
func startHub(t *testing.T, bin string, env ...string) *hubProcess {
	t.Helper()
	return startHubIn(t, bin, t.TempDir(), env...)
}

// startHubIn is startHub with the data directory dir.
func startHubIn(t *testing.T, bin, dir string, env ...string) *hubProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &hubProcess{url: "http://" + addr, logs: &syncBuffer{}}
	p.cmd = exec.Command(bin, "-addr", addr, "-data-dir", dir)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			p.cmd.Process.Kill()
			<-done
		}
	})
	return p
}

func (p *hubProcess) readyz(t *testing.T) (int, readinessBody) {
	t.Helper()
	var r readinessBody
	resp, err := http.Get(p.url + "/readyz")
	if err != nil {
		return 0, r
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(&r)
	return resp.StatusCode, r
}

// waitFor polls cond until it holds or within passes, and returns how
// long it took.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

func (p *hubProcess) query(t *testing.T, q string) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q})
	var out gqlResponse
	resp, err := http.Post(p.url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		out.Errors = append(out.Errors, struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		}{Message: err.Error()})
		return out
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(&out)
	return out
}

// englishName asks a hub for an organisation's English name.
func (p *hubProcess) englishName(t *testing.T, key string) string {
	r := p.query(t, fmt.Sprintf(`{ entityByKey(kind: Organisation, key: %q) { name(language: EN) } }`, key))
	s, _ := path(r.Data, "entityByKey", "name").(string)
	return s
}

// rename writes a new English name of an organisation through its own
// store client, as another instance or tool would, and returns the
// version the store gave the node.
func rename(t *testing.T, uri, key, name string) int64 {
	t.Helper()
	store, err := mongodb.Open(mongodb.Options{URI: uri})
	if err != nil {
		t.Fatal(err)
	}
	w := storetest.Follow(t, store)
	defer w.Close()
	ctx := t.Context()
	found, _, err := w.FindNodes(ctx, hub.NodeFilter{Kinds: []hub.Kind{hub.KindOrganisation}, Keys: []string{key}}, hub.ListOptions{First: 1})
	if err != nil || len(found) != 1 {
		t.Fatalf("find %s: %v (%d found)", key, err, len(found))
	}
	n := found[0].Clone()
	n.Name.EN = name
	b := &hub.Batch{Nodes: []*hub.Node{n}}
	if err := hub.Prepare(ctx, w, b, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := w.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	return b.Nodes[0].Version
}

// Two hub processes on one database: each sees what is written through
// any client, keeps serving while the database is away, follows again
// when it is back, and refuses to serve a database that came back empty.
func TestTwoInstancesFollowOneDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the hub and starts three processes")
	}
	dir := t.TempDir()
	storage := filepath.Join(dir, "db")
	db, err := secantus.Start(storage, filepath.Join(dir, "secantus.log"))
	if err != nil {
		mongotest.Unavailable(t, err)
	}
	t.Cleanup(func() { db.Stop() })
	bin := filepath.Join(dir, "hub")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build the hub: %v\n%s", err, out)
	}
	uri := db.URI("ote")
	env := []string{"MONGODB_URI=" + uri, "HUB_MONGODB_TIMEOUT=3s", "HUB_LOG_LEVEL=info"}
	a := startHub(t, bin, env...)
	waitFor(t, "hub A ready", 90*time.Second, func() bool { c, _ := a.readyz(t); return c == http.StatusOK })
	b := startHub(t, bin, env...)
	waitFor(t, "hub B ready", 90*time.Second, func() bool { c, _ := b.readyz(t); return c == http.StatusOK })
	const key = "eksote"
	if a.englishName(t, key) == "" {
		t.Fatalf("hub A does not know organisation %s", key)
	}

	visibleInBoth := func(name string) {
		t.Helper()
		for _, p := range []*hubProcess{a, b} {
			lag := waitFor(t, "the new name in "+p.url, feedBound, func() bool { return p.englishName(t, key) == name })
			t.Logf("%s saw the change %v after the write was acknowledged", p.url, lag.Round(time.Millisecond))
		}
	}

	// Subscribers of A over WebSocket and of B over server-sent events.
	ws, _, err := subscribetest.DialWebSocket(t.Context(), a.url+"/graphql", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	// subscribe opens one subscription on each hub; it writes name as
	// the organisation's name until the subscriptions are open.
	subscribe := func(name string) (subscribetest.Stream, subscribetest.Stream) {
		t.Helper()
		onA, err := ws.Subscribe(t.Context(), fmt.Sprint(time.Now().UnixNano()), subscribetest.Request{Query: changesQuery})
		if err != nil {
			t.Fatal(err)
		}
		onB, resp, err := subscribetest.PostEventStream(t.Context(), b.url+"/graphql", subscribetest.Request{Query: changesQuery}, nil)
		if err != nil || onB == nil {
			t.Fatalf("event stream from B: %v %v", resp, err)
		}
		t.Cleanup(onB.Close)
		// The hubs have opened the subscriptions once a write reaches
		// them: write until one has reached both, then read what is
		// left of those writes.
		gotA, gotB := false, false
		for i := 0; !gotA || !gotB; i++ {
			if i == 40 {
				t.Fatal("no write reached the subscribers")
			}
			rename(t, uri, key, name)
			gotA = gotA || tryNext(t, onA, 500*time.Millisecond)
			gotB = gotB || tryNext(t, onB, 500*time.Millisecond)
		}
		for tryNext(t, onA, 500*time.Millisecond) || tryNext(t, onB, 500*time.Millisecond) {
		}
		return onA, onB
	}

	t.Run("a change through another client reaches both hubs and their subscribers", func(t *testing.T) {
		onA, onB := subscribe("Warming up")
		version := rename(t, uri, key, "Renamed once")
		visibleInBoth("Renamed once")
		for name, s := range map[string]subscribetest.Stream{"A over WebSocket": onA, "B over server-sent events": onB} {
			start := time.Now()
			ev := nextChange(t, s, feedBound)
			if ev.Op != "UPDATED" || ev.Version != version || ev.Node.Key != key || ev.Node.Name != "Renamed once" {
				t.Errorf("%s: %+v, want UPDATED %s v%d", name, ev, key, version)
			}
			t.Logf("%s got the event %v after the write was visible", name, time.Since(start).Round(time.Millisecond))
		}
	})

	t.Run("while the database is away both hubs answer from memory and say so", func(t *testing.T) {
		onA, onB := subscribe("Renamed once")
		if err := db.Stop(); err != nil {
			t.Fatal(err)
		}
		// The feeds broke: what changes meanwhile comes back in a full
		// load, so the subscribers are told to read again.
		mustEndWith(t, onA, "RESYNC_REQUIRED", 60*time.Second)
		mustEndWith(t, onB, "RESYNC_REQUIRED", 60*time.Second)
		for _, p := range []*hubProcess{a, b} {
			if got := p.englishName(t, key); got != "Renamed once" {
				t.Errorf("%s answers %q with the database away", p.url, got)
			}
			waitFor(t, "a stale feed reported by "+p.url, 30*time.Second, func() bool {
				code, r := p.readyz(t)
				return code == http.StatusOK && r.Feed.Stale && !r.Store.Reachable
			})
		}
	})

	t.Run("the feeds resume when the database is back", func(t *testing.T) {
		if err := db.Restart(); err != nil {
			t.Fatal(err)
		}
		rename(t, uri, key, "Renamed twice")
		visibleInBoth("Renamed twice")
		for _, p := range []*hubProcess{a, b} {
			waitFor(t, "a fresh feed reported by "+p.url, 30*time.Second, func() bool {
				_, r := p.readyz(t)
				return !r.Feed.Stale && r.Store.Reachable
			})
		}
	})

	t.Run("a database restarted empty is detected, not served", func(t *testing.T) {
		if err := db.Stop(); err != nil {
			t.Fatal(err)
		}
		if err := os.RemoveAll(storage); err != nil {
			t.Fatal(err)
		}
		if err := db.Restart(); err != nil {
			t.Fatal(err)
		}
		for _, p := range []*hubProcess{a, b} {
			waitFor(t, "a log line about the empty database from "+p.url, 60*time.Second, func() bool {
				return strings.Contains(p.logs.String(), "the database is not the one this hub started on")
			})
			if got := p.englishName(t, key); got != "Renamed twice" {
				t.Errorf("%s answers %q after the database came back empty", p.url, got)
			}
			if _, r := p.readyz(t); !r.Feed.Stale || !r.Store.Replaced {
				t.Errorf("%s does not report its feed stale and its store replaced: %+v %+v", p.url, r.Feed, r.Store)
			}
		}
	})

}

// tryNext reports whether s sends an event within d.
func tryNext(t *testing.T, s subscribetest.Stream, d time.Duration) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	r, err := s.Next(ctx)
	if err != nil {
		return false
	}
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	return true
}
