package hub

import "context"

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
	// RegionIDs matches nodes located in any of the regions.
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

// Batch is a set of nodes and relationships written together.
type Batch struct {
	Nodes         []*Node
	Relationships []*Relationship
}

// Store is the persistence contract. Every backend passes the
// conformance suite in package storetest.
//
// Common rules: ctx bounds every call (a cancelled or expired context
// fails the call); errors are *Error values: EUNAVAILABLE when the backing
// database cannot be reached, EINVALID for a request the store cannot
// satisfy, EINTERNAL (wrapped cause) otherwise. Returned values are
// read-only: a store may hand the same value to many callers (the
// embedded store returns what it holds, so reads copy nothing), and it
// never changes a value once handed out: a write replaces it. A caller
// that wants to change a value clones it first. Lists are ordered by
// opts.OrderBy, then by ascending id, and return at most opts.First rows
// plus whether more follow.
type Store interface {
	// NodesByID returns the nodes with the given ids, in the same order;
	// missing ids give nil entries (not an error).
	NodesByID(ctx context.Context, ids []string) ([]*Node, error)
	// FindNodes returns a page of the nodes matching f.
	FindNodes(ctx context.Context, f NodeFilter, opts ListOptions) (nodes []*Node, hasNext bool, err error)
	// CountNodes returns how many nodes match f.
	CountNodes(ctx context.Context, f NodeFilter) (int, error)

	// RelationshipsByID is NodesByID for relationships.
	RelationshipsByID(ctx context.Context, ids []string) ([]*Relationship, error)
	// FindRelationships returns a page of the relationships matching f.
	// opts.First = Unlimited returns every match (used by batch loaders,
	// which page per node themselves).
	FindRelationships(ctx context.Context, f RelationshipFilter, opts ListOptions) (rels []*Relationship, hasNext bool, err error)
	// CountRelationships returns how many relationships match f.
	CountRelationships(ctx context.Context, f RelationshipFilter) (int, error)

	// Apply writes the batch atomically: upserts every node and
	// relationship by id, keeping the CreatedAt of rows that exist. The
	// batch must have passed Prepare. When Apply returns nil the write
	// is durable; on error nothing of the batch is visible.
	Apply(ctx context.Context, b *Batch) error

	// Watch opens a change feed of every write committed after the
	// change with token resumeAfter, or from now when it is "". A token
	// the store can no longer resume from is an EINVALID error.
	Watch(ctx context.Context, resumeAfter string) (ChangeStream, error)

	// Ping reports whether the store can serve requests now
	// (EUNAVAILABLE when not).
	Ping(ctx context.Context) error

	// Close releases the store. Calls after Close fail.
	Close() error
}
