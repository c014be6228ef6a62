package index_test

import (
	"context"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/index"
	"github.com/otehub/hub/synthetic"
)

var (
	tenKOnce sync.Once
	tenKDir  string
	tenKErr  error
)

// tenK returns the directory of an embedded store holding the synthetic
// 10k network, written once per test binary.
func tenK(b *testing.B) string {
	b.Helper()
	tenKOnce.Do(func() {
		tenKDir, tenKErr = mkTempDir()
		if tenKErr != nil {
			return
		}
		s, err := embedded.Open(tenKDir)
		if err != nil {
			tenKErr = err
			return
		}
		defer s.Close()
		l, err := index.Open(context.Background(), s, index.Options{})
		if err != nil {
			tenKErr = err
			return
		}
		defer l.Close()
		tenKErr = synthetic.Load(context.Background(), l, synthetic.Generate(synthetic.Default10k()))
	})
	if tenKErr != nil {
		b.Fatal(tenKErr)
	}
	return tenKDir
}

// BenchmarkLoad10k loads the synthetic 10k network (10 860 nodes,
// 100 000 relationships) from the embedded store into a new index, and
// reports the index's live heap after a collection, in all and per row.
func BenchmarkLoad10k(b *testing.B) {
	dir := tenK(b)
	s, err := embedded.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var heap uint64
	var nodes, rels int
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		l, err := index.Open(context.Background(), s, index.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/load")
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		heap = after.HeapAlloc - before.HeapAlloc
		st := l.Status()
		nodes, rels = st.Nodes, st.Relationships
		// Keep the index alive until it has been measured.
		if n, _ := l.CountNodes(context.Background(), hub.NodeFilter{}); n != nodes {
			b.Fatalf("%d nodes counted, %d held", n, nodes)
		}
		l.Close()
	}
	b.ReportMetric(float64(heap)/(1<<20), "MiB-heap")
	b.ReportMetric(float64(heap)/float64(nodes+rels), "B/row")
	b.ReportMetric(float64(nodes), "nodes")
	b.ReportMetric(float64(rels), "relationships")
}

func mkTempDir() (string, error) { return os.MkdirTemp("", "index-bench-") }

// BenchmarkHeapPerRow fills an index from the 10k network's store in two
// loads, its nodes and then its relationships, and reports the live heap
// each adds, per node and per relationship.
func BenchmarkHeapPerRow(b *testing.B) {
	dir := tenK(b)
	s, err := embedded.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	skipNode := func(*hub.Node) error { return nil }
	skipRel := func(*hub.Relationship) error { return nil }
	var perNode, perRel float64
	for b.Loop() {
		start := heap()
		idx := index.New()
		nodes, rels := 0, 0
		if err := s.Load(context.Background(), func(n *hub.Node) error {
			idx.Apply(hub.Change{Op: hub.ChangeUpsert, Row: hub.RowNode, ID: n.ID, Node: n})
			nodes++
			return nil
		}, skipRel); err != nil {
			b.Fatal(err)
		}
		withNodes := heap()
		if err := s.Load(context.Background(), skipNode, func(r *hub.Relationship) error {
			idx.Apply(hub.Change{Op: hub.ChangeUpsert, Row: hub.RowRelationship, ID: r.ID, Relationship: r})
			rels++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		all := heap()
		perNode = float64(withNodes-start) / float64(nodes)
		perRel = float64(all-withNodes) / float64(rels)
		runtime.KeepAlive(idx)
	}
	b.ReportMetric(perNode, "B/node")
	b.ReportMetric(perRel, "B/relationship")
}
