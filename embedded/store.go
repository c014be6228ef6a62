// Package embedded is the default storage backend: the network in a
// bbolt file that is written and fsynced before a write is acknowledged,
// with an in-process change feed. It needs no server; the hub reads
// from its in-memory index (package index), which Load fills and Watch
// keeps current.
package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/otehub/hub"
)

var (
	nodesBucket         = []byte("nodes")
	relationshipsBucket = []byte("relationships")
	// historyBucket holds the revisions by hub.HistoryKey.
	historyBucket = []byte("history")
)

// FileName is the name of the database file inside the data directory.
const FileName = "hub.db"

// ErrLocked is the error of Open when another process (a running hub)
// holds the database file: bbolt allows one process at a time.
var ErrLocked = errors.New("another process holds the database")

// Store is the embedded store. It is safe for concurrent use; one
// process at a time opens a database file.
type Store struct {
	db *bolt.DB
	// path is the database file's, for errors about it.
	path string

	mu     sync.RWMutex
	closed bool
	log    *changeLog
}

var _ hub.Store = (*Store)(nil)

// Open opens (creating if needed) the store in directory dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	if err := checkFile(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// file is the database file bbolt opened, closed (and so unlocked)
	// when a damaged file makes bbolt panic before Open returns.
	var file *os.File
	var db *bolt.DB
	err := guardFaults(func() error {
		var err error
		// The timeout turns a second hub on the same directory into a
		// clear error instead of a hang on the file lock.
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second,
			OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
				f, err := os.OpenFile(name, flag, perm)
				file = f
				return f, err
			}})
		if err != nil {
			return err
		}
		err = db.Update(func(tx *bolt.Tx) error {
			for _, b := range [][]byte{nodesBucket, relationshipsBucket, historyBucket} {
				if _, err := tx.CreateBucketIfNotExists(b); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			db.Close()
		}
		return err
	})
	if err != nil {
		if errors.Is(err, ErrDamaged) && file != nil {
			file.Close()
		}
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &Store{db: db, log: newChangeLog(), path: path}, nil
}

// begin checks the context and the store state before a call.
func (s *Store) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return hub.Wrap(hub.EUNAVAILABLE, err, "request cancelled or timed out")
	}
	if s.closed {
		return hub.Errorf(hub.EUNAVAILABLE, "store is closed")
	}
	return nil
}

// Load implements hub.Store: it decodes the file's rows in one read
// transaction.
func (s *Store) Load(ctx context.Context, node func(*hub.Node) error, rel func(*hub.Relationship) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx); err != nil {
		return err
	}
	err := guardFaults(func() error { return s.load(ctx, node, rel) })
	if err != nil {
		if _, ok := errors.AsType[*hub.Error](err); ok {
			return err
		}
		return hub.Wrap(hub.EINTERNAL, err, "load "+s.path)
	}
	return nil
}

// load is Load's read transaction.
func (s *Store) load(ctx context.Context, node func(*hub.Node) error, rel func(*hub.Relationship) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		if err := tx.Bucket(nodesBucket).ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return hub.Wrap(hub.EUNAVAILABLE, err, "load cancelled")
			}
			n := new(hub.Node)
			if err := json.Unmarshal(v, n); err != nil {
				return fmt.Errorf("decode node %s: %w", k, err)
			}
			return callerCode(func() error { return node(n) })
		}); err != nil {
			return err
		}
		return tx.Bucket(relationshipsBucket).ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return hub.Wrap(hub.EUNAVAILABLE, err, "load cancelled")
			}
			r := new(hub.Relationship)
			if err := json.Unmarshal(v, r); err != nil {
				return fmt.Errorf("decode relationship %s: %w", k, err)
			}
			return callerCode(func() error { return rel(r) })
		})
	})
}

// Apply implements hub.Store. The bbolt transaction commits (and fsyncs)
// before the change feed reports the write, so an acknowledged write is
// on disk and a failed one is reported nowhere. bbolt runs one write
// transaction at a time, so batches apply one after the other.
func (s *Store) Apply(ctx context.Context, b *hub.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx); err != nil {
		return err
	}
	var plan *hub.WritePlan
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		if plan, err = hub.PlanWrite(ctx, txRows{tx}, b, time.Now()); err != nil {
			return err
		}
		nb, rb, hb := tx.Bucket(nodesBucket), tx.Bucket(relationshipsBucket), tx.Bucket(historyBucket)
		for _, n := range plan.Nodes {
			if err := putJSON(nb, n.ID, n); err != nil {
				return err
			}
		}
		for _, r := range plan.Relationships {
			if err := putJSON(rb, r.ID, r); err != nil {
				return err
			}
		}
		for _, n := range plan.DeleteNodes {
			if err := nb.Delete([]byte(n.ID)); err != nil {
				return err
			}
		}
		for _, r := range plan.DeleteRelationships {
			if err := rb.Delete([]byte(r.ID)); err != nil {
				return err
			}
		}
		for _, rev := range plan.Revisions {
			if err := putJSON(hb, hub.HistoryKey(rev.ID, rev.Version), rev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if _, ok := errors.AsType[*hub.Error](err); ok {
			return err
		}
		return hub.Wrap(hub.EINTERNAL, err, "write failed")
	}
	plan.Applied(b)
	for _, rev := range plan.Revisions {
		ch := hub.Change{Op: hub.ChangeUpsert, Row: rev.Row, ID: rev.ID, At: rev.At, Version: rev.Version,
			Created: rev.Op == hub.RevisionCreate, MergedInto: rev.MergedInto}
		if rev.Op.Gone() {
			ch.Op = hub.ChangeDelete
		}
		s.log.append(ch)
	}
	// The feed carries the rows as written: fill them in by position
	// (the plan's revisions list its nodes, then its relationships).
	changes := s.log.changes[len(s.log.changes)-len(plan.Revisions):]
	for i, n := range plan.Nodes {
		changes[i].Node = n
	}
	for i, r := range plan.Relationships {
		changes[len(plan.Nodes)+i].Relationship = r
	}
	if len(changes) > 0 {
		changes[len(changes)-1].Last = true
	}
	s.log.notify()
	return nil
}

func putJSON(bucket *bolt.Bucket, key string, row any) error {
	v, err := json.Marshal(row)
	if err != nil {
		return err
	}
	return bucket.Put([]byte(key), v)
}

// txRows reads stored rows inside a write transaction, for
// hub.PlanWrite.
type txRows struct{ tx *bolt.Tx }

func getRows[T any](bucket *bolt.Bucket, ids []string) (map[string]*T, error) {
	out := make(map[string]*T, len(ids))
	for _, id := range ids {
		v := bucket.Get([]byte(id))
		if v == nil {
			continue
		}
		row := new(T)
		if err := json.Unmarshal(v, row); err != nil {
			return nil, fmt.Errorf("decode %s: %w", id, err)
		}
		out[id] = row
	}
	return out, nil
}

func (r txRows) Nodes(_ context.Context, ids []string) (map[string]*hub.Node, error) {
	return getRows[hub.Node](r.tx.Bucket(nodesBucket), ids)
}

func (r txRows) Relationships(_ context.Context, ids []string) (map[string]*hub.Relationship, error) {
	return getRows[hub.Relationship](r.tx.Bucket(relationshipsBucket), ids)
}

// RelationshipsTouching scans every relationship: the file keeps no
// index by end, and deleting a node is rare next to writing one.
func (r txRows) RelationshipsTouching(ctx context.Context, nodeIDs []string) ([]*hub.Relationship, error) {
	ends := make(map[string]bool, len(nodeIDs))
	for _, id := range nodeIDs {
		ends[id] = true
	}
	var out []*hub.Relationship
	err := r.tx.Bucket(relationshipsBucket).ForEach(func(k, v []byte) error {
		var e struct {
			FromID string `json:"fromId"`
			ToID   string `json:"toId"`
		}
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decode relationship %s: %w", k, err)
		}
		if !ends[e.FromID] && !ends[e.ToID] {
			return nil
		}
		rel := new(hub.Relationship)
		if err := json.Unmarshal(v, rel); err != nil {
			return fmt.Errorf("decode relationship %s: %w", k, err)
		}
		out = append(out, rel)
		return nil
	})
	return out, err
}

// KeyHolders scans the nodes: the file keeps no index by business or
// external id, and only writes that set one ask.
func (r txRows) KeyHolders(_ context.Context, keys []string) (map[string]string, error) {
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	out := map[string]string{}
	err := r.tx.Bucket(nodesBucket).ForEach(func(k, v []byte) error {
		if !bytes.Contains(v, []byte(`"businessId"`)) && !bytes.Contains(v, []byte(`"externalIds"`)) {
			return nil
		}
		var n hub.Node
		if err := json.Unmarshal(v, &n); err != nil {
			return fmt.Errorf("decode node %s: %w", k, err)
		}
		for _, key := range append(hub.ExternalKeys(&n), hub.BusinessKey(&n)) {
			if want[key] {
				out[key] = n.ID
			}
		}
		return nil
	})
	return out, err
}

// DeletedVersions reads each row's newest revision: for a row that is
// not stored, it is its deletion.
func (r txRows) DeletedVersions(_ context.Context, ids []string) (map[string]int64, error) {
	out := map[string]int64{}
	c := r.tx.Bucket(historyBucket).Cursor()
	for _, id := range ids {
		k, v := c.Seek([]byte(hub.HistoryKey(id, math.MaxInt64)))
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		if k == nil || !bytes.HasPrefix(k, []byte(id+"@")) {
			continue
		}
		var rev hub.Revision
		if err := json.Unmarshal(v, &rev); err != nil {
			return nil, fmt.Errorf("decode revision %s: %w", k, err)
		}
		if rev.Op.Gone() {
			out[id] = rev.Version
		}
	}
	return out, nil
}

// History implements hub.Store.
func (s *Store) History(ctx context.Context, id string, before int64, first int) ([]hub.Revision, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx); err != nil {
		return nil, false, err
	}
	if before <= 0 {
		before = math.MaxInt64
	}
	var out []hub.Revision
	more := false
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(historyBucket).Cursor()
		prefix := []byte(id + "@")
		k, v := c.Seek([]byte(hub.HistoryKey(id, before)))
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			if len(out) == first {
				more = true
				return nil
			}
			var rev hub.Revision
			if err := json.Unmarshal(v, &rev); err != nil {
				return fmt.Errorf("decode revision %s: %w", k, err)
			}
			out = append(out, rev)
		}
		return nil
	})
	if err != nil {
		return nil, false, hub.Wrap(hub.EINTERNAL, err, "read history")
	}
	return out, more, nil
}

// Revisions implements hub.Store. The history is keyed by row and
// version, not by time, so this reads every revision's time in one read
// transaction (a scan of the whole history: O(revisions)) and decodes in
// full only those recorded after the time, in key order.
func (s *Store) Revisions(ctx context.Context, after time.Time, fn func(*hub.Revision) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx); err != nil {
		return err
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(historyBucket).ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return hub.Wrap(hub.EUNAVAILABLE, err, "read history cancelled")
			}
			at, err := revisionTime(v)
			if err != nil {
				return fmt.Errorf("decode revision %s: %w", k, err)
			}
			if !at.After(after) {
				return nil
			}
			rev := new(hub.Revision)
			if err := json.Unmarshal(v, rev); err != nil {
				return fmt.Errorf("decode revision %s: %w", k, err)
			}
			rev.At = rev.At.UTC()
			return fn(rev)
		})
	})
	if err != nil {
		if _, ok := errors.AsType[*hub.Error](err); ok {
			return err
		}
		return hub.Wrap(hub.EINTERNAL, err, "read history")
	}
	return nil
}

// atField starts the recorded time in a revision's JSON. encoding/json
// escapes every quote inside a string, so the first match is the
// top-level field (the fields before it are the row's id, row kind,
// version and operation).
var atField = []byte(`"at":"`)

// revisionTime reads the recorded time of a revision's JSON without
// decoding the rest, which holds every field of a created or deleted
// row; JSON that does not start it as encoding/json writes it is decoded
// in full.
func revisionTime(v []byte) (time.Time, error) {
	if i := bytes.Index(v, atField); i >= 0 {
		rest := v[i+len(atField):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 {
			if t, err := time.Parse(time.RFC3339Nano, string(rest[:j])); err == nil {
				return t, nil
			}
		}
	}
	var rev struct {
		At time.Time `json:"at"`
	}
	err := json.Unmarshal(v, &rev)
	return rev.At, err
}

// Close implements hub.Store.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.log.notify()
	return s.db.Close()
}
