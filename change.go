package hub

import (
	"context"
	"time"
)

// ChangeOp says what happened to a row.
type ChangeOp string

// Change operations. Apply upserts, so every write is an UPSERT; DELETE
// is reserved for removals.
const (
	ChangeUpsert ChangeOp = "UPSERT"
	ChangeDelete ChangeOp = "DELETE"
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
}

// ChangeStream is an open change feed.
type ChangeStream interface {
	// Next blocks until the next change is committed, ctx ends, or the
	// feed fails. Changes arrive in commit order; a batch's rows arrive
	// one by one.
	Next(ctx context.Context) (Change, error)
	// Close releases the feed.
	Close() error
}
