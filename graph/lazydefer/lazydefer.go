// Package lazydefer gives the generated executor a @defer group only for
// the objects that need one. gqlgen builds a group for every object it
// marshals (the object's path, a field set and a map), though only a
// field under @defer ever uses it; on a page of 100 pilots with their
// partners and funding that was a fifth of the request's allocations.
// go generate points the executor here (see internal/gqlgenpatch).
package lazydefer

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// Group returns what graphql.NewDeferredGroup(ctx) returns when one of
// fields is deferred, and otherwise the zero group: the executor reads a
// group only for deferred fields and to count its deferred labels, of
// which the zero group has none.
func Group(ctx context.Context, fields []graphql.CollectedField) graphql.DeferredGroup {
	for _, field := range fields {
		if field.IsDeferred() {
			return graphql.NewDeferredGroup(ctx)
		}
	}
	return graphql.DeferredGroup{}
}
