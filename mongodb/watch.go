package mongodb

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/otehub/hub"
)

// Watch implements hub.Store with a database change stream over the two
// collections. Tokens are MongoDB resume tokens, so any hub instance can
// resume a feed another one started.
func (s *Store) Watch(ctx context.Context, resumeAfter string) (hub.ChangeStream, error) {
	// Row changes of the two collections, and the events that end a
	// feed because the data set went away or was replaced as a whole.
	pipeline := mongo.Pipeline{{{Key: "$match", Value: bson.M{"$or": bson.A{
		bson.M{
			"ns.coll":       bson.M{"$in": bson.A{NodesCollection, RelationshipsCollection}},
			"operationType": bson.M{"$in": bson.A{"insert", "update", "replace", "delete"}},
		},
		bson.M{"operationType": bson.M{"$in": bson.A{"drop", "dropDatabase", "rename", "invalidate"}}},
		// A deletion's revision tells the version the row is deleted
		// at, which a delete event does not carry.
		bson.M{"ns.coll": HistoryCollection, "operationType": "insert", "fullDocument.op": bson.M{"$in": bson.A{string(hub.RevisionDelete), string(hub.RevisionMerge)}}},
	}}}}}
	// Apply replaces whole documents, so insert and replace events carry
	// the row; updateLookup covers updates made by other tools.
	opts := options.ChangeStream().SetFullDocument(options.UpdateLookup).SetMaxAwaitTime(feedWait)
	if resumeAfter != "" {
		opts.SetResumeAfter(bson.M{"_data": resumeAfter})
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	epoch, err := s.epoch(cctx)
	if err != nil {
		return nil, err
	}
	if err := s.checkEpoch(epoch); err != nil {
		return nil, err
	}
	cs, err := s.db.Watch(cctx, pipeline, opts)
	if err != nil {
		if resumeAfter != "" && !isUnavailable(err) {
			return nil, hub.Wrap(hub.EINVALID, err, fmt.Sprintf("cannot resume after token %q; start a new feed", resumeAfter))
		}
		return nil, translate(err, "watch")
	}
	return &changeStream{cs: cs, store: s, epoch: epoch, checked: time.Now(), deletedAt: map[string]deletion{}}, nil
}

// The feed waits at most feedWait for an event in one round trip, and
// checks the database's epoch every epochCheck while it waits.
const (
	feedWait   = time.Second
	epochCheck = 5 * time.Second
)

func isUnavailable(err error) bool { return hub.ErrorCode(translate(err, "")) == hub.EUNAVAILABLE }

// changeStream reads one event ahead where it must, to mark the last
// event of a transaction: the events of one transaction carry the same
// session id and transaction number, and come one after the other.
//
// It also watches the database's epoch (see Store.epoch): the driver
// resumes a broken change stream by itself, even on a server that came
// back without its data, so only the epoch tells that the data set the
// feed started from is gone.
type changeStream struct {
	cs      *mongo.ChangeStream
	next    *changeEvent // read ahead, not returned yet
	store   *Store
	epoch   string
	checked time.Time
	// deletedAt holds the versions of deletions whose revision came
	// and whose delete event has not (Apply writes the history first).
	deletedAt map[string]deletion
}

// deletion is what a deletion's revision says of it.
type deletion struct {
	version    int64
	mergedInto string
}

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
	WallTime     bson.DateTime `bson:"wallTime"`
	FullDocument bson.Raw      `bson:"fullDocument"`
	LSID         bson.Raw      `bson:"lsid"`
	TxnNumber    int64         `bson:"txnNumber"`
}

// sameTransaction reports whether two events were committed together.
func (e *changeEvent) sameTransaction(o *changeEvent) bool {
	return e.TxnNumber != 0 && e.TxnNumber == o.TxnNumber && bytes.Equal(e.LSID, o.LSID)
}

// Next implements hub.ChangeStream. An event is the last of its write
// unless the next one, already received, belongs to the same
// transaction. The events of a committed transaction become visible
// together, so one still to come is in the batch at hand unless the
// transaction outgrew a batch (16 MiB): only then could a follower
// apply a transaction in two steps.
func (c *changeStream) Next(ctx context.Context) (hub.Change, error) {
	ev := c.next
	c.next = nil
	if ev != nil && ev.NS.Coll == HistoryCollection {
		if err := c.noteDeletion(ev); err != nil {
			return hub.Change{}, err
		}
		ev = nil
	}
	for ev == nil {
		began := time.Now()
		// One round trip waits feedWait at most on a server that
		// answers; one that does not (frozen, or cut off without a
		// reset) would hold the feed, and keep it from saying it is
		// stale, until the server wakes.
		wctx, cancel := context.WithTimeout(ctx, feedWait+c.store.opTimeout)
		got := c.cs.TryNext(wctx)
		cancel()
		if !got {
			if err := c.cs.Err(); err != nil {
				return hub.Change{}, translate(err, "change stream")
			}
			if err := ctx.Err(); err != nil {
				return hub.Change{}, hub.Wrap(hub.EUNAVAILABLE, err, "change feed wait ended")
			}
			if time.Since(c.checked) >= epochCheck {
				cctx, cancel := c.store.call(ctx)
				epoch, err := c.store.epoch(cctx)
				cancel()
				if err != nil {
					return hub.Change{}, err
				}
				c.checked = time.Now()
				// Against the epoch Init found as well as the feed's own.
				if err := c.store.checkEpoch(epoch); err != nil {
					return hub.Change{}, err
				}
				if c.epoch == "" {
					// The feed began before the first instance's Init
					// wrote the epoch, on a database that had none: it
					// has followed every write since, so the epoch it
					// now sees is its own database's.
					c.epoch = epoch
				}
				if epoch != c.epoch {
					return hub.Change{Op: hub.ChangeReset, Last: true, At: c.checked}, nil
				}
			}
			// A server that answers an empty round trip at once would
			// make this loop spin.
			if wait := 50*time.Millisecond - time.Since(began); wait > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(wait):
				}
			}
			continue
		}
		ev = new(changeEvent)
		if err := c.cs.Decode(ev); err != nil {
			return hub.Change{}, translate(err, "decode change")
		}
		if ev.NS.Coll == HistoryCollection {
			if err := c.noteDeletion(ev); err != nil {
				return hub.Change{}, err
			}
			ev = nil
		}
	}
	last := true
	if ev.TxnNumber != 0 && c.cs.RemainingBatchLength() > 0 && c.cs.TryNext(ctx) {
		next := new(changeEvent)
		if err := c.cs.Decode(next); err != nil {
			return hub.Change{}, translate(err, "decode change")
		}
		c.next = next
		last = !ev.sameTransaction(next)
	}
	ch, err := ev.change()
	ch.Last = last
	if ch.Op == hub.ChangeDelete {
		d := c.deletedAt[ch.ID]
		ch.Version, ch.MergedInto = d.version, d.mergedInto
		delete(c.deletedAt, ch.ID)
	}
	return ch, err
}

// noteDeletion keeps the version of a deletion's revision for the
// delete event that follows it.
func (c *changeStream) noteDeletion(ev *changeEvent) error {
	var d revisionDoc
	if err := bson.Unmarshal(ev.FullDocument, &d); err != nil {
		return translate(err, "decode revision")
	}
	c.deletedAt[d.RowID] = deletion{d.Version, d.MergedInto}
	return nil
}

// change is the hub's view of the event.
func (ev *changeEvent) change() (hub.Change, error) {
	ch := hub.Change{Token: ev.ID.Data, Op: hub.ChangeUpsert, ID: ev.DocumentKey.ID, Row: hub.RowNode, Created: ev.OperationType == "insert"}
	if ev.NS.Coll == RelationshipsCollection {
		ch.Row = hub.RowRelationship
	}
	if ev.WallTime != 0 {
		ch.At = ev.WallTime.Time().UTC()
	}
	switch ev.OperationType {
	case "delete":
		ch.Op = hub.ChangeDelete
	case "drop", "dropDatabase", "rename", "invalidate":
		ch.Op, ch.Row, ch.ID = hub.ChangeReset, "", ""
	default:
		if len(ev.FullDocument) == 0 {
			// The document was deleted before the lookup: a delete
			// event follows.
			ch.Op = hub.ChangeDelete
			break
		}
		if ch.Row == hub.RowNode {
			var d nodeDoc
			if err := bson.Unmarshal(ev.FullDocument, &d); err != nil {
				return hub.Change{}, translate(err, "decode changed "+ch.Row)
			}
			ch.Node = d.node()
			ch.Version = ch.Node.Version
		} else {
			var d relationshipDoc
			if err := bson.Unmarshal(ev.FullDocument, &d); err != nil {
				return hub.Change{}, translate(err, "decode changed "+ch.Row)
			}
			ch.Relationship = d.relationship()
			ch.Version = ch.Relationship.Version
		}
	}
	return ch, nil
}

// Close implements hub.ChangeStream.
func (c *changeStream) Close() error { return c.cs.Close(context.Background()) }
