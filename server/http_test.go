package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/otehub/hub"
	"github.com/otehub/hub/internal/subscribetest"
	"github.com/otehub/hub/web"
)

// rawClient does not decompress answers: the tests see the bytes sent.
var rawClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

type rawAnswer struct {
	status int
	header http.Header
	body   []byte
	// chunked is set when the answer came without a Content-Length.
	chunked bool
}

// fetch sends a request with the headers of kv (name, value, ...).
func fetch(t *testing.T, method, url string, body []byte, kv ...string) rawAnswer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(kv); i += 2 {
		req.Header.Set(kv[i], kv[i+1])
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return rawAnswer{status: resp.StatusCode, header: resp.Header, body: b, chunked: resp.ContentLength < 0}
}

// decode undoes the answer's Content-Encoding with the standard
// library's gzip reader or the brotli reader, independently of the
// encoders that wrote it.
func decode(t *testing.T, a rawAnswer) []byte {
	t.Helper()
	var r io.Reader
	switch ce := a.header.Get("Content-Encoding"); ce {
	case "":
		return a.body
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(a.body))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(a.body))
	default:
		t.Fatalf("unexpected Content-Encoding %q", ce)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode %s: %v", a.header.Get("Content-Encoding"), err)
	}
	return b
}

func varies(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return true
			}
		}
	}
	return false
}

// versionedAsset finds the versioned name of an asset in a page.
func versionedAsset(t *testing.T, m *Main, page, asset string) string {
	t.Helper()
	a := fetch(t, http.MethodGet, m.URL()+page, nil)
	stem, ext, _ := strings.Cut(asset, ".")
	found := regexp.MustCompile(`"/assets/(` + regexp.QuoteMeta(stem) + `\.[0-9a-f]{16}\.` + regexp.QuoteMeta(ext) + `)"`).FindSubmatch(a.body)
	if found == nil {
		t.Fatalf("%s links no versioned %s:\n%s", page, asset, a.body)
	}
	return string(found[1])
}

const bigQuery = `{ organisations(first: 100) { totalCount nodes { id key name kind } } }`

// TestCompression: every compressible answer of some size comes in the
// coding the client prefers, decodes (by the standard library's gzip and
// the brotli reader) to the identity answer byte for byte, and is
// smaller; small answers, event streams and WebSockets are not
// compressed.
func TestCompression(t *testing.T) {
	m := MustRunMain(t, nil)
	MustBeReady(t, m, 30*time.Second)
	post, _ := json.Marshal(map[string]any{"query": bigQuery})
	type target struct {
		name, method, path string
		body               []byte
		// streamed answers are sent chunked when compressed.
		streamed bool
	}
	targets := []target{
		{"playground", "GET", "/", nil, false},
		{"examples", "GET", "/examples.json", nil, false},
		{"GET query", "GET", "/graphql?query=" + url.QueryEscape(bigQuery), nil, false},
		{"POST query", "POST", "/graphql", post, false},
		{"GraphML export", "GET", "/export/network.graphml?limit=1000", nil, true},
		{"JSON export", "GET", "/export/network.json", nil, true},
	}
	if web.Built() {
		targets = append(targets,
			target{"map page", "GET", "/map", nil, false},
			target{"map script", "GET", "/assets/" + versionedAsset(t, m, "/map", "map.js"), nil, false},
			target{"map script by its plain name", "GET", "/assets/map.js", nil, false},
			target{"style sheet", "GET", "/assets/style.css", nil, false},
		)
	} else {
		t.Log("the pages are not built (make ui): their assets are not checked")
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			identity := fetch(t, tg.method, m.URL()+tg.path, tg.body)
			if identity.status != http.StatusOK || identity.header.Get("Content-Encoding") != "" {
				t.Fatalf("without Accept-Encoding: %d, Content-Encoding %q", identity.status, identity.header.Get("Content-Encoding"))
			}
			if !varies(identity.header, "Accept-Encoding") {
				t.Errorf("the identity answer has Vary %q, want Accept-Encoding in it", identity.header.Values("Vary"))
			}
			for _, c := range []struct{ accept, want string }{
				{"gzip", "gzip"},
				{"br", "br"},
				{"gzip, deflate, br, zstd", "br"},
				{"br;q=0.5, gzip", "gzip"},
				{"br;q=0, gzip;q=0.1", "gzip"},
				{"*", "br"},
				{"gzip;q=0, *;q=0.3", "br"},
				{"identity", ""},
				{"deflate", ""},
				{"br;q=0, gzip;q=0", ""},
				{"gzip;q=bad", ""},
			} {
				a := fetch(t, tg.method, m.URL()+tg.path, tg.body, "Accept-Encoding", c.accept)
				if a.status != http.StatusOK || a.header.Get("Content-Encoding") != c.want {
					t.Errorf("Accept-Encoding %q: %d, Content-Encoding %q, want %q", c.accept, a.status, a.header.Get("Content-Encoding"), c.want)
					continue
				}
				if !varies(a.header, "Accept-Encoding") {
					t.Errorf("Accept-Encoding %q: Vary %q", c.accept, a.header.Values("Vary"))
				}
				if got := decode(t, a); !bytes.Equal(got, identity.body) {
					t.Errorf("Accept-Encoding %q: decodes to %d bytes that differ from the %d of the identity answer", c.accept, len(got), len(identity.body))
				}
				if c.want == "" {
					continue
				}
				if len(a.body) >= len(identity.body)/2 {
					t.Errorf("Accept-Encoding %q: %d bytes for %d", c.accept, len(a.body), len(identity.body))
				}
				if cl := a.header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(a.body)) {
					t.Errorf("Accept-Encoding %q: Content-Length %s for %d bytes", c.accept, cl, len(a.body))
				}
				if tg.streamed && !a.chunked {
					t.Errorf("Accept-Encoding %q: a streamed export came with a Content-Length", c.accept)
				}
				if c.accept == "gzip" || c.accept == "br" {
					t.Logf("%s: identity %d bytes, %s %d", tg.name, len(identity.body), c.accept, len(a.body))
				}
			}
		})
	}

	t.Run("HEAD announces what GET sends", func(t *testing.T) {
		if !web.Built() {
			t.Skip("the pages are not built")
		}
		for _, coding := range []string{"", "gzip", "br"} {
			get := fetch(t, "GET", m.URL()+"/assets/map.js", nil, "Accept-Encoding", coding)
			head := fetch(t, "HEAD", m.URL()+"/assets/map.js", nil, "Accept-Encoding", coding)
			for _, h := range []string{"Content-Encoding", "Content-Length", "ETag", "Content-Type"} {
				if head.header.Get(h) != get.header.Get(h) {
					t.Errorf("%q: HEAD has %s %q, GET %q", coding, h, head.header.Get(h), get.header.Get(h))
				}
			}
			if head.status != http.StatusOK || len(head.body) != 0 || get.header.Get("Content-Length") != strconv.Itoa(len(get.body)) {
				t.Errorf("%q: HEAD %d with %d bytes; GET Content-Length %s for %d bytes", coding, head.status, len(head.body), get.header.Get("Content-Length"), len(get.body))
			}
		}
	})

	t.Run("small answers are not compressed", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/readyz", "/graphql?query=" + url.QueryEscape("{ __typename }")} {
			a := fetch(t, "GET", m.URL()+p, nil, "Accept-Encoding", "gzip, br")
			if a.status != http.StatusOK || a.header.Get("Content-Encoding") != "" || a.header.Get("Content-Length") != strconv.Itoa(len(a.body)) {
				t.Errorf("%s: %d, Content-Encoding %q, Content-Length %q for %d bytes", p, a.status, a.header.Get("Content-Encoding"), a.header.Get("Content-Length"), len(a.body))
			}
		}
	})

	t.Run("health, readiness and metrics are never stored", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
			if a := fetch(t, "GET", m.URL()+p, nil); a.header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: Cache-Control %q, want no-store", p, a.header.Get("Cache-Control"))
			}
		}
	})

	t.Run("subscriptions stream uncompressed to a client that accepts compression", func(t *testing.T) {
		offer := http.Header{"Accept-Encoding": {"gzip, br"}}
		sse, resp, err := subscribetest.PostEventStream(t.Context(), m.URL()+"/graphql", subscribetest.Request{Query: changesQuery}, offer)
		if err != nil || sse == nil {
			t.Fatalf("event stream: %v %v", resp, err)
		}
		defer sse.Close()
		if ce := resp.Header.Get("Content-Encoding"); ce != "" {
			t.Errorf("the event stream came with Content-Encoding %q", ce)
		}
		ws, _, err := subscribetest.DialWebSocket(t.Context(), m.URL()+"/graphql", offer)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		sub, err := ws.Subscribe(t.Context(), "a", subscribetest.Request{Query: changesQuery})
		if err != nil {
			t.Fatal(err)
		}
		for m.Network.Subscribers() != 2 {
			time.Sleep(5 * time.Millisecond)
		}
		n := renameNode(t, m, hub.NodeID(hub.KindOrganisation, "eksote"), "Renamed under compression")
		for name, s := range map[string]subscribetest.Stream{"sse": sse, "websocket": sub} {
			if ev := nextChange(t, s, 10*time.Second); ev.Op != "UPDATED" || ev.ID != n.ID || ev.Node.Name != n.Name.EN {
				t.Errorf("%s: %+v", name, ev)
			}
		}
	})
}

// renameNode writes a new English name on node id through the index.
func renameNode(t *testing.T, m *Main, id, name string) *hub.Node {
	t.Helper()
	found, err := m.Network.NodesByID(t.Context(), []string{id})
	if err != nil || found[0] == nil {
		t.Fatalf("%s: %v", id, err)
	}
	n := found[0].Clone()
	n.Name.EN = name
	b := &hub.Batch{Nodes: []*hub.Node{n}}
	if err := hub.Prepare(t.Context(), m.Network, b, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := m.Network.Apply(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	return n
}

// countingReader counts the reads of the network, to tell whether an
// operation ran.
type countingReader struct {
	hub.Reader
	reads atomic.Int64
}

func (c *countingReader) NodesByID(ctx context.Context, ids []string) ([]*hub.Node, error) {
	c.reads.Add(1)
	return c.Reader.NodesByID(ctx, ids)
}

func (c *countingReader) NodePage(ctx context.Context, f hub.NodeFilter, opts hub.ListOptions) ([]*hub.Node, bool, int, error) {
	c.reads.Add(1)
	return c.Reader.NodePage(ctx, f, opts)
}

func (c *countingReader) FindNodes(ctx context.Context, f hub.NodeFilter, opts hub.ListOptions) ([]*hub.Node, bool, error) {
	c.reads.Add(1)
	return c.Reader.FindNodes(ctx, f, opts)
}

// TestConditionalRequests: pages, assets, GET queries and exports carry
// an ETag and the Cache-Control that fits them, and answer 304 with no
// body to an If-None-Match that names it (a GET query without running);
// a malformed If-None-Match is answered in full.
func TestConditionalRequests(t *testing.T) {
	keysFile := filepath.Join(t.TempDir(), "keys")
	editorKey := mustNewKey(t, keysFile, "-role", "editor", "-subject", "tester")
	reads := &countingReader{}
	m := mustRunMainWith(t, map[string]string{"HUB_API_KEYS_FILE": keysFile}, func(m *Main) {
		m.wrapReads = func(r hub.Reader) hub.Reader { reads.Reader = r; return reads }
	})
	MustBeReady(t, m, 30*time.Second)
	eksote := hub.NodeID(hub.KindOrganisation, "eksote")
	nameQuery := "/graphql?query=" + url.QueryEscape(`query($id: ID!) { node(id: $id) { id ... on Organisation { name } } }`) +
		"&variables=" + url.QueryEscape(`{"id":"`+eksote+`"}`)
	const private = "private, no-cache"

	type target struct {
		name, path, cacheControl string
		// personal answers vary by the caller and their language.
		personal bool
	}
	targets := []target{
		{"playground", "/", "no-cache", false},
		{"examples", "/examples.json", "no-cache", false},
		{"GET query", nameQuery, private, true},
		{"export", "/export/network.json?limit=50", private, true},
	}
	if web.Built() {
		targets = append(targets,
			target{"map page", "/map", "no-cache", false},
			target{"dashboard page", "/dashboard", "no-cache", false},
			target{"versioned script", "/assets/" + versionedAsset(t, m, "/dashboard", "dashboard.js"), "public, max-age=31536000, immutable", false},
			target{"versioned style sheet", "/assets/" + versionedAsset(t, m, "/map", "style.css"), "public, max-age=31536000, immutable", false},
			target{"script by its plain name", "/assets/map.js", "no-cache", false},
			target{"script by a version this build does not have", "/assets/map.0123456789abcdef.js", "no-cache", false},
		)
	}
	for _, tg := range targets {
		for _, coding := range []string{"", "gzip, br"} {
			t.Run(tg.name+"/"+coding, func(t *testing.T) {
				first := fetch(t, "GET", m.URL()+tg.path, nil, "Accept-Encoding", coding)
				tag := first.header.Get("ETag")
				if first.status != http.StatusOK || tag == "" || first.header.Get("Cache-Control") != tg.cacheControl {
					t.Fatalf("%d, ETag %q, Cache-Control %q, want %q", first.status, tag, first.header.Get("Cache-Control"), tg.cacheControl)
				}
				if tg.personal && (!varies(first.header, "Authorization") || !varies(first.header, "Accept-Language")) {
					t.Errorf("Vary %q, want Authorization and Accept-Language in it", first.header.Values("Vary"))
				}
				before := reads.reads.Load()
				for _, inm := range []string{tag, `"other", ` + tag, "W/" + strings.TrimPrefix(tag, "W/"), "*"} {
					again := fetch(t, "GET", m.URL()+tg.path, nil, "Accept-Encoding", coding, "If-None-Match", inm)
					if again.status != http.StatusNotModified || len(again.body) != 0 || again.header.Get("ETag") != tag {
						t.Errorf("If-None-Match %s: %d with %d bytes, ETag %q, want 304 with none and %s", inm, again.status, len(again.body), again.header.Get("ETag"), tag)
					}
				}
				if n := reads.reads.Load() - before; n != 0 {
					t.Errorf("the 304s read the network %d times", n)
				}
				for _, inm := range []string{"garbage", `"unterminated`, `W/`, `"other"`, strings.Trim(tag, `W/"`)} {
					a := fetch(t, "GET", m.URL()+tg.path, nil, "Accept-Encoding", coding, "If-None-Match", inm)
					if a.status != http.StatusOK || !bytes.Equal(decode(t, a), decode(t, first)) {
						t.Errorf("If-None-Match %s: %d, want the whole answer", inm, a.status)
					}
				}
				if tg.path == nameQuery && reads.reads.Load() == before {
					t.Error("the whole answers did not read the network: the count of reads cannot tell a 304 that ran")
				}
			})
		}
	}

	t.Run("the answer's tag follows the caller's class and language", func(t *testing.T) {
		contacts := "/graphql?query=" + url.QueryEscape(`{ contacts(first: 20) { nodes { id email } } }`)
		tags := map[string]string{}
		for _, c := range []struct{ name, key, lang string }{
			{"anonymous", "", ""},
			{"anonymous in English", "", "en"},
			{"anonymous in Swedish", "", "sv-FI, sv;q=0.9"},
			{"editor", editorKey, ""},
		} {
			kv := []string{"Accept-Language", c.lang}
			if c.key != "" {
				kv = append(kv, "Authorization", "Bearer "+c.key)
			}
			a := fetch(t, "GET", m.URL()+contacts, nil, kv...)
			tag := a.header.Get("ETag")
			if a.status != http.StatusOK || tag == "" {
				t.Fatalf("%s: %d, ETag %q", c.name, a.status, tag)
			}
			for other, otherTag := range tags {
				if otherTag == tag {
					t.Errorf("%s and %s get the same tag", c.name, other)
				}
				// A tag of another class or language is not this answer's.
				if b := fetch(t, "GET", m.URL()+contacts, nil, append(kv, "If-None-Match", otherTag)...); b.status != http.StatusOK {
					t.Errorf("%s revalidating the tag of %s: %d, want 200", c.name, other, b.status)
				}
			}
			tags[c.name] = tag
		}
		// Finnish is what an unknown language gets: one answer, one tag.
		if a := fetch(t, "GET", m.URL()+contacts, nil, "Accept-Language", "de"); a.header.Get("ETag") != tags["anonymous"] {
			t.Errorf("German (answered in Finnish) gets tag %s, Finnish %s", a.header.Get("ETag"), tags["anonymous"])
		}
	})

	t.Run("a write changes the tag of the answers it changes", func(t *testing.T) {
		first := fetch(t, "GET", m.URL()+nameQuery, nil)
		version := m.Network.Status().Version
		_, r := postAs(t, m, editorKey, updateNode, map[string]any{"in": map[string]any{"id": eksote, "version": nodeVersion(t, m, eksote),
			"set": map[string]any{"name": map[string]any{"fi": "Etelä-Karjalan hyvinvointialue (uusi nimi)"}}}})
		if path(r.Data, "updateNode", "node", "id") != eksote {
			t.Fatalf("updateNode: %+v", r)
		}
		// Apply returns once the index holds the write; its version is
		// even again a moment later (no tag is given while it is odd).
		for deadline := time.Now().Add(10 * time.Second); m.Network.Status().Version%2 == 1 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		if got := m.Network.Status().Version; got <= version || got%2 == 1 {
			t.Errorf("the index's version is %d after a write, was %d", got, version)
		}
		again := fetch(t, "GET", m.URL()+nameQuery, nil, "If-None-Match", first.header.Get("ETag"))
		if again.status != http.StatusOK || again.header.Get("ETag") == first.header.Get("ETag") || !strings.Contains(string(again.body), "uusi nimi") {
			t.Errorf("after the write: %d, ETag %q (was %q): %s", again.status, again.header.Get("ETag"), first.header.Get("ETag"), again.body)
		}
		if a := fetch(t, "GET", m.URL()+nameQuery, nil, "If-None-Match", again.header.Get("ETag")); a.status != http.StatusNotModified {
			t.Errorf("the new tag: %d, want 304", a.status)
		}
	})

	t.Run("a page of another origin may revalidate and read the tag", func(t *testing.T) {
		pre := fetch(t, "OPTIONS", m.URL()+"/graphql", nil, "Origin", "https://example.org",
			"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "if-none-match")
		if pre.status/100 != 2 || !strings.Contains(strings.ToLower(pre.header.Get("Access-Control-Allow-Headers")), "if-none-match") {
			t.Errorf("preflight: %d, Access-Control-Allow-Headers %q", pre.status, pre.header.Get("Access-Control-Allow-Headers"))
		}
		a := fetch(t, "GET", m.URL()+nameQuery, nil, "Origin", "https://example.org")
		if a.header.Get("Access-Control-Expose-Headers") != "Etag" && a.header.Get("Access-Control-Expose-Headers") != "ETag" {
			t.Errorf("Access-Control-Expose-Headers %q, want ETag", a.header.Get("Access-Control-Expose-Headers"))
		}
	})

	t.Run("errors carry no tag and are not stored", func(t *testing.T) {
		for _, p := range []string{
			"/graphql?query=" + url.QueryEscape(`{ nosuchfield }`),
			"/graphql?query=" + url.QueryEscape(`{ node(id: "Organisation/eksote") { id } pilots(first: -1) { totalCount } }`),
			"/export/network.json?depth=x",
		} {
			a := fetch(t, "GET", m.URL()+p, nil)
			if a.header.Get("ETag") != "" || a.header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: %d, ETag %q, Cache-Control %q", p, a.status, a.header.Get("ETag"), a.header.Get("Cache-Control"))
			}
		}
		if a := fetch(t, "POST", m.URL()+"/graphql", []byte(`{"query":"{ __typename }"}`)); a.header.Get("ETag") != "" {
			t.Errorf("a POST answer has ETag %q", a.header.Get("ETag"))
		}
	})
}

func nodeVersion(t *testing.T, m *Main, id string) int64 {
	t.Helper()
	found, err := m.Network.NodesByID(t.Context(), []string{id})
	if err != nil || found[0] == nil {
		t.Fatalf("%s: %v", id, err)
	}
	return found[0].Version
}
