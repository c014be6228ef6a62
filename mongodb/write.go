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
	var nodes []*nodeDoc
	var rels []*relationshipDoc
	_, err = sess.WithTransaction(ctx, func(tx context.Context) (any, error) {
		var err error
		nodes, err = upsert(tx, s.nodes, b.Nodes, newNodeDoc, (*nodeDoc).stamp)
		if err != nil {
			return nil, err
		}
		rels, err = upsert(tx, s.rels, b.Relationships, newRelationshipDoc, (*relationshipDoc).stamp)
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
// and giving each the next version. It writes new documents, which it
// returns, so that the caller's batch changes only once the transaction
// commits; it makes them afresh on every attempt of the transaction.
func upsert[T, D any](ctx context.Context, coll *mongo.Collection, rows []*T, doc func(*T) *D, stamp func(*D) (string, *time.Time, *int64)) ([]*D, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	docs := make([]*D, len(rows))
	ids := make([]string, len(rows))
	for i, r := range rows {
		docs[i] = doc(r)
		ids[i], _, _ = stamp(docs[i])
	}
	cur, err := coll.Find(ctx, bson.M{"_id": bson.M{"$in": ids}}, options.Find().SetProjection(bson.M{"createdAt": 1, "version": 1}))
	if err != nil {
		return nil, err
	}
	var existing []stampDoc
	if err := cur.All(ctx, &existing); err != nil {
		return nil, err
	}
	old := make(map[string]stampDoc, len(existing))
	for _, e := range existing {
		old[e.ID] = e
	}
	models := make([]mongo.WriteModel, len(docs))
	for i, d := range docs {
		id, created, version := stamp(d)
		*version = 1
		if o, ok := old[id]; ok {
			*created, *version = o.CreatedAt, o.Version+1
		}
		models[i] = mongo.NewReplaceOneModel().SetFilter(bson.M{"_id": id}).SetReplacement(d).SetUpsert(true)
	}
	if _, err := coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(true)); err != nil {
		return nil, err
	}
	return docs, nil
}
