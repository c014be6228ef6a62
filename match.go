package hub

import (
	"cmp"
	"slices"
	"strings"
)

// This file is the reference semantics of filters, orders and keyset
// pages. The embedded store uses it directly; backends that push the work
// down to a database must agree with it, which the conformance suite
// checks.

// MatchNode reports whether n matches f.
func MatchNode(f *NodeFilter, n *Node) bool {
	if len(f.IDs) > 0 && !slices.Contains(f.IDs, n.ID) {
		return false
	}
	if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, n.Kind) {
		return false
	}
	if len(f.Keys) > 0 && !slices.Contains(f.Keys, n.Key) {
		return false
	}
	if len(f.Types) > 0 && !slices.Contains(f.Types, n.Type) {
		return false
	}
	if len(f.RegionIDs) > 0 && !slices.ContainsFunc(n.RegionIDs, func(r string) bool { return slices.Contains(f.RegionIDs, r) }) {
		return false
	}
	if f.NameContains != "" {
		needle := Normalize(f.NameContains)
		if !slices.ContainsFunc(n.SearchTerms, func(t string) bool { return strings.Contains(t, needle) }) {
			return false
		}
	}
	return true
}

// MatchRelationship reports whether r matches f.
func MatchRelationship(f *RelationshipFilter, r *Relationship) bool {
	if len(f.IDs) > 0 && !slices.Contains(f.IDs, r.ID) {
		return false
	}
	if len(f.Types) > 0 && !slices.Contains(f.Types, r.Type) {
		return false
	}
	if len(f.FromIDs) > 0 && !slices.Contains(f.FromIDs, r.FromID) {
		return false
	}
	if len(f.ToIDs) > 0 && !slices.Contains(f.ToIDs, r.ToID) {
		return false
	}
	if len(f.NodeIDs) > 0 {
		from := slices.Contains(f.NodeIDs, r.FromID)
		to := slices.Contains(f.NodeIDs, r.ToID)
		switch f.Direction {
		case Out:
			return from
		case In:
			return to
		default:
			return from || to
		}
	}
	return true
}

// NodeOrderValues returns n's values of the order keys, as stored in
// cursors and compared by every backend (plain byte-wise string order).
func NodeOrderValues(n *Node, orders []Order) []string {
	v := make([]string, len(orders))
	for i, o := range orders {
		switch o.Field {
		case OrderByName:
			v[i] = n.SortName
		case OrderByStartDate:
			v[i] = n.SortStart
		case OrderByKind:
			v[i] = string(n.Kind)
		case OrderByID:
			v[i] = n.ID
		}
	}
	return v
}

// RelationshipOrderValues is NodeOrderValues for relationships.
func RelationshipOrderValues(r *Relationship, orders []Order) []string {
	v := make([]string, len(orders))
	for i, o := range orders {
		switch o.Field {
		case OrderByType:
			v[i] = string(r.Type)
		case OrderByStartDate:
			v[i] = r.SortStart
		case OrderByID:
			v[i] = r.ID
		}
	}
	return v
}

// compareKeys compares two rows by their order values and ids.
func compareKeys(orders []Order, a []string, aID string, b []string, bID string) int {
	for i, o := range orders {
		c := strings.Compare(a[i], b[i])
		if o.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(aID, bID)
}

// PageOf orders items, skips up to and including the cursor position and
// cuts the page. values and id give an item's order values and id.
func PageOf[T any](items []T, opts ListOptions, values func(T) []string, id func(T) string) ([]T, bool) {
	type keyed struct {
		item T
		vals []string
		id   string
	}
	ks := make([]keyed, 0, len(items))
	for _, it := range items {
		vals, iid := values(it), id(it)
		if opts.After != nil && compareKeys(opts.OrderBy, vals, iid, opts.After.Values, opts.After.ID) <= 0 {
			continue
		}
		ks = append(ks, keyed{it, vals, iid})
	}
	slices.SortFunc(ks, func(a, b keyed) int { return compareKeys(opts.OrderBy, a.vals, a.id, b.vals, b.id) })
	hasNext := false
	if opts.First != Unlimited && len(ks) > opts.First {
		ks, hasNext = ks[:opts.First], true
	}
	out := make([]T, len(ks))
	for i, k := range ks {
		out[i] = k.item
	}
	return out, hasNext
}

// PageNodes pages nodes with the reference semantics.
func PageNodes(nodes []*Node, opts ListOptions) ([]*Node, bool) {
	return PageOf(nodes, opts,
		func(n *Node) []string { return NodeOrderValues(n, opts.OrderBy) },
		func(n *Node) string { return n.ID })
}

// PageRelationships pages relationships with the reference semantics.
func PageRelationships(rels []*Relationship, opts ListOptions) ([]*Relationship, bool) {
	return PageOf(rels, opts,
		func(r *Relationship) []string { return RelationshipOrderValues(r, opts.OrderBy) },
		func(r *Relationship) string { return r.ID })
}
