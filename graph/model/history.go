package model

import (
	"encoding/json"

	"github.com/otehub/hub"
)

// NewRevision views a revision of the history. Field values go through
// the same personal-data rules as every other text: a caller who may not
// read personal data gets e-mail addresses and phone numbers removed
// from every text, and nothing of a contact's details.
func NewRevision(rq *Request, rev hub.Revision) *Revision {
	out := &Revision{
		Version: int(rev.Version), Operation: RevisionOperation(rev.Op), RecordedAt: rev.At,
		Sources: citations(rq, rev.Sources),
	}
	if rev.Actor != "" {
		out.Actor = &rev.Actor
	}
	if rev.MergedInto != "" {
		out.MergedInto = &rev.MergedInto
	}
	out.Changes = rq.fieldChanges(rev.Changes)
	return out
}

// fieldChanges views changed fields under the personal-data rules.
func (rq *Request) fieldChanges(changes []hub.FieldChange) []*FieldChange {
	out := make([]*FieldChange, len(changes))
	for i, c := range changes {
		out[i] = &FieldChange{Field: c.Field, Before: rq.jsonValue(c.Field, c.Before), After: rq.jsonValue(c.Field, c.After)}
	}
	return out
}

// removedPersonalData stands for a contact's details to callers who may
// not read them.
const removedPersonalData = "[personal data removed]"

func (rq *Request) jsonValue(field string, raw json.RawMessage) any {
	if raw == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil
	}
	whole := field == "contact" && !rq.personal
	return rq.redactJSON(v, whole)
}

// redactJSON applies the personal-data rules to every string of v, or
// replaces each string when whole.
func (rq *Request) redactJSON(v any, whole bool) any {
	switch x := v.(type) {
	case string:
		if whole {
			return removedPersonalData
		}
		return rq.text(x)
	case []any:
		for i := range x {
			x[i] = rq.redactJSON(x[i], whole)
		}
	case map[string]any:
		for k := range x {
			x[k] = rq.redactJSON(x[k], whole)
		}
	}
	return v
}

// alternatives views a row's alternative values, with the same
// personal-data rules as the row's own texts.
func alternatives(rq *Request, as []hub.Alternative) []*Alternative {
	out := make([]*Alternative, len(as))
	for i, a := range as {
		out[i] = &Alternative{Field: a.Field, Value: rq.jsonValue(a.Field, a.Value), Sources: citations(rq, a.Sources)}
	}
	return out
}

// Alternatives are other values of the node's fields that sources give.
func (b Base) Alternatives() []*Alternative { return alternatives(b.rq, b.n.Alternatives) }

// Alternatives are other values of the document's fields.
func (d *SourceDocument) Alternatives() []*Alternative { return alternatives(d.rq, d.n.Alternatives) }

// Alternatives are other values of the relationship's fields.
func (r *Relationship) Alternatives() []*Alternative { return alternatives(r.rq, r.r.Alternatives) }
