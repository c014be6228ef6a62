// Package embedded is the default storage backend: the network in a
// bbolt file that is written and fsynced before a write is acknowledged,
// with an in-process change feed. It needs no server; the hub reads
// from its in-memory index (package index), which Load fills and Watch
// keeps current.
package embedded

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	// The timeout turns a second hub on the same directory into a clear
	// error instead of a hang on the file lock.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(nodesBucket); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(relationshipsBucket)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &Store{db: db, log: newChangeLog()}, nil
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
	err := s.db.View(func(tx *bolt.Tx) error {
		if err := tx.Bucket(nodesBucket).ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return hub.Wrap(hub.EUNAVAILABLE, err, "load cancelled")
			}
			n := new(hub.Node)
			if err := json.Unmarshal(v, n); err != nil {
				return fmt.Errorf("decode node %s: %w", k, err)
			}
			return node(n)
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
			return rel(r)
		})
	})
	if err != nil {
		if _, ok := errors.AsType[*hub.Error](err); ok {
			return err
		}
		return hub.Wrap(hub.EINTERNAL, err, "load "+FileName)
	}
	return nil
}

// stored is what Apply keeps of a row it replaces.
type stored struct {
	CreatedAt time.Time `json:"createdAt"`
	Version   int64     `json:"version"`
}

// Apply implements hub.Store. The bbolt transaction commits (and fsyncs)
// before the change feed reports the write, so an acknowledged write is
// on disk and a failed one is reported nowhere.
func (s *Store) Apply(ctx context.Context, b *hub.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx); err != nil {
		return err
	}
	nodes := make([]*hub.Node, len(b.Nodes))
	for i, n := range b.Nodes {
		nodes[i] = n.Clone()
	}
	rels := make([]*hub.Relationship, len(b.Relationships))
	for i, r := range b.Relationships {
		rels[i] = r.Clone()
	}
	// put writes a row with the CreatedAt of the row it replaces and the
	// next version.
	put := func(bucket *bolt.Bucket, id string, created *time.Time, version *int64, row any) error {
		*version = 1
		if old := bucket.Get([]byte(id)); old != nil {
			var o stored
			if err := json.Unmarshal(old, &o); err != nil {
				return fmt.Errorf("decode %s: %w", id, err)
			}
			*created, *version = o.CreatedAt, o.Version+1
		}
		v, err := json.Marshal(row)
		if err != nil {
			return err
		}
		return bucket.Put([]byte(id), v)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		nb, rb := tx.Bucket(nodesBucket), tx.Bucket(relationshipsBucket)
		for _, n := range nodes {
			if err := put(nb, n.ID, &n.CreatedAt, &n.Version, n); err != nil {
				return err
			}
		}
		for _, r := range rels {
			if err := put(rb, r.ID, &r.CreatedAt, &r.Version, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return hub.Wrap(hub.EINTERNAL, err, "write failed")
	}
	for i, n := range nodes {
		b.Nodes[i].CreatedAt, b.Nodes[i].Version = n.CreatedAt, n.Version
		s.log.append(hub.Change{Op: hub.ChangeUpsert, Row: hub.RowNode, ID: n.ID, At: n.UpdatedAt, Version: n.Version, Node: n})
	}
	for i, r := range rels {
		b.Relationships[i].CreatedAt, b.Relationships[i].Version = r.CreatedAt, r.Version
		s.log.append(hub.Change{Op: hub.ChangeUpsert, Row: hub.RowRelationship, ID: r.ID, At: r.UpdatedAt, Version: r.Version, Relationship: r})
	}
	if n := len(s.log.changes); n > 0 && len(nodes)+len(rels) > 0 {
		s.log.changes[n-1].Last = true
	}
	s.log.notify()
	return nil
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
