package graph

import (
	"bytes"
	"net/http"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/otehub/hub/internal/httpx"
)

// SDL returns the schema the API serves in the GraphQL schema language,
// with descriptions and deprecations, without the built-in types.
func SDL(schema *ast.Schema) []byte {
	var b bytes.Buffer
	formatter.NewFormatter(&b, formatter.WithIndent("  ")).FormatSchema(schema)
	return b.Bytes()
}

// SchemaHandler serves GET /schema.graphql: the SDL of the schema this
// handler executes. The schema changes only with the binary, so its tag
// is the hash of the text. A hub that refuses introspection does not
// publish its schema here either.
func (h *Handler) SchemaHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.sdl == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", h.sdlTag)
		w.Header().Set("Cache-Control", "public, max-age=300")
		if httpx.Matches(r, h.sdlTag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if r.Method != http.MethodHead {
			w.Write(h.sdl)
		}
	})
}
