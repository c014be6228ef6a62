package gqlexec_test

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/otehub/hub/graph/gqlexec"
)

func TestDeferredGroup(t *testing.T) {
	index := 3
	ctx := graphql.WithFieldContext(context.Background(), &graphql.FieldContext{
		Field: graphql.CollectedField{Field: &ast.Field{Alias: "nodes"}},
	})
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &index})
	plain := graphql.CollectedField{Field: &ast.Field{Name: "name"}, IsNonDeferrable: true}
	deferred := graphql.CollectedField{Field: &ast.Field{Name: "partners"},
		Deferrables: []*graphql.Deferrable{{Label: "later"}}}
	// Deferrable but also asked outside any @defer: not deferred.
	alsoPlain := graphql.CollectedField{Field: &ast.Field{Name: "funding"}, IsNonDeferrable: true,
		Deferrables: []*graphql.Deferrable{{Label: "later"}}}

	tests := []struct {
		name   string
		fields []graphql.CollectedField
		full   bool
	}{
		{"no fields", nil, false},
		{"no deferred field", []graphql.CollectedField{plain, alsoPlain}, false},
		{"one deferred field", []graphql.CollectedField{plain, deferred}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := gqlexec.DeferredGroup(ctx, tc.fields)
			if !tc.full {
				if got.Defers != nil || got.FieldSet != nil || got.Path != nil || got.Context != nil {
					t.Errorf("got %+v, want the zero group", got)
				}
				return
			}
			want := graphql.NewDeferredGroup(ctx)
			if got.Defers == nil || got.FieldSet == nil || got.Context != ctx {
				t.Errorf("got %+v, want a group ready for deferred fields", got)
			}
			if got.Path.String() != want.Path.String() || got.Path.String() != "nodes[3]" {
				t.Errorf("path %q, want %q", got.Path, "nodes[3]")
			}
		})
	}
}
