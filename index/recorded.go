package index

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/otehub/hub"
)

// The network as the hub recorded it at a past time (recorded time): the
// current rows with every revision recorded after that time undone,
// newest first (hub.UndoNode, hub.UndoRelationship). Rows that have no
// revision (written before the store kept a history) are taken as they
// are now.

// SnapshotCacheSize is how many snapshots a Live index keeps. Each holds
// its own copy of the index's maps and lists (the row values it shares
// with the current index, except the rows it undid): about the index's
// own overhead, a few hundred kilobytes on the OTE dataset and tens of
// megabytes on the 10k benchmark network (docs/performance.md).
const SnapshotCacheSize = 4

// snapshotSettle is how far back a time must lie for its snapshot to be
// cached: a write recorded just before it may still be committing, or on
// its way through the change feed, when the snapshot is built.
var snapshotSettle = time.Minute

// historyLookups bounds the concurrent history reads of one snapshot.
const historyLookups = 8

// historyFunc reads a row's revisions below a version, newest first
// (hub.Store.History).
type historyFunc func(ctx context.Context, id string, before int64, first int) ([]hub.Revision, bool, error)

// clone returns a copy of s that shares the row values (never changed in
// place) but none of the maps and lists, so that changing the copy leaves
// s alone. The caller holds s.mu.
func (s *Index) clone() *Index {
	c := &Index{
		nodes:  maps.Clone(s.nodes),
		rels:   maps.Clone(s.rels),
		out:    make(map[string][]edge, len(s.out)),
		in:     make(map[string][]edge, len(s.in)),
		byType: make(map[hub.RelationshipType]*set[*hub.Relationship], len(s.byType)),
		byKey:  maps.Clone(s.byKey),
		byName: make(map[facet][]*hub.Node, len(s.byName)),
		docs:   make(map[hub.Kind]map[string]searchDoc, len(s.docs)),
	}
	for k, m := range s.docs {
		c.docs[k] = maps.Clone(m)
	}
	for k, v := range s.out {
		c.out[k] = slices.Clone(v)
	}
	for k, v := range s.in {
		c.in[k] = slices.Clone(v)
	}
	for k, st := range s.byType {
		c.byType[k] = &set[*hub.Relationship]{rows: slices.Clone(st.rows), ids: slices.Clone(st.ids), pos: maps.Clone(st.pos)}
	}
	for k, v := range s.byName {
		c.byName[k] = slices.Clone(v)
	}
	return c
}

// undone is the state of one row after its revisions were undone.
type undone struct {
	id, row string
	node    *hub.Node
	rel     *hub.Relationship
	// present says whether the row exists at the recorded time;
	// restored that it was brought back from a deletion (its CreatedAt
	// is then not the current row's).
	present, restored bool
}

// undoRevisions returns a copy of s with revs undone. It copies s first
// and then undoes, per row, the revisions the copy reflects, newest
// first: a revision of a version newer than the row held (one committed
// after the copy was taken, or not yet applied) is left alone, so that
// revs may be read after the copy. history, when set, gives the restored
// rows their UpdatedAt (the time of the newest revision not undone) and
// the rows brought back from a deletion their CreatedAt.
func (s *Index) undoRevisions(ctx context.Context, snap *Index, revs []*hub.Revision, history historyFunc) (*Index, error) {
	byRow := map[string][]*hub.Revision{}
	for _, r := range revs {
		byRow[r.ID] = append(byRow[r.ID], r)
	}
	var rows []*undone
	for id, list := range byRow {
		if err := ctx.Err(); err != nil {
			return nil, hub.Wrap(hub.EUNAVAILABLE, err, "request cancelled or timed out")
		}
		slices.SortFunc(list, func(a, b *hub.Revision) int { return cmp.Compare(b.Version, a.Version) })
		u := &undone{id: id, row: list[0].Row}
		var version int64 // the held version; 0 while absent and unknown
		if u.row == hub.RowNode {
			u.node, u.present = snap.nodes[id]
			if u.present {
				version = u.node.Version
			}
		} else {
			u.rel, u.present = snap.rels[id]
			if u.present {
				version = u.rel.Version
			}
		}
		changed := false
		for _, rev := range list {
			reflected := false
			switch {
			case u.present:
				reflected = rev.Version == version && !rev.Op.Gone()
			case version == 0:
				// Absent, at a version not known: only a deletion can be
				// what the index reflects.
				reflected = rev.Op.Gone()
			default:
				// Absent since the undone creation of version+1: the
				// deletion before it took version.
				reflected = rev.Version == version && rev.Op.Gone()
			}
			if !reflected {
				// Not yet applied here, or recorded out of order with
				// the version the row holds (clocks of two instances):
				// the row stays as the index holds it.
				continue
			}
			var err error
			if u.row == hub.RowNode {
				u.node, err = hub.UndoNode(u.node, rev)
				u.present = u.node != nil
			} else {
				u.rel, err = hub.UndoRelationship(u.rel, rev)
				u.present = u.rel != nil
			}
			if err != nil {
				return nil, err
			}
			if rev.Op.Gone() {
				u.restored = true
			}
			version = rev.Version - 1
			changed = true
		}
		if changed {
			rows = append(rows, u)
		}
	}
	if history != nil {
		if err := restoreTimes(ctx, rows, history); err != nil {
			return nil, err
		}
	}
	for _, u := range rows {
		if u.row == hub.RowNode {
			snap.deleteNode(u.id)
			if u.present {
				snap.putNode(u.node)
			}
		} else {
			snap.deleteRelationship(u.id)
			if u.present {
				snap.putRelationship(u.rel)
			}
		}
	}
	return snap, nil
}

// restoreTimes sets UpdatedAt of the present undone rows to the time of
// the revision of their version, and CreatedAt of the rows brought back
// to that of their creation, reading the history of each row (a few at
// a time). A row whose history lacks them keeps what it has.
func restoreTimes(ctx context.Context, rows []*undone, history historyFunc) error {
	work := make(chan *undone)
	errs := make(chan error, historyLookups)
	var wg sync.WaitGroup
	for range historyLookups {
		wg.Go(func() {
			for u := range work {
				if err := restoreTime(ctx, u, history); err != nil {
					errs <- err
					for range work {
					}
					return
				}
			}
		})
	}
	for _, u := range rows {
		if u.present {
			work <- u
		}
	}
	close(work)
	wg.Wait()
	close(errs)
	return <-errs
}

func restoreTime(ctx context.Context, u *undone, history historyFunc) error {
	var version int64
	if u.node != nil {
		version = u.node.Version
	} else {
		version = u.rel.Version
	}
	first := 1
	if u.restored {
		first = hub.MaxPageSize
	}
	var updated, created time.Time
	for before := version + 1; before > 1; {
		revs, more, err := history(ctx, u.id, before, first)
		if err != nil {
			return err
		}
		for _, r := range revs {
			if r.Version == version {
				updated = r.At
			}
			if r.Op == hub.RevisionCreate {
				created = r.At
				more = false
				break
			}
		}
		if !u.restored || !more || len(revs) == 0 {
			break
		}
		before = revs[len(revs)-1].Version
	}
	set := func(c, up *time.Time) {
		if !updated.IsZero() {
			*up = updated
		}
		if u.restored && !created.IsZero() {
			*c = created
		}
	}
	if u.node != nil {
		set(&u.node.CreatedAt, &u.node.UpdatedAt)
	} else {
		set(&u.rel.CreatedAt, &u.rel.UpdatedAt)
	}
	return nil
}

// snapshot is a cached network as recorded at a time.
type snapshot struct {
	gen *Index // the current index it was built from: one per load
	at  time.Time
	idx *Index
}

// recorded holds a Live index's snapshots.
type recorded struct {
	// build serialises building, so that concurrent requests for one
	// time build it once and snapshots never pile up in memory.
	build sync.Mutex

	mu    sync.Mutex
	cache []snapshot // most recently used last
	// newest bounds the recorded times of the store's history, as the
	// last read of it found them, for the index of gen: with no change
	// applied since after a time at or after it, that time's network is
	// the current one.
	newest time.Time
	gen    *Index
}

// AsRecorded returns the network as this hub recorded it at t: the
// current network with every revision recorded after t undone, newest
// first (see hub.UndoNode). Rows that have no revision, written before
// the store kept a history, are taken as they are now, so before the
// first recorded write the network is empty but for them. A t in the
// future, or at or after the newest recorded write, is the current
// network itself. Versions go back with the undone writes, and
// UpdatedAt (and, for rows brought back from a deletion, CreatedAt) to
// the times the history gives.
//
// A past network does not change, so snapshots are cached, keyed by t
// at millisecond precision: the SnapshotCacheSize most recently used, of
// times more than a minute old (a write recorded just before a more
// recent time may not have reached this instance yet). Building one
// copies the index's maps and lists, reads the revisions recorded after
// t (Store.Revisions) and undoes them, and reads the history of each row
// it changes for its times. The snapshots of a network loaded again in
// full (after a broken change feed) are dropped.
func (l *Live) AsRecorded(ctx context.Context, t time.Time) (hub.Reader, error) {
	cur, err := l.index(ctx)
	if err != nil {
		return nil, err
	}
	t = t.UTC().Truncate(time.Millisecond)
	now := time.Now()
	if !t.Before(now) {
		return cur, nil
	}
	rc := &l.recorded
	if s := rc.lookup(cur, t, l.Status().LastChange); s != nil {
		return s, nil
	}
	rc.build.Lock()
	defer rc.build.Unlock()
	if s := rc.lookup(cur, t, l.Status().LastChange); s != nil {
		return s, nil
	}
	cur.mu.RLock()
	snap := cur.clone()
	cur.mu.RUnlock()
	var (
		revs   []*hub.Revision
		newest = t
	)
	err = l.store.Revisions(ctx, t, func(r *hub.Revision) error {
		revs = append(revs, r)
		if r.At.After(newest) {
			newest = r.At
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rc.mu.Lock()
	if rc.gen != cur || newest.Before(rc.newest) {
		rc.gen, rc.newest = cur, newest
	}
	rc.mu.Unlock()
	if len(revs) == 0 {
		return cur, nil
	}
	out, err := cur.undoRevisions(ctx, snap, revs, l.store.History)
	if err != nil {
		return nil, err
	}
	if now.Sub(t) > snapshotSettle && !l.Status().Stale {
		rc.add(snapshot{gen: cur, at: t, idx: out})
	}
	return out, nil
}

// lookup returns the cached network at t, or the current index cur when
// nothing was recorded after t, or nil.
func (rc *recorded) lookup(cur *Index, t, lastChange time.Time) *Index {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.gen == cur && !rc.newest.IsZero() && !t.Before(rc.newest) && !t.Before(lastChange) {
		return cur
	}
	for i, s := range rc.cache {
		if s.gen == cur && s.at.Equal(t) {
			rc.cache = append(slices.Delete(rc.cache, i, i+1), s)
			return s.idx
		}
	}
	return nil
}

func (rc *recorded) add(s snapshot) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.cache = slices.DeleteFunc(rc.cache, func(c snapshot) bool { return c.gen != s.gen })
	if len(rc.cache) >= SnapshotCacheSize {
		rc.cache = slices.Delete(rc.cache, 0, len(rc.cache)-SnapshotCacheSize+1)
	}
	rc.cache = append(rc.cache, s)
}

// Revisions implements hub.Store's Revisions for followers: it reads the
// store's history.
func (l *Live) Revisions(ctx context.Context, after time.Time, fn func(*hub.Revision) error) error {
	return l.store.Revisions(ctx, after, fn)
}
