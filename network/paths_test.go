package network_test

import (
	"cmp"
	"fmt"
	"slices"
	"testing"

	"github.com/otehub/hub"
	"github.com/otehub/hub/network"
)

func nodesOf(ps []network.Path) [][]string {
	out := make([][]string, len(ps))
	for i, p := range ps {
		out[i] = p.NodeIDs
	}
	return out
}

func TestPathsOnADiamond(t *testing.T) {
	// a → b → d and a → c → d, with two parallel a → b and one b → a.
	g := MustGraph(t, []string{"e1:a>b", "e0:a>b", "e2:a>c", "e3:b>d", "e4:c>d", "d0:b>a"}, nil, nil)

	t.Run("all shortest paths come in lexicographic order", func(t *testing.T) {
		ps, err := network.AllShortestPaths(g, "a", "d", 0, true, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []network.Path{{NodeIDs: []string{"a", "b", "d"}, EdgeIDs: []string{"e0", "e3"}}, {NodeIDs: []string{"a", "c", "d"}, EdgeIDs: []string{"e2", "e4"}}}
		if fmt.Sprint(ps) != fmt.Sprint(want) {
			t.Fatalf("got %v, want %v", ps, want)
		}
	})
	t.Run("a parallel edge in either direction counts when undirected", func(t *testing.T) {
		ps, err := network.ShortestPaths(g, "a", "b", 0, 1, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 1 || !slices.Equal(ps[0].EdgeIDs, []string{"d0"}) {
			t.Fatalf("got %v, want the edge d0 (smallest id of e0, e1, d0)", ps)
		}
		ps, _ = network.ShortestPaths(g, "a", "b", 0, 1, true)
		if !slices.Equal(ps[0].EdgeIDs, []string{"e0"}) {
			t.Fatalf("directed: got %v, want e0", ps)
		}
	})
	t.Run("directed paths do not go against the arrows", func(t *testing.T) {
		ps, err := network.AllShortestPaths(g, "d", "a", 0, true, 10)
		if err != nil || len(ps) != 0 {
			t.Fatalf("got %v, %v; want no path", ps, err)
		}
		ps, _ = network.AllShortestPaths(g, "d", "a", 0, false, 10)
		if got := fmt.Sprint(nodesOf(ps)); got != "[[d b a] [d c a]]" {
			t.Fatalf("undirected: got %s", got)
		}
	})
	t.Run("k shortest: the two of length 2, then none longer", func(t *testing.T) {
		ps, err := network.ShortestPaths(g, "a", "d", 0, 5, true)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(nodesOf(ps)); got != "[[a b d] [a c d]]" {
			t.Fatalf("got %s", got)
		}
		ps, _ = network.ShortestPaths(g, "a", "d", 0, 5, false)
		if got := fmt.Sprint(nodesOf(ps)); got != "[[a b d] [a c d]]" {
			t.Fatalf("undirected: got %s", got)
		}
	})
	t.Run("limit and maxLength", func(t *testing.T) {
		ps, _ := network.AllShortestPaths(g, "a", "d", 0, true, 1)
		if got := fmt.Sprint(nodesOf(ps)); got != "[[a b d]]" {
			t.Fatalf("limit 1: got %s", got)
		}
		ps, _ = network.AllShortestPaths(g, "a", "d", 1, true, 10)
		if len(ps) != 0 {
			t.Fatalf("maxLength 1: got %v", ps)
		}
		ps, _ = network.ShortestPaths(g, "a", "d", 1, 3, true)
		if len(ps) != 0 {
			t.Fatalf("k, maxLength 1: got %v", ps)
		}
	})
	t.Run("a path from a node to itself is the node", func(t *testing.T) {
		for _, k := range []int{1, 5} {
			ps, err := network.ShortestPaths(g, "c", "c", 0, k, false)
			if err != nil || fmt.Sprint(ps) != "[{[c] []}]" {
				t.Fatalf("got %v, %v", ps, err)
			}
		}
		ps, err := network.AllShortestPaths(g, "c", "c", 0, false, 3)
		if err != nil || fmt.Sprint(ps) != "[{[c] []}]" {
			t.Fatalf("got %v, %v", ps, err)
		}
	})
	t.Run("bad arguments", func(t *testing.T) {
		_, err := network.ShortestPaths(g, "a", "x", 0, 1, false)
		MustCode(t, err, hub.ENOTFOUND)
		_, err = network.ShortestPaths(g, "x", "a", 0, 1, false)
		MustCode(t, err, hub.ENOTFOUND)
		_, err = network.ShortestPaths(g, "a", "d", 0, 0, false)
		MustCode(t, err, hub.EINVALID)
		_, err = network.ShortestPaths(g, "a", "d", 0, network.MaxK+1, false)
		MustCode(t, err, hub.EINVALID)
		_, err = network.ShortestPaths(g, "a", "d", -1, 1, false)
		MustCode(t, err, hub.EINVALID)
		_, err = network.AllShortestPaths(g, "a", "d", 0, false, 0)
		MustCode(t, err, hub.EINVALID)
		_, err = network.AllShortestPaths(g, "a", "d", 0, false, network.MaxAllPaths+1)
		MustCode(t, err, hub.EINVALID)
	})
}

// grid returns the w×h grid graph with nodes "r-c" and edges rightwards
// and downwards.
func grid(t *testing.T, w, h int) *network.Graph {
	var specs []string
	id := func(r, c int) string { return fmt.Sprintf("%d-%d", r, c) }
	for r := range h {
		for c := range w {
			if c+1 < w {
				specs = append(specs, fmt.Sprintf("h%d%d:%s>%s", r, c, id(r, c), id(r, c+1)))
			}
			if r+1 < h {
				specs = append(specs, fmt.Sprintf("v%d%d:%s>%s", r, c, id(r, c), id(r+1, c)))
			}
		}
	}
	return MustGraph(t, specs, nil, nil)
}

// allSimplePaths lists every simple path from s to t by depth-first
// search, sorted by length and then node ids: the brute-force answer.
func allSimplePaths(g *network.Graph, s, t string, directed bool) [][]string {
	adj := map[string][]string{}
	for _, e := range g.Edges {
		if e.FromID == e.ToID {
			continue
		}
		adj[e.FromID] = append(adj[e.FromID], e.ToID)
		if !directed {
			adj[e.ToID] = append(adj[e.ToID], e.FromID)
		}
	}
	for k, v := range adj {
		slices.Sort(v)
		adj[k] = slices.Compact(v)
	}
	var out [][]string
	path := []string{s}
	var walk func(u string)
	walk = func(u string) {
		if u == t {
			out = append(out, slices.Clone(path))
			return
		}
		for _, v := range adj[u] {
			if !slices.Contains(path, v) {
				path = append(path, v)
				walk(v)
				path = path[:len(path)-1]
			}
		}
	}
	walk(s)
	slices.SortFunc(out, func(a, b []string) int {
		if c := cmp.Compare(len(a), len(b)); c != 0 {
			return c
		}
		return slices.Compare(a, b)
	})
	return out
}

func TestKShortestOnAGrid(t *testing.T) {
	g := grid(t, 3, 3)
	for _, directed := range []bool{true, false} {
		want := allSimplePaths(g, "0-0", "2-2", directed)
		ps, err := network.ShortestPaths(g, "0-0", "2-2", 0, network.MaxK, directed)
		if err != nil {
			t.Fatal(err)
		}
		if got := nodesOf(ps); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("directed=%v: got %d paths\n%v\nwant %d\n%v", directed, len(got), got, len(want), want)
		}
		if directed && len(ps) != 6 {
			t.Fatalf("a directed 3×3 grid has 6 monotone paths, got %d", len(ps))
		}
		all, _ := network.AllShortestPaths(g, "0-0", "2-2", 0, directed, 100)
		if fmt.Sprint(nodesOf(all)) != fmt.Sprint(want[:6]) {
			t.Fatalf("all shortest: got %v", nodesOf(all))
		}
		// maxLength 4 keeps the six shortest.
		ps, _ = network.ShortestPaths(g, "0-0", "2-2", 4, network.MaxK, directed)
		if len(ps) != 6 {
			t.Fatalf("maxLength 4: got %d paths", len(ps))
		}
	}
	// The first k of a larger grid, undirected.
	g = grid(t, 4, 4)
	want := allSimplePaths(g, "0-0", "3-3", false)
	ps, err := network.ShortestPaths(g, "0-0", "3-3", 0, 50, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := nodesOf(ps); fmt.Sprint(got) != fmt.Sprint(want[:50]) {
		t.Fatalf("4×4: got\n%v\nwant\n%v", got, want[:50])
	}
	checkPaths(t, g, ps, false)
}

// TestKShortestMatchesBruteForce checks Yen's algorithm, ties included,
// against every simple path of small random graphs.
func TestKShortestMatchesBruteForce(t *testing.T) {
	compared := 0
	defer func() {
		if compared < 500 {
			t.Errorf("compared only %d paths", compared)
		}
		t.Logf("compared %d paths with the brute-force list", compared)
	}()
	for seed := range uint64(40) {
		g := randomGraph(t, randomSpec{Seed: seed, Nodes: 9, Edges: 16, Groups: 1 + int(seed%2), Isolated: 1})
		ids := nodeIDs(g)
		for _, directed := range []bool{false, true} {
			for i := range 4 {
				s, dst := ids[(int(seed)+i)%len(ids)], ids[(int(seed)+3*i+1)%len(ids)]
				if s == dst {
					continue
				}
				want := allSimplePaths(g, s, dst, directed)
				if len(want) > 30 {
					want = want[:30]
				}
				ps, err := network.ShortestPaths(g, s, dst, 0, 30, directed)
				if err != nil {
					t.Fatal(err)
				}
				if got := nodesOf(ps); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("seed %d %s→%s directed=%v:\ngot  %v\nwant %v", seed, s, dst, directed, got, want)
				}
				checkPaths(t, g, ps, directed)
				compared += len(ps)
				// maxLength cuts the same list.
				if len(want) > 0 {
					L := len(want[len(want)/2]) - 1
					ps, _ := network.ShortestPaths(g, s, dst, L, 30, directed)
					n := 0
					for _, p := range want {
						if len(p)-1 <= L {
							n++
						}
					}
					if len(ps) != n {
						t.Fatalf("seed %d maxLength %d: got %d paths, want %d", seed, L, len(ps), n)
					}
				}
			}
		}
	}
}

// checkPaths fails unless every path is simple, follows edges of g (in
// their direction when directed), names the smallest-id edge of each
// step, and the list has no duplicate.
func checkPaths(tb testing.TB, g *network.Graph, ps []network.Path, directed bool) {
	tb.Helper()
	seen := map[string]bool{}
	for _, p := range ps {
		if k := fmt.Sprint(p.NodeIDs); seen[k] {
			tb.Fatalf("path %v appears twice", p.NodeIDs)
		} else {
			seen[k] = true
		}
		if len(p.EdgeIDs) != len(p.NodeIDs)-1 {
			tb.Fatalf("path %v: %d edges for %d nodes", p, len(p.EdgeIDs), len(p.NodeIDs))
		}
		set := map[string]bool{}
		for _, n := range p.NodeIDs {
			if set[n] {
				tb.Fatalf("path %v repeats %s", p.NodeIDs, n)
			}
			set[n] = true
		}
		for i, id := range p.EdgeIDs {
			u, v := p.NodeIDs[i], p.NodeIDs[i+1]
			best := ""
			for _, e := range g.Edges {
				if (e.FromID == u && e.ToID == v) || (!directed && e.FromID == v && e.ToID == u) {
					if best == "" || e.ID < best {
						best = e.ID
					}
				}
			}
			if best == "" || id != best {
				tb.Fatalf("path %v step %s→%s uses %q, want %q", p.NodeIDs, u, v, id, best)
			}
		}
	}
}

func TestPathsLimits(t *testing.T) {
	var nodes []*hub.Node
	for i := range network.MaxBetweennessNodes + 1 {
		nodes = append(nodes, &hub.Node{ID: fmt.Sprintf("n%05d", i)})
	}
	g, err := network.New(nodes, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = network.ShortestPaths(g, "n00000", "n00001", 0, 2, false)
	MustCode(t, err, hub.ETOOLARGE)
	// All shortest paths are linear and take the graph.
	if ps, err := network.AllShortestPaths(g, "n00000", "n00001", 0, false, 2); err != nil || len(ps) != 0 {
		t.Fatalf("got %v, %v", ps, err)
	}
}
