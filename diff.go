package hub

import (
	"bytes"
	"encoding/json"
	"slices"
)

// FieldChange is one field of a row before and after a write, each as
// the JSON of the field's value (nil when the field is empty).
type FieldChange struct {
	Field  string          `json:"field"`
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

// derivedFields are computed by Prepare or the store, not stated by a
// writer: a write that changes only them changes no fact.
var derivedFields = []string{"id", "searchTerms", "sortName", "sortStart", "createdAt", "updatedAt", "version"}

// NodeChanges lists the facts that differ between two versions of a
// node, by JSON field name in alphabetical order; before is nil for a
// created node and after nil for a deleted one. Derived and bookkeeping
// fields are left out, so an import that restates a row changes nothing.
func NodeChanges(before, after *Node) []FieldChange {
	return fieldChanges(before, after, before == nil, after == nil)
}

// RelationshipChanges is NodeChanges for relationships.
func RelationshipChanges(before, after *Relationship) []FieldChange {
	return fieldChanges(before, after, before == nil, after == nil)
}

func fieldChanges(before, after any, noBefore, noAfter bool) []FieldChange {
	var b, a map[string]json.RawMessage
	if !noBefore {
		b = fields(before)
	}
	if !noAfter {
		a = fields(after)
	}
	names := make([]string, 0, len(a)+len(b))
	for k := range b {
		names = append(names, k)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var out []FieldChange
	for _, k := range names {
		if !bytes.Equal(b[k], a[k]) {
			out = append(out, FieldChange{Field: k, Before: b[k], After: a[k]})
		}
	}
	return out
}

// fields returns the JSON of each non-empty, non-derived field of row.
// Rows marshal with omitempty, so an empty value and an absent one are
// the same.
func fields(row any) map[string]json.RawMessage {
	raw, err := json.Marshal(row)
	if err != nil {
		// Rows are plain data; a failure is a programming error.
		panic("hub: marshal row: " + err.Error())
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		panic("hub: unmarshal row: " + err.Error())
	}
	for _, d := range derivedFields {
		delete(m, d)
	}
	for k, v := range m {
		if s := string(v); s == `""` || s == "null" || s == "[]" || s == "{}" {
			delete(m, k)
		}
	}
	return m
}
