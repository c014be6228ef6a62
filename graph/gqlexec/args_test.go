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
	t.Run("once per field and argument function", func(t *testing.T) {
		// A field of a fragment on an interface resolves on objects of
		// several types, each with its own argument function.
		ctx := gqlexec.WithArgsCache(context.Background())
		calls = 0
		for range 2 {
			for _, fn := range []string{"field_Pilot_name_args", "field_Organisation_name_args"} {
				if _, err := gqlexec.CachedArgs(ctx, sv, nil, fn, compute(false)); err != nil {
					t.Fatal(err)
				}
			}
		}
		if calls != 2 {
			t.Errorf("computed %d times, want 2", calls)
		}
	})
	t.Run("again in another operation", func(t *testing.T) {
		calls = 0
		for range 2 {
			ctx := gqlexec.WithArgsCache(context.Background())
			if _, err := gqlexec.CachedArgs(ctx, sv, nil, "name", compute(false)); err != nil {
				t.Fatal(err)
			}
		}
		if calls != 2 {
			t.Errorf("computed %d times, want 2", calls)
		}
	})
	t.Run("every time when they fail", func(t *testing.T) {
		ctx := gqlexec.WithArgsCache(context.Background())
		calls = 0
		for range 2 {
			if _, err := gqlexec.CachedArgs(ctx, sv, nil, "name", compute(true)); err == nil {
				t.Fatal("no error")
			}
		}
		if calls != 2 {
			t.Errorf("computed %d times, want 2", calls)
		}
	})
	t.Run("every time without a cache", func(t *testing.T) {
		calls = 0
		for range 2 {
			if _, err := gqlexec.CachedArgs(context.Background(), sv, nil, "name", compute(false)); err != nil {
				t.Fatal(err)
			}
		}
		if calls != 2 {
			t.Errorf("computed %d times, want 2", calls)
		}
	})
}
