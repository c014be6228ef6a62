package hub

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Where is a rich node condition: the simple, index-friendly Filter plus
// string, period and relationship predicates, combined with and/or/not.
// Every part that is set must hold.
type Where struct {
	And []*Where
	Or  []*Where
	Not *Where

	// Filter is the part every store evaluates natively.
	Filter NodeFilter
	Name   *StringMatch
	Key    *StringMatch
	Type   *StringMatch
	// Period matches the node's own period.
	Period *PeriodMatch
	// Relationships must all hold.
	Relationships []*RelationshipMatch
	// UpdatedSince keeps the nodes written at or after the instant
	// (UpdatedAt not before it), for incremental sync.
	UpdatedSince *time.Time
	// ExternalID keeps the nodes with this id in the scheme's register.
	ExternalID *ExternalID
}

// HasExternalID reports whether n has the external id e.
func (n *Node) HasExternalID(e ExternalID) bool {
	return slices.Contains(n.ExternalIDs, e)
}

// StringMatch is a predicate on a string field. Fold compares
// case- and diacritic-insensitively (see Normalize).
type StringMatch struct {
	Eq, Neq          *string
	In, NotIn        []string
	Contains, Prefix *string
	Fold             bool
	IsNull           *bool
}

// PeriodMatch is a predicate on a period. Unknown ends are open.
type PeriodMatch struct {
	// Overlaps holds when the period shares a day with [Start, End].
	Overlaps *Period
	// Contains holds when the period contains the day.
	Contains *time.Time
	// StartsFrom and StartsBefore bound the start day (inclusive, and
	// exclusive); a node without a known start fails them.
	StartsFrom, StartsBefore *time.Time
	// IsNull holds when the node has (false) or lacks (true) a period.
	IsNull *bool
}

// Quantifier says how many related nodes must match.
type Quantifier string

// Quantifiers of a relationship predicate.
const (
	Some Quantifier = "SOME"
	All  Quantifier = "ALL"
	None Quantifier = "NONE"
)

// IntRange bounds an integer; nil bounds are open.
type IntRange struct {
	Eq, Gt, Gte, Lt, Lte *int
}

// Holds reports whether n is inside the range.
func (r *IntRange) Holds(n int) bool {
	return (r.Eq == nil || n == *r.Eq) && (r.Gt == nil || n > *r.Gt) && (r.Gte == nil || n >= *r.Gte) &&
		(r.Lt == nil || n < *r.Lt) && (r.Lte == nil || n <= *r.Lte)
}

// RelationshipMatch is a predicate over the nodes a node is related to:
// those at the other end of its relationships of Types in direction Dir
// (any type when empty; BOTH when Dir is empty).
type RelationshipMatch struct {
	Dir   Direction
	Types []RelationshipType
	// Where selects the related nodes that count (all when nil).
	Where *Where
	// Quantifier: SOME (default) holds when at least one related node
	// matches Where, NONE when none does, ALL when every related node
	// does (vacuously true without related nodes).
	Quantifier Quantifier
	// Count, when set, replaces the quantifier: the number of distinct
	// related nodes matching Where must be in the range.
	Count *IntRange
	// Relationship, when set, keeps only the relationships that meet it
	// (its filter, and its amount, period, role and source conditions): other
	// relationships lead to no related node.
	Relationship *RelationshipWhere
}

// Limits of the evaluator, so that one request cannot make it walk
// without end.
const (
	maxWhereDepth = 8
	maxWhereNodes = 200
)

// IsSimple reports whether w is only a NodeFilter, which every store
// answers natively (and pages natively).
func (w *Where) IsSimple() bool {
	return w == nil || (len(w.And) == 0 && len(w.Or) == 0 && w.Not == nil && w.Name == nil &&
		w.Key == nil && w.Type == nil && w.Period == nil && len(w.Relationships) == 0 && w.UpdatedSince == nil && w.ExternalID == nil)
}

// Check validates the shape of w: depth and size limits.
func (w *Where) Check() error {
	count := 0
	// counted counts one more condition: every where, and every
	// relationship condition, since each costs store reads.
	counted := func() error {
		if count++; count > maxWhereNodes {
			return Errorf(ETOOLARGE, "where has more than %d conditions", maxWhereNodes)
		}
		return nil
	}
	var walk func(*Where, int) error
	walk = func(w *Where, depth int) error {
		if w == nil {
			return nil
		}
		if depth > maxWhereDepth {
			return Errorf(ETOOLARGE, "where nests deeper than %d levels", maxWhereDepth)
		}
		if err := counted(); err != nil {
			return err
		}
		for _, s := range slices.Concat(w.And, w.Or, []*Where{w.Not}) {
			if err := walk(s, depth+1); err != nil {
				return err
			}
		}
		for _, r := range w.Relationships {
			if r.Quantifier != "" && r.Count != nil {
				return Errorf(EINVALID, "a relationship condition takes a quantifier or a count, not both")
			}
			if err := counted(); err != nil {
				return err
			}
			if err := walk(r.Where, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(w, 0)
}

// Select returns the ids of the nodes matching base and w, as the network
// stood on asOf when it is set (nodes and relationships whose period does
// not contain the day are left out; undated ones always count). The
// simple part of the condition selects the candidates; the rest is
// evaluated on them with one relationship read and one node read per
// relationship predicate level. The ids come in no particular order.
func Select(ctx context.Context, s Reader, base NodeFilter, w *Where, asOf *time.Time) ([]string, error) {
	if err := w.Check(); err != nil {
		return nil, err
	}
	e := &evaluator{s: s, asOf: asOf}
	f := base
	if w != nil {
		var impossible bool
		if f, impossible = MergeNodeFilters(base, w.Filter); impossible {
			return nil, nil
		}
	}
	candidates, _, err := s.FindNodes(ctx, f, ListOptions{First: Unlimited})
	if err != nil {
		return nil, err
	}
	matched, err := e.eval(ctx, w, e.active(candidates), true)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(matched))
	for i, n := range matched {
		ids[i] = n.ID
	}
	return ids, nil
}

// MergeNodeFilters ANDs two simple filters. Lists are intersected; a
// name condition on both keeps the first (Select checks the second in
// Go). impossible reports lists that share nothing: an empty list would
// mean "no condition" to a store, so the caller must answer "nothing"
// itself.
func MergeNodeFilters(a, b NodeFilter) (f NodeFilter, impossible bool) {
	var ok [5]bool
	f.IDs, ok[0] = Intersect(a.IDs, b.IDs)
	f.Keys, ok[1] = Intersect(a.Keys, b.Keys)
	f.Types, ok[2] = Intersect(a.Types, b.Types)
	f.RegionIDs, ok[3] = Intersect(a.RegionIDs, b.RegionIDs)
	f.Kinds, ok[4] = Intersect(a.Kinds, b.Kinds)
	f.NameContains = a.NameContains
	if f.NameContains == "" {
		f.NameContains = b.NameContains
	}
	return f, slices.Contains(ok[:], false)
}

// Intersect ANDs two list conditions, nil meaning no condition: the
// items of x that are also in y, in x's order. ok is false when the
// result is a condition no value meets (an empty, non-nil list).
func Intersect[T comparable](x, y []T) (out []T, ok bool) {
	switch {
	case x == nil:
		return y, y == nil || len(y) > 0
	case y == nil:
		return x, len(x) > 0
	}
	out = []T{}
	for _, v := range x {
		if slices.Contains(y, v) {
			out = append(out, v)
		}
	}
	return out, len(out) > 0
}

type evaluator struct {
	s    Reader
	asOf *time.Time
}

// active drops nodes whose period does not contain asOf.
func (e *evaluator) active(nodes []*Node) []*Node {
	if e.asOf == nil {
		return nodes
	}
	return slices.DeleteFunc(nodes, func(n *Node) bool { return !n.Period.Contains(*e.asOf) })
}

// eval returns the nodes of c that match w. filtered says c already
// satisfies w.Filter.
func (e *evaluator) eval(ctx context.Context, w *Where, c []*Node, filtered bool) ([]*Node, error) {
	if w == nil || len(c) == 0 {
		return c, nil
	}
	// Each condition is a pass over the candidates: stop between passes
	// once the request has ended.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	match := w.Filter.Matcher()
	byName := (&NodeFilter{NameContains: w.Filter.NameContains}).Matcher()
	out := slices.DeleteFunc(slices.Clone(c), func(n *Node) bool {
		return (!filtered && !match(n)) || !byName(n) ||
			!w.Name.matchAny(n.Name.All()) || !w.Key.match(n.Key, true) || !w.Type.match(n.Type, n.Type != "") ||
			!w.Period.match(n.Period) || !updatedSince(w.UpdatedSince, n.UpdatedAt) ||
			(w.ExternalID != nil && !n.HasExternalID(*w.ExternalID))
	})
	for _, r := range w.Relationships {
		var err error
		if out, err = e.related(ctx, r, out); err != nil {
			return nil, err
		}
	}
	for _, sub := range w.And {
		var err error
		if out, err = e.eval(ctx, sub, out, false); err != nil {
			return nil, err
		}
	}
	if len(w.Or) > 0 {
		keep := map[string]bool{}
		for _, sub := range w.Or {
			m, err := e.eval(ctx, sub, out, false)
			if err != nil {
				return nil, err
			}
			for _, n := range m {
				keep[n.ID] = true
			}
		}
		out = slices.DeleteFunc(out, func(n *Node) bool { return !keep[n.ID] })
	}
	if w.Not != nil {
		m, err := e.eval(ctx, w.Not, out, false)
		if err != nil {
			return nil, err
		}
		drop := map[string]bool{}
		for _, n := range m {
			drop[n.ID] = true
		}
		out = slices.DeleteFunc(out, func(n *Node) bool { return drop[n.ID] })
	}
	return out, nil
}

// related keeps the nodes of c for which the relationship predicate
// holds: one read for the relationships of all of c, one for the nodes
// at their other ends.
func (e *evaluator) related(ctx context.Context, r *RelationshipMatch, c []*Node) ([]*Node, error) {
	if len(c) == 0 {
		return c, nil
	}
	ids := make([]string, len(c))
	for i, n := range c {
		ids[i] = n.ID
	}
	rels, _, err := e.s.FindRelationships(ctx, RelationshipFilter{NodeIDs: ids, Direction: r.Dir, Types: r.Types}, ListOptions{First: Unlimited})
	if err != nil {
		return nil, err
	}
	if e.asOf != nil {
		rels = slices.DeleteFunc(rels, func(x *Relationship) bool { return !x.Period.Contains(*e.asOf) })
	}
	if rw := r.Relationship; rw != nil {
		match := rw.Filter.Matcher()
		rels = slices.DeleteFunc(rels, func(x *Relationship) bool { return !match(x) || !rw.Match(x) })
	}
	inC := make(map[string]bool, len(c))
	for _, id := range ids {
		inC[id] = true
	}
	// Other ends per node of c.
	others := map[string][]string{}
	var otherIDs []string
	add := func(node, other string) {
		if !slices.Contains(others[node], other) {
			others[node] = append(others[node], other)
			otherIDs = append(otherIDs, other)
		}
	}
	for _, x := range rels {
		if inC[x.FromID] && r.Dir != In {
			add(x.FromID, x.ToID)
		}
		if inC[x.ToID] && r.Dir != Out {
			add(x.ToID, x.FromID)
		}
	}
	slices.Sort(otherIDs)
	otherIDs = slices.Compact(otherIDs)
	nodes, err := e.s.NodesByID(ctx, otherIDs)
	if err != nil {
		return nil, err
	}
	nodes = e.active(slices.DeleteFunc(nodes, func(n *Node) bool { return n == nil }))
	present := map[string]bool{}
	for _, n := range nodes {
		present[n.ID] = true
	}
	matched, err := e.eval(ctx, r.Where, nodes, false)
	if err != nil {
		return nil, err
	}
	ok := make(map[string]bool, len(matched))
	for _, n := range matched {
		ok[n.ID] = true
	}
	return slices.DeleteFunc(slices.Clone(c), func(n *Node) bool {
		total, hits := 0, 0
		for _, o := range others[n.ID] {
			if !present[o] {
				continue
			}
			total++
			if ok[o] {
				hits++
			}
		}
		switch {
		case r.Count != nil:
			return !r.Count.Holds(hits)
		case r.Quantifier == None:
			return hits > 0
		case r.Quantifier == All:
			return hits != total
		default:
			return hits == 0
		}
	}), nil
}

// match applies m to one value; present is false for a missing value.
func (m *StringMatch) match(v string, present bool) bool {
	if m == nil {
		return true
	}
	if m.IsNull != nil && *m.IsNull == present {
		return false
	}
	norm := func(s string) string {
		if m.Fold {
			return Normalize(s)
		}
		return s
	}
	nv := norm(v)
	eq := func(x string) bool { return nv == norm(x) }
	switch {
	case m.Eq != nil && !eq(*m.Eq):
		return false
	case m.Neq != nil && eq(*m.Neq):
		return false
	case m.In != nil && !slices.ContainsFunc(m.In, eq):
		return false
	case m.NotIn != nil && slices.ContainsFunc(m.NotIn, eq):
		return false
	case m.Contains != nil && !strings.Contains(nv, norm(*m.Contains)):
		return false
	case m.Prefix != nil && !strings.HasPrefix(nv, norm(*m.Prefix)):
		return false
	}
	return true
}

// matchAny holds when one of the values matches (names in several
// languages); negative conditions (Neq, NotIn) must hold for all.
func (m *StringMatch) matchAny(values []string) bool {
	if m == nil {
		return true
	}
	pos := *m
	pos.Neq, pos.NotIn, pos.IsNull = nil, nil, nil
	if m.IsNull != nil {
		if *m.IsNull != (len(values) == 0) {
			return false
		}
		if *m.IsNull {
			// No value: the negative conditions hold for all of none,
			// a positive one has nothing to hold for.
			return pos.Eq == nil && pos.In == nil && pos.Contains == nil && pos.Prefix == nil
		}
	}
	neg := StringMatch{Neq: m.Neq, NotIn: m.NotIn, Fold: m.Fold}
	anyPos := false
	for _, v := range values {
		if !neg.match(v, true) {
			return false
		}
		anyPos = anyPos || pos.match(v, true)
	}
	return anyPos
}

func (m *PeriodMatch) match(p *Period) bool {
	if m == nil {
		return true
	}
	has := p != nil && (p.Start != nil || p.End != nil)
	if m.IsNull != nil && *m.IsNull == has {
		return false
	}
	if m.Overlaps != nil {
		if p != nil && ((m.Overlaps.End != nil && p.Start != nil && p.Start.After(*m.Overlaps.End)) ||
			(m.Overlaps.Start != nil && p.End != nil && p.End.Before(*m.Overlaps.Start))) {
			return false
		}
	}
	if m.Contains != nil && !p.Contains(*m.Contains) {
		return false
	}
	if m.StartsFrom != nil && (p == nil || p.Start == nil || p.Start.Before(*m.StartsFrom)) {
		return false
	}
	if m.StartsBefore != nil && (p == nil || p.Start == nil || !p.Start.Before(*m.StartsBefore)) {
		return false
	}
	return true
}

// FloatRange bounds a number; nil bounds are open.
type FloatRange struct {
	Eq, Gt, Gte, Lt, Lte *float64
}

// Holds reports whether f is inside the range.
func (r *FloatRange) Holds(f float64) bool {
	return (r.Eq == nil || f == *r.Eq) && (r.Gt == nil || f > *r.Gt) && (r.Gte == nil || f >= *r.Gte) &&
		(r.Lt == nil || f < *r.Lt) && (r.Lte == nil || f <= *r.Lte)
}

// RelationshipWhere is a rich relationship condition: the simple Filter
// every store answers, plus conditions on the amount, period, role and
// sources.
type RelationshipWhere struct {
	Filter RelationshipFilter
	Amount *FloatRange
	Period *PeriodMatch
	Role   *StringMatch
	// SourceIDs, when not empty, keeps the relationships that one of
	// these source documents states: one of their citations names it.
	SourceIDs []string
	// UpdatedSince keeps the relationships written at or after the
	// instant.
	UpdatedSince *time.Time
}

// IsSimple reports whether w is only a RelationshipFilter.
func (w *RelationshipWhere) IsSimple() bool {
	return w == nil || (w.Amount == nil && w.Period == nil && w.Role == nil && len(w.SourceIDs) == 0 && w.UpdatedSince == nil)
}

// CitedBy reports whether one of r's citations names one of the source
// documents; any relationship is when there are none.
func CitedBy(r *Relationship, sourceIDs []string) bool {
	return len(sourceIDs) == 0 || slices.ContainsFunc(r.Sources, func(c Citation) bool {
		return c.SourceID != "" && slices.Contains(sourceIDs, c.SourceID)
	})
}

// Match reports whether r satisfies the rich part of w (the Filter is
// the reader's).
func (w *RelationshipWhere) Match(r *Relationship) bool {
	if w == nil {
		return true
	}
	if w.Amount != nil && (r.Amount == nil || !w.Amount.Holds(float64(r.Amount.Minor)/100)) {
		return false
	}
	if !CitedBy(r, w.SourceIDs) || !updatedSince(w.UpdatedSince, r.UpdatedAt) {
		return false
	}
	return w.Period.match(r.Period) && w.Role.match(r.Role, r.Role != "")
}

// updatedSince holds when a row updated at t was written at or after
// since (nil: any row). At, not only after: a client that passes the
// newest updatedAt it has seen gets that row again rather than missing
// another one written in the same millisecond.
func updatedSince(since *time.Time, t time.Time) bool {
	return since == nil || !t.Before(*since)
}
