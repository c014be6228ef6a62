package web

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
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
func Pages() http.Handler {
	dist, _ := fs.Sub(distFS, "map/dist")
	mux := http.NewServeMux()
	page := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			file, dir := name, pagesFS
			if !Built() {
				file, dir = "map/dist/placeholder.html", distFS
			}
			b, err := fs.ReadFile(dir, file)
			if err != nil {
				http.Error(w, "page missing", http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(b)
		}
	}
	mux.HandleFunc("GET /map", page("map.html"))
	mux.HandleFunc("GET /dashboard", page("dashboard.html"))
	assets := http.StripPrefix("/assets/", http.FileServer(http.FS(dist)))
	mux.Handle("GET /assets/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if path.Ext(r.URL.Path) == ".html" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		assets.ServeHTTP(w, r)
	}))
	return mux
}
