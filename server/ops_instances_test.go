package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/internal/secantus"
	"github.com/otehub/hub/internal/subscribetest"
	"github.com/otehub/hub/mongodb/mongotest"
)

// opsDuration is the load phase of the TestOps tests
// (HUB_OPS_DURATION, set by make ops); they skip without it.
func opsDuration(t *testing.T) time.Duration {
	t.Helper()
	v := os.Getenv("HUB_OPS_DURATION")
	if v == "" {
		t.Skip("HUB_OPS_DURATION is not set: run make ops")
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("HUB_OPS_DURATION=%q: want a duration such as 30s", v)
	}
	return d
}

// opsClient posts GraphQL requests without failing the test, for the
// load's goroutines.
type opsClient struct{ http *http.Client }

func newOpsClient() *opsClient {
	return &opsClient{http: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}}}
}

// post sends query with vars to a hub, with an API key and an
// X-Forwarded-For address when not empty, and returns the status and
// the decoded answer.
func (c *opsClient) post(ctx context.Context, url, key, forwarded, query string, vars map[string]any) (int, gqlResponse, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return 0, gqlResponse{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if forwarded != "" {
		req.Header.Set("X-Forwarded-For", forwarded)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, gqlResponse{}, err
	}
	defer resp.Body.Close()
	var out gqlResponse
	err = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, err
}

// ackedWrite is a write a hub acknowledged: the row and the version it
// answered, and when.
type ackedWrite struct {
	id      string
	version int64
	at      time.Time
}

// opsCounts counts the outcomes of one kind of request; again counts
// the writes sent again because an instance had not seen the writer's
// previous write yet.
type opsCounts struct{ ok, failed, again atomic.Int64 }

const opsChangesQuery = `subscription { changes { op id kind version } }`

// opsReads are the reads of the load: the dashboard's aggregates, a
// search, node lookups by key and by id, and a page of relationships.
var opsReads = []string{
	`{ aggregates { funding(by: REGION, policy: HIGHEST) { node { name } total currency figures { amount } }
		partnersPerPilot { node { name } count } coverage { service { name } region { name } providers { name } }
		pilotsPerYear { key count } } }`,
	`{ search(text: "sote", first: 20) { match node { id name } } }`,
	`{ entityByKey(kind: Organisation, key: "eksote") { id version name relationships(first: 20) { nodes { type } } } }`,
	`{ node(id: "` + hub.NodeID(hub.KindOrganisation, "eksote") + `") { id version } }`,
	`{ relationships(first: 50, where: { typeIn: [FUNDS] }) { nodes { id amount { amount currency } from { id } to { id } } } }`,
}

// Three hub processes on one SecantusDB under a mixed load of reads and
// writes spread over them, for HUB_OPS_DURATION: every acknowledged
// write is then visible on every instance at its version or later, a
// subscriber on each instance received every write in version order per
// row, and one anonymous client spreading its requests over the three
// got one rate limit, not three.
func TestOpsThreeInstances(t *testing.T) {
	d := opsDuration(t)
	dir := t.TempDir()
	db, err := secantus.Start(filepath.Join(dir, "db"), filepath.Join(dir, "secantus.log"))
	if err != nil {
		mongotest.Unavailable(t, err)
	}
	t.Cleanup(func() { db.Stop() })
	bin := filepath.Join(dir, "hub")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build the hub: %v\n%s", err, out)
	}
	keysFile := filepath.Join(dir, "keys")
	editor := mustNewKey(t, keysFile, "-role", "editor", "-subject", "lataus")
	const (
		instances = 3
		perSecond = 20.0
		burst     = 20
		syncEvery = 200 * time.Millisecond
	)
	env := []string{"MONGODB_URI=" + db.URI("ote"), "HUB_API_KEYS_FILE=" + keysFile, "HUB_LOG_LEVEL=warn",
		// The load's key is not limited; the anonymous rate is small, so
		// that the rate client meets it, and the client is named by
		// X-Forwarded-For from this host.
		"HUB_RATE_LIMIT_KEY=0", fmt.Sprintf("HUB_RATE_LIMIT_ANONYMOUS=%g,%d", perSecond, burst),
		"HUB_RATE_LIMIT_SYNC=" + syncEvery.String(), "HUB_TRUSTED_PROXIES=127.0.0.1/32,::1/128"}
	var hubs []*hubProcess
	for i := range instances {
		p := startHub(t, bin, env...)
		// The first seeds the database; the others load it.
		waitFor(t, fmt.Sprintf("hub %d ready", i), 90*time.Second, func() bool { c, _ := p.readyz(t); return c == http.StatusOK })
		hubs = append(hubs, p)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("hub %d's log:\n%s", i, p.logs.String())
			}
		})
	}
	client := newOpsClient()
	ctx := t.Context()
	source := hub.NodeID(hub.KindSourceDocument, "seed-000")
	sources := []any{map[string]any{"sourceId": source, "quote": "kuormitustesti"}}

	// A subscriber on each instance over WebSocket; it is open once a
	// write through another instance reaches it.
	type received struct {
		ackedWrite
		op string
	}
	events := make([][]received, instances)
	var eventsMu sync.Mutex
	streams := make([]subscribetest.Stream, instances)
	for i, p := range hubs {
		ws, _, err := subscribetest.DialWebSocket(ctx, p.url+"/graphql", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(ws.Close)
		if streams[i], err = ws.Subscribe(ctx, "changes", subscribetest.Request{Query: opsChangesQuery}); err != nil {
			t.Fatal(err)
		}
	}
	warm := func(v int) map[string]any {
		return map[string]any{"in": map[string]any{"kind": "Organisation", "key": fmt.Sprintf("lammittely-%d", v),
			"fields": map[string]any{"name": map[string]any{"fi": fmt.Sprintf("Lämmittely %d", v)}, "type": "ASSOCIATION", "sources": sources}}}
	}
	open := make([]bool, instances)
	for v := 0; slices.Contains(open, false); v++ {
		if v == 40 {
			t.Fatalf("no write reached every subscriber: %v", open)
		}
		if code, r, err := client.post(ctx, hubs[v%instances].url, editor, "", createNode, warm(v)); err != nil || code != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("warm-up write: %d %v %+v", code, err, r)
		}
		for i, s := range streams {
			open[i] = open[i] || tryNext(t, s, 500*time.Millisecond)
		}
	}
	for i, s := range streams {
		for tryNext(t, s, 500*time.Millisecond) {
		}
		go func() {
			for {
				r, err := s.Next(ctx)
				if err != nil {
					return
				}
				var data struct {
					Changes struct {
						Op, ID  string
						Version int64
					}
				}
				if len(r.Errors) > 0 || json.Unmarshal(r.Data, &data) != nil {
					t.Errorf("subscriber on hub %d: %s %+v", i, r.Data, r.Errors)
					return
				}
				eventsMu.Lock()
				events[i] = append(events[i], received{ackedWrite{data.Changes.ID, data.Changes.Version, time.Now()}, data.Changes.Op})
				eventsMu.Unlock()
			}
		}()
	}

	// The load.
	var (
		acked              []ackedWrite
		ackedMu            sync.Mutex
		reads, writes      opsCounts
		rateOK, rateRefuse atomic.Int64
		rateOther          atomic.Int64
		wg                 sync.WaitGroup
	)
	ack := func(id string, version int64) {
		ackedMu.Lock()
		acked = append(acked, ackedWrite{id, version, time.Now()})
		ackedMu.Unlock()
	}
	loadCtx, stop := context.WithTimeout(ctx, d)
	defer stop()
	start := time.Now()
	const readers, writers = 6, 3
	for w := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; loadCtx.Err() == nil; i++ {
				code, r, err := client.post(loadCtx, hubs[i%instances].url, editor, "", opsReads[i%len(opsReads)], nil)
				switch {
				case loadCtx.Err() != nil:
				case err != nil || code != http.StatusOK || len(r.Errors) > 0:
					if reads.failed.Add(1) <= 3 {
						t.Logf("read on hub %d: %d %v %+v", i%instances, code, err, r.Errors)
					}
				default:
					reads.ok.Add(1)
				}
			}
		}()
	}
	// Each writer creates organisations of its own, renames them and
	// links them, each request through the next instance. A write whose
	// expected version the instance has not seen yet is refused with
	// CONFLICT and sent again.
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := w
			var mine []ackedWrite // own nodes and their versions
			mutate := func(query, field string, vars map[string]any) (string, int64, bool) {
				for attempt := 0; loadCtx.Err() == nil; attempt++ {
					n++
					code, r, err := client.post(loadCtx, hubs[n%instances].url, editor, "", query, vars)
					if loadCtx.Err() != nil {
						return "", 0, false
					}
					row := path(r.Data, field, "node")
					if row == nil {
						row = path(r.Data, field, "relationship")
					}
					id, _ := path(row, "id").(string)
					version, _ := path(row, "version").(float64)
					if err == nil && code == http.StatusOK && id != "" {
						writes.ok.Add(1)
						ack(id, int64(version))
						return id, int64(version), true
					}
					// An instance that has not applied the writer's previous
					// write through another one yet refuses the next
					// (CONFLICT on the version, NOT_FOUND on a new node):
					// the client sends it again, as a client of several
					// instances must.
					if code := path(r.Data, field, "userErrors", 0, "code"); (code == "CONFLICT" || code == "NOT_FOUND") && attempt < 20 {
						writes.again.Add(1)
						time.Sleep(20 * time.Millisecond)
						continue
					}
					if writes.failed.Add(1) <= 3 {
						t.Logf("%s on hub %d: %d %v %+v %s", field, n%instances, code, err, r.Errors, r.Data)
					}
					return "", 0, false
				}
				return "", 0, false
			}
			for i := 0; loadCtx.Err() == nil; i++ {
				switch {
				case len(mine) < 2 || i%3 == 0:
					key := fmt.Sprintf("kuorma-%d-%d", w, i)
					if id, v, ok := mutate(createNode, "createNode", map[string]any{"in": map[string]any{"kind": "Organisation", "key": key,
						"fields": map[string]any{"name": map[string]any{"fi": "Kuorma " + key}, "type": "ASSOCIATION", "sources": sources}}}); ok {
						mine = append(mine, ackedWrite{id: id, version: v})
					}
				case i%3 == 1:
					k := i % len(mine)
					if _, v, ok := mutate(updateNode, "updateNode", map[string]any{"in": map[string]any{"id": mine[k].id, "version": mine[k].version,
						"set": map[string]any{"aliases": []any{fmt.Sprint("kuorma ", i)}}}}); ok {
						mine[k].version = v
					}
				default:
					from, to := mine[len(mine)-1], mine[i%(len(mine)-1)]
					mutate(createRel, "createRelationship", map[string]any{"in": map[string]any{"type": "REFERS_TO", "fromId": from.id, "toId": to.id,
						"discriminator": fmt.Sprintf("kuorma-%d-%d", w, i), "fields": map[string]any{"sources": sources}}})
				}
			}
		}()
	}
	// One anonymous client at four times its rate, its requests sent to
	// the instances in turn.
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Duration(float64(time.Second) / (4 * perSecond)))
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-loadCtx.Done():
				return
			case <-tick.C:
			}
			code, _, err := client.post(loadCtx, hubs[i%instances].url, "", "198.51.100.23", `{ __typename }`, nil)
			switch {
			case loadCtx.Err() != nil:
			case err == nil && code == http.StatusOK:
				rateOK.Add(1)
			case code == http.StatusTooManyRequests:
				rateRefuse.Add(1)
			default:
				rateOther.Add(1)
			}
		}
	}()
	wg.Wait()
	elapsed := time.Since(start)
	t.Logf("load for %v on %d instances: %d reads (%.0f/s, %d failed), %d writes acknowledged (%.1f/s, %d failed, %d sent again after CONFLICT or NOT_FOUND from an instance behind)",
		elapsed.Round(time.Millisecond), instances, reads.ok.Load(), float64(reads.ok.Load())/elapsed.Seconds(), reads.failed.Load(),
		writes.ok.Load(), float64(writes.ok.Load())/elapsed.Seconds(), writes.failed.Load(), writes.again.Load())
	if reads.failed.Load() > 0 || writes.failed.Load() > 0 {
		t.Errorf("%d reads and %d writes failed", reads.failed.Load(), writes.failed.Load())
	}
	if reads.ok.Load() == 0 || writes.ok.Load() < 10 {
		t.Fatalf("too little load to tell anything: %d reads, %d writes", reads.ok.Load(), writes.ok.Load())
	}

	t.Run("every acknowledged write is visible on every instance", func(t *testing.T) {
		// Nodes and relationships alike are Nodes, read by id.
		want := map[string]int64{}
		var ids []string
		for _, a := range acked {
			if _, seen := want[a.id]; !seen {
				ids = append(ids, a.id)
			}
			want[a.id] = max(want[a.id], a.version)
		}
		for i, p := range hubs {
			lag := waitFor(t, fmt.Sprintf("every acknowledged write on hub %d", i), feedBound, func() bool {
				return len(behind(t, client, p.url, editor, ids, want)) == 0
			})
			t.Logf("hub %d: the %d rows written at their acknowledged versions or later %v after the load ended", i, len(ids), lag.Round(time.Millisecond))
		}
	})

	t.Run("a subscriber on each instance got every write, in version order per row", func(t *testing.T) {
		last := acked[len(acked)-1]
		for i := range hubs {
			waitFor(t, fmt.Sprintf("the last write's event on hub %d", i), feedBound, func() bool {
				eventsMu.Lock()
				defer eventsMu.Unlock()
				return slices.ContainsFunc(events[i], func(e received) bool { return e.id == last.id && e.version >= last.version })
			})
		}
		eventsMu.Lock()
		defer eventsMu.Unlock()
		for i := range hubs {
			got := map[[2]any]time.Time{}
			lastVersion := map[string]int64{}
			for _, e := range events[i] {
				if e.version < lastVersion[e.id] {
					t.Errorf("hub %d sent %s v%d after v%d", i, e.id, e.version, lastVersion[e.id])
				}
				lastVersion[e.id] = e.version
				if _, ok := got[[2]any{e.id, e.version}]; !ok {
					got[[2]any{e.id, e.version}] = e.at
				}
			}
			var lags []time.Duration
			missing := 0
			for _, a := range acked {
				at, ok := got[[2]any{a.id, a.version}]
				if !ok {
					if missing++; missing <= 3 {
						t.Errorf("hub %d's subscriber never got %s v%d", i, a.id, a.version)
					}
					continue
				}
				lags = append(lags, max(0, at.Sub(a.at)))
			}
			if missing > 0 {
				t.Errorf("hub %d's subscriber missed %d of %d writes", i, missing, len(acked))
				continue
			}
			slices.Sort(lags)
			t.Logf("hub %d's subscriber: %d events; from acknowledgement to event p50 %v, p99 %v, max %v", i, len(events[i]),
				lags[len(lags)/2].Round(time.Millisecond), lags[len(lags)*99/100].Round(time.Millisecond), lags[len(lags)-1].Round(time.Millisecond))
		}
	})

	t.Run("one client spread over the instances gets one rate limit", func(t *testing.T) {
		ok, refused := float64(rateOK.Load()), rateRefuse.Load()
		allowed := perSecond*elapsed.Seconds() + burst
		// docs/security.md: the other instances may each admit up to a
		// burst and what refills in the time it takes this one to hear
		// of it, two sync intervals and the round trips; a second is
		// generous for those on a loaded host.
		overshoot := (instances - 1) * (burst + perSecond*1.0)
		t.Logf("rate client: %.0f admitted, %d refused, %d other answers in %v; one limit %.0f, the bound %.0f, %d unshared limits %.0f",
			ok, refused, rateOther.Load(), elapsed.Round(time.Millisecond), allowed, allowed+overshoot, instances, instances*allowed)
		if rateOther.Load() > 0 {
			t.Errorf("%d answers neither 200 nor 429", rateOther.Load())
		}
		if ok > allowed+overshoot {
			t.Errorf("admitted %.0f, more than the limit %.0f and the overshoot %.0f", ok, allowed, overshoot)
		}
		// Shared, not divided: the client gets about the whole rate.
		if ok < 0.75*perSecond*elapsed.Seconds() {
			t.Errorf("admitted %.0f, less than 75%% of the rate over %v", ok, elapsed)
		}
	})
}

// behind returns the ids of want that the hub at url does not hold at
// their versions or later.
func behind(t *testing.T, c *opsClient, url, key string, ids []string, want map[string]int64) []string {
	t.Helper()
	var out []string
	for chunk := range slices.Chunk(ids, 100) {
		code, r, err := c.post(t.Context(), url, key, "", `query($ids: [ID!]!) { nodes(ids: $ids) { id version } }`, map[string]any{"ids": chunk})
		if err != nil || code != http.StatusOK || len(r.Errors) > 0 {
			t.Logf("reading the rows from %s: %d %v %+v", url, code, err, r.Errors)
			return chunk
		}
		got, _ := path(r.Data, "nodes").([]any)
		for i, id := range chunk {
			if v, _ := path(got, i, "version").(float64); int64(v) < want[id] {
				out = append(out, id)
			}
		}
	}
	return out
}
