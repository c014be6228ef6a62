// Package model holds the floor server's objects: plain structs that
// gqlgen resolves by field access, decoded once from the hub's answers.
// The JSON names are the GraphQL field names, so that a hub response's
// data decodes into them directly.
package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Entity is a node with a name: an administrator, partner, funder or a
// relationship's end, or the node entityByKey returns.
type Entity struct {
	Name string `json:"name"`
	// Rels is the page of relationships the hub answered for
	// relationships(first: RelationshipsFirst), when the query asked.
	Rels *RelationshipConnection `json:"relationships,omitempty"`
	// RelationshipsFirst is the page size Rels answers; the floor sets it
	// when it loads its answers.
	RelationshipsFirst int `json:"-"`
}

// ErrNotPrepared answers a field asked with arguments the floor holds no
// answer for: the floor serves the benchmark's queries only.
var ErrNotPrepared = errors.New("floor: no answer prepared for these arguments")

// Relationships returns the prepared page when first is the prepared
// page size. gqlgen calls it for the field relationships(first:).
func (e *Entity) Relationships(first *int) (*RelationshipConnection, error) {
	if e.Rels == nil || first == nil || *first != e.RelationshipsFirst {
		return nil, ErrNotPrepared
	}
	return e.Rels, nil
}

// RelationshipConnection is a page of relationships.
type RelationshipConnection struct {
	Nodes []*Relationship `json:"nodes"`
}

// Relationship is a typed relationship with its target end.
type Relationship struct {
	Type string  `json:"type"`
	To   *Entity `json:"to"`
}

// Pilot is a pilot with its administrators, partners and funding.
type Pilot struct {
	Name           string     `json:"name"`
	Administrators []*Entity  `json:"administrators"`
	Partners       []*Entity  `json:"partners"`
	Funding        []*Funding `json:"funding"`
}

// Funding is an amount and who grants it.
type Funding struct {
	Amount Number  `json:"amount"`
	Funder *Entity `json:"funder"`
}

// PilotConnection is a page of pilots.
type PilotConnection struct {
	Nodes []*Pilot `json:"nodes"`
}

// Organisation is an organisation's name.
type Organisation struct {
	Name string `json:"name"`
}

// OrganisationConnection is a page of organisations with the total count.
type OrganisationConnection struct {
	Nodes      []*Organisation `json:"nodes"`
	TotalCount int             `json:"totalCount"`
}

// OrganisationWhere is the organisations filter the benchmark uses.
type OrganisationWhere struct {
	RegionIn []string `json:"regionIn,omitempty"`
	TypeIn   []string `json:"typeIn,omitempty"`
}

// Number is a GraphQL Float kept as the JSON number it was decoded from,
// so that the floor writes an amount with the hub's digits and notation
// (the hub writes 1600000 where gqlgen's own Float writes 1.6e+06).
type Number string

// MarshalGQL writes the number as decoded.
func (n Number) MarshalGQL(w io.Writer) { io.WriteString(w, string(n)) }

// UnmarshalGQL reads a Float argument; the floor's schema has none, but
// gqlgen's scalar contract wants both directions.
func (n *Number) UnmarshalGQL(v any) error {
	switch v := v.(type) {
	case int, int64:
		*n = Number(fmt.Sprint(v))
		return nil
	case float64:
		*n = Number(strconv.FormatFloat(v, 'f', -1, 64))
		return nil
	case json.Number:
		return n.UnmarshalJSON([]byte(v))
	}
	return fmt.Errorf("%T is not a number", v)
}

// UnmarshalJSON keeps the number's text; anything but a number (null
// included) is an error, since every amount the floor serves is
// non-null.
func (n *Number) UnmarshalJSON(b []byte) error {
	if _, err := strconv.ParseFloat(string(b), 64); err != nil {
		return fmt.Errorf("amount %s is not a number", b)
	}
	*n = Number(b)
	return nil
}

// MarshalJSON writes the number as decoded.
func (n Number) MarshalJSON() ([]byte, error) {
	if n == "" {
		return nil, errors.New("empty amount")
	}
	return []byte(n), nil
}
