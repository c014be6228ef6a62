package hub

import (
	"encoding/json"
	"fmt"
)

// The network as the hub recorded it at a past time (recorded time, as
// opposed to the valid time of periods and asOf) is the current network
// with every revision recorded after that time undone, newest first.
// UndoNode and UndoRelationship undo one revision of one row; package
// index builds whole snapshots from them (index.Live.AsRecorded).

// UndoNode returns the node as it was before rev, given cur, the node
// as rev left it (nil when rev deleted it). It returns nil when rev
// created the node. An update's changed fields go back to their Before
// values (a nil Before clears the field) and a deletion's node comes
// back from its Before values; the derived fields are derived again,
// Version is rev.Version-1, and CreatedAt and UpdatedAt stay cur's (zero
// for a node brought back): only the history knows better ones. It
// fails with EINTERNAL when rev does not fit cur (an update of nothing,
// a deletion of a row that exists).
func UndoNode(cur *Node, rev *Revision) (*Node, error) {
	n, err := undo(cur, rev)
	if n != nil {
		deriveNode(n)
	}
	return n, err
}

// UndoRelationship is UndoNode for relationships.
func UndoRelationship(cur *Relationship, rev *Revision) (*Relationship, error) {
	r, err := undo(cur, rev)
	if r != nil {
		r.SortStart = periodStart(r.Period)
	}
	return r, err
}

// undo works on the rows' JSON, field by field, because that is how the
// history records them (FieldChange holds each field's JSON value under
// the row's JSON field name).
func undo[T Node | Relationship](cur *T, rev *Revision) (*T, error) {
	switch {
	case rev.Op == RevisionCreate:
		return nil, nil
	case rev.Op.Gone() && cur != nil:
		return nil, Errorf(EINTERNAL, "undo the deletion of %s at version %d: the row exists", rev.ID, rev.Version)
	case rev.Op == RevisionUpdate && cur == nil:
		return nil, Errorf(EINTERNAL, "undo the update of %s to version %d: the row does not exist", rev.ID, rev.Version)
	}
	m := map[string]json.RawMessage{}
	if cur != nil {
		raw, err := json.Marshal(cur)
		if err != nil {
			return nil, Wrap(EINTERNAL, err, "undo a revision")
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, Wrap(EINTERNAL, err, "undo a revision")
		}
	}
	for _, c := range rev.Changes {
		if c.Before == nil {
			delete(m, c.Field)
		} else {
			m[c.Field] = c.Before
		}
	}
	id, _ := json.Marshal(rev.ID)
	version, _ := json.Marshal(rev.Version - 1)
	m["id"], m["version"] = id, version
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, Wrap(EINTERNAL, err, "undo a revision")
	}
	out := new(T)
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, Wrap(EINTERNAL, fmt.Errorf("revision %s@%d: %w", rev.ID, rev.Version, err), "undo a revision")
	}
	return out, nil
}
