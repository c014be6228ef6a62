// Package web serves the hub's pages: the GraphQL playground with its
// example queries.
package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strings"
)

//go:embed examples/*.graphql
var examplesFS embed.FS

//go:embed playground.html
var playgroundHTML string

// Example is a ready-made query shown in the playground.
type Example struct {
	// Name is the operation name.
	Name string `json:"name"`
	// Query is the whole document, comments included.
	Query string `json:"query"`
	// Subscription is set for a subscription, which needs a WebSocket
	// or an event stream rather than a plain POST.
	Subscription bool `json:"subscription,omitempty"`
	// Mutation is set for a mutation, which needs an API key and
	// changes the network: the playground opens its tab with an
	// Authorization header to fill in.
	Mutation bool `json:"mutation,omitempty"`
}

var operationName = regexp.MustCompile(`(?m)^(query|mutation|subscription)\s+(\w+)`)

// Examples returns the playground's example queries in file order.
func Examples() ([]Example, error) {
	files, err := fs.Glob(examplesFS, "examples/*.graphql")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	out := make([]Example, 0, len(files))
	for _, f := range files {
		b, err := examplesFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(path.Base(f), ".graphql")
		e := Example{Query: string(b)}
		if m := operationName.FindSubmatch(b); m != nil {
			name, e.Subscription, e.Mutation = string(m[2]), string(m[1]) == "subscription", string(m[1]) == "mutation"
		}
		e.Name = name
		out = append(out, e)
	}
	return out, nil
}

var playground = template.Must(template.New("playground").Parse(playgroundHTML))

// Playground serves GraphiQL pointed at endpoint, with the examples as
// tabs. GraphiQL and React are bundled into the assets (/assets/
// playground.js), so the page asks no other host for anything. The page
// is made once, and served with an ETag and compressed.
func Playground(endpoint string) (http.Handler, error) {
	examples, err := Examples()
	if err != nil {
		return nil, err
	}
	tabs, err := json.Marshal(examples)
	if err != nil {
		return nil, err
	}
	var page bytes.Buffer
	if err := playground.Execute(&page, map[string]any{
		"Endpoint": endpoint,
		"Tabs":     template.JS(tabs),
	}); err != nil {
		return nil, err
	}
	s := newStatic("text/html; charset=utf-8", []byte(linkAssets(page.String())))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		s.ServeHTTP(w, r)
	}), nil
}

// ExamplesHandler serves the examples as JSON, for clients and tests.
func ExamplesHandler() (http.Handler, error) {
	examples, err := Examples()
	if err != nil {
		return nil, err
	}
	body, err := json.MarshalIndent(examples, "", "  ")
	if err != nil {
		return nil, err
	}
	return Static("application/json", body), nil
}
