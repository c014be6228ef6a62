package index

import (
	"errors"

	"github.com/otehub/hub"
)

// DefaultBuffer is how many writes a subscription holds for its reader
// when Subscribe is given no buffer size.
const DefaultBuffer = 256

// Reasons a subscription ends other than its own Close. Subscription.Err
// returns one of them (test with errors.Is).
var (
	// ErrOverflow ends a subscription whose reader fell behind by more
	// writes than its buffer holds: the next write could not be handed
	// to it without making the feed wait.
	ErrOverflow = errors.New("the subscriber fell behind by more writes than its buffer holds")
	// ErrResync ends every subscription when the index stops following
	// its change feed (the feed broke, or the database was dropped or
	// replaced) and so loads the network again in full: what changed in
	// between cannot be told write by write.
	ErrResync = errors.New("the change feed was interrupted and the network is loaded again in full")
	// ErrClosed ends every subscription when the Live index is closed.
	ErrClosed = errors.New("the index is closed")
)

// Write is one committed write as a Live index applied it.
type Write struct {
	// Changes are the write's changes in commit order, the last one
	// marked Last. They are shared by every subscription: read-only.
	Changes []hub.Change
	// Deleted holds, by id, each row a DELETE change of the write
	// removed, as the index held it before (a DELETE carries no row);
	// nil when the write deleted nothing the index held. Node or
	// Relationship is set.
	Deleted map[string]Row
}

// Row is a node or a relationship.
type Row struct {
	Node         *hub.Node
	Relationship *hub.Relationship
}

// Subscription receives the writes a Live index applies, each as the
// changes of one committed write (a batch) in commit order, after the
// index holds them: a reader that reads a row after receiving a write
// reads that version of it or a newer one. The feed never waits for a
// subscription: one whose buffer is full when a write arrives ends with
// ErrOverflow.
type Subscription struct {
	l *Live
	// writes is closed when the subscription ends; its buffered writes
	// can still be read after that, and then err says why it ended.
	writes chan Write
	// err is set (under l.subMu) before writes is closed.
	err error
}

// Subscribe returns a subscription to the writes the index applies from
// now on, holding at most buffer writes its reader has not taken yet
// (DefaultBuffer when buffer <= 0). Before the first load it fails with
// EUNAVAILABLE. Close it when done.
func (l *Live) Subscribe(buffer int) (*Subscription, error) {
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	l.subMu.Lock()
	defer l.subMu.Unlock()
	if l.subsEnded != nil {
		return nil, hub.Wrap(hub.EUNAVAILABLE, ErrClosed, "the hub is shutting down")
	}
	if l.cur.Load() == nil {
		return nil, hub.Errorf(hub.EUNAVAILABLE, "the network is still loading")
	}
	s := &Subscription{l: l, writes: make(chan Write, buffer)}
	if l.subs == nil {
		l.subs = map[*Subscription]struct{}{}
	}
	l.subs[s] = struct{}{}
	return s, nil
}

// Writes delivers the changes of each committed write, in commit order.
// It is closed when the subscription ends; the writes buffered before
// the end are delivered first.
func (s *Subscription) Writes() <-chan Write { return s.writes }

// Err says why the subscription ended, once Writes is closed:
// ErrOverflow, ErrResync or ErrClosed, or nil after Close.
func (s *Subscription) Err() error {
	s.l.subMu.Lock()
	defer s.l.subMu.Unlock()
	return s.err
}

// Close ends the subscription. It is safe to call more than once and
// after the subscription has ended by itself.
func (s *Subscription) Close() {
	s.l.subMu.Lock()
	defer s.l.subMu.Unlock()
	s.l.endLocked(s, nil)
}

// Subscribers reports how many subscriptions are open.
func (l *Live) Subscribers() int {
	l.subMu.Lock()
	defer l.subMu.Unlock()
	return len(l.subs)
}

// endLocked ends s with err, unless it has ended already; callers hold
// l.subMu.
func (l *Live) endLocked(s *Subscription, err error) {
	if _, ok := l.subs[s]; !ok {
		return
	}
	delete(l.subs, s)
	s.err = err
	close(s.writes)
}

// publish hands a write the index has applied to every subscription,
// without waiting: a subscription whose buffer is full ends with
// ErrOverflow. The write is shared by every subscription and must not
// change afterwards.
func (l *Live) publish(write Write) {
	l.subMu.Lock()
	defer l.subMu.Unlock()
	for s := range l.subs {
		select {
		case s.writes <- write:
		default:
			l.endLocked(s, ErrOverflow)
		}
	}
}

// hasSubscribers reports whether any subscription is open.
func (l *Live) hasSubscribers() bool {
	l.subMu.Lock()
	defer l.subMu.Unlock()
	return len(l.subs) > 0
}

// endSubscriptions ends every open subscription with err; with
// ErrClosed it also refuses new ones.
func (l *Live) endSubscriptions(err error) {
	l.subMu.Lock()
	defer l.subMu.Unlock()
	for s := range l.subs {
		l.endLocked(s, err)
	}
	if errors.Is(err, ErrClosed) {
		l.subsEnded = err
	}
}

// deletedRows returns the rows that the DELETE changes of a write
// remove, as idx holds them before the write is applied.
func deletedRows(idx *Index, changes []hub.Change) map[string]Row {
	var out map[string]Row
	idx.mu.RLock()
	defer idx.mu.RUnlock()
	for _, ch := range changes {
		if ch.Op != hub.ChangeDelete {
			continue
		}
		var r Row
		switch ch.Row {
		case hub.RowNode:
			r.Node = idx.nodes[ch.ID]
		case hub.RowRelationship:
			r.Relationship = idx.rels[ch.ID]
		}
		if r.Node == nil && r.Relationship == nil {
			continue
		}
		if out == nil {
			out = map[string]Row{}
		}
		out[ch.ID] = r
	}
	return out
}
