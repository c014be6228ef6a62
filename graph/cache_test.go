package graph_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/otehub/hub/graph"
)

// TestGetQueryTags: a GET query's answer carries a tag only when the
// network was in one state while it ran, and is answered 304 only then.
func TestGetQueryTags(t *testing.T) {
	var version atomic.Value
	version.Store("1")
	reads := newCountingReader(MustOpenSeeded(t))
	// changing makes the version change while an operation runs, as a
	// write applied meanwhile does.
	var changing atomic.Bool
	h := graph.NewHandler(graph.Options{Network: reads, Version: func() string {
		v := version.Load().(string)
		if changing.Load() && total(reads) > 0 {
			return v + "+"
		}
		return v
	}})
	get := func(inm string) *httptest.ResponseRecorder {
		reads.reset()
		r := httptest.NewRequest("GET", "/graphql?query="+url.QueryEscape(`{ organisations(first: 3) { nodes { id } } }`), nil)
		if inm != "" {
			r.Header.Set("If-None-Match", inm)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	first := get("")
	tag := first.Header().Get("ETag")
	if first.Code != http.StatusOK || tag == "" || first.Header().Get("Cache-Control") != "private, no-cache" {
		t.Fatalf("%d, ETag %q, Cache-Control %q", first.Code, tag, first.Header().Get("Cache-Control"))
	}
	if w := get(tag); w.Code != http.StatusNotModified || total(reads) != 0 {
		t.Errorf("revalidated: %d after %d reads, want 304 after none", w.Code, total(reads))
	}

	changing.Store(true)
	if w := get(""); w.Code != http.StatusOK || w.Header().Get("ETag") != "" {
		t.Errorf("computed while the network changed: %d, ETag %q, want none", w.Code, w.Header().Get("ETag"))
	}
	changing.Store(false)

	version.Store("")
	if w := get(tag); w.Code != http.StatusOK || w.Header().Get("ETag") != "" {
		t.Errorf("while the network is changing: %d, ETag %q, want 200 without one", w.Code, w.Header().Get("ETag"))
	}
	version.Store("2")
	if w := get(tag); w.Code != http.StatusOK || w.Header().Get("ETag") == tag || w.Header().Get("ETag") == "" {
		t.Errorf("at a new version: %d, ETag %q (was %q)", w.Code, w.Header().Get("ETag"), tag)
	}
}

func total(r interface{ snapshot() (map[string]int, int) }) int {
	_, n := r.snapshot()
	return n
}
