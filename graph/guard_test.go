package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph"
	"github.com/otehub/hub/index"
	"github.com/otehub/hub/internal/subscribetest"
)

// gatedNetwork holds every NodesByID call until release is closed, and
// says on entered when one has begun: a test holds operations running
// for as long as it needs, without sleeping.
type gatedNetwork struct {
	hub.Network
	entered chan struct{}
	release chan struct{}
}

func newGatedNetwork(n hub.Network) *gatedNetwork {
	return &gatedNetwork{Network: n, entered: make(chan struct{}, 100), release: make(chan struct{})}
}

func (g *gatedNetwork) NodesByID(ctx context.Context, ids []string) ([]*hub.Node, error) {
	g.entered <- struct{}{}
	select {
	case <-g.release:
	case <-ctx.Done():
	}
	return g.Network.NodesByID(ctx, ids)
}

// holdSlots starts n operations that read through g and returns once
// all are reading; the returned function releases them and waits until
// they have answered.
func holdSlots(t *testing.T, url string, g *gatedNetwork, n int) (release func()) {
	t.Helper()
	var wg sync.WaitGroup
	query := fmt.Sprintf(`{ node(id: %q) { id } }`, hub.NodeID(hub.KindOrganisation, "eksote"))
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ex := doQuiet(postJSON(url, map[string]any{"query": query}, nil))
			if ex.status != http.StatusOK {
				t.Errorf("a held operation answered %d: %s", ex.status, ex.body)
			}
		}()
	}
	for range n {
		select {
		case <-g.entered:
		case <-time.After(10 * time.Second):
			t.Fatal("the held operations did not start")
		}
	}
	var once sync.Once
	release = func() { once.Do(func() { close(g.release); wg.Wait() }) }
	t.Cleanup(release)
	return release
}

func postJSON(url string, body map[string]any, header http.Header) *http.Request {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	return req
}

// doQuiet is do for goroutines, which must not call Fatal.
func doQuiet(req *http.Request) exchange {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return exchange{status: -1, body: []byte(err.Error())}
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	ex := exchange{status: resp.StatusCode, header: resp.Header, body: buf.Bytes()}
	var out struct{ Errors []gqlError }
	_ = json.Unmarshal(ex.body, &out)
	ex.errors = out.Errors
	return ex
}

// mustRefuse checks that ex is a refusal with status, code and a
// Retry-After of at least one second that extensions.retryAfter repeats.
func (ex exchange) mustRefuse(tb testing.TB, status int, code string) int {
	tb.Helper()
	ex.mustAnswer(tb, status, code)
	after, err := strconv.Atoi(ex.header.Get("Retry-After"))
	if err != nil || after < 1 {
		tb.Errorf("Retry-After %q, want whole seconds", ex.header.Get("Retry-After"))
	}
	if len(ex.errors) == 1 {
		if got, _ := ex.errors[0].Extensions["retryAfter"].(float64); int(got) != after {
			tb.Errorf("extensions.retryAfter %v, Retry-After %d", ex.errors[0].Extensions["retryAfter"], after)
		}
	}
	return after
}

func TestAdmissionControl(t *testing.T) {
	live := MustOpenSeeded(t)
	gated := newGatedNetwork(live)
	l := startLive(t, graph.Options{Network: gated, Changes: live.(*index.Live), Limits: graph.Limits{Concurrent: 2}})
	l.net = live // for waitSubscribed
	typename := map[string]any{"query": "{ __typename }"}

	release := holdSlots(t, l.url, gated, 2)

	t.Run("an operation past the bound is refused quickly with 503, OVERLOADED and Retry-After", func(t *testing.T) {
		start := time.Now()
		ex := do(t, postJSON(l.url, typename, nil))
		took := time.Since(start)
		ex.mustRefuse(t, http.StatusServiceUnavailable, graph.CodeOverloaded)
		// It waits graph.AdmissionWait for a slot, not the request timeout.
		if took > 5*time.Second {
			t.Errorf("refused after %v", took)
		}
	})

	t.Run("a query over an event stream is refused with OVERLOADED", func(t *testing.T) {
		s, resp, err := subscribetest.PostEventStream(t.Context(), l.url, subscribetest.Request{Query: "{ __typename }"}, nil)
		if err != nil || s == nil {
			t.Fatalf("no event stream: %v %v", err, resp)
		}
		defer s.Close()
		r, err := s.Next(t.Context())
		if err != nil || len(r.Errors) != 1 || r.Errors[0].Code() != graph.CodeOverloaded {
			t.Fatalf("response %+v, %v; want OVERLOADED", r, err)
		}
	})

	t.Run("a subscription holds no slot: it opens and gets its events while every slot is taken", func(t *testing.T) {
		s := l.subscribeSSE(t, `subscription { changes(kinds: [Organisation]) { id version } }`, nil)
		l.waitSubscribed(t, 1)
		id := hub.NodeID(hub.KindOrganisation, "eksote")
		before := rewrite(t, live, []string{id}, nil)
		if ev := nextEvent(t, s); ev.ID != id || int64(ev.Version) != before[id]+1 {
			t.Errorf("event %+v", ev)
		}
	})

	release()
	t.Run("once the slots are free, operations run again", func(t *testing.T) {
		if ex := do(t, postJSON(l.url, typename, nil)); ex.status != http.StatusOK || len(ex.errors) > 0 {
			t.Errorf("%d %s", ex.status, ex.body)
		}
	})
}

// serve runs one request through h from the address from.
func serve(h http.Handler, req *http.Request, from string) exchange {
	req.RemoteAddr = from
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	ex := exchange{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	var out struct{ Errors []gqlError }
	_ = json.Unmarshal(ex.body, &out)
	ex.errors = out.Errors
	return ex
}

func TestRateLimits(t *testing.T) {
	net := MustOpenSeeded(t)
	// One request in a hundred seconds: nothing refills during a test.
	slow := graph.Rate{PerSecond: 0.01, Burst: 3}
	newHandler := func(l graph.RateLimits) http.Handler {
		return graph.NewHandler(graph.Options{Network: net, Writer: net, RateLimits: l})
	}
	typename := func() *http.Request { return postJSON("/graphql", map[string]any{"query": "{ __typename }"}, nil) }
	as := func(p *hub.Principal, req *http.Request) *http.Request {
		return req.WithContext(hub.WithPrincipal(req.Context(), p))
	}
	alice := &hub.Principal{Subject: "alice", Role: hub.RoleEditor}
	bob := &hub.Principal{Subject: "bob", Role: hub.RoleEditor}

	t.Run("an address past its burst gets 429 RATE_LIMITED with Retry-After, other addresses do not", func(t *testing.T) {
		h := newHandler(graph.RateLimits{Anonymous: slow})
		for i := range slow.Burst {
			if ex := serve(h, typename(), "192.0.2.1:1000"); ex.status != http.StatusOK {
				t.Fatalf("request %d: %d %s", i, ex.status, ex.body)
			}
		}
		after := serve(h, typename(), "192.0.2.1:1001").mustRefuse(t, http.StatusTooManyRequests, graph.CodeRateLimited)
		if after < 90 || after > 100 {
			t.Errorf("Retry-After %d, want about 100 seconds (one request at 0.01 a second)", after)
		}
		if ex := serve(h, typename(), "192.0.2.2:1000"); ex.status != http.StatusOK {
			t.Errorf("another address: %d %s", ex.status, ex.body)
		}
	})

	t.Run("an IPv6 client is limited by its /64", func(t *testing.T) {
		h := newHandler(graph.RateLimits{Anonymous: slow})
		for i := range slow.Burst {
			serve(h, typename(), fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1))
		}
		serve(h, typename(), "[2001:db8:1:2:ffff::1]:443").mustRefuse(t, http.StatusTooManyRequests, graph.CodeRateLimited)
		if ex := serve(h, typename(), "[2001:db8:1:3::1]:443"); ex.status != http.StatusOK {
			t.Errorf("another /64: %d", ex.status)
		}
	})

	t.Run("a key past its burst is refused, other keys and anonymous callers are not", func(t *testing.T) {
		h := newHandler(graph.RateLimits{Anonymous: slow, Key: slow})
		for range slow.Burst {
			serve(h, as(alice, typename()), "192.0.2.10:1")
		}
		// From another address too: a key is limited by its subject.
		serve(h, as(alice, typename()), "192.0.2.11:1").mustRefuse(t, http.StatusTooManyRequests, graph.CodeRateLimited)
		if ex := serve(h, as(bob, typename()), "192.0.2.10:1"); ex.status != http.StatusOK {
			t.Errorf("bob: %d %s", ex.status, ex.body)
		}
		if ex := serve(h, typename(), "192.0.2.10:1"); ex.status != http.StatusOK {
			t.Errorf("anonymous from alice's address: %d %s", ex.status, ex.body)
		}
	})

	t.Run("a mutation takes WriteCost, and one that the rest of the bucket cannot pay is refused with 429", func(t *testing.T) {
		h := newHandler(graph.RateLimits{Key: graph.Rate{PerSecond: 0.01, Burst: graph.WriteCost + 1}})
		mutation := func() *http.Request {
			return as(alice, postJSON("/graphql", map[string]any{"query": `mutation { deleteNode(input: {id: "T3JnYW5pc2F0aW9uOm5vbmU", version: 1}) { deletedIds } }`}, nil))
		}
		if ex := serve(h, mutation(), "192.0.2.20:1"); ex.status != http.StatusOK || (len(ex.errors) > 0 && ex.errors[0].code() == graph.CodeRateLimited) {
			t.Fatalf("first mutation: %d %s", ex.status, ex.body)
		}
		// One token is left: the request takes it, the mutation's
		// remaining cost is refused.
		ex := serve(h, mutation(), "192.0.2.20:1")
		ex.mustRefuse(t, http.StatusTooManyRequests, graph.CodeRateLimited)
		serve(h, as(alice, typename()), "192.0.2.20:1").mustRefuse(t, http.StatusTooManyRequests, graph.CodeRateLimited)
	})

	t.Run("each operation over a WebSocket takes from the rate, and so does the upgrade", func(t *testing.T) {
		l := startLive(t, graph.Options{RateLimits: graph.RateLimits{Anonymous: slow}})
		ws := l.dial(t) // takes 1
		for i := range slow.Burst {
			s := l.subscribeWS(t, ws, strconv.Itoa(i), "{ __typename }")
			r, err := s.Next(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			refused := len(r.Errors) == 1 && r.Errors[0].Code() == graph.CodeRateLimited
			if want := i == slow.Burst-1; refused != want {
				t.Errorf("operation %d: %+v, want refused %v", i, r, want)
			}
			if refused {
				if after, _ := r.Errors[0].Extensions["retryAfter"].(float64); after < 1 {
					t.Errorf("retryAfter %v", r.Errors[0].Extensions["retryAfter"])
				}
			}
		}
	})

	t.Run("X-Forwarded-For names the client only when the peer is a trusted proxy", func(t *testing.T) {
		h := newHandler(graph.RateLimits{Anonymous: graph.Rate{PerSecond: 0.01, Burst: 1}, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
		forwarded := func(xff string) *http.Request {
			return postJSON("/graphql", map[string]any{"query": "{ __typename }"}, http.Header{"X-Forwarded-For": {xff}})
		}
		// Through the proxy, two clients have a bucket each.
		for _, client := range []string{"198.51.100.1", "198.51.100.2"} {
			if ex := serve(h, forwarded(client), "10.0.0.5:1"); ex.status != http.StatusOK {
				t.Errorf("client %s through the proxy: %d", client, ex.status)
			}
		}
		serve(h, forwarded("198.51.100.1"), "10.1.2.3:1").mustRefuse(t, http.StatusTooManyRequests, graph.CodeRateLimited)
		// A client cannot prepend addresses to escape: the last
		// untrusted hop is the one the proxy saw.
		serve(h, forwarded("203.0.113.9, 198.51.100.2"), "10.0.0.5:1").mustRefuse(t, http.StatusTooManyRequests, graph.CodeRateLimited)
		// Two proxies in a row: the first untrusted hop from the right.
		serve(h, forwarded("198.51.100.2, 10.0.0.7"), "10.0.0.5:1").mustRefuse(t, http.StatusTooManyRequests, graph.CodeRateLimited)
		// From an untrusted peer the header is ignored: the peer is the
		// client, whatever it claims.
		if ex := serve(h, forwarded("198.51.100.3"), "192.0.2.50:1"); ex.status != http.StatusOK {
			t.Errorf("first request of an untrusted peer: %d", ex.status)
		}
		serve(h, forwarded("198.51.100.4"), "192.0.2.50:1").mustRefuse(t, http.StatusTooManyRequests, graph.CodeRateLimited)
	})

	t.Run("Guard limits another endpoint by the same buckets", func(t *testing.T) {
		h := graph.NewHandler(graph.Options{Network: net, RateLimits: graph.RateLimits{Anonymous: graph.Rate{PerSecond: 0.01, Burst: 1}}})
		export := h.Guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
		get := func() *http.Request { return httptest.NewRequest(http.MethodGet, "/export/network.json", nil) }
		if ex := serve(export, get(), "192.0.2.60:1"); ex.status != http.StatusOK {
			t.Fatalf("first export: %d", ex.status)
		}
		serve(export, get(), "192.0.2.60:1").mustRefuse(t, http.StatusTooManyRequests, graph.CodeRateLimited)
		serve(h, typename(), "192.0.2.60:1").mustRefuse(t, http.StatusTooManyRequests, graph.CodeRateLimited)
	})

	t.Run("zero rates limit no one", func(t *testing.T) {
		h := newHandler(graph.RateLimits{})
		for i := range 50 {
			if ex := serve(h, typename(), "192.0.2.70:1"); ex.status != http.StatusOK {
				t.Fatalf("request %d: %d", i, ex.status)
			}
		}
	})
}

func TestPersistedQueries(t *testing.T) {
	net := MustOpenSeeded(t)
	const listed = `query Count { organisations { totalCount } }`
	trusted := map[string]string{graph.DocumentHash(listed): listed}
	persisted := func(hash string) client.Option {
		return client.Extensions(map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}})
	}
	const other = `{ pilots { totalCount } }`

	t.Run("a document registered with its hash is then run by its hash alone", func(t *testing.T) {
		c := newClient(graph.Options{Network: net})
		_, errs := MustErrors(t, c, "", persisted(graph.DocumentHash(other)))
		if len(errs) != 1 || errs[0].code() != "PERSISTED_QUERY_NOT_FOUND" {
			t.Fatalf("an unknown hash: %+v, want PERSISTED_QUERY_NOT_FOUND", errs)
		}
		if data, errs := MustErrors(t, c, other, persisted(graph.DocumentHash(other))); len(errs) > 0 || data == nil {
			t.Fatalf("registering: %+v", errs)
		}
		var resp struct{ Pilots struct{ TotalCount int } }
		MustQuery(t, c, "", &resp, persisted(graph.DocumentHash(other)))
		if resp.Pilots.TotalCount == 0 {
			t.Errorf("by hash: %+v", resp)
		}
		if _, errs := MustErrors(t, c, `{ __typename }`, persisted(graph.DocumentHash(other))); len(errs) == 0 {
			t.Error("a document sent with another's hash was run")
		}
	})

	t.Run("a trusted document runs by its hash without registering", func(t *testing.T) {
		c := newClient(graph.Options{Network: net, TrustedDocuments: trusted})
		var resp struct{ Organisations struct{ TotalCount int } }
		MustQuery(t, c, "", &resp, persisted(graph.DocumentHash(listed)))
		if resp.Organisations.TotalCount == 0 {
			t.Errorf("%+v", resp)
		}
		// Other documents still run.
		MustQuery(t, c, other, &map[string]any{})
	})

	t.Run("with only trusted documents, a listed one runs and nothing else does", func(t *testing.T) {
		c := newClient(graph.Options{Network: net, TrustedDocuments: trusted, OnlyTrustedDocuments: true})
		MustQuery(t, c, listed, &map[string]any{})
		MustQuery(t, c, "", &map[string]any{}, persisted(graph.DocumentHash(listed)))
		for name, send := range map[string]func() []gqlError{
			"an unlisted document": func() []gqlError { _, e := MustErrors(t, c, other); return e },
			"a listed document written differently": func() []gqlError {
				_, e := MustErrors(t, c, strings.ReplaceAll(listed, " ", "  "))
				return e
			},
			"an unlisted hash":    func() []gqlError { _, e := MustErrors(t, c, "", persisted(graph.DocumentHash(other))); return e },
			"an APQ registration": func() []gqlError { _, e := MustErrors(t, c, other, persisted(graph.DocumentHash(other))); return e },
			"introspection":       func() []gqlError { _, e := MustErrors(t, c, `{ __schema { queryType { name } } }`); return e },
			"an empty document":   func() []gqlError { _, e := MustErrors(t, c, ""); return e },
			"a mutation not on list": func() []gqlError {
				_, e := MustErrors(t, c, `mutation { deleteNode(input: {id: "x", version: 1}) { deletedIds } }`)
				return e
			},
		} {
			if errs := send(); len(errs) != 1 || errs[0].code() != graph.CodePersistedQueryNotAllowed {
				t.Errorf("%s: %+v, want %s", name, errs, graph.CodePersistedQueryNotAllowed)
			}
		}
		// The registration was refused: the hash is still unknown.
		if _, errs := MustErrors(t, c, "", persisted(graph.DocumentHash(other))); len(errs) != 1 || errs[0].code() != graph.CodePersistedQueryNotAllowed {
			t.Errorf("after a refused registration: %+v", errs)
		}
	})

	t.Run("manifests are read from a file or a directory, and an id that is not its body's hash is refused", func(t *testing.T) {
		dir := t.TempDir()
		write := func(name string, m graph.Manifest) string {
			b, _ := json.Marshal(m)
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}
		a := write("a.json", graph.NewManifest(map[string]string{"Count": listed}, map[string]string{"Count": "query"}))
		write("b.json", graph.NewManifest(map[string]string{"Other": other}, nil))
		if docs, err := graph.ReadTrustedDocuments(a); err != nil || len(docs) != 1 || docs[graph.DocumentHash(listed)] != listed {
			t.Errorf("file: %v %v", docs, err)
		}
		if docs, err := graph.ReadTrustedDocuments(dir); err != nil || len(docs) != 2 {
			t.Errorf("directory: %v %v", docs, err)
		}
		bad := graph.NewManifest(map[string]string{"Count": listed}, nil)
		bad.Operations[0].ID = graph.DocumentHash(other)
		if _, err := graph.ReadTrustedDocuments(write("c.json", bad)); err == nil {
			t.Error("a manifest listing a document under another's id was read")
		}
		if _, err := graph.ReadTrustedDocuments(write("d.json", graph.Manifest{Format: "something else", Version: 1})); err == nil {
			t.Error("a manifest of another format was read")
		}
	})
}

func TestSuggestions(t *testing.T) {
	net := MustOpenSeeded(t)
	mistakes := []struct{ name, query string }{
		{"a field", `{ organisatons { totalCount } }`},
		{"an argument", `{ organisations(frist: 1) { totalCount } }`},
		{"an enum value", `{ entityByKey(kind: Organisatio, key: "eksote") { id } }`},
		{"a type", `query($k: NodeKnid!) { entityByKey(kind: $k, key: "eksote") { id } }`},
		{"a scalar's selections", `{ organisations { totalCount { x } } }`},
	}
	t.Run("by default validation errors suggest names", func(t *testing.T) {
		c := newClient(graph.Options{Network: net})
		suggested := 0
		for _, m := range mistakes {
			_, errs := MustErrors(t, c, m.query)
			if len(errs) > 0 && strings.Contains(errs[0].Message, "Did you mean") {
				suggested++
			}
		}
		if suggested < 3 {
			t.Errorf("%d of %d mistakes got a suggestion; the test no longer shows what NoSuggestions removes", suggested, len(mistakes))
		}
	})
	t.Run("without suggestions no error names what was not asked", func(t *testing.T) {
		c := newClient(graph.Options{Network: net, NoSuggestions: true})
		for _, m := range mistakes {
			_, errs := MustErrors(t, c, m.query)
			if len(errs) == 0 {
				t.Errorf("%s: no error", m.name)
			}
			for _, e := range errs {
				if strings.Contains(e.Message, "Did you mean") || strings.Contains(e.Message, "organisations\"?") {
					t.Errorf("%s: %q", m.name, e.Message)
				}
				if e.code() != "GRAPHQL_VALIDATION_FAILED" {
					t.Errorf("%s: code %s", m.name, e.code())
				}
			}
		}
	})
	t.Run("without introspection __schema is refused and __typename answers", func(t *testing.T) {
		c := newClient(graph.Options{Network: net, NoIntrospection: true})
		for _, q := range []string{`{ __schema { queryType { name } } }`, `{ __type(name: "Pilot") { name } }`, `query IntrospectionQuery { a: __typename __schema { types { name } } }`} {
			errs := MustFailWith(t, c, "FORBIDDEN", q)
			if !strings.Contains(errs[0].Message, "introspection is disabled") {
				t.Errorf("%s: message %q does not say introspection is disabled", q, errs[0].Message)
			}
		}
		MustQuery(t, c, `{ __typename }`, &map[string]any{})
	})
}
