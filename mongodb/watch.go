package mongodb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/otehub/hub"
)

// Watch implements hub.Store with a database change stream over the two
// collections. Tokens are MongoDB resume tokens, so any hub instance can
// resume a feed another one started.
func (s *Store) Watch(ctx context.Context, resumeAfter string) (hub.ChangeStream, error) {
	pipeline := mongo.Pipeline{{{Key: "$match", Value: bson.M{
		"ns.coll":       bson.M{"$in": bson.A{NodesCollection, RelationshipsCollection}},
		"operationType": bson.M{"$in": bson.A{"insert", "update", "replace", "delete"}},
	}}}}
	opts := options.ChangeStream()
	if resumeAfter != "" {
		opts.SetResumeAfter(bson.M{"_data": resumeAfter})
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	cs, err := s.db.Watch(cctx, pipeline, opts)
	if err != nil {
		if resumeAfter != "" && !isUnavailable(err) {
			return nil, hub.Wrap(hub.EINVALID, err, fmt.Sprintf("cannot resume after token %q; start a new feed", resumeAfter))
		}
		return nil, translate(err, "watch")
	}
	return &changeStream{cs: cs}, nil
}

func isUnavailable(err error) bool { return hub.ErrorCode(translate(err, "")) == hub.EUNAVAILABLE }

type changeStream struct{ cs *mongo.ChangeStream }

type changeEvent struct {
	ID struct {
		Data string `bson:"_data"`
	} `bson:"_id"`
	OperationType string `bson:"operationType"`
	NS            struct {
		Coll string `bson:"coll"`
	} `bson:"ns"`
	DocumentKey struct {
		ID string `bson:"_id"`
	} `bson:"documentKey"`
	WallTime bson.DateTime `bson:"wallTime"`
}

// Next implements hub.ChangeStream.
func (c *changeStream) Next(ctx context.Context) (hub.Change, error) {
	if !c.cs.Next(ctx) {
		if err := c.cs.Err(); err != nil {
			return hub.Change{}, translate(err, "change stream")
		}
		if err := ctx.Err(); err != nil {
			return hub.Change{}, hub.Wrap(hub.EUNAVAILABLE, err, "change feed wait ended")
		}
		return hub.Change{}, hub.Errorf(hub.EUNAVAILABLE, "change stream closed")
	}
	var ev changeEvent
	if err := c.cs.Decode(&ev); err != nil {
		return hub.Change{}, translate(err, "decode change")
	}
	ch := hub.Change{Token: ev.ID.Data, Op: hub.ChangeUpsert, ID: ev.DocumentKey.ID}
	if ev.OperationType == "delete" {
		ch.Op = hub.ChangeDelete
	}
	ch.Row = hub.RowNode
	if ev.NS.Coll == RelationshipsCollection {
		ch.Row = hub.RowRelationship
	}
	if ev.WallTime != 0 {
		ch.At = ev.WallTime.Time().UTC()
	}
	return ch, nil
}

// Close implements hub.ChangeStream.
func (c *changeStream) Close() error { return c.cs.Close(context.Background()) }
