// Package embedded is the default storage backend: the whole network held
// in memory with adjacency indexes, persisted to a bbolt file that is
// written and fsynced before a write is acknowledged. It needs no server
// and is the reference implementation of the conformance suite.
package embedded

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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

// Store is the embedded store. It is safe for concurrent use. Reads
// return the values it holds, uncopied (hub.Store's values are
// read-only); a write stores new values instead of changing old ones.
type Store struct {
	db *bolt.DB

	mu     sync.RWMutex
	closed bool
	nodes  map[string]*hub.Node
	rels   map[string]*hub.Relationship
	// out and in index relationships by their from- and to-node; they
	// hold the values themselves, so that following a node's
	// relationships needs no lookup per relationship.
	out map[string][]edge
	in  map[string][]edge
	// byKind and byType list node and relationship ids per kind and
	// type (fixed for an id: both are part of what the id derives from),
	// so that filters on them do not scan everything.
	byKind map[hub.Kind][]string
	byType map[hub.RelationshipType][]string
	log    *changeLog

	// byName caches a kind's nodes in NAME order (sort name, then id),
	// the default order of every list: a first page then needs no sort
	// of the whole kind. Readers fill it under nameMu; a write of a node
	// of the kind drops it.
	nameMu sync.Mutex
	byName map[hub.Kind][]*hub.Node
}

var _ hub.Store = (*Store)(nil)

// Open opens (creating if needed) the store in directory dir and loads it
// into memory.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// The timeout turns a second hub on the same directory into a clear
	// error instead of a hang on the file lock.
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("open %s: another process holds the database", filepath.Join(dir, FileName))
		}
		return nil, fmt.Errorf("open %s: %w", filepath.Join(dir, FileName), err)
	}
	s := &Store{
		db:     db,
		nodes:  map[string]*hub.Node{},
		rels:   map[string]*hub.Relationship{},
		out:    map[string][]edge{},
		in:     map[string][]edge{},
		byKind: map[hub.Kind][]string{},
		byType: map[hub.RelationshipType][]string{},
		log:    newChangeLog(),
		byName: map[hub.Kind][]*hub.Node{},
	}
	if err := s.load(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) load() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		nb, err := tx.CreateBucketIfNotExists(nodesBucket)
		if err != nil {
			return err
		}
		rb, err := tx.CreateBucketIfNotExists(relationshipsBucket)
		if err != nil {
			return err
		}
		if err := nb.ForEach(func(k, v []byte) error {
			var n hub.Node
			if err := json.Unmarshal(v, &n); err != nil {
				return fmt.Errorf("decode node %s: %w", k, err)
			}
			s.nodes[n.ID] = &n
			s.byKind[n.Kind] = append(s.byKind[n.Kind], n.ID)
			return nil
		}); err != nil {
			return err
		}
		return rb.ForEach(func(k, v []byte) error {
			var r hub.Relationship
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode relationship %s: %w", k, err)
			}
			s.rels[r.ID] = &r
			s.index(&r)
			s.byType[r.Type] = append(s.byType[r.Type], r.ID)
			return nil
		})
	})
}

// edge is an adjacency entry: a relationship and its type's code, so
// that a type filter is checked in the adjacency list itself, without
// following a pointer per relationship to its (scattered) value.
type edge struct {
	r    *hub.Relationship
	code typeCode
}

// typeCode numbers the relationship types (0 for an unknown one).
type typeCode uint8

// typeSet is a set of type codes.
type typeSet uint64

var typeCodes = func() map[hub.RelationshipType]typeCode {
	if len(hub.RelationshipTypes) >= 64 {
		panic("embedded: a typeSet holds at most 63 relationship types")
	}
	codes := make(map[hub.RelationshipType]typeCode, len(hub.RelationshipTypes))
	for i, t := range hub.RelationshipTypes {
		codes[t] = typeCode(i + 1)
	}
	return codes
}()

// typesOf is the set of the types' codes; unknown types are left out, as
// no relationship has one.
func typesOf(types []hub.RelationshipType) typeSet {
	var set typeSet
	for _, t := range types {
		if c, ok := typeCodes[t]; ok {
			set |= 1 << c
		}
	}
	return set
}

func (s *Store) index(r *hub.Relationship) {
	e := edge{r, typeCodes[r.Type]}
	s.out[r.FromID] = append(s.out[r.FromID], e)
	s.in[r.ToID] = append(s.in[r.ToID], e)
}

func (s *Store) unindex(r *hub.Relationship) {
	same := func(x edge) bool { return x.r.ID == r.ID }
	s.out[r.FromID] = slices.DeleteFunc(s.out[r.FromID], same)
	s.in[r.ToID] = slices.DeleteFunc(s.in[r.ToID], same)
}

// countEdges counts the edges whose type is in types (any when all is
// set), for sizing: it reads only the entries' codes.
func countEdges(edges []edge, all bool, types typeSet) int {
	if all {
		return len(edges)
	}
	n := 0
	for _, e := range edges {
		if types&(1<<e.code) != 0 {
			n++
		}
	}
	return n
}

// appendEdges appends the relationships of edges whose type is in types
// (any type when all is set) and for which keep holds (when it is set).
func appendEdges(out []*hub.Relationship, edges []edge, all bool, types typeSet, keep func(*hub.Relationship) bool) []*hub.Relationship {
	for _, e := range edges {
		if (all || types&(1<<e.code) != 0) && (keep == nil || keep(e.r)) {
			out = append(out, e.r)
		}
	}
	return out
}

// begin checks the context and the store state before a read.
func (s *Store) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return hub.Wrap(hub.EUNAVAILABLE, err, "request cancelled or timed out")
	}
	if s.closed {
		return hub.Errorf(hub.EUNAVAILABLE, "store is closed")
	}
	return nil
}

// NodesByID implements hub.Store.
func (s *Store) NodesByID(ctx context.Context, ids []string) ([]*hub.Node, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	out := make([]*hub.Node, len(ids))
	for i, id := range ids {
		out[i] = s.nodes[id]
	}
	return out, nil
}

// FindNodes implements hub.Store.
func (s *Store) FindNodes(ctx context.Context, f hub.NodeFilter, opts hub.ListOptions) ([]*hub.Node, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx); err != nil {
		return nil, false, err
	}
	if page, hasNext, ok := s.firstPageByName(&f, opts); ok {
		return page, hasNext, nil
	}
	page, hasNext := hub.PageNodes(s.matchNodes(&f), opts)
	return page, hasNext, nil
}

// firstPageByName answers the first page (or all rows) of one kind in
// NAME order from the byName cache, which holds the reference order of
// hub.PageNodes; ok is false for any other request.
func (s *Store) firstPageByName(f *hub.NodeFilter, opts hub.ListOptions) (page []*hub.Node, hasNext, ok bool) {
	byName := []hub.Order{{Field: hub.OrderByName}}
	if len(f.Kinds) != 1 || !f.KindsOnly() || opts.After != nil || opts.Reverse || !slices.Equal(opts.OrderBy, byName) {
		return nil, false, false
	}
	s.nameMu.Lock()
	sorted, cached := s.byName[f.Kinds[0]]
	if !cached {
		// The reference order, computed once for the kind.
		sorted, _ = hub.PageNodes(s.matchNodes(f), hub.ListOptions{OrderBy: byName, First: hub.Unlimited})
		s.byName[f.Kinds[0]] = sorted
	}
	s.nameMu.Unlock()
	n := len(sorted)
	if opts.First != hub.Unlimited {
		n = min(opts.First, n)
	}
	return slices.Clone(sorted[:n]), len(sorted) > n, true
}

// CountNodes implements hub.Store.
func (s *Store) CountNodes(ctx context.Context, f hub.NodeFilter) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	return len(s.matchNodes(&f)), nil
}

func (s *Store) matchNodes(f *hub.NodeFilter) []*hub.Node {
	var out []*hub.Node
	if len(f.IDs) > 0 {
		// Look the ids up instead of scanning; the rest of the filter is
		// checked per node without the (long) id list.
		rest := *f
		rest.IDs = nil
		match := rest.Matcher()
		seen := make(map[string]bool, len(f.IDs))
		for _, id := range f.IDs {
			if n, ok := s.nodes[id]; ok && !seen[id] && match(n) {
				seen[id] = true
				out = append(out, n)
			}
		}
		return out
	}
	match := f.Matcher()
	if len(f.Kinds) > 0 {
		for _, k := range slices.Compact(slices.Sorted(slices.Values(f.Kinds))) {
			for _, id := range s.byKind[k] {
				if n := s.nodes[id]; match(n) {
					out = append(out, n)
				}
			}
		}
		return out
	}
	for _, n := range s.nodes {
		if match(n) {
			out = append(out, n)
		}
	}
	return out
}

// RelationshipsByID implements hub.Store.
func (s *Store) RelationshipsByID(ctx context.Context, ids []string) ([]*hub.Relationship, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	out := make([]*hub.Relationship, len(ids))
	for i, id := range ids {
		out[i] = s.rels[id]
	}
	return out, nil
}

// FindRelationships implements hub.Store.
func (s *Store) FindRelationships(ctx context.Context, f hub.RelationshipFilter, opts hub.ListOptions) ([]*hub.Relationship, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx); err != nil {
		return nil, false, err
	}
	page, hasNext := hub.PageRelationships(s.matchRelationships(&f), opts)
	return page, hasNext, nil
}

// CountRelationships implements hub.Store.
func (s *Store) CountRelationships(ctx context.Context, f hub.RelationshipFilter) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	return len(s.matchRelationships(&f)), nil
}

// matchRelationships uses the adjacency indexes when the filter names
// nodes, so that per-node lookups do not scan every relationship.
func (s *Store) matchRelationships(f *hub.RelationshipFilter) []*hub.Relationship {
	uniq := func(ids []string) []string { return slices.Compact(slices.Sorted(slices.Values(ids))) }
	// Candidates come without repeats, so no set is needed to drop them:
	// input lists are deduplicated, and a relationship between two of
	// the named nodes is taken from its from-end only.
	var candidates []*hub.Relationship
	rest := *f
	// A type filter on an adjacency path is checked on the entries' codes.
	anyType, types := len(f.Types) == 0, typesOf(f.Types)
	switch {
	case len(f.IDs) > 0:
		for _, id := range uniq(f.IDs) {
			if r, ok := s.rels[id]; ok {
				candidates = append(candidates, r)
			}
		}
		rest.IDs = nil
	case len(f.NodeIDs) > 0:
		nodes := uniq(f.NodeIDs)
		named := make(map[string]bool, len(nodes))
		size := 0
		for _, id := range nodes {
			named[id] = true
			size += countEdges(s.out[id], anyType, types) + countEdges(s.in[id], anyType, types)
		}
		candidates = make([]*hub.Relationship, 0, size)
		var notNamed func(*hub.Relationship) bool
		if f.Direction != hub.In {
			notNamed = func(r *hub.Relationship) bool { return !named[r.FromID] }
		}
		for _, id := range nodes {
			if f.Direction != hub.In {
				candidates = appendEdges(candidates, s.out[id], anyType, types, nil)
			}
			if f.Direction != hub.Out {
				candidates = appendEdges(candidates, s.in[id], anyType, types, notNamed)
			}
		}
		// Every candidate touches a named node in the asked direction
		// and has one of the types.
		rest.NodeIDs, rest.Direction, rest.Types = nil, "", nil
	case len(f.FromIDs) > 0:
		for _, id := range uniq(f.FromIDs) {
			candidates = appendEdges(candidates, s.out[id], anyType, types, nil)
		}
		rest.FromIDs, rest.Types = nil, nil
	case len(f.ToIDs) > 0:
		for _, id := range uniq(f.ToIDs) {
			candidates = appendEdges(candidates, s.in[id], anyType, types, nil)
		}
		rest.ToIDs, rest.Types = nil, nil
	case len(f.Types) > 0:
		for _, t := range slices.Compact(slices.Sorted(slices.Values(f.Types))) {
			for _, id := range s.byType[t] {
				candidates = append(candidates, s.rels[id])
			}
		}
		rest.Types = nil
	default:
		match := f.Matcher()
		out := make([]*hub.Relationship, 0, len(s.rels))
		for _, r := range s.rels {
			if match(r) {
				out = append(out, r)
			}
		}
		return out
	}
	// The candidates' own condition is met; the rest of the filter is
	// checked per relationship without its (possibly long) list.
	match := rest.Matcher()
	out := candidates[:0]
	for _, r := range candidates {
		if match(r) {
			out = append(out, r)
		}
	}
	return out
}

// Apply implements hub.Store. The bbolt transaction commits (and fsyncs)
// before the in-memory view changes, so an acknowledged write is on disk
// and a failed one is invisible.
func (s *Store) Apply(ctx context.Context, b *hub.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx); err != nil {
		return err
	}
	nodes := make([]*hub.Node, len(b.Nodes))
	for i, n := range b.Nodes {
		c := n.Clone()
		// Grams serve database indexes; the embedded store matches names
		// on SearchTerms, and not keeping them saves memory and copies.
		c.SearchGrams = nil
		if old, ok := s.nodes[c.ID]; ok {
			c.CreatedAt = old.CreatedAt
		}
		nodes[i] = c
	}
	rels := make([]*hub.Relationship, len(b.Relationships))
	for i, r := range b.Relationships {
		c := r.Clone()
		if old, ok := s.rels[c.ID]; ok {
			c.CreatedAt = old.CreatedAt
		}
		rels[i] = c
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		nb, rb := tx.Bucket(nodesBucket), tx.Bucket(relationshipsBucket)
		for _, n := range nodes {
			v, err := json.Marshal(n)
			if err != nil {
				return err
			}
			if err := nb.Put([]byte(n.ID), v); err != nil {
				return err
			}
		}
		for _, r := range rels {
			v, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := rb.Put([]byte(r.ID), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return hub.Wrap(hub.EINTERNAL, err, "write failed")
	}
	for _, n := range nodes {
		if _, ok := s.nodes[n.ID]; !ok {
			s.byKind[n.Kind] = append(s.byKind[n.Kind], n.ID)
		}
		delete(s.byName, n.Kind)
		s.nodes[n.ID] = n
		s.log.append(hub.ChangeUpsert, hub.RowNode, n.ID, n.UpdatedAt)
	}
	for _, r := range rels {
		if old, ok := s.rels[r.ID]; ok {
			s.unindex(old)
		} else {
			s.byType[r.Type] = append(s.byType[r.Type], r.ID)
		}
		s.rels[r.ID] = r
		s.index(r)
		s.log.append(hub.ChangeUpsert, hub.RowRelationship, r.ID, r.UpdatedAt)
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
