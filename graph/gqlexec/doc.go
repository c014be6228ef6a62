// Package gqlexec holds what the executor gqlgen generates calls instead
// of gqlgen's own code where that code costs a page of nested lists
// much for nothing. go generate points the executor here after gqlgen
// has run (see internal/gqlgenpatch):
//
//   - DeferredGroup builds an object's group for @defer'd fields only
//     when one of its fields is deferred. gqlgen builds one for every
//     object (the object's path, a field set and a map); on a page of 100
//     pilots with their partners and funding that was a fifth of the
//     request's allocations.
//   - Object writes an object's JSON without the map and the field copies
//     gqlgen's field set allocates per object to write it, on the one
//     goroutine that writes the whole response after every field has
//     resolved.
//   - CachedArgs computes the arguments of a field that takes only a
//     language once per field of the query, not once per object.
//   - ResponseBuffer gives the executor a buffer with the room of
//     earlier responses.
//   - MarshalSlice marshals a list's elements in the calling goroutine
//     when the selection on them asks for OwnFields only, instead of
//     starting a goroutine per element.
package gqlexec
