package index

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/otehub/hub"
)

// Index is the whole network in memory, indexed for every read the API
// makes: by id and key, relationships by type, adjacency by direction
// and type, and nodes in name order per kind, type and region. It is safe for concurrent use.
// Reads return the values it holds, uncopied (hub.Reader's values are
// read-only); applying a change stores new values instead of changing
// old ones.
type Index struct {
	mu    sync.RWMutex
	nodes map[string]*hub.Node
	rels  map[string]*hub.Relationship
	// out and in index relationships by their from- and to-node; they
	// hold the values themselves, so that following a node's
	// relationships needs no lookup per relationship.
	out map[string][]edge
	in  map[string][]edge
	// byType holds the relationships of each type (fixed for an id: it
	// is part of what the id derives from); byKey the node of each
	// external key.
	byType map[hub.RelationshipType]*set[*hub.Relationship]
	byKey  map[kindKey]*hub.Node
	// merged maps the id of a node merged into another to the id of
	// the node kept (hub.Node.MergedIDs), so that old ids resolve.
	merged map[string]string

	// byName holds, per facet (a kind, or a kind with a type or a
	// region or both), its nodes in NAME order (sort name, then id),
	// the default order of every list: a page of a filter on kinds,
	// types and regions is read from the front of a few lists and
	// counted from their lengths, and any other node filter reads the
	// shortest lists that hold its candidates.
	byName map[facet][]*hub.Node

	// docs holds, per kind, each node with its texts analysed for
	// search (see SearchDocs).
	docs map[hub.Kind]map[string]searchDoc

	// loading defers deriving regions to the end of a full load (see
	// deriveAll): derived per row, a popular service would be derived
	// and re-indexed once per provider.
	loading bool
}

var _ hub.Reader = (*Index)(nil)

// New returns an empty index.
func New() *Index {
	return &Index{
		nodes:  map[string]*hub.Node{},
		rels:   map[string]*hub.Relationship{},
		out:    map[string][]edge{},
		in:     map[string][]edge{},
		byType: map[hub.RelationshipType]*set[*hub.Relationship]{},
		byKey:  map[kindKey]*hub.Node{},
		merged: map[string]string{},
		byName: map[facet][]*hub.Node{},
		docs:   map[hub.Kind]map[string]searchDoc{},
	}
}

// Size returns how many nodes and relationships the index holds.
func (s *Index) Size() (nodes, relationships int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.nodes), len(s.rels)
}

// Apply applies committed changes in order. A row is replaced only by a
// newer version of it (see newer), so that a change delivered twice, or
// delivered after a load that already held it, changes nothing. RESET
// changes are not the index's to apply: the follower reloads instead.
func (s *Index) Apply(changes ...hub.Change) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range changes {
		ch := &changes[i]
		switch {
		case ch.Op == hub.ChangeUpsert && ch.Node != nil:
			s.putNode(ch.Node)
		case ch.Op == hub.ChangeUpsert && ch.Relationship != nil:
			s.putRelationship(ch.Relationship)
		case ch.Op == hub.ChangeDelete && ch.Row == hub.RowNode:
			s.deleteNode(ch.ID)
		case ch.Op == hub.ChangeDelete && ch.Row == hub.RowRelationship:
			s.deleteRelationship(ch.ID)
		}
	}
}

// newer reports whether a row at version v replaces one held at version
// held; a row without a version (0) is ordered by nothing and always
// replaces, and is always replaced.
func newer(v, held int64) bool { return v == 0 || held == 0 || v > held }

type kindKey struct {
	kind hub.Kind
	key  string
}

func (s *Index) putNode(n *hub.Node) {
	old, ok := s.nodes[n.ID]
	if ok && !newer(n.Version, old.Version) {
		return
	}
	if ok {
		s.unindexNode(old)
	}
	n = s.withDerived(n)
	s.nodes[n.ID] = n
	s.nameIndex(n)
	s.putDoc(n, hub.AnalyzeNode(n))
	s.byKey[kindKey{n.Kind, n.Key}] = n
	for _, id := range n.MergedIDs {
		s.merged[id] = n.ID
	}
	if !ok || !slices.Equal(old.RegionIDs, n.RegionIDs) {
		s.deriveProvided(n.ID)
	}
}

// withDerived returns n with the derived regions the index holds now:
// n itself when they are already its own, else a copy (a change's rows
// are read-only).
func (s *Index) withDerived(n *hub.Node) *hub.Node {
	if s.loading {
		return n
	}
	var derived []string
	if n.Kind == hub.KindService {
		derived = s.providerRegions(n)
	}
	if slices.Equal(derived, n.DerivedRegionIDs) {
		return n
	}
	c := *n
	c.DerivedRegionIDs = derived
	return &c
}

// providerRegions are the regions of service's providers (the
// from-nodes of its PROVIDES relationships, their own regions, as a
// provision's) that are not its own: sorted, nil when none.
func (s *Index) providerRegions(service *hub.Node) []string {
	var out []string
	for _, e := range s.in[service.ID] {
		if e.r.Type != hub.Provides {
			continue
		}
		if p, ok := s.nodes[e.r.FromID]; ok {
			for _, r := range p.RegionIDs {
				if !slices.Contains(service.RegionIDs, r) {
					out = append(out, r)
				}
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return uniq(out)
}

// derive recomputes the derived regions of the node id, when it is a
// service, and replaces it by a copy if they changed: the held value is
// read-only.
func (s *Index) derive(id string) {
	n, ok := s.nodes[id]
	if !ok {
		return
	}
	c := s.withDerived(n)
	if c == n {
		return
	}
	s.nameUnindex(n)
	s.nodes[id] = c
	s.nameIndex(c)
	s.byKey[kindKey{c.Kind, c.Key}] = c
	// The copy has the same texts.
	if d, ok := s.docs[c.Kind][id]; ok {
		s.putDoc(c, d.doc)
	}
}

// deriveAll ends a full load: it derives the regions of every node.
func (s *Index) deriveAll() {
	s.loading = false
	for id, n := range s.nodes {
		if n.Kind == hub.KindService || n.DerivedRegionIDs != nil {
			s.derive(id)
		}
	}
}

// deriveProvided recomputes the derived regions of what the node id
// provides, after its regions changed or it came or went.
func (s *Index) deriveProvided(id string) {
	if s.loading {
		return
	}
	for _, e := range s.out[id] {
		if e.r.Type == hub.Provides {
			s.derive(e.r.ToID)
		}
	}
}

func (s *Index) unindexNode(n *hub.Node) {
	s.nameUnindex(n)
	delete(s.byKey, kindKey{n.Kind, n.Key})
	for _, id := range n.MergedIDs {
		if s.merged[id] == n.ID {
			delete(s.merged, id)
		}
	}
}

func (s *Index) putRelationship(r *hub.Relationship) {
	old, ok := s.rels[r.ID]
	if ok && !newer(r.Version, old.Version) {
		return
	}
	if ok {
		s.unindex(old)
	}
	s.rels[r.ID] = r
	s.index(r)
	add(s.byType, r.Type, r.ID, r)
	if r.Type == hub.Provides && !s.loading {
		if ok && old.ToID != r.ToID {
			s.derive(old.ToID)
		}
		s.derive(r.ToID)
	}
}

func (s *Index) deleteNode(id string) {
	if n, ok := s.nodes[id]; ok {
		delete(s.nodes, id)
		delete(s.docs[n.Kind], id)
		s.unindexNode(n)
		s.deriveProvided(id)
	}
}

func (s *Index) deleteRelationship(id string) {
	if r, ok := s.rels[id]; ok {
		delete(s.rels, id)
		s.unindex(r)
		remove(s.byType, r.Type, id)
		if r.Type == hub.Provides {
			s.derive(r.ToID)
		}
	}
}

// uniq returns the distinct values of l, sorted.
func uniq[T cmp.Ordered](l []T) []T { return slices.Compact(slices.Sorted(slices.Values(l))) }

// set is an unordered set of rows with O(1) insertion, replacement and
// removal by id, that iterates as a slice.
type set[T any] struct {
	rows []T
	ids  []string
	pos  map[string]int
}

// add puts row under key in m, replacing the row of the same id.
func add[K comparable, T any](m map[K]*set[T], key K, id string, row T) {
	st := m[key]
	if st == nil {
		st = &set[T]{pos: map[string]int{}}
		m[key] = st
	}
	if i, ok := st.pos[id]; ok {
		st.rows[i] = row
		return
	}
	st.pos[id] = len(st.rows)
	st.rows = append(st.rows, row)
	st.ids = append(st.ids, id)
}

// remove takes the row of id out of the set under key in m.
func remove[K comparable, T any](m map[K]*set[T], key K, id string) {
	st := m[key]
	if st == nil {
		return
	}
	i, ok := st.pos[id]
	if !ok {
		return
	}
	last := len(st.rows) - 1
	st.rows[i], st.ids[i] = st.rows[last], st.ids[last]
	st.pos[st.ids[i]] = i
	var zero T
	st.rows[last] = zero
	st.rows, st.ids = st.rows[:last], st.ids[:last]
	delete(st.pos, id)
	if len(st.rows) == 0 {
		delete(m, key)
	}
}

// rowsOf returns the rows under key in m (nil when none).
func rowsOf[K comparable, T any](m map[K]*set[T], key K) []T {
	if st := m[key]; st != nil {
		return st.rows
	}
	return nil
}

// reflects reports whether the index holds the row of the revision at
// its version or newer, or, for a deletion, holds no older version of
// it.
func (s *Index) reflects(rev *hub.Revision) bool {
	var v int64
	if rev.Row == hub.RowNode {
		if n, ok := s.nodes[rev.ID]; ok {
			v = n.Version
		}
	} else if r, ok := s.rels[rev.ID]; ok {
		v = r.Version
	}
	if rev.Op.Gone() {
		return v == 0 || v > rev.Version
	}
	return v >= rev.Version
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
		panic("index: a typeSet holds at most 63 relationship types")
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

func (s *Index) index(r *hub.Relationship) {
	e := edge{r, typeCodes[r.Type]}
	s.out[r.FromID] = append(s.out[r.FromID], e)
	s.in[r.ToID] = append(s.in[r.ToID], e)
}

func (s *Index) unindex(r *hub.Relationship) {
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

// begin checks the context before a read.
func (s *Index) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return hub.Wrap(hub.EUNAVAILABLE, err, "request cancelled or timed out")
	}
	return nil
}

// NodesByID implements hub.Reader.
func (s *Index) NodesByID(ctx context.Context, ids []string) ([]*hub.Node, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	out := make([]*hub.Node, len(ids))
	for i, id := range ids {
		n, ok := s.nodes[id]
		if !ok {
			// A node merged into another resolves to the node kept.
			if keep, merged := s.merged[id]; merged {
				n = s.nodes[keep]
			}
		}
		out[i] = n
	}
	return out, nil
}

// FindNodes implements hub.Reader.
func (s *Index) FindNodes(ctx context.Context, f hub.NodeFilter, opts hub.ListOptions) ([]*hub.Node, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx); err != nil {
		return nil, false, err
	}
	if page, hasNext, ok := s.namePage(&f, opts); ok {
		return page, hasNext, nil
	}
	page, hasNext := hub.PageNodes(s.matchNodes(&f), opts)
	return page, hasNext, nil
}

// NodePage implements hub.Reader: the page and the total from one
// evaluation of f.
func (s *Index) NodePage(ctx context.Context, f hub.NodeFilter, opts hub.ListOptions) ([]*hub.Node, bool, int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx); err != nil {
		return nil, false, 0, err
	}
	if total, ok := s.nameCount(&f); ok {
		if page, hasNext, ok := s.namePage(&f, opts); ok {
			return page, hasNext, total, nil
		}
	}
	all := s.matchNodes(&f)
	page, hasNext := hub.PageNodes(all, opts)
	return page, hasNext, len(all), nil
}

// CountNodes implements hub.Reader.
func (s *Index) CountNodes(ctx context.Context, f hub.NodeFilter) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	if n, ok := s.nameCount(&f); ok {
		return n, nil
	}
	return len(s.matchNodes(&f)), nil
}

func (s *Index) matchNodes(f *hub.NodeFilter) []*hub.Node {
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
	kinds := f.Kinds
	if len(kinds) == 0 {
		kinds = hub.Kinds
	}
	kinds = uniq(kinds)
	// The candidate lists each filter field can give; the shortest are
	// read, and the whole filter checked on them. A node is in one list
	// of each field: one kind, one type, one key per kind; only several
	// regions can name it twice.
	var lists [][]*hub.Node
	size := 0
	for _, k := range kinds {
		l := s.byName[facet{kind: k}]
		lists, size = append(lists, l), size+len(l)
	}
	twice := false
	try := func(cand [][]*hub.Node, mayRepeat bool) {
		n := 0
		for _, l := range cand {
			n += len(l)
		}
		if n < size {
			lists, size, twice = cand, n, mayRepeat
		}
	}
	if len(f.Keys) > 0 {
		var cand [][]*hub.Node
		for _, k := range kinds {
			for _, key := range uniq(f.Keys) {
				if n := s.byKey[kindKey{k, key}]; n != nil {
					cand = append(cand, []*hub.Node{n})
				}
			}
		}
		try(cand, false)
	}
	if len(f.Types) > 0 {
		var cand [][]*hub.Node
		for _, k := range kinds {
			for _, t := range uniq(f.Types) {
				cand = append(cand, s.byName[facet{kind: k, typ: typeFacet(t)}])
			}
		}
		try(cand, false)
	}
	if len(f.RegionIDs) > 0 {
		var cand [][]*hub.Node
		regions := uniq(f.RegionIDs)
		for _, k := range kinds {
			for _, r := range regions {
				cand = append(cand, s.byName[facet{kind: k, region: regionFacet(r)}])
			}
		}
		try(cand, len(regions) > 1)
	}
	match := f.Matcher()
	var seen map[*hub.Node]bool
	if twice {
		seen = map[*hub.Node]bool{}
	}
	for _, l := range lists {
		for _, n := range l {
			if match(n) && (seen == nil || !seen[n]) {
				if seen != nil {
					seen[n] = true
				}
				out = append(out, n)
			}
		}
	}
	return out
}

// RelationshipsByID implements hub.Reader.
func (s *Index) RelationshipsByID(ctx context.Context, ids []string) ([]*hub.Relationship, error) {
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

// FindRelationships implements hub.Reader.
func (s *Index) FindRelationships(ctx context.Context, f hub.RelationshipFilter, opts hub.ListOptions) ([]*hub.Relationship, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx); err != nil {
		return nil, false, err
	}
	page, hasNext := hub.PageRelationships(s.matchRelationships(&f), opts)
	return page, hasNext, nil
}

// CountRelationships implements hub.Reader.
func (s *Index) CountRelationships(ctx context.Context, f hub.RelationshipFilter) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	return len(s.matchRelationships(&f)), nil
}

// matchRelationships uses the adjacency indexes when the filter names
// nodes, so that per-node lookups do not scan every relationship.
func (s *Index) matchRelationships(f *hub.RelationshipFilter) []*hub.Relationship {
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
			candidates = append(candidates, rowsOf(s.byType, t)...)
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
