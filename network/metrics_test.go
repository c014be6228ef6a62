package network_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/otehub/hub"
	"github.com/otehub/hub/network"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestNewRefusesBadGraphs(t *testing.T) {
	a, b := &hub.Node{ID: "a"}, &hub.Node{ID: "b"}
	_, err := network.New([]*hub.Node{a, a}, nil)
	MustCode(t, err, hub.EINVALID)
	_, err = network.New([]*hub.Node{a, b}, []*hub.Relationship{{ID: "e", FromID: "a", ToID: "x"}})
	MustCode(t, err, hub.EINVALID)
	_, err = network.New([]*hub.Node{a, b}, []*hub.Relationship{{ID: "e", FromID: "a", ToID: "b"}, {ID: "e", FromID: "b", ToID: "a"}})
	MustCode(t, err, hub.EINVALID)
	_, err = network.New([]*hub.Node{a, nil}, nil)
	MustCode(t, err, hub.EINVALID)
	// A literal graph is indexed on first use, and must be sorted.
	lit := &network.Graph{Nodes: []*hub.Node{b, a}}
	_, err = network.Degree(lit)
	MustCode(t, err, hub.EINVALID)
	lit = &network.Graph{Nodes: []*hub.Node{a, b}, Edges: []*hub.Relationship{{ID: "e", FromID: "a", ToID: "b"}}}
	if d, err := network.Degree(lit); err != nil || d["a"].Out != 1 {
		t.Fatalf("got %v, %v", d, err)
	}
}

func TestDegree(t *testing.T) {
	// Two parallel a → b, one b → a, a self-loop on c, and c → a.
	g := MustGraph(t, []string{"e1:a>b", "e2:a>b", "e3:b>a", "e4:c>c", "e5:c>a"}, []string{"z"}, nil)
	d, err := network.Degree(g)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]network.Degrees{
		"a": {In: 2, Out: 2, Total: 4, Neighbours: 2, Centrality: 2.0 / 3},
		"b": {In: 2, Out: 1, Total: 3, Neighbours: 1, Centrality: 1.0 / 3},
		"c": {In: 1, Out: 2, Total: 3, Neighbours: 1, Centrality: 1.0 / 3},
		"z": {},
	}
	if fmt.Sprint(d) != fmt.Sprint(want) {
		t.Fatalf("got %v\nwant %v", d, want)
	}
	one := MustGraph(t, nil, []string{"solo"}, nil)
	if d, _ := network.Degree(one); d["solo"].Centrality != 1 {
		t.Fatalf("a graph of one node: got %v, want centrality 1 (networkx)", d)
	}
}

// TestDisconnectedGraph checks values worked by hand on a path a–b–c, an
// edge e–f and an isolated node d (V = 6).
func TestDisconnectedGraph(t *testing.T) {
	g := MustGraph(t, []string{"1:a>b", "2:c>b", "3:e>f", "4:f>e"}, []string{"d"}, nil)
	bc, err := network.Betweenness(g, false)
	if err != nil {
		t.Fatal(err)
	}
	if bc["b"] != 1 || bc["a"] != 0 || bc["e"] != 0 || bc["d"] != 0 {
		t.Fatalf("raw betweenness: %v", bc)
	}
	bn, _ := network.Betweenness(g, true)
	if !near(bn["b"], 1.0/10) {
		t.Fatalf("normalised betweenness of b: got %v, want 1/C(5,2) = 0.1", bn["b"])
	}
	cc, err := network.Closeness(g)
	if err != nil {
		t.Fatal(err)
	}
	// b reaches 2 nodes at total distance 2: (2/2)·(2/5); a reaches 2 at
	// 3: (2/3)·(2/5); e reaches 1 at 1: 1·(1/5); d reaches none.
	for id, want := range map[string]float64{"b": 0.4, "a": 4.0 / 15, "c": 4.0 / 15, "e": 0.2, "f": 0.2, "d": 0} {
		if !near(cc[id], want) {
			t.Errorf("closeness of %s: got %v, want %v", id, cc[id], want)
		}
	}
	ev, err := network.Eigenvector(g)
	if err != nil {
		t.Fatal(err)
	}
	norm := 0.0
	for _, v := range ev {
		norm += v * v
	}
	// The path's largest eigenvalue √2 beats the edge's 1: the edge and
	// the isolated node decay to (almost) 0 and the path holds
	// (1, √2, 1)/2.
	if !near(norm, 1) || math.Abs(ev["b"]-math.Sqrt2/2) > 1e-6 || math.Abs(ev["a"]-0.5) > 1e-6 || ev["e"] > 1e-6 || ev["d"] > 1e-6 {
		t.Fatalf("eigenvector: %v (norm² %v)", ev, norm)
	}
}

func TestEigenvector(t *testing.T) {
	// A star is bipartite: plain power iteration would oscillate, the
	// shifted one converges to (√n_leaves, 1, ..., 1) normalised.
	g := MustGraph(t, []string{"1:h>a", "2:h>b", "3:h>c", "4:d>h"}, nil, nil)
	ev, err := network.Eigenvector(g)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ev["h"]-math.Sqrt(0.5)) > 1e-6 || math.Abs(ev["a"]-math.Sqrt(0.125)) > 1e-6 {
		t.Fatalf("star: got %v", ev)
	}
	empty, _ := network.New(nil, nil)
	if ev, err := network.Eigenvector(empty); err != nil || len(ev) != 0 {
		t.Fatalf("empty graph: got %v, %v", ev, err)
	}
	// A long path converges too slowly: a clear error (networkx 3.6.1
	// fails on path_graph(501) too).
	var specs []string
	for i := range 500 {
		specs = append(specs, fmt.Sprintf("e%04d:n%04d>n%04d", i, i, i+1))
	}
	_, err = network.Eigenvector(MustGraph(t, specs, nil, nil))
	MustCode(t, err, hub.EINVALID)
	if !errors.Is(err, network.ErrNotConverged) {
		t.Fatalf("got %v, want ErrNotConverged", err)
	}
}

func TestCommunitiesAndModularity(t *testing.T) {
	// Two 4-cliques joined by one edge, and an isolated node.
	var specs []string
	for _, c := range []string{"a", "b"} {
		for i := range 4 {
			for j := i + 1; j < 4; j++ {
				specs = append(specs, fmt.Sprintf("%s%d%d:%s%d>%s%d", c, i, j, c, i, c, j))
			}
		}
	}
	specs = append(specs, "bridge:a0>b0")
	g := MustGraph(t, specs, []string{"z"}, nil)
	for seed := range int64(5) {
		p, err := network.Communities(g, seed)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"a0": 0, "a1": 0, "a2": 0, "a3": 0, "b0": 1, "b1": 1, "b2": 1, "b3": 1, "z": 2}
		if fmt.Sprint(p.Community) != fmt.Sprint(want) || p.Count != 3 {
			t.Fatalf("seed %d: got %v", seed, p.Community)
		}
		// m = 13; each clique has 6 inner edges and degree sum 13.
		wantQ := 2 * (6.0/13 - (13.0/26)*(13.0/26))
		if !near(p.Modularity, wantQ) {
			t.Fatalf("modularity: got %v, want %v", p.Modularity, wantQ)
		}
		q, err := network.Modularity(g, p.Community)
		if err != nil || !near(q, wantQ) {
			t.Fatalf("Modularity: got %v, %v", q, err)
		}
	}
	// Same seed, same answer, on a random graph.
	r := randomGraph(t, randomSpec{Seed: 7, Nodes: 60, Edges: 200, Groups: 3, Isolated: 2})
	p1, _ := network.Communities(r, 42)
	p2, _ := network.Communities(r, 42)
	if fmt.Sprint(p1) != fmt.Sprint(p2) {
		t.Fatal("Communities is not deterministic for a seed")
	}

	_, err := network.Modularity(g, map[string]int{"a0": 0})
	MustCode(t, err, hub.EINVALID)
	all := map[string]int{}
	for _, id := range nodeIDs(g) {
		all[id] = 0
	}
	all["nope"] = 1
	_, err = network.Modularity(g, all)
	MustCode(t, err, hub.EINVALID)
	delete(all, "nope")
	if q, _ := network.Modularity(g, all); !near(q, 0) {
		t.Fatalf("one community: got %v, want 0", q)
	}
	noEdges := MustGraph(t, nil, []string{"x", "y"}, nil)
	if p, err := network.Communities(noEdges, 1); err != nil || p.Count != 2 || p.Modularity != 0 {
		t.Fatalf("no edges: got %+v, %v", p, err)
	}
}

func TestBrokers(t *testing.T) {
	kinds := map[string]hub.Kind{
		"o1": hub.KindOrganisation, "o2": hub.KindOrganisation, "o3": hub.KindOrganisation, "emp": hub.KindEmployer,
		"p1": hub.KindPilot, "p2": hub.KindPilot, "p3": hub.KindPilot, "p4": hub.KindPilot, "svc": hub.KindService,
	}
	g := MustGraph(t, []string{
		"1:o1>p1", "2:o1>p2", "3:p3>o1", "3b:o1>p3", // o1 takes part in p1, p2, p3 (p3 twice)
		"4:o2>p1", "5:o2>p2", // o2 shares p1–p2 with o1
		"6:o3>p4",              // one pilot: no pair
		"7:emp>p3", "8:emp>p4", // emp alone joins p3–p4
		"9:o1>svc", "10:svc>p4", // not a pilot–organisation link
	}, nil, kinds)
	bs, err := network.Brokers(g)
	if err != nil {
		t.Fatal(err)
	}
	want := []network.Broker{{NodeID: "o1", Pilots: 3, Pairs: 2}, {NodeID: "emp", Pilots: 2, Pairs: 1}}
	if fmt.Sprint(bs) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", bs, want)
	}
}

func TestQuadraticLimits(t *testing.T) {
	var nodes []*hub.Node
	for i := range network.MaxBetweennessNodes + 1 {
		nodes = append(nodes, &hub.Node{ID: fmt.Sprintf("n%05d", i)})
	}
	g, _ := network.New(nodes, nil)
	_, err := network.Betweenness(g, true)
	MustCode(t, err, hub.ETOOLARGE)
	_, err = network.Closeness(g)
	MustCode(t, err, hub.ETOOLARGE)
	// The linear ones still run.
	if _, err := network.Degree(g); err != nil {
		t.Fatal(err)
	}
	var edges []*hub.Relationship
	for i := range network.MaxBetweennessEdges + 1 {
		edges = append(edges, &hub.Relationship{ID: fmt.Sprintf("e%06d", i), FromID: "n00000", ToID: fmt.Sprintf("n%05d", 1+i%100)})
	}
	g, _ = network.New(nodes[:200], edges)
	_, err = network.Betweenness(g, true)
	MustCode(t, err, hub.ETOOLARGE)
}
