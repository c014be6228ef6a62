package mongodb

import (
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// indexes lists the indexes per collection, each for a query the hub
// answers (see docs/mongodb.md). CreateMany with the same specs is a
// no-op, so Init can run at every start.
func indexes() map[string][]mongo.IndexModel {
	idx := func(name string, keys bson.D) mongo.IndexModel {
		return mongo.IndexModel{Keys: keys, Options: options.Index().SetName(name)}
	}
	unique := func(name string, keys bson.D) mongo.IndexModel {
		return mongo.IndexModel{Keys: keys, Options: options.Index().SetName(name).SetUnique(true)}
	}
	return map[string][]mongo.IndexModel{
		NodesCollection: {
			// entityByKey and dataset upserts: the external key per kind.
			unique("kind_key", bson.D{{Key: "kind", Value: 1}, {Key: "key", Value: 1}}),
			// Collections ordered by name (the default), keyset-paged.
			idx("kind_sortName", bson.D{{Key: "kind", Value: 1}, {Key: "sortName", Value: 1}, {Key: "_id", Value: 1}}),
			// Collections ordered by start date.
			idx("kind_sortStart", bson.D{{Key: "kind", Value: 1}, {Key: "sortStart", Value: 1}, {Key: "_id", Value: 1}}),
			// Filters by type within a kind.
			idx("kind_type", bson.D{{Key: "kind", Value: 1}, {Key: "type", Value: 1}}),
			// Filters by region (multikey).
			idx("regionIds_kind", bson.D{{Key: "regionIds", Value: 1}, {Key: "kind", Value: 1}}),
			// Name filters and search: the three-letter grams of the
			// normalised names (multikey), then the kind.
			idx("searchGrams_kind", bson.D{{Key: "searchGrams", Value: 1}, {Key: "kind", Value: 1}}),
		},
		RelationshipsCollection: {
			// Stable external keys; also makes duplicate edges impossible.
			unique("key", bson.D{{Key: "key", Value: 1}}),
			// Edges of a node by type, from either end.
			idx("fromId_type", bson.D{{Key: "fromId", Value: 1}, {Key: "type", Value: 1}}),
			idx("toId_type", bson.D{{Key: "toId", Value: 1}, {Key: "type", Value: 1}}),
			// The relationships collection in its default order.
			idx("type_id", bson.D{{Key: "type", Value: 1}, {Key: "_id", Value: 1}}),
		},
	}
}
