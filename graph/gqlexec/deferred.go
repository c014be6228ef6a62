package gqlexec

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// DeferredGroup returns what graphql.NewDeferredGroup(ctx) returns when one of
// fields is deferred, and otherwise the zero group: the executor reads a
// group only for deferred fields and to count its deferred labels, of
// which the zero group has none.
func DeferredGroup(ctx context.Context, fields []graphql.CollectedField) graphql.DeferredGroup {
	for _, field := range fields {
		if field.IsDeferred() {
			return graphql.NewDeferredGroup(ctx)
		}
	}
	return graphql.DeferredGroup{}
}
