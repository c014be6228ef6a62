package mongodb

import (
	"context"
	"slices"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/otehub/hub"
)

// Rich conditions (hub.Where) and asOf days run in the database as one
// aggregation pipeline over the nodes:
//
//   - the simple part, on indexed fields, as the first $match;
//   - the asOf day as a $match on the node's period;
//   - each relationship condition as $lookups of the node's relationships
//     (through the index on that end) and of the nodes at their other
//     ends, each flagged with whether it matches the condition's own
//     where, into a field of distinct {_id, hit} pairs;
//   - everything else as one boolean $expr over the node and those fields.
//
// Only the ids of the matching nodes cross the wire. The pipeline mirrors
// hub.SelectGeneric part for part, and the conformance suite checks that
// both answer alike. Comparisons that ignore case and diacritics need
// hub.Normalize, which the database does not have, and relationship
// conditions nested deeper than maxPushedNesting would repeat work along
// every path; such conditions are left to hub.SelectGeneric.
//
// Every client value in an expression is wrapped in $literal: a string
// starting with "$" would otherwise be read as a field path.

var _ hub.SelectPusher = (*Store)(nil)

// PushSelect implements hub.SelectPusher.
func (s *Store) PushSelect(ctx context.Context, base hub.NodeFilter, w *hub.Where, asOf *time.Time) ([]string, bool, error) {
	if err := w.Check(); err != nil {
		return nil, true, err
	}
	pipeline, impossible, ok := selectPipeline(base, w, asOf)
	switch {
	case !ok:
		return nil, false, nil
	case impossible:
		return nil, true, nil
	}
	pipeline = append(pipeline, bson.M{"$project": bson.M{"_id": 1}})
	ctx, cancel := s.call(ctx)
	defer cancel()
	cur, err := s.nodes.Aggregate(ctx, pipeline, options.Aggregate().SetAllowDiskUse(true))
	if err != nil {
		return nil, true, translate(err, "select")
	}
	defer cur.Close(ctx)
	var ids []string
	for cur.Next(ctx) {
		id, ok := cur.Current.Lookup("_id").StringValueOK()
		if !ok {
			return nil, true, hub.Errorf(hub.EINTERNAL, "select: a node without a string id")
		}
		ids = append(ids, id)
	}
	if err := cur.Err(); err != nil {
		return nil, true, translate(err, "select")
	}
	return ids, true, nil
}

// selectPipeline is the pipeline over the nodes that keeps those
// hub.SelectGeneric selects for base, w and asOf. impossible reports
// filters that share nothing (nothing matches); ok is false for
// conditions left to the generic implementation.
func selectPipeline(base hub.NodeFilter, w *hub.Where, asOf *time.Time) (p bson.A, impossible, ok bool) {
	match, impossible := selectMatch(base, w)
	if impossible {
		return nil, true, true
	}
	c := &whereCompiler{asOf: asOf}
	stages, expr, ok := c.where(w, true)
	if !ok {
		return nil, false, false
	}
	p = bson.A{bson.M{"$match": match}}
	if asOf != nil {
		p = append(p, bson.M{"$match": activeOn("period", utcDay(*asOf))})
	}
	if len(stages) > 0 {
		// The node's own conditions first, so that only the nodes that
		// meet them have their relationships looked up.
		if _, own, _ := (&whereCompiler{}).where(ownConditions(w), true); own != nil {
			p = append(p, bson.M{"$match": bson.M{"$expr": own}})
		}
	}
	p = append(p, stages...)
	if expr != nil {
		p = append(p, bson.M{"$match": bson.M{"$expr": expr}})
	}
	return p, false, true
}

// ownConditions is the part of w that needs no relationship lookup: its
// own conditions and its and-ed parts without relationship conditions
// (a node failing them fails w).
func ownConditions(w *hub.Where) *hub.Where {
	if w == nil {
		return nil
	}
	own := &hub.Where{Filter: w.Filter, Name: w.Name, Key: w.Key, Type: w.Type, Period: w.Period}
	for _, sub := range w.And {
		if !followsRelationships(sub) {
			own.And = append(own.And, sub)
		}
	}
	return own
}

// followsRelationships reports whether w has a relationship condition.
func followsRelationships(w *hub.Where) bool {
	if w == nil {
		return false
	}
	if len(w.Relationships) > 0 || followsRelationships(w.Not) {
		return true
	}
	for _, sub := range slices.Concat(w.And, w.Or) {
		if followsRelationships(sub) {
			return true
		}
	}
	return false
}

// selectMatch is the query of the candidates hub.SelectGeneric starts
// from: base and w's filter merged, and w's name condition when the merge
// kept base's. impossible reports lists that share nothing.
func selectMatch(base hub.NodeFilter, w *hub.Where) (match bson.D, impossible bool) {
	if w == nil {
		return nodeMatch(&base), false
	}
	merged, impossible := hub.MergeNodeFilters(base, w.Filter)
	if impossible {
		return nil, true
	}
	match = nodeMatch(&merged)
	if name := w.Filter.NameContains; name != "" && name != merged.NameContains {
		match = bson.D{{Key: "$and", Value: bson.A{match, nodeMatch(&hub.NodeFilter{NameContains: name})}}}
	}
	return match, false
}

// maxPushedNesting bounds how deep relationship conditions nest in a
// pipeline. A nested condition is a $lookup within a $lookup, evaluated
// again along every path that reaches a node, so the work grows with the
// number of paths (the product of the degrees); the generic evaluator
// works level by level on the distinct nodes instead. Deeper conditions
// are left to it.
const maxPushedNesting = 2

// maxPushedLookups bounds the relationship conditions one pipeline
// compiles (each is one or two $lookup stages), well below the server's
// limit of 1 000 stages in a pipeline.
const maxPushedLookups = 100

// whereCompiler turns conditions into stages and expressions. It numbers
// the fields the relationship conditions compute (_w0, _w1, ...) and
// counts how deep relationship conditions nest.
type whereCompiler struct {
	asOf    *time.Time
	fields  int
	nesting int
	lookups int
}

// where returns the stages that compute w's relationship conditions and
// the boolean expression of w over a node document (nil when w holds for
// every node). filtered says the node already satisfies w.Filter.
// ok is false when w cannot be mirrored exactly.
func (c *whereCompiler) where(w *hub.Where, filtered bool) (stages bson.A, expr any, ok bool) {
	if w == nil {
		return nil, nil, true
	}
	var parts bson.A
	if !filtered {
		parts = append(parts, filterExprs(&w.Filter)...)
	}
	if w.Name != nil {
		e, ok := namesExpr(w.Name)
		if !ok {
			return nil, nil, false
		}
		parts = append(parts, e)
	}
	if w.Key != nil {
		e, ok := stringExpr(w.Key, "$key", true)
		if !ok {
			return nil, nil, false
		}
		parts = append(parts, e)
	}
	if w.Type != nil {
		typ := bson.M{"$ifNull": bson.A{"$type", ""}}
		e, ok := stringExpr(w.Type, typ, bson.M{"$ne": bson.A{typ, ""}})
		if !ok {
			return nil, nil, false
		}
		parts = append(parts, e)
	}
	if w.Period != nil {
		e, ok := periodExpr(w.Period, "$period")
		if !ok {
			return nil, nil, false
		}
		parts = append(parts, e)
	}
	for _, r := range w.Relationships {
		st, e, ok := c.relationship(r)
		if !ok {
			return nil, nil, false
		}
		stages = append(stages, st...)
		parts = append(parts, e)
	}
	for _, sub := range w.And {
		st, e, ok := c.where(sub, false)
		if !ok {
			return nil, nil, false
		}
		stages = append(stages, st...)
		if e != nil {
			parts = append(parts, e)
		}
	}
	if len(w.Or) > 0 {
		var anyOf bson.A
		for _, sub := range w.Or {
			st, e, ok := c.where(sub, false)
			if !ok {
				return nil, nil, false
			}
			stages = append(stages, st...)
			anyOf = append(anyOf, orTrue(e))
		}
		parts = append(parts, bson.M{"$or": anyOf})
	}
	if w.Not != nil {
		st, e, ok := c.where(w.Not, false)
		if !ok {
			return nil, nil, false
		}
		stages = append(stages, st...)
		parts = append(parts, bson.M{"$not": bson.A{orTrue(e)}})
	}
	return stages, allOf(parts), true
}

// relationship compiles one relationship condition: lookups into a
// field of the distinct related nodes, each {_id, hit}, and the
// quantifier or count over it.
func (c *whereCompiler) relationship(r *hub.RelationshipMatch) (bson.A, any, bool) {
	// A nested condition is looked up again for every node reached, so
	// it must name its types, which bounds the relationships it follows
	// to those of the types rather than a node's every one.
	if c.nesting++; c.nesting > maxPushedNesting || (c.nesting > 1 && len(r.Types) == 0) {
		return nil, nil, false
	}
	defer func() { c.nesting-- }()
	if c.lookups++; c.lookups > maxPushedLookups {
		return nil, nil, false
	}
	// The nodes at the other end: present and active on the day, each
	// flagged with r.Where.
	var ends bson.A
	if c.asOf != nil {
		ends = append(ends, bson.M{"$match": activeOn("period", utcDay(*c.asOf))})
	}
	hit := any(bson.M{"$literal": true})
	if r.Where != nil {
		st, e, ok := c.where(r.Where, false)
		if !ok {
			return nil, nil, false
		}
		ends = append(ends, st...)
		if e != nil {
			hit = e
		}
	}
	ends = append(ends, bson.M{"$project": bson.M{"_id": 0, "hit": hit}})

	// The relationships that lead to related nodes: of the types, active
	// on the day, meeting the relationship condition.
	var relMatch bson.A
	if len(r.Types) > 0 {
		relMatch = append(relMatch, bson.M{"$match": bson.M{"type": in(r.Types)}})
	}
	if c.asOf != nil {
		relMatch = append(relMatch, bson.M{"$match": activeOn("period", utcDay(*c.asOf))})
	}
	if rw := r.Relationship; rw != nil {
		if d := relationshipFilter(&rw.Filter); len(d) > 0 {
			relMatch = append(relMatch, bson.M{"$match": d})
		}
		e, ok := relationshipWhereExpr(rw)
		if !ok {
			return nil, nil, false
		}
		if e != nil {
			relMatch = append(relMatch, bson.M{"$match": bson.M{"$expr": e}})
		}
	}

	field := "_w" + strconv.Itoa(c.fields)
	c.fields++
	lookup := func(local, other, as string) bson.M {
		rels := slices.Clone(relMatch)
		rels = append(rels,
			// One entry per related node, however many relationships
			// lead to it, looked up and flagged once.
			bson.M{"$group": bson.M{"_id": "$" + other}},
			bson.M{"$lookup": bson.M{"from": NodesCollection, "localField": "_id", "foreignField": "_id", "pipeline": ends, "as": "end"}},
			bson.M{"$unwind": "$end"},
			bson.M{"$project": bson.M{"_id": 1, "hit": "$end.hit"}},
		)
		return bson.M{"$lookup": bson.M{"from": RelationshipsCollection, "localField": "_id", "foreignField": local, "pipeline": rels, "as": as}}
	}
	var stages bson.A
	var related any
	switch r.Dir {
	case hub.Out:
		stages = bson.A{lookup("fromId", "toId", field)}
		related = "$" + field
	case hub.In:
		stages = bson.A{lookup("toId", "fromId", field)}
		related = "$" + field
	default:
		// Both ways: a node related both ways (or to itself) counts
		// once; equal {_id, hit} documents are one set element.
		stages = bson.A{lookup("fromId", "toId", field+"o"), lookup("toId", "fromId", field+"i")}
		related = bson.M{"$setUnion": bson.A{"$" + field + "o", "$" + field + "i"}}
	}
	total := bson.M{"$size": related}
	hits := bson.M{"$size": bson.M{"$filter": bson.M{"input": related, "cond": "$$this.hit"}}}
	var expr any
	switch {
	case r.Count != nil:
		n := r.Count
		expr = orTrue(boundsExpr(hits, n.Eq, n.Gt, n.Gte, n.Lt, n.Lte))
	case r.Quantifier == hub.None:
		expr = bson.M{"$eq": bson.A{hits, 0}}
	case r.Quantifier == hub.All:
		expr = bson.M{"$eq": bson.A{hits, total}}
	default:
		expr = bson.M{"$gt": bson.A{hits, 0}}
	}
	return stages, expr, true
}

// relationshipWhereExpr is RelationshipWhere.Match (amount, period and
// role) over a relationship document, nil when it has none of them. ok is
// false for what stringExpr and periodExpr leave to the generic
// evaluator.
func relationshipWhereExpr(w *hub.RelationshipWhere) (any, bool) {
	var parts bson.A
	if a := w.Amount; a != nil {
		// In major units, as float64(minor)/100 in Go: $divide converts
		// the integer to a double too. A relationship without an amount
		// fails.
		major := bson.M{"$divide": bson.A{"$amount.minor", 100}}
		parts = append(parts, bson.M{"$and": bson.A{
			bson.M{"$eq": bson.A{bson.M{"$type": "$amount"}, "object"}},
			orTrue(boundsExpr(major, a.Eq, a.Gt, a.Gte, a.Lt, a.Lte)),
		}})
	}
	if w.Period != nil {
		e, ok := periodExpr(w.Period, "$period")
		if !ok {
			return nil, false
		}
		parts = append(parts, e)
	}
	if w.Role != nil {
		role := bson.M{"$ifNull": bson.A{"$role", ""}}
		e, ok := stringExpr(w.Role, role, bson.M{"$ne": bson.A{role, ""}})
		if !ok {
			return nil, false
		}
		parts = append(parts, e)
	}
	return allOf(parts), true
}

// filterExprs are the conditions of f (as NodeFilter.Matcher applies
// them) as expressions.
func filterExprs(f *hub.NodeFilter) bson.A {
	var parts bson.A
	oneOf := func(value any, list any) {
		parts = append(parts, bson.M{"$in": bson.A{value, bson.M{"$literal": list}}})
	}
	if len(f.IDs) > 0 {
		oneOf("$_id", f.IDs)
	}
	if len(f.Kinds) > 0 {
		oneOf("$kind", f.Kinds)
	}
	if len(f.Keys) > 0 {
		oneOf("$key", f.Keys)
	}
	if len(f.Types) > 0 {
		oneOf(bson.M{"$ifNull": bson.A{"$type", ""}}, f.Types)
	}
	if len(f.RegionIDs) > 0 {
		shared := bson.M{"$setIntersection": bson.A{bson.M{"$ifNull": bson.A{"$regionIds", bson.A{}}}, bson.M{"$literal": f.RegionIDs}}}
		parts = append(parts, bson.M{"$gt": bson.A{bson.M{"$size": shared}, 0}})
	}
	if f.NameContains != "" {
		if needle := hub.Normalize(f.NameContains); needle != "" {
			parts = append(parts, bson.M{"$anyElementTrue": bson.A{bson.M{"$map": bson.M{
				"input": bson.M{"$ifNull": bson.A{"$searchTerms", bson.A{}}},
				"in":    contains("$$this", needle),
			}}}})
		}
	}
	return parts
}

// stringExpr is StringMatch.match of the string expression v; present is
// the expression of "the value is there". ok is false for comparisons
// ignoring case and diacritics.
func stringExpr(m *hub.StringMatch, v, present any) (any, bool) {
	if m.Fold && (m.Eq != nil || m.Neq != nil || m.In != nil || m.NotIn != nil || m.Contains != nil || m.Prefix != nil) {
		return nil, false
	}
	if b, ok := present.(bool); ok {
		// A bare true would be an inclusion flag in a $project.
		present = bson.M{"$literal": b}
	}
	var parts bson.A
	if m.IsNull != nil {
		if *m.IsNull {
			parts = append(parts, bson.M{"$not": bson.A{present}})
		} else {
			parts = append(parts, present)
		}
	}
	if m.Eq != nil {
		parts = append(parts, bson.M{"$eq": bson.A{v, bson.M{"$literal": *m.Eq}}})
	}
	if m.Neq != nil {
		parts = append(parts, bson.M{"$ne": bson.A{v, bson.M{"$literal": *m.Neq}}})
	}
	// A given but empty list is a condition (In matches nothing, NotIn
	// everything), as in hub.
	if m.In != nil {
		parts = append(parts, bson.M{"$in": bson.A{v, bson.M{"$literal": nonNil(m.In)}}})
	}
	if m.NotIn != nil {
		parts = append(parts, bson.M{"$not": bson.A{bson.M{"$in": bson.A{v, bson.M{"$literal": nonNil(m.NotIn)}}}}})
	}
	if m.Contains != nil {
		parts = append(parts, contains(v, *m.Contains))
	}
	if m.Prefix != nil {
		parts = append(parts, bson.M{"$eq": bson.A{bson.M{"$indexOfCP": bson.A{v, bson.M{"$literal": *m.Prefix}}}, 0}})
	}
	return orTrue(allOf(parts)), true
}

// namesExpr is StringMatch.matchAny over the node's names in every
// language: negative conditions must hold for every name, the others for
// one of them.
func namesExpr(m *hub.StringMatch) (any, bool) {
	names := bson.M{"$filter": bson.M{
		"input": bson.A{
			bson.M{"$ifNull": bson.A{"$name.fi", ""}},
			bson.M{"$ifNull": bson.A{"$name.sv", ""}},
			bson.M{"$ifNull": bson.A{"$name.en", ""}},
		},
		"cond": bson.M{"$ne": bson.A{"$$this", ""}},
	}}
	count := bson.M{"$size": names}
	if m.IsNull != nil {
		if *m.IsNull {
			return bson.M{"$eq": bson.A{count, 0}}, true
		}
		return bson.M{"$gt": bson.A{count, 0}}, true
	}
	neg := hub.StringMatch{Neq: m.Neq, NotIn: m.NotIn, Fold: m.Fold}
	pos := *m
	pos.Neq, pos.NotIn = nil, nil
	negExpr, ok := stringExpr(&neg, "$$this", true)
	if !ok {
		return nil, false
	}
	posExpr, ok := stringExpr(&pos, "$$this", true)
	if !ok {
		return nil, false
	}
	return bson.M{"$and": bson.A{
		bson.M{"$allElementsTrue": bson.A{bson.M{"$map": bson.M{"input": names, "in": negExpr}}}},
		bson.M{"$anyElementTrue": bson.A{bson.M{"$map": bson.M{"input": names, "in": posExpr}}}},
	}}, true
}

// periodExpr is PeriodMatch.match of the period at path. ok is false for
// bounds finer than BSON dates keep.
func periodExpr(m *hub.PeriodMatch, path string) (any, bool) {
	start, end := path+".start", path+".end"
	// Contains compares days (UTC midnights), which are exact.
	for _, t := range []*time.Time{m.StartsFrom, m.StartsBefore} {
		if t != nil && !exactInBSON(*t) {
			return nil, false
		}
	}
	if o := m.Overlaps; o != nil && ((o.Start != nil && !exactInBSON(*o.Start)) || (o.End != nil && !exactInBSON(*o.End))) {
		return nil, false
	}
	var parts bson.A
	if m.IsNull != nil {
		has := bson.M{"$or": bson.A{isDate(start), isDate(end)}}
		if *m.IsNull {
			parts = append(parts, bson.M{"$not": bson.A{has}})
		} else {
			parts = append(parts, has)
		}
	}
	if o := m.Overlaps; o != nil {
		if o.End != nil {
			parts = append(parts, bson.M{"$not": bson.A{bson.M{"$and": bson.A{isDate(start), bson.M{"$gt": bson.A{start, *o.End}}}}}})
		}
		if o.Start != nil {
			parts = append(parts, bson.M{"$not": bson.A{bson.M{"$and": bson.A{isDate(end), bson.M{"$lt": bson.A{end, *o.Start}}}}}})
		}
	}
	if m.Contains != nil {
		parts = append(parts, periodContains(path, *m.Contains))
	}
	if m.StartsFrom != nil {
		parts = append(parts, bson.M{"$and": bson.A{isDate(start), bson.M{"$gte": bson.A{start, *m.StartsFrom}}}})
	}
	if m.StartsBefore != nil {
		parts = append(parts, bson.M{"$and": bson.A{isDate(start), bson.M{"$lt": bson.A{start, *m.StartsBefore}}}})
	}
	return orTrue(allOf(parts)), true
}

// periodContains is Period.Contains of the period at path, as an
// expression: the day (of t, in UTC) is not before a known start nor
// after a known end. activeOn is the same as a query.
func periodContains(path string, t time.Time) bson.M {
	day := utcDay(t)
	start, end := path+".start", path+".end"
	return bson.M{"$and": bson.A{
		bson.M{"$or": bson.A{bson.M{"$not": bson.A{isDate(start)}}, bson.M{"$lte": bson.A{start, day}}}},
		bson.M{"$or": bson.A{bson.M{"$not": bson.A{isDate(end)}}, bson.M{"$gte": bson.A{end, day}}}},
	}}
}

// boundsExpr is IntRange.Holds or FloatRange.Holds of the number
// expression v, given the range's bounds (nil when it has none).
func boundsExpr[T int | float64](v any, eq, gt, gte, lt, lte *T) any {
	var parts bson.A
	for _, b := range []struct {
		op    string
		bound *T
	}{{"$eq", eq}, {"$gt", gt}, {"$gte", gte}, {"$lt", lt}, {"$lte", lte}} {
		if b.bound != nil {
			parts = append(parts, bson.M{b.op: bson.A{v, *b.bound}})
		}
	}
	return allOf(parts)
}

// contains is strings.Contains of the string expression v and the text:
// on valid UTF-8, a byte substring is a code point substring.
func contains(v any, text string) bson.M {
	return bson.M{"$gte": bson.A{bson.M{"$indexOfCP": bson.A{v, bson.M{"$literal": text}}}, 0}}
}

// allOf is the conjunction of parts, nil when there are none.
func allOf(parts bson.A) any {
	switch len(parts) {
	case 0:
		return nil
	case 1:
		return parts[0]
	}
	return bson.M{"$and": parts}
}

// orTrue is e, or the constant true for the nil (empty) condition.
func orTrue(e any) any {
	if e == nil {
		return bson.M{"$literal": true}
	}
	return e
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// exactInBSON reports whether t survives a BSON date (milliseconds)
// unchanged, so that comparing in the database equals comparing in Go.
func exactInBSON(t time.Time) bool { return t.Nanosecond()%int(time.Millisecond) == 0 }
