package mongodb

import (
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// indexes lists the indexes per collection (see docs/mongodb.md). CreateMany with the same specs is a
// no-op, so Init can run at every start.
func indexes() map[string][]mongo.IndexModel {
	unique := func(name string, keys bson.D) mongo.IndexModel {
		return mongo.IndexModel{Keys: keys, Options: options.Index().SetName(name).SetUnique(true)}
	}
	return map[string][]mongo.IndexModel{
		// Reads never reach the database (the hub reads its in-memory
		// index), so the only indexes are the ones that keep the data
		// whole: one node per external key within a kind, one
		// relationship per key (no duplicate edges).
		NodesCollection: {
			unique("kind_key", bson.D{{Key: "kind", Value: 1}, {Key: "key", Value: 1}}),
		},
		RelationshipsCollection: {
			unique("key", bson.D{{Key: "key", Value: 1}}),
		},
	}
}
