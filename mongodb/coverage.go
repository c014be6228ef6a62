package mongodb

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/otehub/hub"
)

// The coverage matrix runs in the database as one aggregation pipeline:
// the provision rows (provisionStages, shared with PushProvisionRows),
// $unwind of their regions, and a $group per (service, region) counting
// rows and collecting providers. Only the cells cross the wire. The
// pipeline mirrors hub.CoverageGeneric and the conformance suite checks
// that both answer alike.

var _ hub.CoveragePusher = (*Store)(nil)

// PushCoverage implements hub.CoveragePusher. Every filter and asOf day
// is pushed down. It returns done=false (and no error) when a cell has
// two providers with the same sort name: the generic order between them
// is that of their first provision rows, whose ids are hashes of keys
// that the database does not compute.
func (s *Store) PushCoverage(ctx context.Context, f *hub.ProvisionFilter) ([]hub.CoverageCell, bool, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	cur, err := s.rels.Aggregate(ctx, coveragePipeline(f), options.Aggregate().SetAllowDiskUse(true))
	if err != nil {
		return nil, true, translate(err, "coverage")
	}
	defer cur.Close(ctx)
	cells := []hub.CoverageCell{}
	for cur.Next(ctx) {
		var doc coverageCell
		if err := cur.Decode(&doc); err != nil {
			return nil, true, translate(err, "coverage")
		}
		// The generic order: by sort name, as provision rows are.
		ps := doc.Providers
		slices.SortFunc(ps, func(a, b coverageProvider) int {
			return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
		})
		c := hub.CoverageCell{ServiceID: doc.ID.S, RegionID: doc.ID.R, Provisions: int(doc.N)}
		for i, p := range ps {
			if i > 0 && ps[i-1].Name == p.Name {
				return nil, false, nil
			}
			c.Providers = append(c.Providers, p.ID)
		}
		cells = append(cells, c)
	}
	if err := cur.Err(); err != nil {
		return nil, true, translate(err, "coverage")
	}
	return cells, true, nil
}

// coverageCell is a cell as the pipeline returns it.
type coverageCell struct {
	ID struct {
		S string `bson:"s"`
		R string `bson:"r"`
	} `bson:"_id"`
	N         int64              `bson:"n"`
	Providers []coverageProvider `bson:"providers"`
}

// coverageProvider is a provider of a cell with its sort name.
type coverageProvider struct {
	ID   string `bson:"id"`
	Name string `bson:"name"`
}

// coveragePipeline is the pipeline of the coverage matrix of the
// provisions f selects: the provision rows, then one group per
// (service, region).
func coveragePipeline(f *hub.ProvisionFilter) bson.A {
	return append(provisionStages(f, false),
		bson.M{"$project": bson.M{
			"_id": 0, "s": "$toId", "regions": 1,
			"p": bson.M{"id": "$fromId", "name": bson.M{"$ifNull": bson.A{"$provider.sortName", ""}}},
		}},
		bson.M{"$unwind": "$regions"},
		bson.M{"$group": bson.M{
			"_id":       bson.M{"s": "$s", "r": "$regions"},
			"n":         bson.M{"$sum": 1},
			"providers": bson.M{"$addToSet": "$p"},
		}},
	)
}
