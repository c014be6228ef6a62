package mongodb

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/otehub/hub"
)

// The coverage matrix runs in the database as one aggregation pipeline
// over the PROVIDES relationships: $match on the indexed type (and
// providers and services), $lookup of the provider and the service
// (active ones only), of the SERVES relationships of both with their
// recipients and, for a theme filter, of their HAS_THEME relationships;
// then hub.Provisions' rule for the rows (the service's recipients, else
// the provider's, else one row without a recipient), $unwind of the rows
// and of the regions, and a $group per (service, region) counting rows
// and collecting providers. Only the cells cross the wire. The pipeline
// mirrors hub.CoverageGeneric and the conformance suite checks that both
// answer alike.

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
// provisions f selects.
func coveragePipeline(f *hub.ProvisionFilter) bson.A {
	dated := f.AsOf != nil
	var day time.Time
	if dated {
		day = utcDay(*f.AsOf)
	}
	// active is the condition on a period that hub.Provisions applies to
	// relationships and nodes on the day (none without one).
	active := func(d bson.D) bson.D {
		if dated {
			d = append(d, activeOn("period", day)...)
		}
		return d
	}
	// node looks an end up with some fields; missing and (on the day)
	// inactive nodes give no element, as hub.Provisions ignores both.
	node := func(local, as string, fields ...string) bson.M {
		project := bson.M{}
		for _, field := range fields {
			project[field] = 1
		}
		var sub bson.A
		if dated {
			sub = append(sub, bson.M{"$match": active(bson.D{})})
		}
		return bson.M{"$lookup": bson.M{
			"from": NodesCollection, "localField": local, "foreignField": "_id",
			"pipeline": append(sub, bson.M{"$project": project}), "as": as,
		}}
	}
	// edges looks up the relationships of a type from an end, each as
	// its to-node's id; serves adds the recipient (active) as r.
	edges := func(local, as string, typ hub.RelationshipType) bson.M {
		sub := bson.A{bson.M{"$match": active(bson.D{{Key: "type", Value: typ}})}}
		if typ == hub.Serves {
			sub = append(sub, node("toId", "r", "kind"))
		}
		sub = append(sub, bson.M{"$project": bson.M{"_id": 0, "to": "$toId", "r": 1}})
		return bson.M{"$lookup": bson.M{
			"from": RelationshipsCollection, "localField": local, "foreignField": "fromId",
			"pipeline": sub, "as": as,
		}}
	}
	first := func(path string) bson.M { return bson.M{"$arrayElemAt": bson.A{"$" + path, 0}} }
	p := bson.A{
		bson.M{"$match": active(relationshipFilter(&hub.RelationshipFilter{
			Types: []hub.RelationshipType{hub.Provides}, FromIDs: f.ProviderIDs, ToIDs: f.ServiceIDs,
		}))},
		bson.M{"$project": bson.M{"fromId": 1, "toId": 1}},
		node("fromId", "provider", "kind", "regionIds", "sortName"),
		node("toId", "service", "type", "regionIds"),
		// A provision needs both ends.
		bson.M{"$match": bson.M{"provider.0": bson.M{"$exists": true}, "service.0": bson.M{"$exists": true}}},
		bson.M{"$set": bson.M{"provider": first("provider"), "service": first("service")}},
		bson.M{"$set": bson.M{
			// The provider's and the service's regions, each once.
			"regions": bson.M{"$setUnion": bson.A{
				bson.M{"$ifNull": bson.A{"$provider.regionIds", bson.A{}}},
				bson.M{"$ifNull": bson.A{"$service.regionIds", bson.A{}}},
			}},
			// The pilot or programme a provision belongs to: its
			// provider, when it is one.
			"context": bson.M{"$cond": bson.A{
				bson.M{"$in": bson.A{"$provider.kind", bson.A{hub.KindPilot, hub.KindProgramme}}}, "$provider._id", "",
			}},
		}},
	}
	var match bson.D
	if len(f.ServiceTypes) > 0 {
		types := bson.A{}
		for _, t := range f.ServiceTypes {
			types = append(types, t)
			if t == "" {
				// A service without a type has no type field.
				types = append(types, nil)
			}
		}
		match = append(match, bson.E{Key: "service.type", Value: bson.M{"$in": types}})
	}
	if len(f.ContextIDs) > 0 {
		match = append(match, bson.E{Key: "context", Value: in(f.ContextIDs)})
	}
	if len(f.RegionIDs) > 0 {
		match = append(match, bson.E{Key: "regions", Value: in(f.RegionIDs)})
	}
	if len(match) > 0 {
		p = append(p, bson.M{"$match": match})
	}
	if len(f.ThemeIDs) > 0 {
		// The service's and the provider's themes (the theme nodes
		// themselves are not checked, as in hub.Provisions).
		p = append(p,
			edges("toId", "serviceThemes", hub.HasTheme),
			edges("fromId", "providerThemes", hub.HasTheme),
			bson.M{"$match": bson.M{"$or": bson.A{
				bson.M{"serviceThemes.to": in(f.ThemeIDs)},
				bson.M{"providerThemes.to": in(f.ThemeIDs)},
			}}},
		)
	}
	size := func(path string) bson.M { return bson.M{"$size": "$" + path} }
	eq := func(a, b any) bson.M { return bson.M{"$eq": bson.A{a, b}} }
	p = append(p,
		edges("toId", "serviceServes", hub.Serves),
		edges("fromId", "providerServes", hub.Serves),
		// The basis: the service's SERVES relationships when it has any
		// (even if none of their recipients is there), else the
		// provider's, else none.
		bson.M{"$set": bson.M{"basis": bson.M{"$cond": bson.A{
			bson.M{"$gt": bson.A{size("serviceServes"), 0}}, hub.BasisService,
			bson.M{"$cond": bson.A{bson.M{"$gt": bson.A{size("providerServes"), 0}}, hub.BasisProvider, hub.BasisNone}},
		}}}},
		// The rows: one per SERVES relationship of the basis whose
		// recipient is there, or one without a recipient.
		bson.M{"$set": bson.M{"rows": bson.M{"$cond": bson.A{
			eq("$basis", hub.BasisNone),
			bson.M{"$literal": bson.A{bson.M{"to": "", "kind": ""}}},
			bson.M{"$map": bson.M{
				"input": bson.M{"$filter": bson.M{
					"input": bson.M{"$cond": bson.A{eq("$basis", hub.BasisService), "$serviceServes", "$providerServes"}},
					"cond":  bson.M{"$gt": bson.A{bson.M{"$size": "$$this.r"}, 0}},
				}},
				"in": bson.M{"to": "$$this.to", "kind": bson.M{"$let": bson.M{
					"vars": bson.M{"r": bson.M{"$arrayElemAt": bson.A{"$$this.r", 0}}},
					"in":   bson.M{"$ifNull": bson.A{"$$r.kind", ""}},
				}}},
			}},
		}}}},
		bson.M{"$unwind": "$rows"},
	)
	match = nil
	if len(f.RecipientIDs) > 0 {
		match = append(match, bson.E{Key: "rows.to", Value: in(f.RecipientIDs)})
	}
	if len(f.RecipientKinds) > 0 {
		match = append(match, bson.E{Key: "rows.kind", Value: in(f.RecipientKinds)})
	}
	if len(f.Bases) > 0 {
		match = append(match, bson.E{Key: "basis", Value: in(f.Bases)})
	}
	if len(match) > 0 {
		p = append(p, bson.M{"$match": match})
	}
	return append(p,
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
