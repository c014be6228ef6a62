// Package hub is the domain of the OTE network hub: the node and
// relationship types, their validation, ids, cursors, error codes, the
// queries over the Reader that the in-memory index implements, and the
// Store contract that every storage backend implements.
//
// It imports nothing of the transport (GraphQL) or of any database driver,
// so that business rules live here once and every adapter shares them.
package hub
