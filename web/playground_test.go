package web

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestPlaygroundIsSelfContained: the playground links only the hub's own
// versioned assets, which serve the embedded bundle, and carries the
// endpoint and every example as its tabs.
func TestPlaygroundIsSelfContained(t *testing.T) {
	if !Built() {
		t.Skip("the pages are not built (make ui)")
	}
	h, err := Playground("/graphql")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	page := rec.Body.String()

	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1)
	var assets []string
	for _, r := range refs {
		switch u := r[1]; {
		case strings.HasPrefix(u, "/assets/"):
			assets = append(assets, strings.TrimPrefix(u, "/assets/"))
		case strings.HasPrefix(u, "/") || strings.HasPrefix(u, "data:"):
		default:
			t.Errorf("the page refers to %s, off the hub", u)
		}
	}
	pages := Pages()
	for _, want := range []string{"playground.js", "playground.css"} {
		found := false
		for _, a := range assets {
			m := versionedName.FindStringSubmatch(a)
			if m == nil || m[1]+m[2] != want {
				continue
			}
			found = true
			body, err := fs.ReadFile(distFS, "map/dist/"+want)
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			pages.ServeHTTP(rec, httptest.NewRequest("GET", "/assets/"+a, nil))
			if rec.Code != http.StatusOK || rec.Body.String() != string(body) {
				t.Errorf("%s: %d, %d bytes, want %d", a, rec.Code, rec.Body.Len(), len(body))
			}
		}
		if !found {
			t.Errorf("the page does not link %s by a versioned name (links %v)", want, assets)
		}
	}

	m := regexp.MustCompile(`(?s)<script type="application/json" id="playground-config">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no configuration in the page")
	}
	var config struct {
		Endpoint string
		Tabs     []Example
	}
	if err := json.Unmarshal([]byte(m[1]), &config); err != nil {
		t.Fatalf("configuration %.200s: %v", m[1], err)
	}
	files, _ := fs.Glob(examplesFS, "examples/*.graphql")
	if config.Endpoint != "/graphql" || len(config.Tabs) != len(files) {
		t.Fatalf("endpoint %q, %d tabs, want /graphql and %d", config.Endpoint, len(config.Tabs), len(files))
	}
	for i, f := range files {
		b, _ := fs.ReadFile(examplesFS, f)
		if config.Tabs[i].Query != string(b) {
			t.Errorf("tab %d is not %s", i, f)
		}
	}
}
