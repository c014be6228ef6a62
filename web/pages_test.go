package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/otehub/hub/internal/httpx"
)

// TestPagesLinkVersionedAssets: every asset a page links is linked by a
// versioned name that serves the embedded file, as immutable.
func TestPagesLinkVersionedAssets(t *testing.T) {
	if !Built() {
		t.Skip("the pages are not built (make ui)")
	}
	pages := Pages()
	linked := regexp.MustCompile(`"/assets/([^"]+)"`)
	for _, page := range []string{"/map", "/dashboard"} {
		rec := httptest.NewRecorder()
		pages.ServeHTTP(rec, httptest.NewRequest("GET", page, nil))
		links := linked.FindAllStringSubmatch(rec.Body.String(), -1)
		if len(links) < 2 {
			t.Fatalf("%s links %d assets", page, len(links))
		}
		for _, l := range links {
			m := versionedName.FindStringSubmatch(l[1])
			if m == nil {
				t.Errorf("%s links %s, not a versioned name", page, l[1])
				continue
			}
			want, err := fs.ReadFile(distFS, "map/dist/"+m[1]+m[2])
			if err != nil {
				t.Fatalf("%s links %s: %v", page, l[1], err)
			}
			rec := httptest.NewRecorder()
			pages.ServeHTTP(rec, httptest.NewRequest("GET", "/assets/"+l[1], nil))
			if rec.Code != http.StatusOK || rec.Body.String() != string(want) || rec.Header().Get("Cache-Control") != immutable {
				t.Errorf("%s: %d, %d bytes (want %d), Cache-Control %q", l[1], rec.Code, rec.Body.Len(), len(want), rec.Header().Get("Cache-Control"))
			}
		}
	}
	for _, p := range []string{"/assets/placeholder.html", "/assets/nothing.js", "/assets/", "/assets/nothing.0123456789abcdef.js"} {
		rec := httptest.NewRecorder()
		pages.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, rec.Code)
		}
	}
}

// BenchmarkMapScript serves the map script in brotli and gzip as the
// hub does, compressed once and kept (cached), against compressing it
// on each request (per-request).
func BenchmarkMapScript(b *testing.B) {
	if !Built() {
		b.Skip("the pages are not built (make ui)")
	}
	script, err := fs.ReadFile(distFS, "map/dist/map.js")
	if err != nil {
		b.Fatal(err)
	}
	perRequest := httpx.Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(script)
	}))
	for _, h := range []struct {
		name    string
		handler http.Handler
	}{{"cached", Pages()}, {"per-request", perRequest}} {
		for _, coding := range []string{httpx.Brotli, httpx.Gzip} {
			b.Run(h.name+"/"+coding, func(b *testing.B) {
				b.SetBytes(int64(len(script)))
				for b.Loop() {
					req := httptest.NewRequest("GET", "/assets/map.js", nil)
					req.Header.Set("Accept-Encoding", coding)
					rec := httptest.NewRecorder()
					h.handler.ServeHTTP(rec, req)
					if rec.Header().Get("Content-Encoding") != coding {
						b.Fatalf("Content-Encoding %q", rec.Header().Get("Content-Encoding"))
					}
					io.Copy(io.Discard, rec.Body)
				}
			})
		}
	}
}
