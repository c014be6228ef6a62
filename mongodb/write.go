package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/otehub/hub"
)

// Apply implements hub.Store. The batch is written in one transaction
// (majority write concern, retried on transient errors by the driver), so
// it is all visible or not at all, and durable once acknowledged.
func (s *Store) Apply(ctx context.Context, b *hub.Batch) error {
	// A large batch is one large transaction: give it time in proportion
	// (the operation timeout per started thousand rows).
	rows := len(b.Nodes) + len(b.Relationships)
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout*time.Duration(1+rows/1000))
	defer cancel()
	sess, err := s.client.StartSession()
	if err != nil {
		return translate(err, "start session")
	}
	defer sess.EndSession(ctx)
	_, err = sess.WithTransaction(ctx, func(tx context.Context) (any, error) {
		if err := upsert(tx, s.nodes, b.Nodes, func(n *hub.Node) (string, *time.Time) { return n.ID, &n.CreatedAt }); err != nil {
			return nil, err
		}
		return nil, upsert(tx, s.rels, b.Relationships, func(r *hub.Relationship) (string, *time.Time) { return r.ID, &r.CreatedAt })
	})
	return translate(err, "write")
}

// upsert replaces rows by id, keeping the createdAt of rows that exist.
// It works on copies so that the caller's batch is not changed.
func upsert[T any](ctx context.Context, coll *mongo.Collection, rows []*T, key func(*T) (string, *time.Time)) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i], _ = key(r)
	}
	cur, err := coll.Find(ctx, bson.M{"_id": in(ids)}, options.Find().SetProjection(bson.M{"createdAt": 1}))
	if err != nil {
		return err
	}
	var existing []struct {
		ID        string    `bson:"_id"`
		CreatedAt time.Time `bson:"createdAt"`
	}
	if err := cur.All(ctx, &existing); err != nil {
		return err
	}
	created := make(map[string]time.Time, len(existing))
	for _, e := range existing {
		created[e.ID] = e.CreatedAt
	}
	models := make([]mongo.WriteModel, len(rows))
	for i, r := range rows {
		c := *r
		id, at := key(&c)
		if t, ok := created[id]; ok {
			*at = t
		}
		models[i] = mongo.NewReplaceOneModel().SetFilter(bson.M{"_id": id}).SetReplacement(&c).SetUpsert(true)
	}
	_, err = coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(true))
	return err
}
