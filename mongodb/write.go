package mongodb

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/otehub/hub"
)

// Apply implements hub.Store. The batch is planned and written in one
// transaction (majority write concern, retried on transient errors by
// the driver), so it is all visible or not at all, and durable once
// acknowledged. Two transactions that write one document conflict and
// the driver retries the later one, which then plans on the earlier
// one's result: versions never repeat, an expected version is checked
// against the committed row, and the guard documents (see
// hub.WritePlan.Guards) make a relationship written to a node and the
// deletion of that node conflict too.
func (s *Store) Apply(ctx context.Context, b *hub.Batch) error {
	// A large batch is one large transaction: give it time in proportion
	// (the operation timeout per started thousand rows).
	rows := len(b.Nodes) + len(b.Relationships) + len(b.DeleteNodes) + len(b.DeleteRelationships)
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout*time.Duration(1+rows/1000))
	defer cancel()
	sess, err := s.client.StartSession()
	if err != nil {
		return translate(err, "start session")
	}
	defer sess.EndSession(ctx)
	var plan *hub.WritePlan
	err = s.transact(ctx, sess, func(tx context.Context) error {
		// The epoch first: a database restarted without its data takes
		// no write (see checkEpoch).
		epoch, err := s.epoch(tx)
		if err != nil {
			return err
		}
		if err := s.checkEpoch(epoch); err != nil {
			return err
		}
		// The plan is made afresh on every attempt, from what this
		// attempt reads; the caller's batch changes only once it commits.
		if plan, err = hub.PlanWrite(tx, txRows{s}, b, time.Now()); err != nil {
			return err
		}
		return s.write(tx, plan)
	})
	if err != nil {
		return translate(err, "write")
	}
	plan.Applied(b)
	return nil
}

// abortTimeout bounds the abort of a failed transaction, which runs
// after the write's own deadline may have passed.
const abortTimeout = time.Second

// transact runs fn in a transaction of sess until it commits, retrying
// the whole transaction on a transient error and the commit on an
// unknown commit result, as long as ctx lasts. It does what the
// driver's WithTransaction does, except that every round trip is
// bounded: WithTransaction aborts and commits with no deadline, so a
// server that stops answering (frozen, or cut off without a reset)
// holds the write until the server wakes, however short ctx is.
func (s *Store) transact(ctx context.Context, sess *mongo.Session, fn func(tx context.Context) error) error {
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			// Another transaction wrote the same documents: give it
			// time to commit.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(min(attempt, 10)) * 5 * time.Millisecond):
			}
		}
		if err := sess.StartTransaction(); err != nil {
			return err
		}
		err := fn(mongo.NewSessionContext(ctx, sess))
		if err != nil {
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
			sess.AbortTransaction(actx)
			cancel()
			if hasLabel(err, "TransientTransactionError") && ctx.Err() == nil {
				continue
			}
			return err
		}
		for {
			err = sess.CommitTransaction(ctx)
			if err == nil || ctx.Err() != nil || !hasLabel(err, "UnknownTransactionCommitResult") {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err != nil && hasLabel(err, "TransientTransactionError") && ctx.Err() == nil {
			continue
		}
		return err
	}
}

// hasLabel reports whether a server error in err's chain carries label.
func hasLabel(err error, label string) bool {
	var le interface{ HasErrorLabel(string) bool }
	return errors.As(err, &le) && le.HasErrorLabel(label)
}

// write stores the plan inside the transaction.
func (s *Store) write(ctx context.Context, p *hub.WritePlan) error {
	if len(p.Guards) > 0 {
		models := make([]mongo.WriteModel, len(p.Guards))
		for i, id := range p.Guards {
			models[i] = mongo.NewUpdateOneModel().SetFilter(bson.M{"_id": id}).
				SetUpdate(bson.M{"$inc": bson.M{"writes": 1}}).SetUpsert(true)
		}
		if _, err := s.guards.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
			return err
		}
	}
	// The history first: a change feed learns a deletion's version from
	// its revision before the delete event (see changeStream).
	if len(p.Revisions) > 0 {
		docs := make([]any, len(p.Revisions))
		for i := range p.Revisions {
			docs[i] = newRevisionDoc(&p.Revisions[i])
		}
		if _, err := s.history.InsertMany(ctx, docs, options.InsertMany().SetOrdered(true)); err != nil {
			return err
		}
	}
	// Unique indexes check every statement, not the transaction's end:
	// deletions go first and the written nodes let go of their unique
	// keys, so that a key may move to another node in one write (a merge
	// gives the kept node the removed one's external ids).
	if err := deleteAll(ctx, s.nodes, p.DeleteNodes, func(n *hub.Node) string { return n.ID }); err != nil {
		return err
	}
	if err := deleteAll(ctx, s.rels, p.DeleteRelationships, func(r *hub.Relationship) string { return r.ID }); err != nil {
		return err
	}
	if err := releaseUniqueKeys(ctx, s.nodes, p.Nodes); err != nil {
		return err
	}
	if err := replaceAll(ctx, s.nodes, p.Nodes, newNodeDoc, func(d *nodeDoc) string { return d.ID }); err != nil {
		return err
	}
	return replaceAll(ctx, s.rels, p.Relationships, newRelationshipDoc, func(d *relationshipDoc) string { return d.ID })
}

// releaseUniqueKeys unsets the unique keys of the stored nodes that the
// write replaces, when it replaces more than one: one node alone cannot
// take a key from another in the same write.
func releaseUniqueKeys(ctx context.Context, coll *mongo.Collection, nodes []*hub.Node) error {
	if len(nodes) < 2 {
		return nil
	}
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		ids[i] = n.ID
	}
	_, err := coll.UpdateMany(ctx,
		bson.M{"_id": bson.M{"$in": ids}, "$or": bson.A{
			bson.M{"businessKey": bson.M{"$exists": true}},
			bson.M{"externalKeys": bson.M{"$exists": true}},
		}},
		bson.M{"$unset": bson.M{"businessKey": "", "externalKeys": ""}})
	return err
}

func replaceAll[T, D any](ctx context.Context, coll *mongo.Collection, rows []*T, doc func(*T) *D, id func(*D) string) error {
	if len(rows) == 0 {
		return nil
	}
	models := make([]mongo.WriteModel, len(rows))
	for i, r := range rows {
		d := doc(r)
		models[i] = mongo.NewReplaceOneModel().SetFilter(bson.M{"_id": id(d)}).SetReplacement(d).SetUpsert(true)
	}
	_, err := coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(true))
	return err
}

func deleteAll[T any](ctx context.Context, coll *mongo.Collection, rows []*T, id func(*T) string) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = id(r)
	}
	_, err := coll.DeleteMany(ctx, bson.M{"_id": bson.M{"$in": ids}})
	return err
}

// txRows reads stored rows inside the transaction of ctx.
type txRows struct{ s *Store }

func findAll[D, T any](ctx context.Context, coll *mongo.Collection, filter any, conv func(*D) *T) ([]*T, error) {
	cur, err := coll.Find(ctx, filter)
	if err != nil {
		return nil, err
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var out []*T
	for cur.Next(ctx) {
		d := new(D)
		if err := cur.Decode(d); err != nil {
			return nil, err
		}
		out = append(out, conv(d))
	}
	return out, cur.Err()
}

func (r txRows) Nodes(ctx context.Context, ids []string) (map[string]*hub.Node, error) {
	out := make(map[string]*hub.Node, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := findAll(ctx, r.s.nodes, bson.M{"_id": bson.M{"$in": ids}}, (*nodeDoc).node)
	for _, n := range rows {
		out[n.ID] = n
	}
	return out, err
}

func (r txRows) Relationships(ctx context.Context, ids []string) (map[string]*hub.Relationship, error) {
	out := make(map[string]*hub.Relationship, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := findAll(ctx, r.s.rels, bson.M{"_id": bson.M{"$in": ids}}, (*relationshipDoc).relationship)
	for _, rel := range rows {
		out[rel.ID] = rel
	}
	return out, err
}

func (r txRows) RelationshipsTouching(ctx context.Context, nodeIDs []string) ([]*hub.Relationship, error) {
	return findAll(ctx, r.s.rels, bson.M{"$or": bson.A{
		bson.M{"fromId": bson.M{"$in": nodeIDs}},
		bson.M{"toId": bson.M{"$in": nodeIDs}},
	}}, (*relationshipDoc).relationship)
}

// KeyHolders reads the nodes by the unique indexes businessKey and
// externalKeys.
func (r txRows) KeyHolders(ctx context.Context, keys []string) (map[string]string, error) {
	rows, err := findAll(ctx, r.s.nodes, bson.M{"$or": bson.A{
		bson.M{"businessKey": bson.M{"$in": keys}},
		bson.M{"externalKeys": bson.M{"$in": keys}},
	}}, (*nodeDoc).node)
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	out := map[string]string{}
	for _, n := range rows {
		for _, key := range append(hub.ExternalKeys(n), hub.BusinessKey(n)) {
			if want[key] {
				out[key] = n.ID
			}
		}
	}
	return out, err
}

// DeletedVersions reads the DELETE revisions of the rows: a row that is
// not stored has its deletion as its newest revision.
func (r txRows) DeletedVersions(ctx context.Context, ids []string) (map[string]int64, error) {
	revs, err := findAll(ctx, r.s.history, bson.M{"rowId": bson.M{"$in": ids}, "op": bson.M{"$in": bson.A{string(hub.RevisionDelete), string(hub.RevisionMerge)}}}, (*revisionDoc).revision)
	out := map[string]int64{}
	for _, rev := range revs {
		out[rev.ID] = max(out[rev.ID], rev.Version)
	}
	return out, err
}

// History implements hub.Store.
func (s *Store) History(ctx context.Context, id string, before int64, first int) ([]hub.Revision, bool, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	filter := bson.M{"rowId": id}
	if before > 0 {
		filter["version"] = bson.M{"$lt": before}
	}
	cur, err := s.history.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "version", Value: -1}}).SetLimit(int64(first)+1))
	if err != nil {
		return nil, false, translate(err, "read history")
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var out []hub.Revision
	for cur.Next(ctx) {
		var d revisionDoc
		if err := cur.Decode(&d); err != nil {
			return nil, false, translate(err, "decode history")
		}
		out = append(out, *d.revision())
	}
	if err := cur.Err(); err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, false, translate(err, "read history")
	}
	if len(out) > first {
		return out[:first], true, nil
	}
	return out, false, nil
}

// Revisions implements hub.Store: the history's documents recorded after
// the time, found by the index on at, in the order of that index.
func (s *Store) Revisions(ctx context.Context, after time.Time, fn func(*hub.Revision) error) error {
	cur, err := s.history.Find(ctx, bson.M{"at": bson.M{"$gt": after}}, options.Find().SetSort(bson.D{{Key: "at", Value: 1}}))
	if err != nil {
		return translate(err, "read history")
	}
	defer cur.Close(context.WithoutCancel(ctx))
	for cur.Next(ctx) {
		var d revisionDoc
		if err := cur.Decode(&d); err != nil {
			return translate(err, "decode history")
		}
		if err := fn(d.revision()); err != nil {
			return err
		}
	}
	return translate(cur.Err(), "read history")
}
