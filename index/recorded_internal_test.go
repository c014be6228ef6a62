package index

import (
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/embedded"
)

func TestSnapshotsAreCachedBoundedAndTheCurrentNetworkIsNotCopied(t *testing.T) {
	settle := snapshotSettle
	snapshotSettle = 0
	t.Cleanup(func() { snapshotSettle = settle })
	ctx := t.Context()
	s, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	l, err := Open(ctx, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	src := &hub.Node{Kind: hub.KindSourceDocument, Key: "s", Name: hub.LocalizedText{FI: "Lähde"}, Type: "WEB_PAGE", Document: &hub.Document{}}
	org := &hub.Node{Kind: hub.KindOrganisation, Key: "a", Name: hub.LocalizedText{FI: "Eka"}, Type: "OTHER"}
	write := func(name string, nodes ...*hub.Node) time.Time {
		t.Helper()
		o := org.Clone()
		o.Name.FI = name
		o.Sources = []hub.Citation{{SourceID: hub.NodeID(hub.KindSourceDocument, "s")}}
		b := &hub.Batch{Nodes: append(nodes, o)}
		if err := hub.Prepare(ctx, l, b, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := l.Apply(ctx, b); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		at := time.Now()
		time.Sleep(2 * time.Millisecond)
		return at
	}
	name := func(r hub.Reader) string {
		t.Helper()
		nodes, err := r.NodesByID(ctx, []string{hub.NodeID(hub.KindOrganisation, "a")})
		if err != nil || nodes[0] == nil {
			t.Fatalf("the organisation: %v %v", nodes, err)
		}
		return nodes[0].Name.FI
	}
	asRecorded := func(at time.Time) hub.Reader {
		t.Helper()
		r, err := l.AsRecorded(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	t1 := write("Eka", src)
	t2 := write("Toka")
	first := asRecorded(t1)
	if name(first) != "Eka" || first == hub.Reader(l.cur.Load()) {
		t.Fatalf("at t1: %q, want a snapshot holding Eka", name(first))
	}
	if again := asRecorded(t1); again != first {
		t.Error("a second request for t1 built the snapshot again")
	}
	if cur := asRecorded(t2); cur != hub.Reader(l.cur.Load()) || name(cur) != "Toka" {
		t.Error("at the newest write: not the current index")
	}
	if cur := asRecorded(t2.Add(time.Hour)); cur != hub.Reader(l.cur.Load()) {
		t.Error("in the future: not the current index")
	}
	write("Kolmas")
	if name(asRecorded(t1)) != "Eka" || name(asRecorded(t2)) != "Toka" {
		t.Error("a later write changed the past")
	}
	for i := range SnapshotCacheSize + 2 {
		asRecorded(t1.Add(-time.Duration(i+1) * time.Millisecond))
	}
	if n := len(l.recorded.cache); n > SnapshotCacheSize {
		t.Errorf("%d snapshots cached, want at most %d", n, SnapshotCacheSize)
	}
	if asRecorded(t1) == first {
		t.Error("the least recently used snapshot was kept beyond the bound")
	}
}
