package mongodb

import (
	"context"
	"math"
	"regexp"
	"slices"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/otehub/hub"
)

// Group-bys run in the database as one aggregation pipeline: the nodes
// a condition selects (see where.go) or a $match of the relationships
// (active on the asOf day), the funding policy as a $sort and $group
// over (funder, recipient, currency), $lookup of the ends and related
// nodes, $unwind of multi-valued fields and a $group with count, sum,
// min and max. Only the groups cross the wire. The pipeline mirrors
// hub.GroupByGeneric field for field, and the conformance suite checks
// that both answer alike; conditions PushSelect does not mirror go to
// the generic implementation.
//
// Unlike the generic implementation, a pushed-down group-by reads no
// rows into the hub, so it has no row limit of its own: the database's
// limits (and the operation timeout) bound it.

var _ hub.GroupPusher = (*Store)(nil)

// maxYearSpan bounds the years an open-ended period is spread over, as
// in hub's activeYears.
const maxYearSpan = 50

// PushGroupBy implements hub.GroupPusher. It returns done=false, and no
// error, for specs it leaves to hub.GroupByGeneric: conditions that
// PushSelect leaves to the generic evaluator, node filters whose merge
// the generic evaluator treats specially, and averages of amounts that a
// float sum could round either way.
func (s *Store) PushGroupBy(ctx context.Context, spec *hub.GroupSpec) ([]hub.Group, bool, error) {
	if err := spec.Check(); err != nil {
		return nil, true, err
	}
	var (
		coll     *mongo.Collection
		pipeline bson.A
	)
	switch spec.Collection {
	case hub.GroupNodes:
		// The nodes hub.Select picks, however rich the condition.
		selected, impossible, ok := selectPipeline(spec.Nodes, spec.Where, spec.AsOf)
		if !ok || impossible {
			// Lists that share nothing make Select answer nothing
			// without asking the store; such specs stay generic rather
			// than copy that.
			return nil, false, nil
		}
		coll, pipeline = s.nodes, append(selected, nodeGroupPipeline(spec)...)
	case hub.GroupRelationships:
		var ok bool
		if pipeline, ok = relationshipGroupPipeline(spec); !ok {
			return nil, false, nil
		}
		coll = s.rels
	default:
		return nil, false, nil
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	cur, err := coll.Aggregate(ctx, pipeline, options.Aggregate().SetAllowDiskUse(true))
	if err != nil {
		return nil, true, translate(err, "group by")
	}
	defer cur.Close(ctx)
	var groups []hub.Group
	for cur.Next(ctx) {
		g, ok := decodeGroup(cur.Current, spec)
		if !ok {
			// A value the generic implementation would compute in
			// floating point differently (see decodeGroup): let it.
			return nil, false, nil
		}
		groups = append(groups, g)
	}
	if err := cur.Err(); err != nil {
		return nil, true, translate(err, "group by")
	}
	return groups, true, nil
}

// nodeMatch is the condition FindNodes applies for f, in one query: a
// name filter answered from the gram index gives candidates, which are
// narrowed to the nodes one of whose search terms contains the
// (normalised, quoted) needle, like hub's matcher.
func nodeMatch(f *hub.NodeFilter) bson.D {
	d, candidates := nodeFilter(f)
	if candidates {
		needle := regexp.QuoteMeta(hub.Normalize(f.NameContains))
		d = append(d, bson.E{Key: "$and", Value: bson.A{bson.M{"searchTerms": bson.M{"$regex": needle}}}})
	}
	return d
}

// follow is the relationships a node's related nodes are reached by.
type follow struct {
	dir   hub.Direction
	types []hub.RelationshipType
}

// nodeGroupPipeline is the pipeline of a NODES group-by over the
// selected nodes.
func nodeGroupPipeline(spec *hub.GroupSpec) bson.A {
	var p bson.A
	needRelated := spec.Measure == hub.MeasureDegree ||
		slices.ContainsFunc(spec.By, func(k hub.GroupKey) bool { return k.Field == hub.ByRelated })
	if needRelated {
		// Like the generic implementation: the DEGREE measure's
		// relationships, or those of the (last) RELATED key, for every
		// RELATED key.
		f := follow{spec.DegreeDir, spec.DegreeTypes}
		for _, k := range spec.By {
			if k.Field == hub.ByRelated {
				f = follow{k.Dir, k.Types}
			}
		}
		p = append(p, relatedLookups(f, spec.AsOf)...)
	}
	keys := make([]keyExpr, len(spec.By))
	for i, k := range spec.By {
		if k.Field == hub.ByRelated {
			keys[i] = keyExpr{orMissing(relatedIDs), true}
		} else {
			keys[i] = nodeKey(k.Field, "")
		}
	}
	var measure any
	if spec.Measure == hub.MeasureDegree {
		measure = bson.M{"$size": relatedIDs}
	}
	return append(p, groupStages(keys, measure)...)
}

// relatedIDs is the expression of the distinct ids at the other end of
// the relationships relatedLookups fetched.
var relatedIDs = bson.M{"$setUnion": bson.A{idsOf("$out"), idsOf("$in")}}

func idsOf(list string) bson.M {
	return bson.M{"$map": bson.M{"input": bson.M{"$ifNull": bson.A{list, bson.A{}}}, "in": "$$this.id"}}
}

// relatedLookups fetch, per node, the ids at the other end of its
// relationships of f (active on asOf when it is set) into out (outgoing)
// and in (incoming), each through the index on that end. Like the
// generic group-by, they do not check the other ends' periods.
func relatedLookups(f follow, asOf *time.Time) bson.A {
	lookup := func(local, other, as string) bson.M {
		var sub bson.A
		if len(f.types) > 0 {
			sub = append(sub, bson.M{"$match": bson.M{"type": in(f.types)}})
		}
		if asOf != nil {
			sub = append(sub, bson.M{"$match": activeOn("period", utcDay(*asOf))})
		}
		sub = append(sub, bson.M{"$project": bson.M{"_id": 0, "id": "$" + other}})
		return bson.M{"$lookup": bson.M{
			"from": RelationshipsCollection, "localField": "_id", "foreignField": local,
			"pipeline": sub, "as": as,
		}}
	}
	var out bson.A
	if f.dir != hub.In {
		out = append(out, lookup("fromId", "toId", "out"))
	}
	if f.dir != hub.Out {
		out = append(out, lookup("toId", "fromId", "in"))
	}
	return out
}

// relationshipGroupPipeline is the pipeline of a RELATIONSHIPS group-by;
// ok is false for a relationship condition left to the generic group-by.
func relationshipGroupPipeline(spec *hub.GroupSpec) (bson.A, bool) {
	match := relationshipFilter(&spec.Relationships)
	var day time.Time
	if spec.AsOf != nil {
		// Active rows only, before the funding policy picks among them.
		day = utcDay(*spec.AsOf)
		match = append(match, activeOn("period", day)...)
	}
	p := bson.A{bson.M{"$match": match}}
	if rw := spec.RelationshipWhere; rw != nil {
		if d := relationshipFilter(&rw.Filter); len(d) > 0 {
			p = append(p, bson.M{"$match": d})
		}
		e, ok := relationshipWhereExpr(rw)
		if !ok {
			return nil, false
		}
		if e != nil {
			p = append(p, bson.M{"$match": bson.M{"$expr": e}})
		}
	}
	p = append(p, bson.M{"$project": bson.M{"type": 1, "fromId": 1, "toId": 1, "amount": 1, "period": 1}})
	if spec.Measure == hub.MeasureAmount && spec.Funding != hub.FundingEvery {
		// hub.ApplyFundingPolicy, which a sum of amounts applies: of the
		// FUNDS figures for one funder, recipient and currency keep the
		// highest (lowest), ties to the smallest id; every other row is a
		// group of its own.
		dir := -1
		if spec.Funding == hub.FundingLowest {
			dir = 1
		}
		funds := bson.M{"$and": bson.A{
			bson.M{"$eq": bson.A{"$type", string(hub.Funds)}},
			bson.M{"$eq": bson.A{bson.M{"$type": "$amount"}, "object"}},
		}}
		p = append(p,
			bson.M{"$sort": bson.D{{Key: "amount.minor", Value: dir}, {Key: "_id", Value: 1}}},
			bson.M{"$group": bson.M{
				"_id": bson.M{"$cond": bson.A{funds,
					bson.M{"from": "$fromId", "to": "$toId", "currency": "$amount.currency"},
					bson.M{"id": "$_id"}}},
				"row": bson.M{"$first": "$$ROOT"},
			}},
			bson.M{"$replaceRoot": bson.M{"newRoot": "$row"}},
		)
	}
	p = append(p, relationshipEnds(spec.By, spec.AsOf != nil)...)
	if spec.AsOf != nil {
		// A row counts only while both its ends (those that exist) are
		// active, as in the generic group-by.
		p = append(p, bson.M{"$match": append(activeOn("from.period", day), activeOn("to.period", day)...)})
	}
	keys := make([]keyExpr, len(spec.By))
	for i, k := range spec.By {
		keys[i] = relationshipKey(k.Field)
	}
	var measure any
	if spec.Measure == hub.MeasureAmount {
		// Minor units: sums of integers are exact; decodeGroup divides.
		measure = bson.M{"$ifNull": bson.A{"$amount.minor", 0}}
	}
	return append(p, groupStages(keys, measure)...), true
}

// relationshipEnds are the lookups the relationship keys in by need:
// the from-node ("from"), the to-node ("to") and the to-node's PART_OF
// parent ("parent"). bothEnds looks both nodes up whatever the keys (to
// check that they are active on a day).
func relationshipEnds(by []hub.GroupKey, bothEnds bool) bson.A {
	uses := func(fields ...hub.GroupField) bool {
		return slices.ContainsFunc(by, func(k hub.GroupKey) bool { return slices.Contains(fields, k.Field) })
	}
	end := func(local, as string) bson.A {
		return bson.A{
			bson.M{"$lookup": bson.M{
				"from": NodesCollection, "localField": local, "foreignField": "_id",
				"pipeline": bson.A{bson.M{"$project": bson.M{"kind": 1, "type": 1, "regionIds": 1, "period": 1}}},
				"as":       as,
			}},
			bson.M{"$set": bson.M{as: bson.M{"$arrayElemAt": bson.A{"$" + as, 0}}}},
		}
	}
	var p bson.A
	if bothEnds || uses(hub.ByFromKind, hub.ByFromType, hub.ByFromKey, hub.ByFromRegion) {
		p = append(p, end("fromId", "from")...)
	}
	if bothEnds || uses(hub.ByToKind, hub.ByToType, hub.ByToKey, hub.ByToRegion, hub.ByStartYear, hub.ByActiveYear) {
		p = append(p, end("toId", "to")...)
	}
	if uses(hub.ByToParent) {
		// The to-node's PART_OF parent; with several, the generic
		// implementation keeps the one with the largest id.
		p = append(p,
			bson.M{"$lookup": bson.M{
				"from": RelationshipsCollection, "localField": "toId", "foreignField": "fromId",
				"pipeline": bson.A{
					bson.M{"$match": bson.M{"type": hub.PartOf}},
					bson.M{"$sort": bson.M{"_id": -1}},
					bson.M{"$limit": 1},
					bson.M{"$project": bson.M{"_id": 0, "toId": 1}},
				},
				"as": "parent",
			}},
			bson.M{"$set": bson.M{"parent": bson.M{"$arrayElemAt": bson.A{"$parent", 0}}}},
		)
	}
	return p
}

// relationshipKey is the expression of a relationship group field over
// the ends relationshipEnds looked up, as hub's relationshipRowsOf
// computes it.
func relationshipKey(f hub.GroupField) keyExpr {
	switch f {
	case hub.ByType:
		return keyExpr{ifNull("type"), false}
	case hub.ByStartYear:
		// Undated relationships take their to-node's start year.
		return keyExpr{bson.M{"$cond": bson.A{isDate("$period.start"), yearOf("$period.start"), yearString("to.period.start")}}, false}
	case hub.ByActiveYear:
		return keyExpr{bson.M{"$let": bson.M{
			"vars": bson.M{"own": activeYears("period")},
			"in": orMissing(bson.M{"$cond": bson.A{
				bson.M{"$gt": bson.A{bson.M{"$size": "$$own"}, 0}}, "$$own", activeYears("to.period"),
			}}),
		}}, true}
	case hub.ByFromKind, hub.ByFromType, hub.ByFromKey, hub.ByFromRegion:
		return nodeKey(hub.GroupField(string(f)[len("FROM_"):]), "from.")
	case hub.ByToKind, hub.ByToType, hub.ByToKey, hub.ByToRegion:
		return nodeKey(hub.GroupField(string(f)[len("TO_"):]), "to.")
	case hub.ByToParent:
		return keyExpr{ifNull("parent.toId"), false}
	}
	return keyExpr{"", false}
}

// keyExpr is the expression of one grouping key: a string, or (multi)
// an array of strings, one group per element.
type keyExpr struct {
	expr  any
	multi bool
}

// nodeKey is the expression of a node field; prefix is "" for the node
// itself and "from." or "to." for a looked-up end (missing when the end
// is, which gives the "" key like the generic implementation).
func nodeKey(f hub.GroupField, prefix string) keyExpr {
	switch f {
	case hub.ByKind:
		return keyExpr{ifNull(prefix + "kind"), false}
	case hub.ByType:
		return keyExpr{ifNull(prefix + "type"), false}
	case hub.ByKey:
		return keyExpr{ifNull(prefix + "_id"), false}
	case hub.ByRegion:
		return keyExpr{orMissing("$" + prefix + "regionIds"), true}
	case hub.ByStartYear:
		return keyExpr{yearString(prefix + "period.start"), false}
	case hub.ByActiveYear:
		return keyExpr{orMissing(activeYears(prefix + "period")), true}
	}
	return keyExpr{"", false}
}

// groupStages project the keys (k0, k1, ...) and the measure (m),
// unwind the multi-valued keys and group.
func groupStages(keys []keyExpr, measure any) bson.A {
	project := bson.M{"_id": 0}
	id := bson.M{}
	var unwind bson.A
	for i, k := range keys {
		name := "k" + strconv.Itoa(i)
		project[name] = k.expr
		id[name] = "$" + name
		if k.multi {
			unwind = append(unwind, bson.M{"$unwind": "$" + name})
		}
	}
	group := bson.M{"_id": id, "n": bson.M{"$sum": 1}}
	if measure != nil {
		project["m"] = measure
		group["sum"] = bson.M{"$sum": "$m"}
		group["min"] = bson.M{"$min": "$m"}
		group["max"] = bson.M{"$max": "$m"}
	}
	out := bson.A{bson.M{"$project": project}}
	out = append(out, unwind...)
	return append(out, bson.M{"$group": group})
}

// ifNull is the string at path, "" when missing.
func ifNull(path string) bson.M { return bson.M{"$ifNull": bson.A{"$" + path, ""}} }

// orMissing is the array expression list, or [""] when it is empty or
// missing: a row without values counts in the "" group.
func orMissing(list any) bson.M {
	return bson.M{"$let": bson.M{
		"vars": bson.M{"l": bson.M{"$ifNull": bson.A{list, bson.A{}}}},
		"in":   bson.M{"$cond": bson.A{bson.M{"$gt": bson.A{bson.M{"$size": "$$l"}, 0}}, "$$l", bson.A{""}}},
	}}
}

func isDate(expr string) bson.M {
	return bson.M{"$eq": bson.A{bson.M{"$type": expr}, "date"}}
}

// yearOf is the year of a date as a string (like strconv.Itoa).
func yearOf(expr any) bson.M { return bson.M{"$toString": bson.M{"$year": expr}} }

// yearString is the year of the date at path, "" when there is none.
func yearString(path string) bson.M {
	return bson.M{"$cond": bson.A{isDate("$" + path), yearOf("$" + path), ""}}
}

// activeYears is hub's activeYears of the period at path: every year
// from the start to the end (at most maxYearSpan after the start), only
// the start year when the end is unknown, only the end year when the
// start is.
func activeYears(path string) bson.M {
	start, end := "$"+path+".start", "$"+path+".end"
	known := func(v string) bson.M { return bson.M{"$ne": bson.A{v, nil}} }
	return bson.M{"$let": bson.M{
		"vars": bson.M{
			"s": bson.M{"$cond": bson.A{isDate(start), bson.M{"$year": start}, nil}},
			"e": bson.M{"$cond": bson.A{isDate(end), bson.M{"$year": end}, nil}},
		},
		"in": bson.M{"$cond": bson.A{
			known("$$s"),
			bson.M{"$map": bson.M{
				"input": bson.M{"$range": bson.A{"$$s", bson.M{"$add": bson.A{1, bson.M{"$cond": bson.A{
					known("$$e"), bson.M{"$min": bson.A{"$$e", bson.M{"$add": bson.A{"$$s", maxYearSpan}}}}, "$$s",
				}}}}}},
				"in": bson.M{"$toString": "$$this"},
			}},
			bson.M{"$cond": bson.A{known("$$e"), bson.A{bson.M{"$toString": "$$e"}}, bson.A{}}},
		}},
	}}
}

// decodeGroup turns one group of the pipeline into a hub.Group with the
// generic implementation's numbers. ok is false when they could differ:
// the generic implementation sums amounts as floats in major units, so
// an average within its rounding error of a half cent could round either
// way there; the pipeline sums exact minor units instead.
func decodeGroup(doc bson.Raw, spec *hub.GroupSpec) (hub.Group, bool) {
	g := hub.Group{Keys: make([]string, len(spec.By))}
	for i := range spec.By {
		v, ok := doc.Lookup("_id", "k"+strconv.Itoa(i)).StringValueOK()
		if !ok {
			return g, false
		}
		g.Keys[i] = v
	}
	n, ok := integer(doc.Lookup("n"))
	if !ok || n <= 0 {
		return g, false
	}
	g.Count = int(n)
	if spec.Measure == hub.MeasureNone {
		return g, true
	}
	sum, ok1 := integer(doc.Lookup("sum"))
	lo, ok2 := integer(doc.Lookup("min"))
	hi, ok3 := integer(doc.Lookup("max"))
	if !ok1 || !ok2 || !ok3 || sum < 0 || sum > 1<<50 {
		return g, false
	}
	if spec.Measure == hub.MeasureDegree {
		// Small integers: float sums are exact, so this is the
		// generic implementation's arithmetic.
		g.Sum, g.Min, g.Max = ptr(round2(float64(sum))), ptr(float64(lo)), ptr(float64(hi))
		g.Avg = ptr(round2(float64(sum) / float64(n)))
		return g, true
	}
	// Amounts: sum in cents is exact, so Sum is sum/100. The average in
	// cents is sum/n; the generic float sum of n terms is within about
	// n ulps of it, so it rounds to the same cent unless sum/n lies that
	// close to a half cent: |2(sum mod n) - n| / 2n is the distance.
	tol := 4 * float64(n+3) * 0x1p-53 * float64(sum)
	if dist := math.Abs(float64(2*(sum%n) - n)); dist <= tol {
		return g, false
	}
	cents := (2*sum + n) / (2 * n) // rounded half up; never a half here
	g.Sum, g.Min, g.Max = ptr(float64(sum)/100), ptr(float64(lo)/100), ptr(float64(hi)/100)
	g.Avg = ptr(float64(cents) / 100)
	return g, true
}

// integer reads an int32 or int64 (a double means an overflowed sum).
func integer(v bson.RawValue) (int64, bool) {
	switch v.Type {
	case bson.TypeInt32:
		return int64(v.Int32()), true
	case bson.TypeInt64:
		return v.Int64(), true
	}
	return 0, false
}

func ptr(f float64) *float64 { return &f }

// round2 rounds to cents, like hub's.
func round2(f float64) float64 { return math.Round(f*100) / 100 }
