package gqlexec

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// OwnFields are the fields that every type of the schema having them
// answers from the object's own value: no store, no loader, nothing to
// wait for. The graph package's tests check it for every kind.
var OwnFields = map[string]bool{
	"__typename": true,
	"id":         true, "kind": true, "key": true, "type": true, "code": true,
	"name": true, "names": true, "shortName": true, "title": true,
	"abbreviations": true, "aliases": true, "description": true,
	"period": true, "status": true,
	// The fields of LocalizedText and Period.
	"fi": true, "sv": true, "en": true, "start": true, "end": true,
}

// MarshalSlice marshals the elements of a list as gqlgen's
// graphql.MarshalSliceConcurrently does, which the generated executor
// called: element i with a FieldContext whose Index is i, a panic
// reported as an error and marshalled as null unless omitPanicHandler.
// gqlgen starts a goroutine per element so that elements waiting on a
// loader wait together. When the selection on the elements asks only for
// OwnFields, no element waits on anything, and they are marshalled in
// the calling goroutine instead: on a page of 100 pilots with their
// partners' names, starting (and growing the stacks of) those goroutines
// was a fifth of the page's time.
func MarshalSlice(ctx context.Context, sel ast.SelectionSet, length int, workerLimit int64, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler,
) graphql.Array {
	if length < 2 || !ownFieldsOnly(sel, 0) {
		// gqlgen marshals a single element in place itself.
		return graphql.MarshalSliceConcurrently(ctx, length, workerLimit, omitPanicHandler, marshalElement)
	}
	out := make(graphql.Array, length)
	for i := range out {
		out[i] = marshalInPlace(ctx, i, omitPanicHandler, marshalElement)
	}
	return out
}

func marshalInPlace(ctx context.Context, i int, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler,
) (m graphql.Marshaler) {
	index := i
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &index})
	if !omitPanicHandler {
		defer func() {
			if r := recover(); r != nil {
				graphql.AddError(ctx, graphql.Recover(ctx, r))
				m = graphql.Null
			}
		}()
	}
	return marshalElement(ctx, i)
}

// maxFragmentDepth bounds how deeply ownFieldsOnly follows fragments;
// validation has refused cycles, and a deeper selection is simply
// marshalled concurrently.
const maxFragmentDepth = 8

// ownFieldsOnly reports whether sel, its fragments and the selections
// below its fields ask for OwnFields only.
func ownFieldsOnly(sel ast.SelectionSet, depth int) bool {
	if depth > maxFragmentDepth {
		return false
	}
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if !OwnFields[s.Name] || !ownFieldsOnly(s.SelectionSet, depth) {
				return false
			}
		case *ast.InlineFragment:
			if !ownFieldsOnly(s.SelectionSet, depth+1) {
				return false
			}
		case *ast.FragmentSpread:
			if s.Definition == nil || !ownFieldsOnly(s.Definition.SelectionSet, depth+1) {
				return false
			}
		default:
			return false
		}
	}
	return true
}
