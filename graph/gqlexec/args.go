package gqlexec

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

type argsCacheKey struct{}

// argsCache holds, for one operation, the arguments of the fields it
// has resolved, by the field in the query document and the function that
// computed them: one field of a fragment on an interface resolves on
// objects of several types, whose argument functions differ.
type argsCache struct {
	args sync.Map // argsKey → map[string]any
}

type argsKey struct {
	field   *ast.Field
	compute string
}

// WithArgsCache returns ctx with an empty arguments cache for
// CachedArgs: one per operation, as arguments depend on its variables.
func WithArgsCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, argsCacheKey{}, &argsCache{})
}

// CachedArgs returns the arguments of field as compute makes them from
// the field's raw arguments, computing them once per field of the query
// per operation. gqlgen computes a field's arguments for every object
// it resolves the field on, though they are the same: a page of 100
// pilots with their partners built about 900 maps of the same language
// argument. The patched executor uses it only for fields whose one
// argument is a language, which no resolver changes; an argument that
// fails to compute is computed again (and fails again) on each object.
// Without a cache in ctx it computes every time.
//
// computeName names compute (the generated function's name): it is part
// of the key.
func CachedArgs(ctx context.Context, field graphql.CollectedField, variables map[string]any, computeName string,
	compute func(ctx context.Context, rawArgs map[string]any) (map[string]any, error),
) (map[string]any, error) {
	cache, _ := ctx.Value(argsCacheKey{}).(*argsCache)
	if cache == nil {
		return compute(ctx, field.ArgumentMap(variables))
	}
	key := argsKey{field.Field, computeName}
	if args, ok := cache.args.Load(key); ok {
		return args.(map[string]any), nil
	}
	args, err := compute(ctx, field.ArgumentMap(variables))
	if err == nil {
		cache.args.Store(key, args)
	}
	return args, err
}
