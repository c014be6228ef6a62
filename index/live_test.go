package index_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/otehub/hub"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/index"
	"github.com/otehub/hub/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if tenKDir != "" {
		os.RemoveAll(tenKDir)
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// flaky is a store whose feed can be broken and whose data can be made
// to look gone, as a database that is lost or restarted empty.
type flaky struct {
	hub.Store
	broken atomic.Bool // Watch and Next fail
	empty  atomic.Bool // Load finds nothing
}

func (f *flaky) Watch(ctx context.Context, after string) (hub.ChangeStream, error) {
	if f.broken.Load() {
		return nil, hub.Errorf(hub.EUNAVAILABLE, "the database is unavailable")
	}
	cs, err := f.Store.Watch(ctx, after)
	if err != nil {
		return nil, err
	}
	return &flakyStream{cs, f}, nil
}

func (f *flaky) Load(ctx context.Context, node func(*hub.Node) error, rel func(*hub.Relationship) error) error {
	if f.empty.Load() {
		return nil
	}
	return f.Store.Load(ctx, node, rel)
}

type flakyStream struct {
	hub.ChangeStream
	f *flaky
}

func (s *flakyStream) Next(ctx context.Context) (hub.Change, error) {
	// Poll, so that breaking the feed ends a wait in progress.
	for {
		if s.f.broken.Load() {
			return hub.Change{}, hub.Errorf(hub.EUNAVAILABLE, "the database is unavailable")
		}
		wctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		ch, err := s.ChangeStream.Next(wctx)
		cancel()
		if err == nil || ctx.Err() != nil {
			return ch, err
		}
	}
}

func open(t *testing.T) (*flaky, *index.Live) {
	t.Helper()
	s, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := &flaky{Store: s}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	l, err := index.Open(ctx, f, index.Options{RetryDelay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return f, l
}

// mustApply prepares the nodes at the present time and applies them.
func mustApply(t *testing.T, n hub.Network, nodes ...*hub.Node) {
	t.Helper()
	storetest.MustApplyAt(t, n, time.Now(), nodes)
}

func count(t *testing.T, r hub.Reader) int {
	t.Helper()
	n, err := r.CountNodes(t.Context(), hub.NodeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
	}
}

func TestLive(t *testing.T) {
	t.Run("a write is readable as soon as Apply returns", func(t *testing.T) {
		_, l := open(t)
		mustApply(t, l, storetest.Source())
		for i := range 50 {
			n := storetest.Org(strings.Repeat("a", i+1))
			before := l.Status().Version
			mustApply(t, l, n)
			got, err := l.NodesByID(t.Context(), []string{n.ID})
			if err != nil || got[0] == nil || got[0].Version != 1 {
				t.Fatalf("write %d not visible after Apply: %v %v", i, got, err)
			}
			// The version grows once the write is applied, which may be
			// a moment after Apply returns (another instance's reads).
			waitUntil(t, "the index's version to grow and be even", func() bool {
				v := l.Status().Version
				return v > before && v%2 == 0
			})
		}
	})
	t.Run("a newer version replaces a row, an older one never does", func(t *testing.T) {
		idx := index.New()
		n1 := storetest.Org("x")
		n1.ID, n1.Version = hub.NodeID(hub.KindOrganisation, "x"), 2
		n1.Name.FI = "Kaksi"
		n0 := *n1
		n0.Version, n0.Name.FI = 1, "Yksi"
		n3 := *n1
		n3.Version, n3.Name.FI = 3, "Kolme"
		idx.Apply(hub.Change{Op: hub.ChangeUpsert, Row: hub.RowNode, ID: n1.ID, Node: n1})
		idx.Apply(hub.Change{Op: hub.ChangeUpsert, Row: hub.RowNode, ID: n1.ID, Node: &n0})
		got, _ := idx.NodesByID(t.Context(), []string{n1.ID})
		if got[0].Name.FI != "Kaksi" {
			t.Errorf("an older version replaced a newer one: %q", got[0].Name.FI)
		}
		idx.Apply(hub.Change{Op: hub.ChangeUpsert, Row: hub.RowNode, ID: n1.ID, Node: &n3})
		got, _ = idx.NodesByID(t.Context(), []string{n1.ID})
		if got[0].Name.FI != "Kolme" {
			t.Errorf("a newer version did not replace the row: %q", got[0].Name.FI)
		}
		idx.Apply(hub.Change{Op: hub.ChangeDelete, Row: hub.RowNode, ID: n1.ID})
		if got, _ = idx.NodesByID(t.Context(), []string{n1.ID}); got[0] != nil {
			t.Errorf("a deleted row is still there")
		}
	})
	t.Run("a broken feed keeps the last state, says stale, and catches up after", func(t *testing.T) {
		f, l := open(t)
		mustApply(t, l, storetest.Source(), storetest.Org("a"))
		f.broken.Store(true)
		waitUntil(t, "stale", func() bool { return l.Status().Stale })
		stale := l.Status().Version
		if n := count(t, l); n != 2 {
			t.Errorf("%d nodes while the feed is broken, want the 2 known", n)
		}
		// Written while this index cannot see it, as by another instance.
		b := &hub.Batch{Nodes: []*hub.Node{storetest.Org("b")}}
		if err := hub.Prepare(t.Context(), l, b, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := f.Store.Apply(t.Context(), b); err != nil {
			t.Fatal(err)
		}
		f.broken.Store(false)
		waitUntil(t, "fresh again with the missed write", func() bool { return !l.Status().Stale && count(t, l) == 3 })
		if st := l.Status(); st.Loads < 2 {
			t.Errorf("%d loads: the index must load again after a broken feed", st.Loads)
		}
		if v := l.Status().Version; v <= stale {
			t.Errorf("version %d after the load again, %d before: the answers' tags would not change", v, stale)
		}
	})
	t.Run("a store that comes back empty is not served", func(t *testing.T) {
		f, l := open(t)
		mustApply(t, l, storetest.Source(), storetest.Org("a"))
		f.empty.Store(true)
		f.broken.Store(true)
		waitUntil(t, "stale", func() bool { return l.Status().Stale })
		f.broken.Store(false)
		waitUntil(t, "refused", func() bool { return strings.Contains(l.Status().Reason, "store is empty") })
		if n := count(t, l); n != 2 {
			t.Errorf("%d nodes after the store came back empty, want the 2 known", n)
		}
		if st := l.Status(); !st.Replaced || !st.Stale {
			t.Errorf("status %+v, want a stale index on a replaced store", st)
		}
		b := &hub.Batch{Nodes: []*hub.Node{storetest.Org("b")}}
		if err := hub.Prepare(t.Context(), l, b, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := l.Apply(t.Context(), b); hub.ErrorCode(err) != hub.EUNAVAILABLE || !errors.Is(err, hub.ErrStoreReplaced) {
			t.Errorf("a write with the store empty: %v, want EUNAVAILABLE for a replaced store", err)
		}
		f.empty.Store(false)
		waitUntil(t, "fresh again", func() bool { return !l.Status().Stale })
		if l.Status().Replaced {
			t.Error("the store is back, and the status still says replaced")
		}
		mustApply(t, l, storetest.Org("c"))
	})
	t.Run("reads fail with EUNAVAILABLE until the first load", func(t *testing.T) {
		s, err := embedded.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		f := &flaky{Store: s}
		f.broken.Store(true)
		l := index.Follow(f, index.Options{RetryDelay: 10 * time.Millisecond})
		defer l.Close()
		if _, err := l.CountNodes(t.Context(), hub.NodeFilter{}); hub.ErrorCode(err) != hub.EUNAVAILABLE {
			t.Errorf("a read before the load: %v, want EUNAVAILABLE", err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		if err := l.WaitLoaded(ctx); hub.ErrorCode(err) != hub.EUNAVAILABLE || !strings.Contains(hub.ErrorMessage(err), "unavailable") {
			t.Errorf("WaitLoaded with the store down: %v", err)
		}
		f.broken.Store(false)
		if err := l.WaitLoaded(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}
