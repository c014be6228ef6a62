package hub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// The fact fields of rows, by their JSON names: the fields a citation
// may say it supports.
var (
	nodeFacts = []string{"name", "abbreviations", "aliases", "description", "type", "code", "businessId", "regionIds",
		"period", "goals", "title", "contact", "document", "classification"}
	relationshipFacts = []string{"role", "amount", "period", "description"}
	// nodeAlternativeFields are the node fields that may hold
	// alternatives: not contact details (personal data) and not
	// references.
	nodeAlternativeFields = []string{"name", "abbreviations", "aliases", "description", "type", "code",
		"period", "goals", "title", "document"}
)

// alternativeRows are the row types that hold alternatives.
type alternativeRows interface {
	Node | Relationship
}

func alternativesOf[T alternativeRows](row *T) []Alternative {
	switch r := any(row).(type) {
	case *Node:
		return r.Alternatives
	case *Relationship:
		return r.Alternatives
	}
	return nil
}

// prepareAlternatives checks each alternative of row: a field that may
// hold one, a value that differs from the row's own and from the other
// alternatives, and that prepare accepts as the row's value of that
// field. It writes each value in the row's own JSON form.
func prepareAlternatives[T alternativeRows](what string, row *T, allowed []string, prepare func(*T) error) error {
	alts := alternativesOf(row)
	if len(alts) > maxListLen {
		return Invalid("alternatives", "%s has more than %d alternatives", what, maxListLen)
	}
	own := fields(row)
	for i := range alts {
		a := &alts[i]
		at := func(f string) string { return fmt.Sprintf("alternatives.%d.%s", i, f) }
		if !slices.Contains(allowed, a.Field) {
			return Invalid(at("field"), "%s: %q cannot hold alternatives; fields that can: %v", what, truncate(a.Field, 64), allowed)
		}
		if len(a.Value) > maxTextLen*4 {
			return Invalid(at("value"), "%s: an alternative value is longer than %d bytes", what, maxTextLen*4)
		}
		alt, err := withField(row, a.Field, a.Value)
		if err != nil {
			return Invalid(at("value"), "%s: the alternative %s is not a value of that field: %v", what, a.Field, err)
		}
		if err := prepare(alt); err != nil {
			msg := err.Error()
			if e, ok := err.(*Error); ok {
				msg = e.Message
			}
			return Invalid(at("value"), "%s: the alternative %s: %s", what, a.Field, msg)
		}
		// The value as the prepared row writes it (days at UTC midnight,
		// keys in field order).
		value := fields(alt)[a.Field]
		if value == nil {
			return Invalid(at("value"), "%s: an alternative %s states no value", what, a.Field)
		}
		if bytes.Equal(value, own[a.Field]) {
			return Invalid(at("value"), "%s: the alternative %s is the value the row holds", what, a.Field)
		}
		for _, o := range alts[:i] {
			if o.Field == a.Field && bytes.Equal(o.Value, value) {
				return Invalid(at("value"), "%s: the alternative %s is given twice", what, a.Field)
			}
		}
		a.Value = value
	}
	return nil
}

// withField returns a copy of row whose field holds value.
func withField[T alternativeRows](row *T, field string, value json.RawMessage) (*T, error) {
	raw, err := json.Marshal(row)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	m[field] = value
	if raw, err = json.Marshal(m); err != nil {
		return nil, err
	}
	out := new(T)
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, err
	}
	return out, nil
}
