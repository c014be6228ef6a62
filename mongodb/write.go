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
// it is all visible or not at all, and durable once acknowledged. Two
// transactions that write one row conflict, and the driver retries the
// later one, so versions never repeat.
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
	var nodes []*hub.Node
	var rels []*hub.Relationship
	_, err = sess.WithTransaction(ctx, func(tx context.Context) (any, error) {
		var err error
		nodes, err = upsert(tx, s.nodes, b.Nodes, (*hub.Node).Clone, func(n *hub.Node) (string, *time.Time, *int64) { return n.ID, &n.CreatedAt, &n.Version })
		if err != nil {
			return nil, err
		}
		rels, err = upsert(tx, s.rels, b.Relationships, (*hub.Relationship).Clone, func(r *hub.Relationship) (string, *time.Time, *int64) { return r.ID, &r.CreatedAt, &r.Version })
		return nil, err
	})
	if err != nil {
		return translate(err, "write")
	}
	for i, n := range nodes {
		b.Nodes[i].CreatedAt, b.Nodes[i].Version = n.CreatedAt, n.Version
	}
	for i, r := range rels {
		b.Relationships[i].CreatedAt, b.Relationships[i].Version = r.CreatedAt, r.Version
	}
	return nil
}

// upsert replaces rows by id, keeping the createdAt of rows that exist
// and giving each the next version. It writes copies, which it returns,
// so that the caller's batch changes only once the transaction commits.
func upsert[T any](ctx context.Context, coll *mongo.Collection, rows []*T, clone func(*T) *T, key func(*T) (string, *time.Time, *int64)) ([]*T, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i], _, _ = key(r)
	}
	cur, err := coll.Find(ctx, bson.M{"_id": bson.M{"$in": ids}}, options.Find().SetProjection(bson.M{"createdAt": 1, "version": 1}))
	if err != nil {
		return nil, err
	}
	var existing []struct {
		ID        string    `bson:"_id"`
		CreatedAt time.Time `bson:"createdAt"`
		Version   int64     `bson:"version"`
	}
	if err := cur.All(ctx, &existing); err != nil {
		return nil, err
	}
	type stored struct {
		created time.Time
		version int64
	}
	old := make(map[string]stored, len(existing))
	for _, e := range existing {
		old[e.ID] = stored{e.CreatedAt, e.Version}
	}
	out := make([]*T, len(rows))
	models := make([]mongo.WriteModel, len(rows))
	for i, r := range rows {
		c := clone(r)
		id, created, version := key(c)
		*version = 1
		if o, ok := old[id]; ok {
			*created, *version = o.created, o.version+1
		}
		out[i] = c
		models[i] = mongo.NewReplaceOneModel().SetFilter(bson.M{"_id": id}).SetReplacement(c).SetUpsert(true)
	}
	if _, err := coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(true)); err != nil {
		return nil, err
	}
	return out, nil
}
