package hub

import (
	"context"
	"time"
)

// ChangeOp says what happened to a row.
type ChangeOp string

// Change operations. Apply upserts, so every write is an UPSERT; DELETE
// removes one row; RESET says that the stored data set was dropped or
// replaced as a whole (a database dropped under the hub), so that a
// follower must load everything again.
const (
	ChangeUpsert ChangeOp = "UPSERT"
	ChangeDelete ChangeOp = "DELETE"
	ChangeReset  ChangeOp = "RESET"
)

// Row kinds of a change.
const (
	RowNode         = "node"
	RowRelationship = "relationship"
)

// Change is one committed write of one row, as a change feed reports it.
type Change struct {
	// Token is an opaque resume token: Watch(ctx, token) resumes after
	// this change.
	Token string
	Op    ChangeOp
	// Row is RowNode or RowRelationship.
	Row string
	// ID is the id of the node or relationship.
	ID string
	// At is when the write committed, when the backend knows it.
	At time.Time
	// Created marks an UPSERT that created the row.
	Created bool
	// MergedInto is, for the DELETE of a node merged into another, the
	// id of the node kept.
	MergedInto string
	// Version is the row's version after the change: the stored
	// version for an UPSERT, one more than the deleted row's for a
	// DELETE (0 when the backend does not know it).
	Version int64
	// Last marks the last change of a committed write (a transaction):
	// a follower applies a write's changes together, so that no reader
	// sees part of a batch.
	Last bool
	// Node or Relationship is the row as committed, for an UPSERT of
	// that row kind. It is read-only: a feed may hand the same value to
	// every receiver.
	Node         *Node
	Relationship *Relationship
}

// ChangeStream is an open change feed.
type ChangeStream interface {
	// Next blocks until the next change is committed, ctx ends, or the
	// feed fails. Changes arrive in commit order; a batch's rows arrive
	// one by one, the last one marked Last.
	Next(ctx context.Context) (Change, error)
	// Close releases the feed.
	Close() error
}
