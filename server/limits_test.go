package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph"
	"github.com/otehub/hub/internal/subscribetest"
	"github.com/otehub/hub/web"
)

// heldReads holds every NodesByID call until release is closed.
type heldReads struct {
	hub.Reader
	entered chan struct{}
	release chan struct{}
}

func (h *heldReads) NodesByID(ctx context.Context, ids []string) ([]*hub.Node, error) {
	h.entered <- struct{}{}
	select {
	case <-h.release:
	case <-ctx.Done():
	}
	return h.Reader.NodesByID(ctx, ids)
}

// answer is one HTTP answer: status, Retry-After, and the body's
// GraphQL errors and data.
type answer struct {
	status     int
	retryAfter string
	body       gqlResponse
	raw        string
}

func (a answer) code() string { return errorCode(a.body) }

// send sends req and reads the answer.
func sendRequest(tb testing.TB, req *http.Request) answer {
	tb.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// request builds a POST of query to /graphql, with header.
func request(m *Main, query string, extensions map[string]any, header ...string) *http.Request {
	body, _ := json.Marshal(map[string]any{"query": query, "extensions": extensions})
	req, _ := http.NewRequest(http.MethodPost, m.URL()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

func get(m *Main, path string, header ...string) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, m.URL()+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// mustBeRefused checks a refusal: status, code, and a Retry-After of
// whole seconds that extensions.retryAfter repeats.
func (a answer) mustBeRefused(tb testing.TB, status int, code string) {
	tb.Helper()
	if a.status != status || a.code() != code {
		tb.Fatalf("%d %s, want %d %s", a.status, a.raw, status, code)
	}
	after, err := strconv.Atoi(a.retryAfter)
	if err != nil || after < 1 {
		tb.Errorf("Retry-After %q", a.retryAfter)
	}
	if got, _ := a.body.Errors[0].Extensions["retryAfter"].(float64); int(got) != after {
		tb.Errorf("extensions.retryAfter %v, Retry-After %q", a.body.Errors[0].Extensions["retryAfter"], a.retryAfter)
	}
}

func TestConcurrencyLimitOverHTTP(t *testing.T) {
	held := &heldReads{entered: make(chan struct{}, 10), release: make(chan struct{})}
	m := mustRunMainWith(t, map[string]string{"HUB_MAX_CONCURRENT": "2"}, func(m *Main) {
		m.wrapReads = func(r hub.Reader) hub.Reader { held.Reader = r; return held }
	})
	MustBeReady(t, m, 30*time.Second)
	slow := fmt.Sprintf(`{ node(id: %q) { id } }`, hub.NodeID(hub.KindOrganisation, "eksote"))
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.DefaultClient.Do(request(m, slow, nil))
			if err == nil {
				resp.Body.Close()
			}
		}()
	}
	for range 2 {
		<-held.entered
	}
	released := false
	release := func() {
		if !released {
			released = true
			close(held.release)
			wg.Wait()
		}
	}
	defer release()

	for _, tc := range []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"a query past the bound is refused with 503 OVERLOADED", request(m, "{ __typename }", nil), http.StatusServiceUnavailable, graph.CodeOverloaded},
		{"an export shares the operations' slots", get(m, "/export/network.json"), http.StatusServiceUnavailable, graph.CodeOverloaded},
		{"the liveness check never sheds", get(m, "/healthz"), http.StatusOK, ""},
		{"the readiness check never sheds", get(m, "/readyz"), http.StatusOK, ""},
		{"the playground never sheds", get(m, "/"), http.StatusOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			a := sendRequest(t, tc.req)
			if tc.code == "" {
				if a.status != tc.status {
					t.Errorf("%d %.200s", a.status, a.raw)
				}
				return
			}
			a.mustBeRefused(t, tc.status, tc.code)
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("refused after %v: it should wait about %v", took, graph.AdmissionWait)
			}
		})
	}
	release()
	if a := sendRequest(t, request(m, "{ __typename }", nil)); a.status != http.StatusOK || a.code() != "" {
		t.Errorf("after the held operations ended: %d %s", a.status, a.raw)
	}
}

func TestRateLimitsOverHTTP(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys")
	alice := mustNewKey(t, keys, "-role", "editor", "-subject", "alice")
	bob := mustNewKey(t, keys, "-role", "editor", "-subject", "bob")
	// Two requests, then one a hundred seconds.
	const twoThenWait = "0.01,2"

	type step struct {
		req    func(m *Main) *http.Request
		status int
		code   string
	}
	from := func(client string) []string { return []string{"X-Forwarded-For", client} }
	query := func(header ...string) func(m *Main) *http.Request {
		return func(m *Main) *http.Request { return request(m, "{ __typename }", nil, header...) }
	}
	withKey := func(key string, header ...string) []string {
		return append([]string{"Authorization", "Bearer " + key}, header...)
	}
	ok := func(req func(m *Main) *http.Request) step { return step{req, http.StatusOK, ""} }
	limited := func(req func(m *Main) *http.Request) step {
		return step{req, http.StatusTooManyRequests, graph.CodeRateLimited}
	}
	for _, tc := range []struct {
		name  string
		env   map[string]string
		steps []step
	}{
		{"an anonymous client past its burst is refused, another is not",
			map[string]string{"HUB_RATE_LIMIT_ANONYMOUS": twoThenWait, "HUB_TRUSTED_PROXIES": "127.0.0.1"},
			[]step{ok(query(from("198.51.100.1")...)), ok(query(from("198.51.100.1")...)), limited(query(from("198.51.100.1")...)), ok(query(from("198.51.100.2")...))}},
		{"X-Forwarded-For from an untrusted peer is ignored: every claimed client shares the peer's bucket",
			map[string]string{"HUB_RATE_LIMIT_ANONYMOUS": twoThenWait},
			[]step{ok(query(from("198.51.100.1")...)), ok(query(from("198.51.100.2")...)), limited(query(from("198.51.100.3")...))}},
		{"exports take from the same bucket as queries",
			map[string]string{"HUB_RATE_LIMIT_ANONYMOUS": twoThenWait},
			[]step{ok(func(m *Main) *http.Request { return get(m, "/export/network.json") }), ok(query()), limited(func(m *Main) *http.Request { return get(m, "/export/network.json") })}},
		{"health checks are never limited",
			map[string]string{"HUB_RATE_LIMIT_ANONYMOUS": "0.01,1"},
			[]step{ok(query()), ok(func(m *Main) *http.Request { return get(m, "/healthz") }), ok(func(m *Main) *http.Request { return get(m, "/readyz") }), ok(func(m *Main) *http.Request { return get(m, "/healthz") }), limited(query())}},
		{"a key past its burst is refused, other keys and anonymous callers from its address are not",
			map[string]string{"HUB_API_KEYS_FILE": keys, "HUB_RATE_LIMIT_KEY": twoThenWait, "HUB_RATE_LIMIT_ANONYMOUS": "0"},
			[]step{ok(query(withKey(alice)...)), ok(query(withKey(alice)...)), limited(query(withKey(alice)...)), ok(query(withKey(bob)...)), ok(query())}},
		{"a WebSocket's upgrade takes from its client's bucket",
			map[string]string{"HUB_RATE_LIMIT_ANONYMOUS": "0.01,1"},
			[]step{ok(query()), limited(func(m *Main) *http.Request {
				req := get(m, "/graphql", "Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol", "graphql-transport-ws")
				return req
			})}},
		{"no limit when both rates are 0",
			map[string]string{"HUB_RATE_LIMIT_ANONYMOUS": "0", "HUB_RATE_LIMIT_KEY": "0"},
			[]step{ok(query()), ok(query()), ok(query()), ok(query()), ok(query()), ok(query())}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := MustRunMain(t, tc.env)
			MustBeReady(t, m, 30*time.Second)
			for i, s := range tc.steps {
				a := sendRequest(t, s.req(m))
				if s.code != "" {
					a.mustBeRefused(t, s.status, s.code)
				} else if a.status != s.status || a.code() != "" {
					t.Fatalf("step %d: %d %.300s, want %d", i, a.status, a.raw, s.status)
				}
			}
		})
	}

	t.Run("operations sent over a WebSocket each take from the bucket", func(t *testing.T) {
		m := MustRunMain(t, map[string]string{"HUB_RATE_LIMIT_ANONYMOUS": "0.01,3"})
		MustBeReady(t, m, 30*time.Second)
		ws, _, err := subscribetest.DialWebSocket(t.Context(), m.URL()+"/graphql", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		var codes []string
		for i := range 3 {
			s, err := ws.Subscribe(t.Context(), strconv.Itoa(i), subscribetest.Request{Query: "{ __typename }"})
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Next(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			code := ""
			if len(r.Errors) > 0 {
				code = r.Errors[0].Code()
			}
			codes = append(codes, code)
		}
		if strings.Join(codes, ",") != ",,"+graph.CodeRateLimited {
			t.Errorf("codes %q: want the upgrade and two operations served, the third refused", codes)
		}
	})
}

func TestPersistedQueriesOverHTTP(t *testing.T) {
	examples, err := web.Examples()
	if err != nil {
		t.Fatal(err)
	}
	// The manifest go generate writes of the playground's examples.
	manifest := filepath.Join("..", "web", "examples", "manifest.json")
	committed, err := graph.ReadTrustedDocuments(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if len(committed) != len(examples) {
		t.Fatalf("the manifest holds %d documents, the playground %d examples: run go generate ./web", len(committed), len(examples))
	}
	for _, e := range examples {
		if committed[graph.DocumentHash(e.Query)] != e.Query {
			t.Fatalf("the manifest lacks example %s as it is now: run go generate ./web", e.Name)
		}
	}
	listed := examples[0].Query
	const other = `{ organisations(first: 1) { nodes { id } } }`
	hashOf := func(doc string) map[string]any {
		return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": graph.DocumentHash(doc)}}
	}
	getPersisted := func(m *Main, doc string) *http.Request {
		ext, _ := json.Marshal(hashOf(doc))
		return get(m, "/graphql?extensions="+url.QueryEscape(string(ext)))
	}

	t.Run("a document registered over POST runs by its hash over GET", func(t *testing.T) {
		m := MustRunMain(t, nil)
		MustBeReady(t, m, 30*time.Second)
		if a := sendRequest(t, getPersisted(m, other)); a.code() != "PERSISTED_QUERY_NOT_FOUND" {
			t.Fatalf("before registering: %d %s", a.status, a.raw)
		}
		if a := sendRequest(t, request(m, other, hashOf(other))); a.status != http.StatusOK || a.code() != "" {
			t.Fatalf("registering: %d %s", a.status, a.raw)
		}
		if a := sendRequest(t, getPersisted(m, other)); a.status != http.StatusOK || a.code() != "" || a.body.Data["organisations"] == nil {
			t.Fatalf("by hash: %d %s", a.status, a.raw)
		}
	})

	t.Run("with only trusted documents, the playground's examples run and nothing else", func(t *testing.T) {
		m := MustRunMain(t, map[string]string{"HUB_TRUSTED_DOCUMENTS": manifest, "HUB_ALLOW_ARBITRARY_OPERATIONS": "false"})
		MustBeReady(t, m, 30*time.Second)
		for name, tc := range map[string]struct {
			req  *http.Request
			code string
		}{
			"a listed document":         {request(m, listed, nil), ""},
			"a listed document by hash": {getPersisted(m, listed), ""},
			"an unlisted document":      {request(m, other, nil), graph.CodePersistedQueryNotAllowed},
			"an APQ registration":       {request(m, other, hashOf(other)), graph.CodePersistedQueryNotAllowed},
			"an unlisted hash":          {getPersisted(m, other), graph.CodePersistedQueryNotAllowed},
		} {
			if a := sendRequest(t, tc.req); a.code() != tc.code {
				t.Errorf("%s: %d %.300s, want %q", name, a.status, a.raw, tc.code)
			}
		}
	})
}

func TestProductionModeHidesSuggestions(t *testing.T) {
	const typo = `{ organisatons { totalCount } }`
	for _, tc := range []struct {
		env     map[string]string
		suggest bool
	}{{nil, true}, {map[string]string{"HUB_PRODUCTION": "true"}, false}} {
		m := MustRunMain(t, tc.env)
		MustBeReady(t, m, 30*time.Second)
		a := sendRequest(t, request(m, typo, nil))
		if a.code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Fatalf("%v: %s", tc.env, a.raw)
		}
		if got := strings.Contains(a.raw, "Did you mean"); got != tc.suggest {
			t.Errorf("%v: %s", tc.env, a.raw)
		}
	}
}

func TestProtectionFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(Config) bool
		wantErr bool
	}{
		{"defaults", nil, nil, func(c Config) bool {
			return c.RateAnonymous == defaultRateAnonymous && c.RateKey == defaultRateKey && c.RateSync == graph.RateSyncInterval && c.AllowArbitraryOperations && c.Introspection && !c.Production && c.Limits.Concurrent == 0
		}, false},
		{"rates from the environment", nil, map[string]string{"HUB_RATE_LIMIT_ANONYMOUS": "2.5,7", "HUB_RATE_LIMIT_KEY": "0"}, func(c Config) bool {
			return c.RateAnonymous == graph.Rate{PerSecond: 2.5, Burst: 7} && !c.RateKey.On()
		}, false},
		{"a rate without a burst takes five seconds' worth", nil, map[string]string{"HUB_RATE_LIMIT_KEY": "3"}, func(c Config) bool {
			return c.RateKey == graph.Rate{PerSecond: 3, Burst: 15}
		}, false},
		{"a flag wins over its variable", []string{"-rate-limit-anonymous", "1,1"}, map[string]string{"HUB_RATE_LIMIT_ANONYMOUS": "5,5"}, func(c Config) bool {
			return c.RateAnonymous == graph.Rate{PerSecond: 1, Burst: 1}
		}, false},
		{"trusted proxies take CIDRs and addresses", nil, map[string]string{"HUB_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7, 2001:db8::/32"}, func(c Config) bool {
			return len(c.TrustedProxies) == 3 && c.TrustedProxies[1].String() == "192.0.2.7/32"
		}, false},
		{"the rate-limit sync from a flag, and 0 for none", []string{"-rate-limit-sync", "0"}, map[string]string{"HUB_RATE_LIMIT_SYNC": "50ms"}, func(c Config) bool {
			return c.RateSync == 0
		}, false},
		{"the rate-limit sync from the environment", nil, map[string]string{"HUB_RATE_LIMIT_SYNC": "50ms"}, func(c Config) bool {
			return c.RateSync == 50*time.Millisecond
		}, false},
		{"a rate-limit sync faster than a round trip", nil, map[string]string{"HUB_RATE_LIMIT_SYNC": "1ms"}, nil, true},
		{"a rate-limit sync that is not a duration", nil, map[string]string{"HUB_RATE_LIMIT_SYNC": "often"}, nil, true},
		{"concurrency from the environment", nil, map[string]string{"HUB_MAX_CONCURRENT": "16"}, func(c Config) bool { return c.Limits.Concurrent == 16 }, false},
		{"production and introspection", nil, map[string]string{"HUB_PRODUCTION": "true", "HUB_INTROSPECTION": "false"}, func(c Config) bool { return c.Production && !c.Introspection }, false},
		{"a rate that is not a number", nil, map[string]string{"HUB_RATE_LIMIT_ANONYMOUS": "fast"}, nil, true},
		{"a negative rate", nil, map[string]string{"HUB_RATE_LIMIT_KEY": "-1"}, nil, true},
		{"a burst of 0", nil, map[string]string{"HUB_RATE_LIMIT_KEY": "1,0"}, nil, true},
		{"a proxy that is not an address", nil, map[string]string{"HUB_TRUSTED_PROXIES": "proxy.example"}, nil, true},
		{"only trusted documents without documents", nil, map[string]string{"HUB_ALLOW_ARBITRARY_OPERATIONS": "false"}, nil, true},
		{"a bad boolean", nil, map[string]string{"HUB_PRODUCTION": "yes please"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMain()
			err := m.ParseFlags(tc.args, func(k string) string { return tc.env[k] })
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.check != nil && !tc.check(m.Config) {
				t.Errorf("config %+v", m.Config)
			}
		})
	}
}
