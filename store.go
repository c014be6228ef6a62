package hub

import (
	"context"
	"time"
)

// Direction selects the ends of a relationship relative to a node.
type Direction string

// Directions: OUT follows relationships whose from-end is the node, IN
// those whose to-end is, BOTH either.
const (
	Out  Direction = "OUT"
	In   Direction = "IN"
	Both Direction = "BOTH"
)

// NodeFilter selects nodes. Empty fields do not filter; a list matches
// when the node's value is any of its items; all fields must match.
type NodeFilter struct {
	IDs   []string
	Kinds []Kind
	Keys  []string
	Types []string
	// RegionIDs matches nodes located in any of the regions, their own
	// or derived (see Node.Regions).
	RegionIDs []string
	// NameContains matches nodes one of whose SearchTerms contains the
	// normalised text (see Normalize).
	NameContains string
}

// KindsOnly reports whether f filters on kinds alone (or on nothing).
// A field added to NodeFilter must be added here.
func (f *NodeFilter) KindsOnly() bool {
	return len(f.IDs) == 0 && len(f.Keys) == 0 && len(f.Types) == 0 && len(f.RegionIDs) == 0 && f.NameContains == ""
}

// RelationshipFilter selects relationships, with the same rules as
// NodeFilter.
type RelationshipFilter struct {
	IDs   []string
	Types []RelationshipType
	// NodeIDs with Direction selects relationships touching the nodes:
	// OUT those from them, IN those to them, BOTH (or empty) either.
	NodeIDs   []string
	Direction Direction
	FromIDs   []string
	ToIDs     []string
}

// Unlimited as ListOptions.First asks for every matching row.
const Unlimited = -1

// Batch is a write: nodes and relationships upserted, and rows
// deleted, together (all or nothing).
type Batch struct {
	Nodes         []*Node
	Relationships []*Relationship
	// DeleteNodes and DeleteRelationships are the ids of stored rows to
	// delete; a missing one fails the batch with ENOTFOUND.
	DeleteNodes         []string
	DeleteRelationships []string
	// Cascade makes deleting a node delete the relationships that touch
	// it. Without it, deleting a node that still has relationships
	// (after the batch) fails with ECONFLICT: no relationship ever
	// dangles.
	Cascade bool
	// Expect holds, by row id, the version each row must be stored at
	// for the batch to apply (0: the row must not exist); a row at
	// another version fails the batch with ECONFLICT. Rows not listed
	// are written whatever their version.
	Expect map[string]int64
	// Actor names who writes (a principal's subject, "import",
	// "dataset"); history records it.
	Actor string
	// Sources are the grounds of the write as a whole, recorded with
	// the deletions and merges (an upserted row carries its own
	// sources).
	Sources []Citation
	// Merges fold duplicate nodes into the nodes kept (see Merge).
	Merges []Merge

	// Revisions is set by Store.Apply: one per row written or deleted
	// (cascaded deletions included), as history records them.
	Revisions []Revision
}

// Reader is the read side of the network: what every query is built on.
// The in-memory index (package index) implements it; queries never read a
// store directly.
//
// Common rules: ctx bounds every call (a cancelled or expired context
// fails it with EUNAVAILABLE). Returned values are read-only and shared:
// the reader hands the same value to many callers and never changes a
// value once handed out (a write replaces it); a caller that wants to
// change one clones it first. Lists are ordered by opts.OrderBy, then by
// ascending id, and return at most opts.First rows plus whether more
// follow.
type Reader interface {
	// NodesByID returns the nodes with the given ids, in the same order;
	// missing ids give nil entries (not an error).
	NodesByID(ctx context.Context, ids []string) ([]*Node, error)
	// FindNodes returns a page of the nodes matching f.
	FindNodes(ctx context.Context, f NodeFilter, opts ListOptions) (nodes []*Node, hasNext bool, err error)
	// CountNodes returns how many nodes match f.
	CountNodes(ctx context.Context, f NodeFilter) (int, error)
	// NodePage is FindNodes and CountNodes from one evaluation of f: a
	// page and how many nodes match f in all.
	NodePage(ctx context.Context, f NodeFilter, opts ListOptions) (page []*Node, hasNext bool, total int, err error)

	// RelationshipsByID is NodesByID for relationships.
	RelationshipsByID(ctx context.Context, ids []string) ([]*Relationship, error)
	// FindRelationships returns a page of the relationships matching f.
	// opts.First = Unlimited returns every match.
	FindRelationships(ctx context.Context, f RelationshipFilter, opts ListOptions) (rels []*Relationship, hasNext bool, err error)
	// CountRelationships returns how many relationships match f.
	CountRelationships(ctx context.Context, f RelationshipFilter) (int, error)
}

// Network is the network as the hub serves it: reads from the in-memory
// index, writes through the store. A write is visible to the reads of
// the same Network when Apply returns (read your writes).
type Network interface {
	Reader
	// Apply is Store.Apply, acknowledged once the index holds the batch.
	Apply(ctx context.Context, b *Batch) error
	// History is Store.History.
	History(ctx context.Context, id string, before int64, first int) ([]Revision, bool, error)
}

// Store is the persistence contract: durable, transactional writes, a
// full load and a change feed. Queries are answered by the in-memory
// index that Load fills and Watch keeps current, never by the store.
// Every backend passes the conformance suite in package storetest.
//
// Common rules: ctx bounds every call (a cancelled or expired context
// fails the call); errors are *Error values: EUNAVAILABLE when the backing
// database cannot be reached, EINVALID for a request the store cannot
// satisfy, EINTERNAL (wrapped cause) otherwise. Rows handed to a Load
// callback belong to the receiver; rows carried by a Change are
// read-only (see Change).
type Store interface {
	// Apply writes the batch atomically, as PlanWrite plans it against
	// the stored rows in the same transaction: upserts every node and
	// relationship by id, keeping the CreatedAt of rows that exist and
	// giving each row the next Version; deletes rows; checks the
	// batch's expected versions and that every relationship's ends
	// exist; and records a Revision per row in the history. Concurrent
	// batches behave as if applied one after the other. It sets
	// CreatedAt and Version on the batch's rows to what was stored, and
	// b.Revisions. The batch must have passed Prepare. When Apply
	// returns nil the write is durable and on the change feed; on error
	// nothing of the batch is visible.
	Apply(ctx context.Context, b *Batch) error

	// Load streams every stored node to node, then every relationship to
	// rel, in no particular order. An error from a callback stops the
	// load and is returned.
	Load(ctx context.Context, node func(*Node) error, rel func(*Relationship) error) error

	// Watch opens a change feed of every write committed after the
	// change with token resumeAfter, or from now when it is "". A token
	// the store can no longer resume from is an EINVALID error.
	Watch(ctx context.Context, resumeAfter string) (ChangeStream, error)

	// History returns the revisions of the row with the given id,
	// newest first: those below version before (all when before is 0),
	// at most first of them, and whether older ones follow. A deleted
	// row keeps its history, its DELETE revision first (a tombstone).
	History(ctx context.Context, id string, before int64, first int) ([]Revision, bool, error)

	// Revisions streams to fn every revision the history recorded after
	// the given time (At strictly after it), of every row, deleted rows
	// included, in no particular order: a receiver that needs an order
	// sorts by row and Version. An error from fn stops the stream and is
	// returned. The revisions belong to the receiver. It reads what is
	// committed when it runs; a write committed meanwhile may or may not
	// be streamed. Snapshots of the network as recorded at a past time
	// (index.Live.AsRecorded) undo these revisions.
	Revisions(ctx context.Context, after time.Time, fn func(*Revision) error) error

	// Ping reports whether the store can serve requests now
	// (EUNAVAILABLE when not).
	Ping(ctx context.Context) error

	// Close releases the store. Calls after Close fail.
	Close() error
}
