package graph_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/otehub/hub/graph"
	"github.com/otehub/hub/graph/generated"
)

func TestDeprecationPolicy(t *testing.T) {
	t.Run("the served schema follows it", func(t *testing.T) {
		s := generated.NewExecutableSchema(generated.Config{}).Schema()
		if p := graph.DeprecationProblems(s); len(p) > 0 {
			t.Errorf("deprecations against the policy:\n%s", strings.Join(p, "\n"))
		}
	})
	t.Run("the check finds what breaks it", func(t *testing.T) {
		s := gqlparser.MustLoadSchema(&ast.Source{Name: "t", Input: `
type Query {
  good: Int @deprecated(reason: "Use better. Removal after 2027-06-30")
  bare: Int @deprecated
  undated: Int @deprecated(reason: "Use better.")
  baddate: Int @deprecated(reason: "Use better. Removal after 2027-13-01")
  kept(old: Int @deprecated(reason: "gone soon")): Int
}
enum E { A B @deprecated(reason: "Use A. Removal after 2027-01-31") C @deprecated(reason: "Use A.") }
`})
		var got []string
		for _, p := range graph.DeprecationProblems(s) {
			got = append(got, strings.SplitN(p, ":", 2)[0])
		}
		slices.Sort(got)
		want := []string{"E.C", "Query.baddate", "Query.bare", "Query.kept(old)", "Query.undated"}
		if !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}
