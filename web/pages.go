package web

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"
)

// The pages' scripts are bundled from web/map by `make ui` into
// web/map/dist, which the binary embeds. A clone that has not built them
// embeds only the placeholder, and the pages say how to build them.

//go:embed all:map/dist
var distFS embed.FS

//go:embed map.html dashboard.html
var pagesFS embed.FS

// Built reports whether the page bundles were built into the binary.
func Built() bool {
	_, err := fs.Stat(distFS, "map/dist/map.js")
	return err == nil
}

// Pages serves /map, /dashboard and their /assets/.
//
// Each asset is served under its own name and under a versioned one
// that holds the hash of its content ("map.3f2a….js"), which the pages
// link to: a versioned name is cached for a year without revalidation
// (immutable), as its content never changes; a new build links new
// names. The hub hashes the embedded files itself rather than having
// esbuild write hashed names and a manifest: the names then always match
// the bytes embedded, and a page from a newer instance behind the same
// load balancer that asks an older one for an asset it does not know by
// that hash still gets its asset, revalidated rather than immutable.
// The pages themselves, and assets asked for by their plain names, carry
// an ETag and Cache-Control: no-cache.
func Pages() http.Handler {
	assets, byHash := distAssets()
	page := func(name string) *static {
		file, dir := name, fs.FS(pagesFS)
		if !Built() {
			file, dir = "map/dist/placeholder.html", distFS
		}
		b, err := fs.ReadFile(dir, file)
		if err != nil {
			// Embedded files are there: this is a build without them.
			b = []byte("page missing")
		}
		return newStatic("text/html; charset=utf-8", []byte(linkAssets(string(b))))
	}
	mux := http.NewServeMux()
	mux.Handle("GET /map", page("map.html"))
	mux.Handle("GET /dashboard", page("dashboard.html"))
	mux.HandleFunc("GET /assets/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if s := byHash[name]; s != nil {
			s.serve(w, r, immutable)
			return
		}
		if m := versionedName.FindStringSubmatch(name); m != nil {
			// A version this build does not have: the asset as it is
			// now, to be revalidated.
			name = m[1] + m[2]
		}
		if s := assets[name]; s != nil {
			s.serve(w, r, revalidated)
			return
		}
		http.NotFound(w, r)
	})
	return mux
}

// distAssets reads the embedded assets once: by their plain names and
// by their versioned ones.
var distAssets = sync.OnceValues(func() (assets, byHash map[string]*static) {
	assets, byHash = map[string]*static{}, map[string]*static{}
	_ = fs.WalkDir(distFS, "map/dist", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) == ".html" {
			return nil
		}
		b, err := fs.ReadFile(distFS, p)
		if err != nil {
			return nil
		}
		name := strings.TrimPrefix(p, "map/dist/")
		s := staticFor(name, b)
		assets[name] = s
		byHash[versioned(name, s.hash)] = s
		return nil
	})
	return assets, byHash
})

// linkAssets points a page's "/assets/name" links at the versioned
// names of the assets embedded.
func linkAssets(html string) string {
	assets, _ := distAssets()
	for name, s := range assets {
		html = strings.ReplaceAll(html, `"/assets/`+name+`"`, `"/assets/`+versioned(name, s.hash)+`"`)
	}
	return html
}

// versioned is the name of an asset with the hash of its content
// before its extension.
func versioned(name, hash string) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + hash + ext
}

// versionedName matches a versioned name: the stem, the hash, and the
// extension.
var versionedName = regexp.MustCompile(`^(.+)\.[0-9a-f]{16}(\.[^.]+)$`)
