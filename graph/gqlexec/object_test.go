package gqlexec_test

import (
	"bytes"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/otehub/hub/graph/gqlexec"
)

// Object writes what gqlgen's field set writes for the same fields and
// values.
func TestObjectWritesWhatTheFieldSetWrites(t *testing.T) {
	field := func(alias string) graphql.CollectedField {
		return graphql.CollectedField{Field: &ast.Field{Alias: alias, Name: alias}}
	}
	tests := []struct {
		name   string
		fields []graphql.CollectedField
		values []graphql.Marshaler
	}{
		{"no fields", nil, nil},
		{"one field", []graphql.CollectedField{field("name")}, []graphql.Marshaler{graphql.MarshalString(`Päijät-Häme "kunta"`)}},
		{"fields in their order, nulls and nested values",
			[]graphql.CollectedField{field("id"), field("period"), field("partners"), field("__typename")},
			[]graphql.Marshaler{graphql.MarshalID("UGlsb3Q6eA"), graphql.Null,
				graphql.Array{graphql.MarshalInt(1), graphql.Null}, graphql.MarshalString("Pilot")}},
		{"an alias twice: the first value",
			[]graphql.CollectedField{field("a"), field("b"), field("a")},
			[]graphql.Marshaler{graphql.MarshalInt(1), graphql.MarshalInt(2), graphql.MarshalInt(3)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := graphql.NewFieldSet(tc.fields)
			copy(out.Values, tc.values)
			var want, got bytes.Buffer
			out.MarshalGQL(&want)
			gqlexec.Object(tc.fields, out).MarshalGQL(&got)
			if got.String() != want.String() {
				t.Errorf("got %s, want %s", got.String(), want.String())
			}
		})
	}
}
