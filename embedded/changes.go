package embedded

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/otehub/hub"
)

// changeLogSize is how many recent changes the in-process feed keeps at
// least for resuming (up to twice as many); a consumer that falls
// further behind must start over.
const changeLogSize = 10_000

// changeLog is the embedded store's change feed: in process only, since
// only one process opens the database. Tokens carry a per-open epoch, so
// a token from before a restart is refused instead of misread.
// Guarded by Store.mu.
type changeLog struct {
	epoch   string
	last    uint64       // sequence number of the newest change
	changes []hub.Change // the newest changes, oldest first
	first   uint64       // sequence number of changes[0]
	wake    chan struct{}
}

func newChangeLog() *changeLog {
	b := make([]byte, 6)
	rand.Read(b)
	return &changeLog{epoch: hex.EncodeToString(b), first: 1, wake: make(chan struct{})}
}

func (l *changeLog) append(ch hub.Change) {
	l.last++
	ch.Token = l.epoch + "." + strconv.FormatUint(l.last, 10)
	l.changes = append(l.changes, ch)
	// Trim in one go once the log holds twice its size, so that each
	// append costs O(1) amortised instead of a copy of the window.
	if len(l.changes) >= 2*changeLogSize {
		drop := len(l.changes) - changeLogSize
		l.changes = append(l.changes[:0:0], l.changes[drop:]...)
		l.first += uint64(drop)
	}
}

// notify wakes every waiting stream.
func (l *changeLog) notify() {
	close(l.wake)
	l.wake = make(chan struct{})
}

func (l *changeLog) parse(token string) (uint64, error) {
	epoch, seq, ok := strings.Cut(token, ".")
	n, err := strconv.ParseUint(seq, 10, 64)
	if !ok || err != nil || epoch != l.epoch {
		return 0, hub.Errorf(hub.EINVALID, "resume token %q is not from this store's current run; start a new feed", token)
	}
	if n+1 < l.first || n > l.last {
		return 0, hub.Errorf(hub.EINVALID, "resume token %q is too old to resume from; start a new feed", token)
	}
	return n, nil
}

// Watch implements hub.Store.
func (s *Store) Watch(ctx context.Context, resumeAfter string) (hub.ChangeStream, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	after := s.log.last
	if resumeAfter != "" {
		n, err := s.log.parse(resumeAfter)
		if err != nil {
			return nil, err
		}
		after = n
	}
	return &changeStream{s: s, after: after, done: make(chan struct{})}, nil
}

type changeStream struct {
	s     *Store
	after uint64
	done  chan struct{}
}

// Next implements hub.ChangeStream.
func (c *changeStream) Next(ctx context.Context) (hub.Change, error) {
	for {
		c.s.mu.RLock()
		l := c.s.log
		closed := c.s.closed
		if !closed && c.after >= l.first-1 && c.after < l.last {
			ch := l.changes[c.after+1-l.first]
			c.after++
			c.s.mu.RUnlock()
			return ch, nil
		}
		lost := c.after+1 < l.first
		wake := l.wake
		c.s.mu.RUnlock()
		switch {
		case closed:
			return hub.Change{}, hub.Errorf(hub.EUNAVAILABLE, "store is closed")
		case lost:
			return hub.Change{}, hub.Errorf(hub.EINVALID, "change feed fell more than %d changes behind; start a new feed", changeLogSize)
		}
		select {
		case <-wake:
		case <-c.done:
			return hub.Change{}, fmt.Errorf("change stream closed")
		case <-ctx.Done():
			return hub.Change{}, hub.Wrap(hub.EUNAVAILABLE, ctx.Err(), "change feed wait ended")
		}
	}
}

// Close implements hub.ChangeStream.
func (c *changeStream) Close() error {
	select {
	case <-c.done:
	default:
		close(c.done)
	}
	return nil
}

// Ping implements hub.Store: the embedded store serves until closed.
func (s *Store) Ping(ctx context.Context) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.begin(ctx)
}
