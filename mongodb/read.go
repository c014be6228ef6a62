package mongodb

import (
	"context"
	"regexp"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/otehub/hub"
)

// Filters are built from typed domain values only: every client string
// is a value under a key chosen here, never a key or an operator, so no
// operator injection is possible.

func in[T any](values []T) bson.M { return bson.M{"$in": values} }

// nodeFilter builds the query of a node filter. A name filter of at
// least a gram's length is looked up by one of its grams in the
// searchGrams index; such a query returns candidates, and gramCandidates
// reports that the caller must check the substring itself (see
// findByGram). Shorter needles are matched by a regular expression.
func nodeFilter(f *hub.NodeFilter) (d bson.D, gramCandidates bool) {
	d = bson.D{}
	if len(f.IDs) > 0 {
		d = append(d, bson.E{Key: "_id", Value: in(f.IDs)})
	}
	if len(f.Kinds) > 0 {
		d = append(d, bson.E{Key: "kind", Value: in(f.Kinds)})
	}
	if len(f.Keys) > 0 {
		d = append(d, bson.E{Key: "key", Value: in(f.Keys)})
	}
	if len(f.Types) > 0 {
		types := make([]any, len(f.Types), len(f.Types)+1)
		for i, t := range f.Types {
			types[i] = t
		}
		if slices.Contains(f.Types, "") {
			// The empty type is a node without one, whose document has
			// no type field: $in matches a missing field through null.
			types = append(types, nil)
		}
		d = append(d, bson.E{Key: "type", Value: bson.M{"$in": types}})
	}
	if len(f.RegionIDs) > 0 {
		d = append(d, bson.E{Key: "regionIds", Value: in(f.RegionIDs)})
	}
	if f.NameContains != "" {
		needle := hub.Normalize(f.NameContains)
		if grams := hub.Grams(needle); len(grams) > 0 {
			return append(d, bson.E{Key: "searchGrams", Value: grams[len(grams)/2]}), true
		}
		// The needle is normalised (letters, digits, spaces) and quoted,
		// so it is matched literally.
		d = append(d, bson.E{Key: "searchTerms", Value: bson.M{"$regex": regexp.QuoteMeta(needle)}})
	}
	return d, false
}

// findByGram answers a name filter from gram candidates: every node with
// one gram of the needle (an index lookup), checked for the whole
// substring and paged here with the reference semantics. The candidates
// are bounded by the names that share the gram, not by the collection.
func (s *Store) findByGram(ctx context.Context, f *hub.NodeFilter, query bson.D) ([]*hub.Node, error) {
	cur, err := s.nodes.Find(ctx, query)
	if err != nil {
		return nil, translate(err, "find")
	}
	rows, err := decodeAll[hub.Node](ctx, cur)
	if err != nil {
		return nil, translate(err, "decode")
	}
	match := (&hub.NodeFilter{NameContains: f.NameContains}).Matcher()
	out := rows[:0]
	for _, n := range rows {
		if match(n) {
			out = append(out, n)
		}
	}
	return out, nil
}

func relationshipFilter(f *hub.RelationshipFilter) bson.D {
	d := bson.D{}
	if len(f.IDs) > 0 {
		d = append(d, bson.E{Key: "_id", Value: in(f.IDs)})
	}
	if len(f.Types) > 0 {
		d = append(d, bson.E{Key: "type", Value: in(f.Types)})
	}
	// An empty list is no condition (nil); only an empty intersection
	// below becomes the match-nothing empty list.
	var from, to []string
	if len(f.FromIDs) > 0 {
		from = f.FromIDs
	}
	if len(f.ToIDs) > 0 {
		to = f.ToIDs
	}
	if len(f.NodeIDs) > 0 {
		switch f.Direction {
		case hub.Out:
			from, _ = hub.Intersect(from, f.NodeIDs)
			from = nonNilIDs(from)
		case hub.In:
			to, _ = hub.Intersect(to, f.NodeIDs)
			to = nonNilIDs(to)
		default:
			d = append(d, bson.E{Key: "$or", Value: bson.A{
				bson.M{"fromId": in(f.NodeIDs)},
				bson.M{"toId": in(f.NodeIDs)},
			}})
		}
	}
	// One condition per field: a document key given twice would keep
	// only one of them. An empty $in matches nothing, as an empty
	// intersection must.
	if from != nil {
		d = append(d, bson.E{Key: "fromId", Value: in(from)})
	}
	if to != nil {
		d = append(d, bson.E{Key: "toId", Value: in(to)})
	}
	return d
}

// nonNilIDs makes an empty intersection an empty (match nothing) list.
func nonNilIDs(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// orderFields maps order fields to document fields.
var orderFields = map[hub.OrderField]string{
	hub.OrderByName:      "sortName",
	hub.OrderByStartDate: "sortStart",
	hub.OrderByKind:      "kind",
	hub.OrderByType:      "type",
	hub.OrderByID:        "_id",
}

// sortAndSeek returns the sort document for orders (with _id as the final
// tie-breaker) and, when after is set, the keyset condition selecting the
// rows after it. Every order field is a string that every document has,
// and MongoDB compares strings byte-wise like the reference semantics.
func sortAndSeek(orders []hub.Order, after *hub.Cursor, reverse bool) (bson.D, bson.M) {
	sort := bson.D{}
	byID := false
	for _, o := range orders {
		dir := 1
		if o.Desc != reverse {
			dir = -1
		}
		sort = append(sort, bson.E{Key: orderFields[o.Field], Value: dir})
		byID = byID || o.Field == hub.OrderByID
	}
	if !byID {
		dir := 1
		if reverse {
			dir = -1
		}
		sort = append(sort, bson.E{Key: "_id", Value: dir})
	}
	if after == nil {
		return sort, nil
	}
	values := after.Values
	if !byID {
		values = append(append([]string{}, values...), after.ID)
	}
	// (k1 > v1) or (k1 = v1 and k2 > v2) or ... with > as < for
	// descending keys.
	var or bson.A
	for i := range sort {
		clause := bson.M{}
		for j := 0; j < i; j++ {
			clause[sort[j].Key] = values[j]
		}
		op := "$gt"
		if sort[i].Value == -1 {
			op = "$lt"
		}
		clause[sort[i].Key] = bson.M{op: values[i]}
		or = append(or, clause)
	}
	return sort, bson.M{"$or": or}
}

// find runs one keyset page query.
func find[T any](ctx context.Context, coll *mongo.Collection, filter bson.D, opts hub.ListOptions) ([]*T, bool, error) {
	sort, seek := sortAndSeek(opts.OrderBy, opts.After, opts.Reverse)
	if seek != nil {
		filter = bson.D{{Key: "$and", Value: bson.A{filter, seek}}}
	}
	fo := options.Find()
	if !opts.Bulk() {
		fo.SetSort(sort)
	}
	if opts.First != hub.Unlimited {
		// One extra row tells whether another page follows; a limit of
		// 0 would mean "no limit" to MongoDB.
		fo.SetLimit(int64(opts.First) + 1)
	}
	cur, err := coll.Find(ctx, filter, fo)
	if err != nil {
		return nil, false, translate(err, "find")
	}
	rows, err := decodeAll[T](ctx, cur)
	if err != nil {
		return nil, false, translate(err, "decode")
	}
	if opts.First != hub.Unlimited && len(rows) > opts.First {
		return rows[:opts.First], true, nil
	}
	return rows, false, nil
}

// byID fetches rows by id and returns them in the order of ids, nil where
// missing; a repeated id gets its own copy.
func byID[T any](ctx context.Context, coll *mongo.Collection, ids []string) ([]*T, error) {
	out := make([]*T, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	cur, err := coll.Find(ctx, bson.M{"_id": in(ids)})
	if err != nil {
		return nil, translate(err, "find by id")
	}
	defer cur.Close(ctx)
	raw := make(map[string]bson.Raw, len(ids))
	for cur.Next(ctx) {
		id, _ := cur.Current.Lookup("_id").StringValueOK()
		raw[id] = append(bson.Raw(nil), cur.Current...)
	}
	if err := cur.Err(); err != nil {
		return nil, translate(err, "find by id")
	}
	for i, id := range ids {
		if doc, ok := raw[id]; ok {
			v := new(T)
			if err := bson.Unmarshal(doc, v); err != nil {
				return nil, translate(err, "decode")
			}
			out[i] = v
		}
	}
	return out, nil
}

// NodesByID implements hub.Store.
func (s *Store) NodesByID(ctx context.Context, ids []string) ([]*hub.Node, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	return byID[hub.Node](ctx, s.nodes, ids)
}

// FindNodes implements hub.Store.
func (s *Store) FindNodes(ctx context.Context, f hub.NodeFilter, opts hub.ListOptions) ([]*hub.Node, bool, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	query, byGram := nodeFilter(&f)
	if byGram {
		rows, err := s.findByGram(ctx, &f, query)
		if err != nil {
			return nil, false, err
		}
		page, hasNext := hub.PageNodes(rows, opts)
		return page, hasNext, nil
	}
	return find[hub.Node](ctx, s.nodes, query, opts)
}

// CountNodes implements hub.Store.
func (s *Store) CountNodes(ctx context.Context, f hub.NodeFilter) (int, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	query, byGram := nodeFilter(&f)
	if byGram {
		rows, err := s.findByGram(ctx, &f, query)
		return len(rows), err
	}
	n, err := s.nodes.CountDocuments(ctx, query)
	return int(n), translate(err, "count")
}

// RelationshipsByID implements hub.Store.
func (s *Store) RelationshipsByID(ctx context.Context, ids []string) ([]*hub.Relationship, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	return byID[hub.Relationship](ctx, s.rels, ids)
}

// FindRelationships implements hub.Store.
func (s *Store) FindRelationships(ctx context.Context, f hub.RelationshipFilter, opts hub.ListOptions) ([]*hub.Relationship, bool, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	if bothWays(&f) && opts.First == hub.Unlimited && opts.After == nil {
		// All relationships touching some nodes (what loaders and the
		// network loader ask): two index lookups, one per end, merged
		// here, instead of an $or a planner may not split.
		out, _, err := find[hub.Relationship](ctx, s.rels, relationshipFilter(oneWay(f, hub.Out)), opts)
		if err != nil {
			return nil, false, err
		}
		in, _, err := find[hub.Relationship](ctx, s.rels, relationshipFilter(oneWay(f, hub.In)), opts)
		if err != nil {
			return nil, false, err
		}
		seen := make(map[string]bool, len(out))
		for _, r := range out {
			seen[r.ID] = true
		}
		for _, r := range in {
			if !seen[r.ID] {
				out = append(out, r)
			}
		}
		page, _ := hub.PageRelationships(out, opts)
		return page, false, nil
	}
	return find[hub.Relationship](ctx, s.rels, relationshipFilter(&f), opts)
}

// bothWays reports a filter on relationships touching nodes at either end.
func bothWays(f *hub.RelationshipFilter) bool {
	return len(f.NodeIDs) > 0 && f.Direction != hub.Out && f.Direction != hub.In
}

// oneWay is f restricted to relationships whose end dir is in NodeIDs.
func oneWay(f hub.RelationshipFilter, dir hub.Direction) *hub.RelationshipFilter {
	f.Direction = dir
	return &f
}

// CountRelationships implements hub.Store.
func (s *Store) CountRelationships(ctx context.Context, f hub.RelationshipFilter) (int, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	if bothWays(&f) {
		// |from ∪ to| = |from| + |to| − |from ∩ to|: three indexed counts.
		both := f
		both.Direction, both.FromIDs, both.ToIDs, both.NodeIDs = hub.Out, f.NodeIDs, f.NodeIDs, nil
		if len(f.FromIDs) > 0 || len(f.ToIDs) > 0 {
			n, err := s.rels.CountDocuments(ctx, relationshipFilter(&f))
			return int(n), translate(err, "count")
		}
		var total int64
		for _, part := range []struct {
			f    *hub.RelationshipFilter
			sign int64
		}{{oneWay(f, hub.Out), 1}, {oneWay(f, hub.In), 1}, {&both, -1}} {
			n, err := s.rels.CountDocuments(ctx, relationshipFilter(part.f))
			if err != nil {
				return 0, translate(err, "count")
			}
			total += part.sign * n
		}
		return int(total), nil
	}
	n, err := s.rels.CountDocuments(ctx, relationshipFilter(&f))
	return int(n), translate(err, "count")
}
