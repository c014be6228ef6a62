package web

//go:generate go run ./internal/manifestgen -o examples/manifest.json

import "github.com/otehub/hub/graph"

// ExamplesManifest returns the trusted documents manifest of the
// playground's examples (HUB_TRUSTED_DOCUMENTS), which
// examples/manifest.json holds as go generate writes it.
func ExamplesManifest() (graph.Manifest, error) {
	examples, err := Examples()
	if err != nil {
		return graph.Manifest{}, err
	}
	docs, types := map[string]string{}, map[string]string{}
	for _, e := range examples {
		docs[e.Name] = e.Query
		switch {
		case e.Mutation:
			types[e.Name] = "mutation"
		case e.Subscription:
			types[e.Name] = "subscription"
		default:
			types[e.Name] = "query"
		}
	}
	return graph.NewManifest(docs, types), nil
}
