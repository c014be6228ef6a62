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
	plain := func(name string, keys bson.D) mongo.IndexModel {
		return mongo.IndexModel{Keys: keys, Options: options.Index().SetName(name)}
	}
	return map[string][]mongo.IndexModel{
		// Reads never reach the database (the hub reads its in-memory
		// index), so the indexes are the ones that keep the data whole
		// (one node per external key within a kind, one relationship per
		// key) and the ones writes and the history read by.
		NodesCollection: {
			unique("kind_key", bson.D{{Key: "kind", Value: 1}, {Key: "key", Value: 1}}),
			// One node of a kind per business ID. businessKey is the
			// kind and the business ID, written only when there is one,
			// so the sparse index leaves the other nodes out (a sparse
			// compound index would not: kind is always there).
			{Keys: bson.D{{Key: "businessKey", Value: 1}},
				Options: options.Index().SetName("businessKey").SetUnique(true).SetSparse(true)},
			// One node of a kind per external id: a multikey index over
			// the node's external keys, unique across nodes.
			{Keys: bson.D{{Key: "externalKeys", Value: 1}},
				Options: options.Index().SetName("externalKeys").SetUnique(true).SetSparse(true)},
		},
		// The ends find the relationships a deleted node still has.
		RelationshipsCollection: {
			unique("key", bson.D{{Key: "key", Value: 1}}),
			plain("fromId", bson.D{{Key: "fromId", Value: 1}}),
			plain("toId", bson.D{{Key: "toId", Value: 1}}),
		},
		// A row's revisions, newest first.
		HistoryCollection: {
			unique("rowId_version", bson.D{{Key: "rowId", Value: 1}, {Key: "version", Value: -1}}),
			// The revisions recorded after a time (Store.Revisions), for
			// the network as recorded at a past time.
			plain("at", bson.D{{Key: "at", Value: 1}}),
		},
		// The shared rate-limit counters go once their expiresAt has
		// passed (the TTL monitor runs about once a minute).
		RateLimitsCollection: {
			{Keys: bson.D{{Key: "expiresAt", Value: 1}},
				Options: options.Index().SetName("expiresAt_ttl").SetExpireAfterSeconds(0)},
		},
	}
}
