package gqlexec_test

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/otehub/hub/graph/gqlexec"
)

// selection returns the selection below the first field of query.
func selection(t *testing.T, query string) ast.SelectionSet {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		t.Fatal(err)
	}
	// Link fragment spreads to their definitions, as validation does.
	for _, op := range doc.Operations {
		link(op.SelectionSet, doc.Fragments)
	}
	return doc.Operations[0].SelectionSet[0].(*ast.Field).SelectionSet
}

func link(sel ast.SelectionSet, fragments ast.FragmentDefinitionList) {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			link(s.SelectionSet, fragments)
		case *ast.InlineFragment:
			link(s.SelectionSet, fragments)
		case *ast.FragmentSpread:
			s.Definition = fragments.ForName(s.Name)
			if s.Definition != nil {
				link(s.Definition.SelectionSet, fragments)
			}
		}
	}
}

// marshalled reports, for each element, whether it ran on the calling
// goroutine (in place) and the index its field context has.
func marshalled(ctx context.Context, sel ast.SelectionSet, n int) (inPlace []bool, indices []int) {
	inPlace, indices = make([]bool, n), make([]int, n)
	caller := goroutine()
	gqlexec.MarshalSlice(ctx, sel, n, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		inPlace[i] = goroutine() == caller
		indices[i] = *graphql.GetFieldContext(ctx).Index
		return graphql.MarshalInt(i)
	})
	return inPlace, indices
}

// goroutine returns the running goroutine's number, from its stack.
func goroutine() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _, _ := strings.Cut(strings.TrimPrefix(string(buf), "goroutine "), " ")
	return id
}

func TestMarshalSlice(t *testing.T) {
	tests := []struct {
		name, query string
		inPlace     bool
	}{
		{"names", `{ list { name } }`, true},
		{"own fields, nested values and fragments",
			`{ list { __typename id key name(language: SV) names { fi sv en } period { start end } ... on Pilot { shortName status } ...More } } fragment More on Organisation { type }`, true},
		{"a relationship field", `{ list { name partners { name } } }`, false},
		{"a field of another object", `{ list { name funder { name } } }`, false},
		{"sources, which read documents", `{ list { sources { locator } } }`, false},
		{"a relationship field in a fragment", `{ list { ... on Pilot { administrators { name } } } }`, false},
		{"a relationship field in a named fragment", `{ list { ...F } } fragment F on Pilot { partners { name } }`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inPlace, indices := marshalled(context.Background(), selection(t, tc.query), 5)
			for i := range inPlace {
				if inPlace[i] != tc.inPlace || indices[i] != i {
					t.Errorf("element %d: in place %v, index %d; want %v, %d", i, inPlace[i], indices[i], tc.inPlace, i)
				}
			}
		})
	}
}

// An element that panics in place is an error and null, as in gqlgen's
// goroutines.
func TestMarshalSliceInPlaceRecovers(t *testing.T) {
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	out := gqlexec.MarshalSlice(ctx, selection(t, `{ list { name } }`), 3, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		if i == 1 {
			panic("boom")
		}
		return graphql.MarshalInt(i)
	})
	if out[0] == graphql.Null || out[1] != graphql.Null || out[2] == graphql.Null {
		t.Errorf("got %v", out)
	}
	if errs := graphql.GetErrors(ctx); len(errs) != 1 {
		t.Errorf("errors %v, want one", errs)
	}
}
