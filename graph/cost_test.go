package graph

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/complexity"
	"github.com/vektah/gqlparser/v2"

	"github.com/otehub/hub/graph/generated"
)

// The cost limit stands in for gqlgen's complexity limit, so its cost
// must be gqlgen's: complexity.Calculate, which walks a fragment again
// at every spread, is the oracle on documents small enough for it.
func TestCostIsGqlgensComplexity(t *testing.T) {
	es := withPageCosts(generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}))
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
	}{
		{"plain fields", `{ pilots { totalCount nodes { id key name } } }`, nil},
		{"a page size given", `{ pilots(first: 7) { nodes { relationships(first: 3) { nodes { id from { id } } } } } }`, nil},
		{"a page size from a variable", `query($n: Int) { services(first: $n) { nodes { id } } }`, map[string]any{"n": 42}},
		{"a backward page", `{ regions(last: 5) { nodes { id name } pageInfo { hasNextPage } } }`, nil},
		{"a field of an interface", `{ node(id: "x") { id ... on Pilot { key } } }`, nil},
		{"fragments spread twice", `{ pilots(first: 2) { nodes { ...A ...A } } } fragment A on Pilot { id ...B ...B } fragment B on Pilot { key name }`, nil},
		{"inline fragments and __typename", `{ organisations { nodes { __typename ... on Organisation { id } } } }`, nil},
		{"introspection costs nothing under __schema", `{ __schema { types { name } } pilots(first: 1) { totalCount } }`, nil},
		{"aggregates", `{ aggregates { nodeCounts(by: KIND) { key count node { id } } } }`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(es.Schema(), tc.query)
			if errs != nil {
				t.Fatalf("invalid test query: %v", errs)
			}
			op := doc.Operations[0]
			want := complexity.Calculate(context.Background(), es, op, tc.vars)
			w := costWalker{ctx: context.Background(), es: es, schema: es.Schema(), vars: tc.vars, fragments: map[string]int{}}
			if got := w.set(op.SelectionSet); got != want {
				t.Errorf("cost %d, gqlgen's complexity %d", got, want)
			}
		})
	}
}
