package network_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/network"
	"github.com/otehub/hub/storetest"
)

// MustGraph builds a graph from edge specs "id:from>to" (a directed
// relationship); nodes are the ends plus the extra ids, of kind
// Organisation unless kinds names another.
func MustGraph(tb testing.TB, specs []string, extra []string, kinds map[string]hub.Kind) *network.Graph {
	tb.Helper()
	seen := map[string]bool{}
	var nodes []*hub.Node
	addNode := func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		k := kinds[id]
		if k == "" {
			k = hub.KindOrganisation
		}
		nodes = append(nodes, &hub.Node{ID: id, Kind: k, Key: id})
	}
	var edges []*hub.Relationship
	for _, s := range specs {
		id, ends, ok := strings.Cut(s, ":")
		from, to, ok2 := strings.Cut(ends, ">")
		if !ok || !ok2 {
			tb.Fatalf("bad edge spec %q", s)
		}
		addNode(from)
		addNode(to)
		edges = append(edges, &hub.Relationship{ID: id, Type: hub.PartnerIn, FromID: from, ToID: to})
	}
	for _, id := range extra {
		addNode(id)
	}
	g, err := network.New(nodes, edges)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return g
}

// MustCode fails unless err carries the hub error code.
func MustCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("got no error, want %s", code)
	}
	if got := hub.ErrorCode(err); got != code {
		tb.Fatalf("got error %v (code %s), want code %s", err, got, code)
	}
}

// randomGraph is a seeded random multigraph: n nodes in comps groups
// (plus isolated nodes), m relationships inside the groups with random
// ids, some parallel and some reversed; bipartite graphs join
// organisations to pilots only.
type randomSpec struct {
	Seed      uint64
	Nodes     int
	Edges     int
	Groups    int
	Isolated  int
	SelfLoops int
	Bipartite bool
}

func (s randomSpec) String() string {
	return fmt.Sprintf("seed%d_n%d_m%d_groups%d_isolated%d_bipartite%v", s.Seed, s.Nodes, s.Edges, s.Groups, s.Isolated, s.Bipartite)
}

func randomGraph(tb testing.TB, spec randomSpec) *network.Graph {
	tb.Helper()
	rng := rand.New(rand.NewPCG(spec.Seed, 42))
	kinds := []hub.Kind{hub.KindOrganisation, hub.KindEmployer, hub.KindPilot, hub.KindPilot, hub.KindService, hub.KindRegion}
	var nodes []*hub.Node
	groups := make([][]int, spec.Groups)
	for i := range spec.Nodes {
		k := kinds[rng.IntN(len(kinds))]
		if spec.Bipartite {
			k = []hub.Kind{hub.KindOrganisation, hub.KindPilot}[rng.IntN(2)]
		}
		id := fmt.Sprintf("n%03d-%d", rng.IntN(1000), i) // ids not in creation order
		nodes = append(nodes, &hub.Node{ID: id, Kind: k, Key: id})
		if i >= spec.Isolated {
			g := rng.IntN(spec.Groups)
			groups[g] = append(groups[g], i)
		}
	}
	ids := map[string]bool{}
	var edges []*hub.Relationship
	add := func(u, v int) {
		id := fmt.Sprintf("r%06d", rng.IntN(1_000_000))
		for ids[id] {
			id = fmt.Sprintf("r%06d", rng.IntN(1_000_000))
		}
		ids[id] = true
		edges = append(edges, &hub.Relationship{ID: id, Type: hub.PartnerIn, FromID: nodes[u].ID, ToID: nodes[v].ID})
	}
	for len(edges) < spec.Edges {
		g := groups[rng.IntN(len(groups))]
		if len(g) < 2 {
			continue
		}
		u, v := g[rng.IntN(len(g))], g[rng.IntN(len(g))]
		if u == v || (spec.Bipartite && nodes[u].Kind == nodes[v].Kind) {
			continue
		}
		add(u, v)
		switch r := rng.IntN(10); {
		case r == 0 && len(edges) < spec.Edges:
			add(u, v) // parallel
		case r == 1 && len(edges) < spec.Edges:
			add(v, u) // reversed
		}
	}
	for range spec.SelfLoops {
		u := rng.IntN(spec.Nodes)
		add(u, u)
	}
	g, err := network.New(nodes, edges)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return g
}

// Store fixtures.

var sourceID = hub.NodeID(hub.KindSourceDocument, "source")

func day(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

type fixture struct {
	nodes []*hub.Node
	rels  []*hub.Relationship
}

func (f *fixture) node(kind hub.Kind, key string, p *hub.Period) string {
	types := map[hub.Kind]string{hub.KindOrganisation: "OTHER", hub.KindEmployer: "OTHER", hub.KindPilot: "PILOT", hub.KindService: "SERVICE"}
	f.nodes = append(f.nodes, &hub.Node{
		Kind: kind, Key: key, Type: types[kind], Name: hub.LocalizedText{FI: key},
		Period: p, Sources: []hub.Citation{{SourceID: sourceID}},
	})
	return hub.NodeID(kind, key)
}

func (f *fixture) link(t hub.RelationshipType, from, to string, p *hub.Period) string {
	key := string(t) + ":" + from + ":" + to
	f.rels = append(f.rels, &hub.Relationship{
		Key: key, Type: t, FromID: from, ToID: to, Period: p,
		Sources: []hub.Citation{{SourceID: sourceID}},
	})
	return hub.RelationshipID(key)
}

// MustStore opens an embedded store in a temporary directory holding the
// fixture.
func MustStore(tb testing.TB, f *fixture) storetest.Store {
	tb.Helper()
	s := storetest.Embedded(tb)
	b := &hub.Batch{Nodes: append([]*hub.Node{{
		Kind: hub.KindSourceDocument, Key: "source", Type: "WEB_PAGE",
		Name: hub.LocalizedText{FI: "Lähde"}, Document: &hub.Document{URL: "https://example.org"},
	}}, f.nodes...), Relationships: f.rels}
	ctx := context.Background()
	if err := hub.Prepare(ctx, s, b, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)); err != nil {
		tb.Fatalf("Prepare: %v", err)
	}
	if err := s.Apply(ctx, b); err != nil {
		tb.Fatalf("Apply: %v", err)
	}
	return s
}

// countingStore counts the store calls Load makes.
type countingStore struct {
	hub.Reader
	mu                             sync.Mutex
	findRels, nodesByID, findNodes int
	frontier                       []int // NodeIDs per FindRelationships
}

func (c *countingStore) FindRelationships(ctx context.Context, f hub.RelationshipFilter, o hub.ListOptions) ([]*hub.Relationship, bool, error) {
	c.mu.Lock()
	c.findRels++
	c.frontier = append(c.frontier, len(f.NodeIDs))
	c.mu.Unlock()
	if len(f.NodeIDs) == 0 {
		return nil, false, errors.New("FindRelationships without node ids would scan the whole store")
	}
	return c.Reader.FindRelationships(ctx, f, o)
}

func (c *countingStore) NodesByID(ctx context.Context, ids []string) ([]*hub.Node, error) {
	c.mu.Lock()
	c.nodesByID++
	c.mu.Unlock()
	return c.Reader.NodesByID(ctx, ids)
}

func (c *countingStore) FindNodes(ctx context.Context, f hub.NodeFilter, o hub.ListOptions) ([]*hub.Node, bool, error) {
	c.mu.Lock()
	c.findNodes++
	c.mu.Unlock()
	return c.Reader.FindNodes(ctx, f, o)
}

func nodeIDs(g *network.Graph) []string {
	out := make([]string, len(g.Nodes))
	for i, n := range g.Nodes {
		out[i] = n.ID
	}
	return out
}

func edgeIDs(g *network.Graph) []string {
	out := make([]string, len(g.Edges))
	for i, e := range g.Edges {
		out[i] = e.ID
	}
	return out
}

func sorted(ids ...string) []string {
	s := slices.Clone(ids)
	slices.Sort(s)
	return s
}
