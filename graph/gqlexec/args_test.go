package gqlexec_test

import (
	"context"
	"errors"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/otehub/hub/graph/gqlexec"
)

func TestCachedArgs(t *testing.T) {
	field := func(lang string) graphql.CollectedField {
		return graphql.CollectedField{Field: &ast.Field{Name: "name", Arguments: ast.ArgumentList{
			{Name: "language", Value: &ast.Value{Kind: ast.EnumValue, Raw: lang}}}}}
	}
	calls := 0
	compute := func(fail bool) func(context.Context, map[string]any) (map[string]any, error) {
		return func(_ context.Context, raw map[string]any) (map[string]any, error) {
			calls++
			if fail {
				return nil, errors.New("bad argument")
			}
			return map[string]any{"computed": calls}, nil
		}
	}
	sv, en := field("SV"), field("EN")

	t.Run("once per field of the query in one operation", func(t *testing.T) {
		ctx := gqlexec.WithArgsCache(context.Background())
		calls = 0
		for range 3 {
			for i, f := range []graphql.CollectedField{sv, en} {
				// The first computation for each field is the one kept.
				args, err := gqlexec.CachedArgs(ctx, f, nil, "name", compute(false))
				if err != nil || args["computed"] != i+1 {
					t.Fatalf("%s: args %v, err %v", f.Arguments[0].Value.Raw, args, err)
				}
			}
		}
		if calls != 2 {
			t.Errorf("computed %d times, want 2", calls)
		}
	})
	// How often the arguments are computed over two rounds of calls.
	fresh := func() context.Context { return gqlexec.WithArgsCache(context.Background()) }
	for _, tc := range []struct {
		name string
		// ctx is called once per round when perRound, else once.
		ctx      func() context.Context
		perRound bool
		fail     bool
		// functions are the argument functions called for sv each round.
		functions []string
		want      int
	}{
		// A field of a fragment on an interface resolves on objects of
		// several types, each with its own argument function.
		{"once per field and argument function", fresh, false, false, []string{"field_Pilot_name_args", "field_Organisation_name_args"}, 2},
		{"again in another operation", fresh, true, false, []string{"name"}, 2},
		{"every time when they fail", fresh, false, true, []string{"name"}, 2},
		{"every time without a cache", context.Background, false, false, []string{"name"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls = 0
			ctx := tc.ctx()
			for range 2 {
				if tc.perRound {
					ctx = tc.ctx()
				}
				for _, fn := range tc.functions {
					if _, err := gqlexec.CachedArgs(ctx, sv, nil, fn, compute(tc.fail)); (err != nil) != tc.fail {
						t.Fatalf("error %v", err)
					}
				}
			}
			if calls != tc.want {
				t.Errorf("computed %d times, want %d", calls, tc.want)
			}
		})
	}
}
