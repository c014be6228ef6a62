package hub

import (
	"encoding/base64"
	"encoding/json"
	"slices"
)

// OrderField is a field a collection can be ordered by.
type OrderField string

// Order fields. NAME and START_DATE apply to nodes, TYPE and START_DATE to
// relationships; ID applies to both and is always the final tie-breaker.
const (
	OrderByID        OrderField = "ID"
	OrderByName      OrderField = "NAME"
	OrderByStartDate OrderField = "START_DATE"
	OrderByKind      OrderField = "KIND"
	OrderByType      OrderField = "TYPE"
)

// Order is one sort key with its direction.
type Order struct {
	Field OrderField
	Desc  bool
}

// Page limits. Every list is paged; clients cannot ask for more than
// MaxPageSize rows at once.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Cursor is a decoded keyset position: the order-key values of the last
// row seen and its id. It is only meaningful for the order it was made
// with, which is why the encoded form carries the order.
type Cursor struct {
	Values []string
	ID     string
}

type cursorWire struct {
	Order  string   `json:"o"`
	Values []string `json:"v"`
	ID     string   `json:"i"`
}

// orderSignature names an order so that a cursor made under one order is
// refused under another instead of returning a wrong page.
func orderSignature(orders []Order) string {
	s := ""
	for _, o := range orders {
		s += string(o.Field)
		if o.Desc {
			s += "-"
		}
		s += ","
	}
	return s
}

// EncodeCursor returns the opaque cursor of a row with the given order-key
// values and id.
func EncodeCursor(orders []Order, values []string, id string) string {
	b, _ := json.Marshal(cursorWire{Order: orderSignature(orders), Values: values, ID: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor parses an opaque cursor and checks it belongs to orders.
// A malformed or foreign cursor is an EINVALID error.
func DecodeCursor(orders []Order, s string) (*Cursor, error) {
	bad := Errorf(EINVALID, "invalid cursor %q: use a cursor returned by the same query", truncate(s, 64))
	if len(s) > 2048 {
		return nil, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var w cursorWire
	if err := json.Unmarshal(raw, &w); err != nil || w.ID == "" {
		return nil, bad
	}
	if w.Order != orderSignature(orders) || len(w.Values) != len(orders) {
		return nil, Errorf(EINVALID, "cursor %q was made for another orderBy; restart paging without after", truncate(s, 64))
	}
	return &Cursor{Values: w.Values, ID: w.ID}, nil
}

// ListOptions pages and orders a list. First is the page size (already
// clamped by the caller with PageSize); After is the position to start
// after, or nil.
type ListOptions struct {
	OrderBy []Order
	First   int
	After   *Cursor
	// Reverse walks the order backwards (every key and the id
	// tie-breaker reversed): After is then a position to go back from,
	// and rows come nearest first. Callers paging with last/before
	// reverse the page again.
	Reverse bool
	// Unordered, with First = Unlimited and no After, lets the reader
	// return the rows in any order: for bulk reads whose caller orders
	// or aggregates them itself, so that neither side sorts for nothing.
	Unordered bool
}

// Bulk reports whether o asks for every row in any order.
func (o ListOptions) Bulk() bool { return o.Unordered && o.First == Unlimited && o.After == nil }

// PageSize resolves a client's page size argument (first or last, named
// by arg for the error): nil means the default, and values outside
// 0..MaxPageSize are an EINVALID error.
func PageSize(arg string, size *int) (int, error) {
	if size == nil {
		return DefaultPageSize, nil
	}
	if *size < 0 || *size > MaxPageSize {
		return 0, Errorf(EINVALID, "%s must be between 0 and %d, got %d", arg, MaxPageSize, *size)
	}
	return *size, nil
}

// NodeOrderFields and RelationshipOrderFields are the fields each
// collection accepts.
var (
	NodeOrderFields         = []OrderField{OrderByName, OrderByStartDate, OrderByKind, OrderByID}
	RelationshipOrderFields = []OrderField{OrderByType, OrderByStartDate, OrderByID}
)

// CheckOrder validates orders against the allowed fields and returns them
// with the default (NAME for nodes, TYPE for relationships) when empty.
// ID is dropped from the keys because it is always the tie-breaker.
func CheckOrder(orders []Order, allowed []OrderField, def OrderField) ([]Order, error) {
	var out []Order
	seen := map[OrderField]bool{}
	for _, o := range orders {
		if !slices.Contains(allowed, o.Field) {
			return nil, Errorf(EINVALID, "cannot order by %s here", o.Field)
		}
		if seen[o.Field] {
			return nil, Errorf(EINVALID, "orderBy names %s twice", o.Field)
		}
		seen[o.Field] = true
	}
	for _, o := range orders {
		if o.Field == OrderByID {
			// Ids are unique, so keys after ID cannot change the order. An
			// ascending ID key is the tie-breaker every order ends with
			// anyway; a descending one must stay.
			if o.Desc {
				out = append(out, o)
			}
			break
		}
		out = append(out, o)
	}
	if len(orders) == 0 {
		out = []Order{{Field: def}}
	}
	return out, nil
}
