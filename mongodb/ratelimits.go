package mongodb

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/otehub/hub"
)

// RateLimitsCollection holds the rate-limit counters that the hub's
// instances share (see ShareCounts).
const RateLimitsCollection = "ratelimits"

// rateLimits is the counters' collection. Its writes are acknowledged
// by the primary alone and its reads are local: a counter lost in a
// failover makes a limit briefly more lenient, which is not worth a
// majority round trip five times a second per instance.
func (s *Store) rateLimits() *mongo.Collection {
	return s.db.Collection(RateLimitsCollection, options.Collection().
		SetWriteConcern(writeconcern.W1()).SetReadConcern(readconcern.Local()))
}

// ShareCounts adds each of add to its counter, a document {_id, n,
// expiresAt} created with expiresAt when it does not exist (a TTL index
// removes it after that time), and returns the n of the counters read
// that exist. One unordered bulk write and one find by _id: two round
// trips whatever the number of counters.
func (s *Store) ShareCounts(ctx context.Context, add map[string]int64, read []string, expires time.Time) (map[string]int64, error) {
	// Not before Init: the counters' collection and its TTL index are
	// Init's to create, and a counter's upsert would create the
	// collection beside Init's index build.
	if known, _ := s.known.Load().(string); known == "" {
		return nil, hub.Errorf(hub.EUNAVAILABLE, "the store is not initialised yet")
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	coll := s.rateLimits()
	if len(add) > 0 {
		models := make([]mongo.WriteModel, 0, len(add))
		for id, n := range add {
			models = append(models, mongo.NewUpdateOneModel().SetFilter(bson.M{"_id": id}).
				SetUpdate(bson.M{"$inc": bson.M{"n": n}, "$setOnInsert": bson.M{"expiresAt": expires}}).SetUpsert(true))
		}
		_, err := coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		if again := lostUpserts(err, models); len(again) > 0 {
			// Two instances created one counter at once and the server
			// did not retry the loser's upsert itself: the counter
			// exists now, so the loser's increment applies.
			_, err = coll.BulkWrite(ctx, again, options.BulkWrite().SetOrdered(false))
		}
		if err != nil {
			return nil, translate(err, "add to the rate-limit counters")
		}
	}
	out := make(map[string]int64, len(read))
	if len(read) == 0 {
		return out, nil
	}
	cur, err := coll.Find(ctx, bson.M{"_id": bson.M{"$in": read}}, options.Find().SetProjection(bson.M{"n": 1}))
	if err != nil {
		return nil, translate(err, "read the rate-limit counters")
	}
	defer cur.Close(context.WithoutCancel(ctx))
	for cur.Next(ctx) {
		var doc struct {
			ID string `bson:"_id"`
			N  int64  `bson:"n"`
		}
		if err := cur.Decode(&doc); err != nil {
			return nil, translate(err, "decode a rate-limit counter")
		}
		out[doc.ID] = doc.N
	}
	return out, translate(cur.Err(), "read the rate-limit counters")
}

// lostUpserts returns the models of a bulk write that failed only
// because another client created their document first, or nil when
// anything else failed.
func lostUpserts(err error, models []mongo.WriteModel) []mongo.WriteModel {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		return nil
	}
	var again []mongo.WriteModel
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 {
			return nil
		}
		again = append(again, models[we.Index])
	}
	return again
}
