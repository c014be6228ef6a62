package network_test

import (
	"testing"

	"github.com/otehub/hub/network"
)

// atLimit is a random graph at the O(V·E) limits: 5 000 nodes and 50 000
// relationships, so that the benchmarks say what the limits cost.
func atLimit(b *testing.B) *network.Graph {
	b.Helper()
	return randomGraph(b, randomSpec{Seed: 1, Nodes: network.MaxBetweennessNodes, Edges: network.MaxBetweennessEdges, Groups: 1})
}

func BenchmarkBetweennessAtLimit(b *testing.B) {
	g := atLimit(b)
	for b.Loop() {
		if _, err := network.Betweenness(g, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClosenessAtLimit(b *testing.B) {
	g := atLimit(b)
	for b.Loop() {
		if _, err := network.Closeness(g); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEigenvectorAtLimit(b *testing.B) {
	g := atLimit(b)
	for b.Loop() {
		if _, err := network.Eigenvector(g); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCommunitiesAtLimit(b *testing.B) {
	g := atLimit(b)
	for b.Loop() {
		if _, err := network.Communities(g, 1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKShortestAtLimit(b *testing.B) {
	g := atLimit(b)
	from, to := g.Nodes[0].ID, g.Nodes[len(g.Nodes)-1].ID
	for b.Loop() {
		if _, err := network.ShortestPaths(g, from, to, 0, network.MaxK, false); err != nil {
			b.Fatal(err)
		}
	}
}
