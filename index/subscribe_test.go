package index_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/index"
	"github.com/otehub/hub/storetest"
)

// mustSubscribe subscribes to l with a buffer of n writes and closes
// the subscription when the test ends.
func mustSubscribe(t *testing.T, l *index.Live, n int) *index.Subscription {
	t.Helper()
	s, err := l.Subscribe(n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// drain reads s until it ends, and returns the writes it delivered.
func drain(t *testing.T, s *index.Subscription) []index.Write {
	t.Helper()
	var got []index.Write
	timeout := time.After(10 * time.Second)
	for {
		select {
		case w, ok := <-s.Writes():
			if !ok {
				return got
			}
			got = append(got, w)
		case <-timeout:
			t.Fatalf("the subscription did not end within 10s (%d writes read)", len(got))
		}
	}
}

// next reads one write of s.
func next(t *testing.T, s *index.Subscription) index.Write {
	t.Helper()
	select {
	case w, ok := <-s.Writes():
		if !ok {
			t.Fatalf("the subscription ended: %v", s.Err())
		}
		return w
	case <-time.After(10 * time.Second):
		t.Fatal("no write within 10s")
	}
	return index.Write{}
}

func TestSubscriptions(t *testing.T) {
	t.Run("a subscriber gets every write whole, in commit order, once the index holds it", func(t *testing.T) {
		_, l := open(t)
		mustApply(t, l, storetest.Source())
		s := mustSubscribe(t, l, 0)
		// The writes are made by another goroutine, so that the
		// subscriber reads while they are applied.
		const writes = 40
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := range writes {
				// Every write holds two rows; the second write of a
				// key updates it.
				b := &hub.Batch{Nodes: []*hub.Node{storetest.Org(fmt.Sprintf("a%d", i/2)), storetest.Org(fmt.Sprintf("b%d", i/2))}}
				if err := hub.Prepare(t.Context(), l, b, time.Now()); err != nil {
					t.Error(err)
					return
				}
				if err := l.Apply(t.Context(), b); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		for i := range writes {
			w := next(t, s).Changes
			wantVersion := int64(i%2 + 1)
			if len(w) != 2 || !w[1].Last || w[0].Last {
				t.Fatalf("write %d: %d changes, Last %v; want the 2 rows of one write, the last marked", i, len(w), lastFlags(w))
			}
			for j, prefix := range []string{"a", "b"} {
				ch := w[j]
				wantID := hub.NodeID(hub.KindOrganisation, fmt.Sprintf("%s%d", prefix, i/2))
				if ch.ID != wantID || ch.Version != wantVersion || ch.Op != hub.ChangeUpsert || ch.Node == nil {
					t.Fatalf("write %d change %d: %s %s v%d, want UPSERT %s v%d with its row", i, j, ch.Op, ch.ID, ch.Version, wantID, wantVersion)
				}
				got, err := l.NodesByID(t.Context(), []string{ch.ID})
				if err != nil {
					t.Fatal(err)
				}
				if got[0] == nil || got[0].Version < ch.Version {
					t.Fatalf("write %d: the index does not hold %s v%d when the event arrives", i, ch.ID, ch.Version)
				}
			}
		}
		<-done
	})

	t.Run("a subscriber that falls behind ends with ErrOverflow and holds up neither writers nor others", func(t *testing.T) {
		_, l := open(t)
		mustApply(t, l, storetest.Source())
		const buffer, writes = 4, 30
		slow := mustSubscribe(t, l, buffer) // never read until the end
		fast := mustSubscribe(t, l, buffer)
		read := make(chan int)
		go func() {
			n := 0
			for range fast.Writes() {
				n++
				if n == writes {
					break
				}
			}
			read <- n
		}()
		start := time.Now()
		for i := range writes {
			// Apply returns once the index holds the write: a feed that
			// waited for the slow subscriber would never get there.
			mustApply(t, l, storetest.Org(fmt.Sprintf("o%d", i)))
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("%d writes took %v", writes, took)
		}
		select {
		case n := <-read:
			if n != writes {
				t.Errorf("the reading subscriber got %d writes, want %d", n, writes)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the reading subscriber did not get every write")
		}
		got := drain(t, slow)
		if len(got) != buffer {
			t.Errorf("the slow subscriber got %d writes before its end, want its buffer's %d", len(got), buffer)
		}
		for i, w := range got {
			if want := hub.NodeID(hub.KindOrganisation, fmt.Sprintf("o%d", i)); w.Changes[0].ID != want {
				t.Errorf("the slow subscriber's write %d is %s, want %s: the writes before the overflow, in order", i, w.Changes[0].ID, want)
			}
		}
		if !errors.Is(slow.Err(), index.ErrOverflow) {
			t.Errorf("the slow subscriber ended with %v, want ErrOverflow", slow.Err())
		}
		if fast.Err() != nil {
			t.Errorf("the reading subscriber ended: %v", fast.Err())
		}
	})

	t.Run("a broken feed ends every subscription with ErrResync; later ones follow the reloaded index", func(t *testing.T) {
		f, l := open(t)
		mustApply(t, l, storetest.Source())
		s1 := mustSubscribe(t, l, 0)
		s2 := mustSubscribe(t, l, 0)
		f.broken.Store(true)
		for _, s := range []*index.Subscription{s1, s2} {
			drain(t, s)
			if !errors.Is(s.Err(), index.ErrResync) {
				t.Errorf("ended with %v, want ErrResync", s.Err())
			}
		}
		// Subscribed while the feed is broken: the reload ends it too,
		// since what the load brings back is not told write by write.
		during := mustSubscribe(t, l, 0)
		f.broken.Store(false)
		drain(t, during)
		if !errors.Is(during.Err(), index.ErrResync) {
			t.Errorf("a subscription made while the feed was broken ended with %v, want ErrResync", during.Err())
		}
		waitUntil(t, "fresh again", func() bool { return !l.Status().Stale })
		after := mustSubscribe(t, l, 0)
		mustApply(t, l, storetest.Org("later"))
		if w := next(t, after); w.Changes[0].ID != hub.NodeID(hub.KindOrganisation, "later") {
			t.Errorf("after the reload a subscriber got %s", w.Changes[0].ID)
		}
	})

	t.Run("Close ends every subscription with ErrClosed and refuses new ones", func(t *testing.T) {
		_, l := open(t)
		s := mustSubscribe(t, l, 0)
		l.Close()
		drain(t, s)
		if !errors.Is(s.Err(), index.ErrClosed) {
			t.Errorf("ended with %v, want ErrClosed", s.Err())
		}
		if _, err := l.Subscribe(0); hub.ErrorCode(err) != hub.EUNAVAILABLE {
			t.Errorf("Subscribe after Close: %v, want EUNAVAILABLE", err)
		}
	})

	t.Run("a subscription closed by its reader ends without an error and is forgotten", func(t *testing.T) {
		_, l := open(t)
		s := mustSubscribe(t, l, 0)
		if n := l.Subscribers(); n != 1 {
			t.Fatalf("%d subscribers, want 1", n)
		}
		s.Close()
		s.Close()
		drain(t, s)
		if s.Err() != nil || l.Subscribers() != 0 {
			t.Errorf("after Close: err %v, %d subscribers", s.Err(), l.Subscribers())
		}
		mustApply(t, l, storetest.Source())
	})

	t.Run("Subscribe fails with EUNAVAILABLE before the first load", func(t *testing.T) {
		s, err := embedded.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		f := &flaky{Store: s}
		f.broken.Store(true)
		l := index.Follow(f, index.Options{RetryDelay: 10 * time.Millisecond})
		defer l.Close()
		if _, err := l.Subscribe(0); hub.ErrorCode(err) != hub.EUNAVAILABLE {
			t.Errorf("Subscribe before the load: %v, want EUNAVAILABLE", err)
		}
	})
}

func lastFlags(w []hub.Change) []bool {
	out := make([]bool, len(w))
	for i, ch := range w {
		out[i] = ch.Last
	}
	return out
}
