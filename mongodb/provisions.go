package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/otehub/hub"
)

// Provision rows run in the database as one aggregation pipeline over
// the PROVIDES relationships: $match on the indexed type (and providers
// and services); a $group per service and $lookup of its node (active
// ones only), HAS_THEME and SERVES relationships (with their
// recipients), then a $group per provider and the same lookups for it,
// so that each end is looked up once rather than once per PROVIDES
// relationship; then hub.ProvisionRowsGeneric's rule for the rows (the
// service's recipients, else the provider's, else one row without a
// recipient), $unwind of the rows, and a $project of the light row: ids,
// keys, sort names, region and theme ids. No whole document crosses the
// wire: the hub derives the ids from the keys, orders and pages the
// rows, and hydrates only the page (hub.HydrateProvisions).

var _ hub.ProvisionPusher = (*Store)(nil)

// PushProvisionRows implements hub.ProvisionPusher. Every filter and
// asOf day is pushed down, so it never declines (done is always true).
func (s *Store) PushProvisionRows(ctx context.Context, f *hub.ProvisionFilter) ([]hub.ProvisionRow, bool, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	p := append(provisionStages(f, true), bson.M{"$project": bson.M{
		"_id": 0, "pid": "$_id", "pkey": "$key", "sid": "$rows.id", "skey": "$rows.key", "basis": 1,
		"provider": "$fromId", "service": "$toId", "recipient": "$rows.to", "context": 1,
		"pname": bson.M{"$ifNull": bson.A{"$provider.sortName", ""}},
		"sname": bson.M{"$ifNull": bson.A{"$service.sortName", ""}},
		"rname": "$rows.name", "regions": 1,
		"themes": bson.M{"$setUnion": bson.A{toIDs("$serviceThemes"), toIDs("$providerThemes")}},
	}})
	cur, err := s.rels.Aggregate(ctx, p, options.Aggregate().SetAllowDiskUse(true))
	if err != nil {
		return nil, true, translate(err, "provisions")
	}
	defer cur.Close(ctx)
	rows := []hub.ProvisionRow{}
	for cur.Next(ctx) {
		var d provisionRowDoc
		if err := cur.Decode(&d); err != nil {
			return nil, true, translate(err, "provisions")
		}
		rows = append(rows, hub.ProvisionRow{
			ProvidesID: d.ProvidesID, ProvidesKey: d.ProvidesKey, ServesID: d.ServesID, ServesKey: d.ServesKey,
			Basis: hub.ProvisionBasis(d.Basis), ProviderID: d.Provider, ServiceID: d.Service,
			RecipientID: d.Recipient, ContextID: d.Context,
			ServiceName: d.ServiceName, ProviderName: d.ProviderName, RecipientName: d.RecipientName,
			RegionIDs: d.Regions, ThemeIDs: d.Themes,
		})
	}
	if err := cur.Err(); err != nil {
		return nil, true, translate(err, "provisions")
	}
	return rows, true, nil
}

// provisionRowDoc is a row as the pipeline returns it.
type provisionRowDoc struct {
	ProvidesID    string   `bson:"pid"`
	ProvidesKey   string   `bson:"pkey"`
	ServesID      string   `bson:"sid"`
	ServesKey     string   `bson:"skey"`
	Basis         string   `bson:"basis"`
	Provider      string   `bson:"provider"`
	Service       string   `bson:"service"`
	Recipient     string   `bson:"recipient"`
	Context       string   `bson:"context"`
	ProviderName  string   `bson:"pname"`
	ServiceName   string   `bson:"sname"`
	RecipientName string   `bson:"rname"`
	Regions       []string `bson:"regions"`
	Themes        []string `bson:"themes"`
}

// toIDs is the to-node ids of a list of looked-up edges (none when the
// list is missing).
func toIDs(list string) bson.M {
	return bson.M{"$map": bson.M{"input": bson.M{"$ifNull": bson.A{list, bson.A{}}}, "in": "$$this.to"}}
}

// provisionStages are the stages shared by the provision rows and the
// coverage matrix: from the PROVIDES relationships matching f to one
// document per provision row, with the PROVIDES relationship's _id, key,
// fromId and toId, the provider (kind, regionIds, sortName) and service
// (type, regionIds), regions (both ends' region ids), context, basis and
// the row (rows: to, kind). rows adds what a hub.ProvisionRow needs and
// the coverage matrix does not: the service's sortName, the SERVES
// relationship's id and key and the recipient's name in the row, and the
// HAS_THEME relationships of both ends (serviceThemes, providerThemes:
// to), which the coverage matrix only looks up to filter by theme. Each
// filter applies as soon as what it needs is there.
func provisionStages(f *hub.ProvisionFilter, rows bool) bson.A {
	dated := f.AsOf != nil
	var day time.Time
	if dated {
		day = utcDay(*f.AsOf)
	}
	// active is the condition on a period that hub.ProvisionRowsGeneric
	// applies to relationships and nodes on the day (none without one).
	active := func(d bson.D) bson.D {
		if dated {
			d = append(d, activeOn("period", day)...)
		}
		return d
	}
	// node looks an end up with some fields; missing and (on the day)
	// inactive nodes give no element, as the generic rows ignore both.
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
	// its to-node's id; serves adds the recipient (active) as r, and for
	// rows the relationship's id and key.
	edges := func(local, as string, typ hub.RelationshipType) bson.M {
		sub := bson.A{bson.M{"$match": active(bson.D{{Key: "type", Value: typ}})}}
		project := bson.M{"_id": 0, "to": "$toId"}
		if typ == hub.Serves {
			fields := []string{"kind"}
			if rows {
				fields = append(fields, "sortName")
				project["id"], project["key"] = "$_id", "$key"
			}
			sub = append(sub, node("toId", "r", fields...))
			project["r"] = 1
		}
		sub = append(sub, bson.M{"$project": project})
		return bson.M{"$lookup": bson.M{
			"from": RelationshipsCollection, "localField": local, "foreignField": "fromId",
			"pipeline": sub, "as": as,
		}}
	}
	first := func(path string) bson.M { return bson.M{"$arrayElemAt": bson.A{"$" + path, 0}} }
	serviceFields := []string{"type", "regionIds"}
	if rows {
		serviceFields = append(serviceFields, "sortName")
	}
	p := bson.A{
		bson.M{"$match": active(relationshipFilter(&hub.RelationshipFilter{
			Types: []hub.RelationshipType{hub.Provides}, FromIDs: f.ProviderIDs, ToIDs: f.ServiceIDs,
		}))},
		// Each service's node, themes and SERVES relationships are
		// looked up once, not once per PROVIDES relationship: a service
		// has many providers. Likewise each provider's, below.
		bson.M{"$group": bson.M{"_id": "$toId", "provides": bson.M{"$push": bson.M{"_id": "$_id", "key": "$key", "fromId": "$fromId"}}}},
		node("_id", "service", serviceFields...),
		// A provision needs both ends.
		bson.M{"$match": bson.M{"service.0": bson.M{"$exists": true}}},
		bson.M{"$set": bson.M{"service": first("service")}},
	}
	if len(f.ServiceTypes) > 0 {
		types := bson.A{}
		for _, t := range f.ServiceTypes {
			types = append(types, t)
			if t == "" {
				// A service without a type has no type field.
				types = append(types, nil)
			}
		}
		p = append(p, bson.M{"$match": bson.M{"service.type": bson.M{"$in": types}}})
	}
	// themes: the service's and the provider's themes (the theme nodes
	// themselves are not checked, as in the generic rows).
	themes := rows || len(f.ThemeIDs) > 0
	if themes {
		p = append(p, edges("_id", "serviceThemes", hub.HasTheme))
	}
	p = append(p,
		edges("_id", "serviceServes", hub.Serves),
		bson.M{"$unwind": "$provides"},
		bson.M{"$group": bson.M{"_id": "$provides.fromId", "rows": bson.M{"$push": bson.M{
			"_id": "$provides._id", "key": "$provides.key", "toId": "$_id",
			"service": "$service", "serviceThemes": "$serviceThemes", "serviceServes": "$serviceServes",
		}}}},
		node("_id", "provider", "kind", "regionIds", "sortName"),
		bson.M{"$match": bson.M{"provider.0": bson.M{"$exists": true}}},
		bson.M{"$set": bson.M{
			"provider": first("provider"),
			// The pilot or programme a provision belongs to: its
			// provider, when it is one.
			"context": bson.M{"$let": bson.M{
				"vars": bson.M{"p": first("provider")},
				"in": bson.M{"$cond": bson.A{
					bson.M{"$in": bson.A{"$$p.kind", bson.A{hub.KindPilot, hub.KindProgramme}}}, "$$p._id", "",
				}},
			}},
		}},
	)
	if len(f.ContextIDs) > 0 {
		p = append(p, bson.M{"$match": bson.M{"context": in(f.ContextIDs)}})
	}
	if themes {
		p = append(p, edges("_id", "providerThemes", hub.HasTheme))
	}
	p = append(p,
		edges("_id", "providerServes", hub.Serves),
		// One document per PROVIDES relationship again.
		bson.M{"$unwind": "$rows"},
		bson.M{"$replaceRoot": bson.M{"newRoot": bson.M{"$mergeObjects": bson.A{"$rows", bson.M{
			"fromId": "$_id", "provider": "$provider", "context": "$context",
			"providerThemes": "$providerThemes", "providerServes": "$providerServes",
		}}}}},
		// The provider's and the service's regions, each once.
		bson.M{"$set": bson.M{"regions": bson.M{"$setUnion": bson.A{
			bson.M{"$ifNull": bson.A{"$provider.regionIds", bson.A{}}},
			bson.M{"$ifNull": bson.A{"$service.regionIds", bson.A{}}},
		}}}},
	)
	if len(f.RegionIDs) > 0 {
		p = append(p, bson.M{"$match": bson.M{"regions": in(f.RegionIDs)}})
	}
	if len(f.ThemeIDs) > 0 {
		p = append(p, bson.M{"$match": bson.M{"$or": bson.A{
			bson.M{"serviceThemes.to": in(f.ThemeIDs)},
			bson.M{"providerThemes.to": in(f.ThemeIDs)},
		}}})
	}
	size := func(path string) bson.M { return bson.M{"$size": "$" + path} }
	eq := func(a, b any) bson.M { return bson.M{"$eq": bson.A{a, b}} }
	// A row: the recipient's id and kind, and for rows its sort name and
	// the SERVES relationship's id and key ("" without a recipient).
	none := bson.M{"to": "", "kind": ""}
	row := bson.M{"to": "$$this.to", "kind": bson.M{"$ifNull": bson.A{"$$r.kind", ""}}}
	if rows {
		none["name"], none["id"], none["key"] = "", "", ""
		row["name"] = bson.M{"$ifNull": bson.A{"$$r.sortName", ""}}
		row["id"], row["key"] = "$$this.id", "$$this.key"
	}
	p = append(p,
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
			bson.M{"$literal": bson.A{none}},
			bson.M{"$map": bson.M{
				"input": bson.M{"$filter": bson.M{
					"input": bson.M{"$cond": bson.A{eq("$basis", hub.BasisService), "$serviceServes", "$providerServes"}},
					"cond":  bson.M{"$gt": bson.A{bson.M{"$size": "$$this.r"}, 0}},
				}},
				"in": bson.M{"$let": bson.M{
					"vars": bson.M{"r": bson.M{"$arrayElemAt": bson.A{"$$this.r", 0}}},
					"in":   row,
				}},
			}},
		}}}},
		bson.M{"$unwind": "$rows"},
	)
	var match bson.D
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
	return p
}
