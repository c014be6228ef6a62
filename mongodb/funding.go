package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/otehub/hub"
)

// Funding totals run in the database as one aggregation pipeline over
// the FUNDS relationships: $match on the indexed type (and recipients),
// the funding policy as a $sort and $group over (funder, recipient,
// currency) that marks the figure each pair counts, $lookup of the ends
// the key needs, $unwind of a multi-valued key and a $group per (key,
// currency) with the exact total in cents and the ids of the figures.
// Only the buckets and ids cross the wire; the figures themselves are
// read by id only when a query shows them. The pipeline mirrors
// hub.FundingTotalsGeneric and the conformance suite checks that both
// answer alike.

var _ hub.FundingPusher = (*Store)(nil)

// maxExactCents bounds the totals the pipeline answers: below it, the
// exact sum in cents divided by 100 is the float the generic
// implementation's running, cent-rounded sum ends at (each step's error
// stays far below half a cent). Larger totals go to the generic one.
const maxExactCents = 1 << 50

// PushFundingTotals implements hub.FundingPusher. Every key, policy,
// recipient selection and asOf day is pushed down; it returns done=false
// (and no error) only for a bucket whose total reaches maxExactCents.
func (s *Store) PushFundingTotals(ctx context.Context, spec *hub.FundingSpec) ([]hub.FundingBucket, bool, error) {
	type bucket struct {
		key, currency    string
		total            int64
		figures, counted []string
	}
	var buckets []bucket
	ok, err := func() (bool, error) {
		ctx, cancel := s.call(ctx)
		defer cancel()
		cur, err := s.rels.Aggregate(ctx, fundingPipeline(spec), options.Aggregate().SetAllowDiskUse(true))
		if err != nil {
			return false, translate(err, "funding totals")
		}
		defer cur.Close(ctx)
		for cur.Next(ctx) {
			doc := cur.Current
			key, ok1 := doc.Lookup("_id", "k").StringValueOK()
			currency, ok2 := doc.Lookup("_id", "c").StringValueOK()
			total, ok3 := integer(doc.Lookup("total"))
			figures, ok4 := stringArray(doc.Lookup("figures"))
			counted, ok5 := stringArray(doc.Lookup("counted"))
			if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || total < 0 || total >= maxExactCents {
				return false, nil
			}
			buckets = append(buckets, bucket{key, currency, total, figures, counted})
		}
		return true, translate(cur.Err(), "funding totals")
	}()
	if err != nil {
		return nil, true, err
	}
	if !ok {
		return nil, false, nil
	}
	out := make([]hub.FundingBucket, 0, len(buckets))
	for _, b := range buckets {
		out = append(out, hub.FundingBucket{Key: b.key, Currency: b.currency, Total: float64(b.total) / 100,
			FigureIDs: b.figures, CountedIDs: b.counted})
	}
	return out, true, nil
}

// fundingPipeline is the pipeline of a funding-totals request.
func fundingPipeline(spec *hub.FundingSpec) bson.A {
	// Figures without an amount are in no bucket.
	match := bson.D{{Key: "type", Value: hub.Funds}, {Key: "amount", Value: bson.M{"$type": "object"}}}
	if spec.RecipientIDs != nil {
		match = append(match, bson.E{Key: "toId", Value: in(spec.RecipientIDs)})
	}
	var day time.Time
	if spec.AsOf != nil {
		day = utcDay(*spec.AsOf)
		match = append(match, activeOn("period", day)...)
	}
	p := bson.A{
		bson.M{"$match": match},
		bson.M{"$project": bson.M{"type": 1, "fromId": 1, "toId": 1, "amount": 1, "period": 1}},
	}
	if spec.Policy == hub.FundingEvery {
		p = append(p, bson.M{"$set": bson.M{"counted": true}})
	} else {
		// hub.ApplyFundingPolicy: of the figures for one funder,
		// recipient and currency the highest (lowest) counts, ties to
		// the smallest id. Every figure stays a row, marked.
		dir := -1
		if spec.Policy == hub.FundingLowest {
			dir = 1
		}
		p = append(p,
			bson.M{"$sort": bson.D{{Key: "amount.minor", Value: dir}, {Key: "_id", Value: 1}}},
			bson.M{"$group": bson.M{
				"_id":  bson.M{"from": "$fromId", "to": "$toId", "currency": "$amount.currency"},
				"rows": bson.M{"$push": "$$ROOT"},
				"best": bson.M{"$first": "$_id"},
			}},
			bson.M{"$unwind": "$rows"},
			bson.M{"$replaceRoot": bson.M{"newRoot": bson.M{"$mergeObjects": bson.A{
				"$rows", bson.M{"counted": bson.M{"$eq": bson.A{"$rows._id", "$best"}}},
			}}}},
		)
	}
	p = append(p, relationshipEnds([]hub.GroupKey{spec.By}, spec.AsOf != nil)...)
	if spec.AsOf != nil {
		// Like the generic implementation, a figure counts only while
		// both its ends (those that exist) are active.
		p = append(p, bson.M{"$match": append(activeOn("from.period", day), activeOn("to.period", day)...)})
	}
	key := relationshipKey(spec.By.Field)
	p = append(p, bson.M{"$project": bson.M{
		"k": key.expr, "c": "$amount.currency", "m": "$amount.minor", "counted": 1,
	}})
	if key.multi {
		p = append(p, bson.M{"$unwind": "$k"})
	}
	return append(p, bson.M{"$group": bson.M{
		"_id": bson.M{"k": "$k", "c": "$c"},
		// Minor units: the sum is exact.
		"total":   bson.M{"$sum": bson.M{"$cond": bson.A{"$counted", "$m", 0}}},
		"figures": bson.M{"$push": "$_id"},
		"counted": bson.M{"$push": bson.M{"$cond": bson.A{"$counted", "$_id", nil}}},
	}})
}

// activeOn is the query condition that the period at path contains day
// (a UTC midnight), like hub's Period.Contains: a missing period, start
// or end is open. On a looked-up node that is missing it holds too, as
// the generic implementation only checks the nodes it finds.
func activeOn(path string, day time.Time) bson.D {
	return bson.D{
		{Key: path + ".start", Value: bson.M{"$not": bson.M{"$gt": day}}},
		{Key: path + ".end", Value: bson.M{"$not": bson.M{"$lt": day}}},
	}
}

// utcDay is the UTC midnight of t's UTC date, the day hub's
// Period.Contains compares.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// stringArray reads an array of strings, skipping nulls.
func stringArray(v bson.RawValue) ([]string, bool) {
	arr, ok := v.ArrayOK()
	if !ok {
		return nil, false
	}
	values, err := arr.Values()
	if err != nil {
		return nil, false
	}
	out := make([]string, 0, len(values))
	for _, x := range values {
		if x.Type == bson.TypeNull {
			continue
		}
		s, ok := x.StringValueOK()
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}
