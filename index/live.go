package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otehub/hub"
)

// Options configure a Live index.
type Options struct {
	// Logger receives reloads (WARN), feed failures and recoveries.
	Logger *slog.Logger
	// RetryDelay is the wait between attempts to load or to reopen a
	// broken feed (default 1s).
	RetryDelay time.Duration
}

// Status is how current a Live index is.
type Status struct {
	// Loaded is set once the first full load has completed.
	Loaded bool
	// LoadedAt is when the last full load completed, LoadDuration how
	// long it took, Loads how many have completed.
	LoadedAt     time.Time
	LoadDuration time.Duration
	Loads        int
	// Nodes and Relationships are the index's size.
	Nodes, Relationships int
	// LastChange is the commit time of the newest applied change (zero
	// before the first); AppliedAt is when it was applied.
	LastChange time.Time
	AppliedAt  time.Time
	// Changes counts the changes applied from the change feed since
	// the index started (full loads not included).
	Changes int64
	// Version grows by two with each write applied and each full load,
	// by one before the index changes and by one once it has: it is odd
	// while the index is changing. Reads between two looks at the same
	// even Version read the same network (entity tags are made from it).
	Version uint64
	// Stale is set while the change feed is broken (or the store cannot
	// be loaded): the index serves what it last knew. Since says from
	// when, Reason why.
	Stale  bool
	Since  time.Time
	Reason string
	// Replaced is set while the store's database is not the one the
	// index was loaded from (hub.ErrStoreReplaced: restarted without
	// its data, or replaced): the index serves what it last knew, and
	// writes are refused, until the data is back.
	Replaced bool
}

// Live is an Index filled from a store and kept current by its change
// feed. It implements hub.Network: reads from memory, writes through the
// store, acknowledged once the index holds them. Subscribe hands the
// writes it applies to subscribers (live updates).
type Live struct {
	store hub.Store
	log   *slog.Logger
	retry time.Duration

	cur atomic.Pointer[Index]

	mu     sync.Mutex
	wake   chan struct{} // closed and replaced whenever the index changes
	status Status

	// subMu guards the subscriptions (subscribe.go); subsEnded is set
	// once Close has ended them all.
	subMu     sync.Mutex
	subs      map[*Subscription]struct{}
	subsEnded error

	// recorded caches the networks as recorded at past times
	// (recorded.go).
	recorded recorded

	cancel context.CancelFunc
	done   chan struct{}
}

var _ hub.Network = (*Live)(nil)

// Follow starts following store: it loads the network in the background
// (retrying while the store is unavailable) and then applies the change
// feed. Reads fail with EUNAVAILABLE until the first load completes;
// WaitLoaded waits for it. Close stops following.
func Follow(store hub.Store, opts Options) *Live {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &Live{store: store, log: opts.Logger, retry: opts.RetryDelay, wake: make(chan struct{}), cancel: cancel, done: make(chan struct{})}
	go l.run(ctx)
	return l
}

// Open follows store and waits until its network is loaded.
func Open(ctx context.Context, store hub.Store, opts Options) (*Live, error) {
	l := Follow(store, opts)
	if err := l.WaitLoaded(ctx); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// WaitLoaded waits until the first load has completed or ctx ends.
func (l *Live) WaitLoaded(ctx context.Context) error {
	for {
		l.mu.Lock()
		loaded, wake, reason := l.status.Loaded, l.wake, l.status.Reason
		l.mu.Unlock()
		if loaded {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			if reason != "" {
				return hub.Errorf(hub.EUNAVAILABLE, "the network is not loaded: %s", reason)
			}
			return hub.Wrap(hub.EUNAVAILABLE, ctx.Err(), "the network is not loaded yet")
		}
	}
}

// Status reports how current the index is.
func (l *Live) Status() Status {
	l.mu.Lock()
	s := l.status
	l.mu.Unlock()
	if idx := l.cur.Load(); idx != nil {
		s.Nodes, s.Relationships = idx.Size()
	}
	return s
}

// Close stops following the store and ends every subscription with
// ErrClosed. It does not close the store.
func (l *Live) Close() error {
	l.cancel()
	<-l.done
	l.endSubscriptions(ErrClosed)
	return nil
}

// notify wakes every waiter; callers hold l.mu.
func (l *Live) notify() {
	close(l.wake)
	l.wake = make(chan struct{})
}

func (l *Live) setStale(reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.status.Stale {
		l.status.Stale, l.status.Since = true, time.Now()
	}
	l.status.Reason = reason
	l.notify()
}

func (l *Live) setFresh() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.status.Stale && l.status.Loaded {
		l.log.Info("change feed restored", "stale_for", time.Since(l.status.Since).Round(time.Millisecond))
	}
	l.status.Stale, l.status.Since, l.status.Reason, l.status.Replaced = false, time.Time{}, "", false
}

// run loads and follows until ctx ends. Every time the feed opens, the
// network is loaded in full: after a broken feed the database may be
// another one (restored from a backup, or restarted without its data),
// which no resume token can tell, and a load of the whole network takes
// seconds. The previous index serves until the new one is complete.
func (l *Live) run(ctx context.Context) {
	defer close(l.done)
	var (
		feed hub.ChangeStream
		// pending holds the changes of a write until its last one.
		pending []hub.Change
	)
	defer func() {
		if feed != nil {
			feed.Close()
		}
	}()
	pause := func() bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(l.retry):
			return true
		}
	}
	for ctx.Err() == nil {
		if feed == nil {
			// A write not seen whole on the old feed comes again whole in
			// the load or on the new feed.
			pending = nil
			var err error
			// The feed opens before the load, so that no change committed
			// during the load is missed; replays of rows the load already
			// read change nothing.
			if feed, err = l.store.Watch(ctx, ""); err == nil {
				err = l.reload(ctx)
			}
			if err != nil {
				if feed != nil {
					feed.Close()
					feed = nil
				}
				if ctx.Err() != nil {
					return
				}
				l.feedFailed(err)
				if !pause() {
					return
				}
				continue
			}
			l.setFresh()
		}
		ch, err := feed.Next(ctx)
		if err != nil {
			feed.Close()
			feed = nil
			if ctx.Err() != nil {
				return
			}
			// The writes missed until the feed is back come in a full
			// load, not write by write: subscribers must read again.
			l.endSubscriptions(ErrResync)
			l.feedFailed(err)
			if !pause() {
				return
			}
			continue
		}
		if ch.Op == hub.ChangeReset {
			l.log.Warn("the database was dropped or replaced; loading the network again")
			feed.Close()
			feed = nil
			l.endSubscriptions(ErrResync)
			continue
		}
		if pending = append(pending, ch); !ch.Last {
			continue
		}
		idx := l.cur.Load()
		subscribed := l.hasSubscribers()
		var deleted map[string]Row
		if subscribed {
			deleted = deletedRows(idx, pending)
		}
		l.changing()
		idx.Apply(pending...)
		l.mu.Lock()
		l.status.LastChange, l.status.AppliedAt = ch.At, time.Now()
		l.status.Changes += int64(len(pending))
		l.status.Version++
		l.notify()
		l.mu.Unlock()
		// Published once applied, so that a subscriber reading a row
		// after the event reads at least this version of it. The write
		// is handed out, so the next one gets a new slice.
		if subscribed {
			l.publish(Write{Changes: pending, Deleted: deleted})
			pending = nil
		} else {
			pending = pending[:0]
		}
	}
}

// changing makes Status.Version odd before the index changes.
func (l *Live) changing() {
	l.mu.Lock()
	l.status.Version++
	l.mu.Unlock()
}

func (l *Live) feedFailed(err error) {
	replaced := errors.Is(err, hub.ErrStoreReplaced)
	l.mu.Lock()
	was, wasReplaced, loaded := l.status.Stale, l.status.Replaced, l.status.Loaded
	l.status.Replaced = replaced
	l.mu.Unlock()
	switch {
	case replaced && !wasReplaced && loaded:
		// Told whether or not the feed was broken already: a database
		// that went away and came back empty must not pass for one
		// still away.
		nodes, _ := l.cur.Load().Size()
		l.log.Error("the database is not the one this hub started on (restarted without its data, or replaced): "+
			"serving the network as last known and refusing writes; restore its data, or restart the hub to take the database as it is",
			"held_nodes", nodes, "error", hub.ErrorMessage(err))
	case was:
	case !loaded:
		l.log.Warn("the network cannot be loaded yet; retrying", "error", hub.ErrorMessage(err))
	default:
		l.log.Error("change feed broken; serving the network as last known", "error", hub.ErrorMessage(err))
	}
	l.setStale(hub.ErrorMessage(err))
}

// reload loads the whole network into a new index and swaps it in; the
// old one serves until then. A store that comes back empty while the
// index holds a network is refused: that is a database lost or replaced
// (restarted without its data), not a network whose rows were all
// deleted, and serving it would silently empty every answer.
func (l *Live) reload(ctx context.Context) error {
	start := time.Now()
	idx := New()
	idx.loading = true
	err := l.store.Load(ctx,
		func(n *hub.Node) error { idx.putNode(n); return nil },
		func(r *hub.Relationship) error { idx.putRelationship(r); return nil })
	if err != nil {
		return err
	}
	idx.deriveAll()
	nodes, rels := idx.Size()
	if old := l.cur.Load(); old != nil && nodes == 0 {
		if n, _ := old.Size(); n > 0 {
			return hub.Wrap(hub.EUNAVAILABLE, hub.ErrStoreReplaced, fmt.Sprintf("the store is empty while the hub holds %d nodes: writes are refused until its data is back", n))
		}
	}
	took := time.Since(start)
	l.changing()
	l.cur.Store(idx)
	// Subscribers from before the load, such as those that subscribed
	// while the feed was broken, cannot tell what the load changed.
	l.endSubscriptions(ErrResync)
	l.mu.Lock()
	first := !l.status.Loaded
	l.status.Loaded, l.status.LoadedAt, l.status.LoadDuration = true, time.Now(), took
	l.status.Loads++
	l.status.Version++
	l.notify()
	l.mu.Unlock()
	if first {
		l.log.Info("network loaded", "nodes", nodes, "relationships", rels, "took", took.Round(time.Millisecond))
	} else {
		l.log.Warn("network loaded again", "nodes", nodes, "relationships", rels, "took", took.Round(time.Millisecond))
	}
	return nil
}

// Apply writes b through the store and returns once this instance's
// index holds every row of it (at the version written or newer) and no
// longer holds the rows it deleted. If the index does not catch up
// before ctx ends, the write is stored but the call fails with
// EUNAVAILABLE. While the store's database is not the one the index
// was loaded from (Status.Replaced), every write fails with EUNAVAILABLE.
func (l *Live) Apply(ctx context.Context, b *hub.Batch) error {
	l.mu.Lock()
	replaced, reason := l.status.Replaced, l.status.Reason
	l.mu.Unlock()
	if replaced {
		// A write into the database that replaced the network's would
		// start another network beside the one served.
		return hub.Wrap(hub.EUNAVAILABLE, hub.ErrStoreReplaced, reason)
	}
	if err := l.store.Apply(ctx, b); err != nil {
		return err
	}
	held := 0 // b.Revisions[:held] are known to be in the index
	for {
		l.mu.Lock()
		wake := l.wake
		l.mu.Unlock()
		if idx := l.cur.Load(); idx != nil {
			idx.mu.RLock()
			for held < len(b.Revisions) && idx.reflects(&b.Revisions[held]) {
				held++
			}
			idx.mu.RUnlock()
		}
		if held == len(b.Revisions) {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return hub.Wrap(hub.EUNAVAILABLE, ctx.Err(), "the write is stored, but this instance has not applied it yet")
		}
	}
}

// History implements hub.Network: the history is read from the store.
func (l *Live) History(ctx context.Context, id string, before int64, first int) ([]hub.Revision, bool, error) {
	return l.store.History(ctx, id, before, first)
}

// index returns the current index, or EUNAVAILABLE before the first
// load.
func (l *Live) index(ctx context.Context) (*Index, error) {
	if idx := l.cur.Load(); idx != nil {
		return idx, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, hub.Wrap(hub.EUNAVAILABLE, err, "request cancelled or timed out")
	}
	return nil, hub.Errorf(hub.EUNAVAILABLE, "the network is still loading")
}

// NodesByID implements hub.Reader.
func (l *Live) NodesByID(ctx context.Context, ids []string) ([]*hub.Node, error) {
	idx, err := l.index(ctx)
	if err != nil {
		return nil, err
	}
	return idx.NodesByID(ctx, ids)
}

// FindNodes implements hub.Reader.
func (l *Live) FindNodes(ctx context.Context, f hub.NodeFilter, opts hub.ListOptions) ([]*hub.Node, bool, error) {
	idx, err := l.index(ctx)
	if err != nil {
		return nil, false, err
	}
	return idx.FindNodes(ctx, f, opts)
}

// NodePage implements hub.Reader.
func (l *Live) NodePage(ctx context.Context, f hub.NodeFilter, opts hub.ListOptions) ([]*hub.Node, bool, int, error) {
	idx, err := l.index(ctx)
	if err != nil {
		return nil, false, 0, err
	}
	return idx.NodePage(ctx, f, opts)
}

// CountNodes implements hub.Reader.
func (l *Live) CountNodes(ctx context.Context, f hub.NodeFilter) (int, error) {
	idx, err := l.index(ctx)
	if err != nil {
		return 0, err
	}
	return idx.CountNodes(ctx, f)
}

// RelationshipsByID implements hub.Reader.
func (l *Live) RelationshipsByID(ctx context.Context, ids []string) ([]*hub.Relationship, error) {
	idx, err := l.index(ctx)
	if err != nil {
		return nil, err
	}
	return idx.RelationshipsByID(ctx, ids)
}

// FindRelationships implements hub.Reader.
func (l *Live) FindRelationships(ctx context.Context, f hub.RelationshipFilter, opts hub.ListOptions) ([]*hub.Relationship, bool, error) {
	idx, err := l.index(ctx)
	if err != nil {
		return nil, false, err
	}
	return idx.FindRelationships(ctx, f, opts)
}

// CountRelationships implements hub.Reader.
func (l *Live) CountRelationships(ctx context.Context, f hub.RelationshipFilter) (int, error) {
	idx, err := l.index(ctx)
	if err != nil {
		return 0, err
	}
	return idx.CountRelationships(ctx, f)
}
