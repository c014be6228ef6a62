package index_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/index"
	"github.com/otehub/hub/synthetic"
)

// BenchmarkAsRecorded builds the network as recorded before a round of
// corrections (one node in a hundred renamed, one relationship in a
// hundred deleted), on the OTE dataset and on the synthetic 10k network,
// each written through an embedded store so that its history holds every
// row; and, on the 10k network, as recorded before its first write
// (every row undone). It reports the build time (ns/op), the live heap
// the snapshot holds beyond the current index (MiB-snapshot), and the
// revisions undone.
func BenchmarkAsRecorded(b *testing.B) {
	b.Run("OTE", func(b *testing.B) {
		benchAsRecorded(b, func(ctx context.Context, l *index.Live) error { return dataset.Seed(ctx, l) }, false)
	})
	b.Run("10k", func(b *testing.B) {
		benchAsRecorded(b, func(ctx context.Context, l *index.Live) error {
			return synthetic.Load(ctx, l, synthetic.Generate(synthetic.Default10k()))
		}, false)
	})
	b.Run("10k-before-any-write", func(b *testing.B) {
		benchAsRecorded(b, func(ctx context.Context, l *index.Live) error {
			return synthetic.Load(ctx, l, synthetic.Generate(synthetic.Default10k()))
		}, true)
	})
}

func benchAsRecorded(b *testing.B, fill func(context.Context, *index.Live) error, beforeAny bool) {
	ctx := context.Background()
	s, err := embedded.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	l, err := index.Open(ctx, s, index.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	start := time.Now()
	time.Sleep(2 * time.Millisecond)
	if err := fill(ctx, l); err != nil {
		b.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	at := time.Now()
	time.Sleep(2 * time.Millisecond)
	all := hub.ListOptions{First: hub.Unlimited}
	nodes, _, err := l.FindNodes(ctx, hub.NodeFilter{Kinds: hub.EntityKinds}, all)
	if err != nil {
		b.Fatal(err)
	}
	rels, _, err := l.FindRelationships(ctx, hub.RelationshipFilter{}, all)
	if err != nil {
		b.Fatal(err)
	}
	fix := &hub.Batch{}
	for i := 0; i < len(nodes); i += 100 {
		n := nodes[i].Clone()
		n.Name.FI += " (korjattu)"
		fix.Nodes = append(fix.Nodes, n)
	}
	for i := 0; i < len(rels); i += 100 {
		fix.DeleteRelationships = append(fix.DeleteRelationships, rels[i].ID)
	}
	if err := hub.Prepare(ctx, l, fix, time.Now()); err != nil {
		b.Fatal(err)
	}
	if err := l.Apply(ctx, fix); err != nil {
		b.Fatal(err)
	}
	if beforeAny {
		at = start
	}
	undone := 0
	if err := s.Revisions(ctx, at, func(*hub.Revision) error { undone++; return nil }); err != nil {
		b.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var held uint64
	for b.Loop() {
		b.StopTimer()
		before := heap()
		b.StartTimer()
		snap, err := l.AsRecorded(ctx, at)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		held = heap() - before
		n, err := snap.CountNodes(ctx, hub.NodeFilter{NameContains: "korjattu"})
		if err != nil || n != 0 {
			b.Fatalf("the snapshot holds %d corrected names (%v)", n, err)
		}
		runtime.KeepAlive(snap)
		b.StartTimer()
	}
	b.ReportMetric(float64(held)/(1<<20), "MiB-snapshot")
	b.ReportMetric(float64(undone), "revisions")
}
