package hub

import (
	"cmp"
	"slices"
	"strings"
)

// This file is the semantics of filters, orders and keyset pages, which
// the in-memory index (package index) applies; the conformance suite
// checks them against a brute-force evaluator.

// MatchNode reports whether n matches f.
func MatchNode(f *NodeFilter, n *Node) bool { return f.Matcher()(n) }

// MatchRelationship reports whether r matches f.
func MatchRelationship(f *RelationshipFilter, r *Relationship) bool { return f.Matcher()(r) }

// set turns a list into a membership test; nil for an empty list (no
// condition). Long lists become maps so that matching many rows against
// many ids stays linear.
func set[T comparable](list []T) func(T) bool {
	switch {
	case len(list) == 0:
		return nil
	case len(list) <= 8:
		return func(v T) bool { return slices.Contains(list, v) }
	}
	m := make(map[T]bool, len(list))
	for _, v := range list {
		m[v] = true
	}
	return func(v T) bool { return m[v] }
}

// Matcher compiles f into a predicate, for matching many nodes.
func (f *NodeFilter) Matcher() func(*Node) bool {
	ids, kinds, keys, types, regions := set(f.IDs), set(f.Kinds), set(f.Keys), set(f.Types), set(f.RegionIDs)
	needle := ""
	if f.NameContains != "" {
		needle = Normalize(f.NameContains)
	}
	return func(n *Node) bool {
		switch {
		case ids != nil && !ids(n.ID),
			kinds != nil && !kinds(n.Kind),
			keys != nil && !keys(n.Key),
			types != nil && !types(n.Type),
			regions != nil && !slices.ContainsFunc(n.RegionIDs, regions) && !slices.ContainsFunc(n.DerivedRegionIDs, regions):
			return false
		case needle != "":
			return slices.ContainsFunc(n.SearchTerms, func(t string) bool { return strings.Contains(t, needle) })
		}
		return true
	}
}

// Matcher compiles f into a predicate, for matching many relationships.
func (f *RelationshipFilter) Matcher() func(*Relationship) bool {
	ids, types, from, to, nodes := set(f.IDs), set(f.Types), set(f.FromIDs), set(f.ToIDs), set(f.NodeIDs)
	dir := f.Direction
	return func(r *Relationship) bool {
		switch {
		case ids != nil && !ids(r.ID),
			types != nil && !types(r.Type),
			from != nil && !from(r.FromID),
			to != nil && !to(r.ToID):
			return false
		case nodes != nil:
			switch dir {
			case Out:
				return nodes(r.FromID)
			case In:
				return nodes(r.ToID)
			default:
				return nodes(r.FromID) || nodes(r.ToID)
			}
		}
		return true
	}
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
	if opts.Bulk() {
		return slices.Clone(items), false
	}
	type keyed struct {
		item T
		vals []string
		id   string
	}
	cmp := func(a []string, aID string, b []string, bID string) int {
		if opts.Reverse {
			return -compareKeys(opts.OrderBy, a, aID, b, bID)
		}
		return compareKeys(opts.OrderBy, a, aID, b, bID)
	}
	ks := make([]keyed, 0, len(items))
	for _, it := range items {
		var vals []string
		if len(opts.OrderBy) > 0 {
			vals = values(it)
		}
		iid := id(it)
		if opts.After != nil && cmp(vals, iid, opts.After.Values, opts.After.ID) <= 0 {
			continue
		}
		ks = append(ks, keyed{it, vals, iid})
	}
	byKeys := func(a, b keyed) int { return cmp(a.vals, a.id, b.vals, b.id) }
	hasNext := false
	if opts.First != Unlimited && len(ks) > opts.First {
		// Only the page and the row after it need ordering: n log(page)
		// instead of n log n.
		ks, hasNext = smallest(ks, opts.First, byKeys), true
	} else {
		slices.SortFunc(ks, byKeys)
	}
	out := make([]T, len(ks))
	for i, k := range ks {
		out[i] = k.item
	}
	return out, hasNext
}

// smallest returns the k smallest of items by cmp, in order, keeping a
// max-heap of the k smallest seen so far.
func smallest[T any](items []T, k int, cmp func(a, b T) int) []T {
	if k <= 0 {
		return items[:0]
	}
	h := make([]T, 0, k)
	// down restores the max-heap property from i.
	down := func(i int) {
		for {
			l, big := 2*i+1, i
			if l < len(h) && cmp(h[l], h[big]) > 0 {
				big = l
			}
			if r := l + 1; r < len(h) && cmp(h[r], h[big]) > 0 {
				big = r
			}
			if big == i {
				return
			}
			h[i], h[big] = h[big], h[i]
			i = big
		}
	}
	for _, it := range items {
		switch {
		case len(h) < k:
			h = append(h, it)
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if cmp(h[i], h[p]) <= 0 {
					break
				}
				h[i], h[p] = h[p], h[i]
				i = p
			}
		case cmp(it, h[0]) < 0:
			h[0] = it
			down(0)
		}
	}
	slices.SortFunc(h, cmp)
	return h
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
