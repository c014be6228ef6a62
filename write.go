package hub

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// RevisionOp says what a write did to a row.
type RevisionOp string

// Revision operations.
const (
	RevisionCreate RevisionOp = "CREATE"
	RevisionUpdate RevisionOp = "UPDATE"
	RevisionDelete RevisionOp = "DELETE"
	// RevisionMerge ends a node merged into another (see Merge): a
	// deletion whose MergedInto names the node kept.
	RevisionMerge RevisionOp = "MERGE"
)

// Gone reports whether the operation removed the row.
func (op RevisionOp) Gone() bool { return op == RevisionDelete || op == RevisionMerge }

// Revision is one write of one row as the history keeps it: who wrote
// it, when the hub recorded it, on what grounds, and each fact's value
// before and after.
type Revision struct {
	// ID is the row's id, Row RowNode or RowRelationship.
	ID  string `json:"id"`
	Row string `json:"row"`
	// Version is the row's version after the write; a deletion takes
	// the version after the deleted row's.
	Version int64      `json:"version"`
	Op      RevisionOp `json:"op"`
	// At is when the hub recorded the write (its recorded time).
	At    time.Time `json:"at"`
	Actor string    `json:"actor,omitempty"`
	// Sources are the row's citations after the write, or the batch's
	// for a deletion.
	Sources []Citation    `json:"sources,omitempty"`
	Changes []FieldChange `json:"changes,omitempty"`
	// MergedInto is the id of the node kept, for a MERGE.
	MergedInto string `json:"mergedInto,omitempty"`
}

// RowReader reads stored rows inside a backend's write transaction, for
// PlanWrite. Missing rows are left out of the maps.
type RowReader interface {
	Nodes(ctx context.Context, ids []string) (map[string]*Node, error)
	Relationships(ctx context.Context, ids []string) (map[string]*Relationship, error)
	// RelationshipsTouching returns the stored relationships from or to
	// any of the nodes.
	RelationshipsTouching(ctx context.Context, nodeIDs []string) ([]*Relationship, error)
	// KeyHolders returns, for each key (a BusinessKey or one of a node's
	// ExternalKeys), the id of the stored node that holds it.
	KeyHolders(ctx context.Context, keys []string) (map[string]string, error)
	// DeletedVersions returns, for rows that are not stored, the version
	// of their DELETE revision, if the history has one: a row created
	// again goes on from there, so that a version never names two states.
	DeletedVersions(ctx context.Context, ids []string) (map[string]int64, error)
}

// WritePlan is what a batch does to the stored rows: the backend writes
// it in the transaction it read the rows in.
type WritePlan struct {
	// Nodes and Relationships are the batch's rows, copied, with their
	// Version and CreatedAt set.
	Nodes         []*Node
	Relationships []*Relationship
	// DeleteNodes and DeleteRelationships are the stored rows to delete,
	// cascaded relationships included.
	DeleteNodes         []*Node
	DeleteRelationships []*Relationship
	// Revisions are the history of the write, one per row: nodes, then
	// relationships, then deletions.
	Revisions []Revision
	// Guards are the ids of the nodes whose existence the write relies
	// on or ends: the ends of the relationships it writes and the nodes
	// it deletes. The backend makes two concurrent writes that share a
	// guard conflict (one of them retried on the other's result), so
	// that a relationship cannot be written to a node deleted at the
	// same time.
	Guards []string
}

// PlanWrite checks b against the stored rows that rows reads and plans
// the write at recorded time now: versions, cascades, integrity (every
// relationship's ends exist after the write), expected versions and the
// revisions. It fails with ECONFLICT (a version other than expected, a
// node deleted that keeps relationships), ENOTFOUND (a deletion of a row
// that is not stored) or EINVALID (a relationship whose end does not
// exist after the write); it changes nothing of b.
func PlanWrite(ctx context.Context, rows RowReader, b *Batch, now time.Time) (*WritePlan, error) {
	now = now.UTC().Truncate(time.Millisecond)
	if len(b.Merges) > 0 {
		merged, into, err := expandMerges(ctx, rows, b, now)
		if err != nil {
			return nil, err
		}
		p, err := PlanWrite(ctx, rows, merged, now)
		if err != nil {
			return nil, err
		}
		for i := range p.Revisions {
			if rev := &p.Revisions[i]; rev.Op == RevisionDelete && into[rev.ID] != "" {
				rev.Op, rev.MergedInto = RevisionMerge, into[rev.ID]
			}
		}
		return p, nil
	}
	nodeIDs := make([]string, 0, len(b.Nodes)+len(b.DeleteNodes))
	for _, n := range b.Nodes {
		nodeIDs = append(nodeIDs, n.ID)
	}
	nodeIDs = append(nodeIDs, b.DeleteNodes...)
	relIDs := make([]string, 0, len(b.Relationships)+len(b.DeleteRelationships))
	for _, r := range b.Relationships {
		relIDs = append(relIDs, r.ID)
	}
	relIDs = append(relIDs, b.DeleteRelationships...)
	// The ends of the batch's relationships that the batch does not
	// write are read with its own nodes.
	written := make(map[string]bool, len(b.Nodes))
	inBatch := make(map[string]bool, len(b.Nodes))
	for _, n := range b.Nodes {
		written[n.ID], inBatch[n.ID] = true, true
	}
	for _, r := range b.Relationships {
		for _, end := range []string{r.FromID, r.ToID} {
			if !inBatch[end] {
				inBatch[end] = true
				nodeIDs = append(nodeIDs, end)
			}
		}
	}
	for id := range b.Expect {
		if _, err := ParseID(id); err != nil {
			return nil, err
		}
		if k, _ := ParseID(id); k == relationshipPrefix {
			relIDs = append(relIDs, id)
		} else {
			nodeIDs = append(nodeIDs, id)
		}
	}
	storedNodes, err := rows.Nodes(ctx, uniq(nodeIDs))
	if err != nil {
		return nil, err
	}
	storedRels, err := rows.Relationships(ctx, uniq(relIDs))
	if err != nil {
		return nil, err
	}
	var absent []string
	for _, n := range b.Nodes {
		if storedNodes[n.ID] == nil {
			absent = append(absent, n.ID)
		}
	}
	for _, r := range b.Relationships {
		if storedRels[r.ID] == nil {
			absent = append(absent, r.ID)
		}
	}
	deleted := map[string]int64{}
	if len(absent) > 0 {
		if deleted, err = rows.DeletedVersions(ctx, absent); err != nil {
			return nil, err
		}
	}

	for id, want := range b.Expect {
		var have int64
		if n := storedNodes[id]; n != nil {
			have = n.Version
		} else if r := storedRels[id]; r != nil {
			have = r.Version
		}
		if have != want {
			if have == 0 {
				return nil, Errorf(ECONFLICT, "%s does not exist (deleted, or never created), expected version %d", id, want)
			}
			if want == 0 {
				return nil, Errorf(ECONFLICT, "%s exists already (version %d)", id, have)
			}
			return nil, Errorf(ECONFLICT, "%s is at version %d, not %d: it changed since it was read; read it again and retry", id, have, want)
		}
	}

	p := &WritePlan{}
	// revision starts the revision of a write of a row stored at
	// version stored (0: not stored).
	revision := func(id, row string, stored int64) Revision {
		if stored == 0 {
			return Revision{ID: id, Row: row, At: now, Actor: b.Actor, Op: RevisionCreate, Version: deleted[id] + 1}
		}
		return Revision{ID: id, Row: row, At: now, Actor: b.Actor, Op: RevisionUpdate, Version: stored + 1}
	}
	for _, n := range b.Nodes {
		c := n.Clone()
		old := storedNodes[n.ID]
		var oldVersion int64
		if old != nil {
			oldVersion, c.CreatedAt = old.Version, old.CreatedAt
		}
		rev := revision(n.ID, RowNode, oldVersion)
		c.Version = rev.Version
		rev.Sources, rev.Changes = c.Sources, NodeChanges(old, c)
		p.Nodes = append(p.Nodes, c)
		p.Revisions = append(p.Revisions, rev)
	}

	// Deletions, and what they leave.
	gone := map[string]bool{}
	for _, id := range b.DeleteNodes {
		old := storedNodes[id]
		if old == nil {
			return nil, Errorf(ENOTFOUND, "node %s does not exist", id)
		}
		if written[id] {
			return nil, Errorf(EINVALID, "node %s/%s is both written and deleted by the write", old.Kind, old.Key)
		}
		if !gone[id] {
			gone[id] = true
			p.DeleteNodes = append(p.DeleteNodes, old)
		}
	}
	writtenRel := make(map[string]bool, len(b.Relationships))
	for _, r := range b.Relationships {
		writtenRel[r.ID] = true
	}
	goneRel := map[string]bool{}
	for _, id := range b.DeleteRelationships {
		old := storedRels[id]
		if old == nil {
			return nil, Errorf(ENOTFOUND, "relationship %s does not exist", id)
		}
		if writtenRel[id] {
			return nil, Errorf(EINVALID, "relationship %s is both written and deleted by the write", old.Key)
		}
		if !goneRel[id] {
			goneRel[id] = true
			p.DeleteRelationships = append(p.DeleteRelationships, old)
		}
	}
	if len(p.DeleteNodes) > 0 {
		ids := make([]string, len(p.DeleteNodes))
		for i, n := range p.DeleteNodes {
			ids[i] = n.ID
		}
		touching, err := rows.RelationshipsTouching(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, r := range touching {
			// A relationship deleted or rewritten by the batch is judged
			// by what the batch does to it.
			if goneRel[r.ID] || writtenRel[r.ID] {
				continue
			}
			if !b.Cascade {
				end := r.FromID
				if !gone[end] {
					end = r.ToID
				}
				n := storedNodes[end]
				return nil, Errorf(ECONFLICT, "node %s/%s still has relationships (%s among them): delete them first, or delete with cascade", n.Kind, n.Key, r.Key)
			}
			goneRel[r.ID] = true
			p.DeleteRelationships = append(p.DeleteRelationships, r)
		}
	}

	if err := checkHolders(ctx, rows, b, gone); err != nil {
		return nil, err
	}
	for _, r := range b.Relationships {
		for _, end := range []string{r.FromID, r.ToID} {
			if gone[end] {
				return nil, Errorf(EINVALID, "relationship %s touches node %s, which the write deletes", r.Key, end)
			}
			if !written[end] && storedNodes[end] == nil {
				return nil, Errorf(EINVALID, "relationship %s touches node %s, which does not exist", r.Key, end)
			}
		}
		c := r.Clone()
		old := storedRels[r.ID]
		var oldVersion int64
		if old != nil {
			oldVersion, c.CreatedAt = old.Version, old.CreatedAt
		}
		rev := revision(r.ID, RowRelationship, oldVersion)
		c.Version = rev.Version
		rev.Sources, rev.Changes = c.Sources, RelationshipChanges(old, c)
		p.Relationships = append(p.Relationships, c)
		p.Revisions = append(p.Revisions, rev)
		p.Guards = append(p.Guards, r.FromID, r.ToID)
	}
	for _, n := range p.DeleteNodes {
		p.Revisions = append(p.Revisions, Revision{ID: n.ID, Row: RowNode, Version: n.Version + 1, Op: RevisionDelete,
			At: now, Actor: b.Actor, Sources: b.Sources, Changes: NodeChanges(n, nil)})
		p.Guards = append(p.Guards, n.ID)
	}
	for _, r := range p.DeleteRelationships {
		p.Revisions = append(p.Revisions, Revision{ID: r.ID, Row: RowRelationship, Version: r.Version + 1, Op: RevisionDelete,
			At: now, Actor: b.Actor, Sources: b.Sources, Changes: RelationshipChanges(r, nil)})
	}
	p.Guards = uniq(p.Guards)
	return p, nil
}

func uniq(ids []string) []string { return slices.Compact(slices.Sorted(slices.Values(ids))) }

// Applied copies what the store recorded back onto the batch: the
// stored Version and CreatedAt of its rows, and the revisions.
func (p *WritePlan) Applied(b *Batch) {
	// A merge's rows are the plan's own; the batch has none.
	for i := range b.Nodes {
		b.Nodes[i].CreatedAt, b.Nodes[i].Version = p.Nodes[i].CreatedAt, p.Nodes[i].Version
	}
	for i := range b.Relationships {
		b.Relationships[i].CreatedAt, b.Relationships[i].Version = p.Relationships[i].CreatedAt, p.Relationships[i].Version
	}
	b.Revisions = p.Revisions
}

// HistoryKey is the key of a revision in a backend's history: the row id
// and the version, zero-padded so that keys sort by version.
func HistoryKey(id string, version int64) string { return fmt.Sprintf("%s@%019d", id, version) }

// BusinessKey is the key of a node's business ID within its kind
// ("Organisation:0245437-2"), or "" when it has none.
func BusinessKey(n *Node) string {
	if n.BusinessID == "" {
		return ""
	}
	return string(n.Kind) + ":" + n.BusinessID
}

// ExternalKeys are the keys of a node's external ids within its kind
// ("Organisation:ytj=0245437-2"). Only they hold a "=": a business ID
// has none and a scheme cannot, so they never equal a BusinessKey.
func ExternalKeys(n *Node) []string {
	keys := make([]string, len(n.ExternalIDs))
	for i, e := range n.ExternalIDs {
		keys[i] = string(n.Kind) + ":" + e.Scheme + "=" + e.ID
	}
	return keys
}

// uniqueKey is what only one node of a kind may hold: its business ID or
// one of its external ids, with the field it is in and how to say it.
type uniqueKey struct {
	key, field, what string
}

// uniqueKeysOf lists n's unique keys.
func uniqueKeysOf(n *Node) []uniqueKey {
	var out []uniqueKey
	if k := BusinessKey(n); k != "" {
		out = append(out, uniqueKey{k, "businessId", "business ID " + n.BusinessID})
	}
	for i, k := range ExternalKeys(n) {
		e := n.ExternalIDs[i]
		out = append(out, uniqueKey{k, fmt.Sprintf("externalIds.%d.id", i), fmt.Sprintf("external id %s of scheme %s", e.ID, e.Scheme)})
	}
	return out
}

// checkHolders refuses a business ID or external id that a stored node
// of the same kind holds, unless the batch deletes that node or takes
// the key from it.
func checkHolders(ctx context.Context, rows RowReader, b *Batch, gone map[string]bool) error {
	type claim struct {
		n *Node
		k uniqueKey
	}
	mine := map[string]claim{}
	var keys []string
	after := map[string]map[string]bool{} // id → its unique keys after the batch
	for _, n := range b.Nodes {
		held := map[string]bool{}
		for _, k := range uniqueKeysOf(n) {
			mine[k.key] = claim{n, k}
			keys = append(keys, k.key)
			held[k.key] = true
		}
		after[n.ID] = held
	}
	if len(keys) == 0 {
		return nil
	}
	holders, err := rows.KeyHolders(ctx, keys)
	if err != nil {
		return err
	}
	for k, holder := range holders {
		c := mine[k]
		if holder == c.n.ID || gone[holder] {
			continue
		}
		if held, ok := after[holder]; ok && !held[k] {
			continue
		}
		return &Error{Code: ECONFLICT, Field: c.k.field, Message: fmt.Sprintf("%s/%s: %s is held by %s already", c.n.Kind, c.n.Key, c.k.what, holder)}
	}
	return nil
}
