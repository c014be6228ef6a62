package network_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/otehub/hub"
	"github.com/otehub/hub/network"
)

// ids of the load fixture.
type loadIDs struct {
	p1, p2, a, b, c, d, s1                         string
	aP1, bP1, bFundsP2, cP2, p1S1, aRefB, dMemberC string
}

// loadFixture is the network
//
//	A ─PARTNER_IN→ P1 ←PARTNER_IN─ B ─FUNDS→ P2 ←PARTNER_IN─ C ←MEMBER_OF─ D
//	A ─REFERS_TO→ B     P1 ─PROVIDES→ S1
//
// with dates: P2 runs 2021–2022, B's funding of P2 is 2020 only, A's
// referral to B ends 2020-12-31, D ends 2020-12-31.
func loadFixture(t *testing.T) (hub.Reader, loadIDs) {
	f := &fixture{}
	var x loadIDs
	x.p1 = f.node(hub.KindPilot, "p1", nil)
	x.p2 = f.node(hub.KindPilot, "p2", &hub.Period{Start: day("2021-01-01"), End: day("2022-12-31")})
	x.a = f.node(hub.KindOrganisation, "a", nil)
	x.b = f.node(hub.KindOrganisation, "b", nil)
	x.c = f.node(hub.KindOrganisation, "c", nil)
	x.d = f.node(hub.KindOrganisation, "d", &hub.Period{End: day("2020-12-31")})
	x.s1 = f.node(hub.KindService, "s1", nil)
	x.aP1 = f.link(hub.PartnerIn, x.a, x.p1, nil)
	x.bP1 = f.link(hub.PartnerIn, x.b, x.p1, nil)
	x.bFundsP2 = f.link(hub.Funds, x.b, x.p2, &hub.Period{Start: day("2020-01-01"), End: day("2020-12-31")})
	x.cP2 = f.link(hub.PartnerIn, x.c, x.p2, nil)
	x.p1S1 = f.link(hub.Provides, x.p1, x.s1, nil)
	x.aRefB = f.link(hub.RefersTo, x.a, x.b, &hub.Period{End: day("2020-12-31")})
	x.dMemberC = f.link(hub.MemberOf, x.d, x.c, nil)
	return MustStore(t, f), x
}

func TestLoad(t *testing.T) {
	s, x := loadFixture(t)
	ctx := context.Background()
	load := func(t *testing.T, opt network.LoadOptions) *network.Graph {
		t.Helper()
		g, err := network.Load(ctx, s, opt)
		if err != nil {
			t.Fatalf("Load(%+v): %v", opt, err)
		}
		return g
	}
	same := func(t *testing.T, what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, sorted(want...)) {
			t.Fatalf("%s: got %v, want %v", what, got, sorted(want...))
		}
	}

	t.Run("depth 0 is the center", func(t *testing.T) {
		g := load(t, network.LoadOptions{Center: []string{x.p1}})
		same(t, "nodes", nodeIDs(g), []string{x.p1})
		same(t, "edges", edgeIDs(g), nil)
	})
	t.Run("depth 1 holds the edges among the neighbours", func(t *testing.T) {
		g := load(t, network.LoadOptions{Center: []string{x.p1}, Depth: 1})
		same(t, "nodes", nodeIDs(g), []string{x.p1, x.a, x.b, x.s1})
		same(t, "edges", edgeIDs(g), []string{x.aP1, x.bP1, x.p1S1, x.aRefB})
		if g.Truncated {
			t.Fatal("truncated")
		}
	})
	t.Run("depth grows the neighbourhood level by level", func(t *testing.T) {
		g := load(t, network.LoadOptions{Center: []string{x.p1}, Depth: 3})
		same(t, "nodes", nodeIDs(g), []string{x.p1, x.a, x.b, x.s1, x.p2, x.c})
		same(t, "edges", edgeIDs(g), []string{x.aP1, x.bP1, x.p1S1, x.aRefB, x.bFundsP2, x.cP2})
	})
	t.Run("direction out follows arrows and keeps every edge among the nodes", func(t *testing.T) {
		g := load(t, network.LoadOptions{Center: []string{x.a}, Depth: 1, Direction: hub.Out})
		same(t, "nodes", nodeIDs(g), []string{x.a, x.p1, x.b})
		same(t, "edges", edgeIDs(g), []string{x.aP1, x.aRefB, x.bP1})
		g = load(t, network.LoadOptions{Center: []string{x.a}, Depth: 6, Direction: hub.Out})
		same(t, "nodes", nodeIDs(g), []string{x.a, x.p1, x.b, x.s1, x.p2})
	})
	t.Run("direction in walks against the arrows", func(t *testing.T) {
		g := load(t, network.LoadOptions{Center: []string{x.s1}, Depth: 2, Direction: hub.In})
		same(t, "nodes", nodeIDs(g), []string{x.s1, x.p1, x.a, x.b})
		same(t, "edges", edgeIDs(g), []string{x.p1S1, x.aP1, x.bP1, x.aRefB})
	})
	t.Run("types restrict what is followed and kept", func(t *testing.T) {
		g := load(t, network.LoadOptions{Center: []string{x.p1}, Depth: 4, Types: []hub.RelationshipType{hub.PartnerIn}})
		same(t, "nodes", nodeIDs(g), []string{x.p1, x.a, x.b})
		same(t, "edges", edgeIDs(g), []string{x.aP1, x.bP1})
	})
	t.Run("as of a day leaves out what was not there", func(t *testing.T) {
		// 2020: P2 does not exist yet, so B's funding has no end to reach.
		g := load(t, network.LoadOptions{Center: []string{x.b}, Depth: 6, AsOf: day("2020-06-01")})
		same(t, "nodes 2020", nodeIDs(g), []string{x.b, x.p1, x.a, x.s1})
		same(t, "edges 2020", edgeIDs(g), []string{x.aP1, x.bP1, x.p1S1, x.aRefB})
		// 2021: P2 runs but the funding and the referral ended; D ended.
		g = load(t, network.LoadOptions{Center: []string{x.b}, Depth: 6, AsOf: day("2021-06-01")})
		same(t, "nodes 2021", nodeIDs(g), []string{x.b, x.p1, x.a, x.s1})
		g = load(t, network.LoadOptions{Center: []string{x.c}, Depth: 6, AsOf: day("2021-06-01")})
		same(t, "nodes 2021 from C", nodeIDs(g), []string{x.c, x.p2})
		// A center that did not exist on the day is left out.
		g = load(t, network.LoadOptions{Center: []string{x.d, x.p2}, AsOf: day("2023-01-01")})
		same(t, "nodes 2023", nodeIDs(g), nil)
	})
	t.Run("without centers the filter selects the nodes", func(t *testing.T) {
		g := load(t, network.LoadOptions{Filter: hub.NodeFilter{Kinds: []hub.Kind{hub.KindOrganisation}}})
		same(t, "nodes", nodeIDs(g), []string{x.a, x.b, x.c, x.d})
		same(t, "edges", edgeIDs(g), []string{x.aRefB, x.dMemberC})
		g = load(t, network.LoadOptions{Filter: hub.NodeFilter{Kinds: []hub.Kind{hub.KindOrganisation}}, AsOf: day("2021-01-01")})
		same(t, "nodes 2021", nodeIDs(g), []string{x.a, x.b, x.c})
		same(t, "edges 2021", edgeIDs(g), nil)
		// The filter's nodes are seeds that depth expands.
		g = load(t, network.LoadOptions{Filter: hub.NodeFilter{IDs: []string{x.d}}, Depth: 2})
		same(t, "nodes from D", nodeIDs(g), []string{x.d, x.c, x.p2})
		// Where works too: pilots with a partner.
		g = load(t, network.LoadOptions{Where: &hub.Where{
			Filter:        hub.NodeFilter{Kinds: []hub.Kind{hub.KindPilot}},
			Relationships: []*hub.RelationshipMatch{{Dir: hub.In, Types: []hub.RelationshipType{hub.Funds}}},
		}})
		same(t, "funded pilots", nodeIDs(g), []string{x.p2})
	})
	t.Run("bad options", func(t *testing.T) {
		for _, c := range []struct {
			opt  network.LoadOptions
			code string
		}{
			{network.LoadOptions{Center: []string{x.a}, Depth: network.MaxDepth + 1}, hub.EINVALID},
			{network.LoadOptions{Center: []string{x.a}, Depth: -1}, hub.EINVALID},
			{network.LoadOptions{Center: []string{x.a}, Limit: -1}, hub.EINVALID},
			{network.LoadOptions{Center: []string{x.a}, Limit: network.MaxNodes + 1}, hub.ETOOLARGE},
			{network.LoadOptions{Center: []string{x.a}, Direction: "UP"}, hub.EINVALID},
			{network.LoadOptions{Center: []string{x.a}, Types: []hub.RelationshipType{"LIKES"}}, hub.EINVALID},
			{network.LoadOptions{Center: []string{x.a}, Filter: hub.NodeFilter{Kinds: []hub.Kind{hub.KindPilot}}}, hub.EINVALID},
			{network.LoadOptions{Center: []string{hub.NodeID(hub.KindPilot, "nope")}}, hub.ENOTFOUND},
		} {
			_, err := network.Load(ctx, s, c.opt)
			MustCode(t, err, c.code)
		}
	})
}

func TestLoadTruncatesDeterministically(t *testing.T) {
	s, x := loadFixture(t)
	ctx := context.Background()
	level1 := sorted(x.a, x.b, x.s1)
	for _, c := range []struct {
		limit     int
		want      []string
		truncated bool
	}{
		{1, []string{x.p1}, true},
		{3, []string{x.p1, level1[0], level1[1]}, true},
		{4, []string{x.p1, x.a, x.b, x.s1}, true},
		{6, []string{x.p1, x.a, x.b, x.s1, x.p2, x.c}, true},
		{7, []string{x.p1, x.a, x.b, x.s1, x.p2, x.c, x.d}, false},
		{50, []string{x.p1, x.a, x.b, x.s1, x.p2, x.c, x.d}, false},
	} {
		for range 3 {
			g, err := network.Load(ctx, s, network.LoadOptions{Center: []string{x.p1}, Depth: 6, Limit: c.limit})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(nodeIDs(g), sorted(c.want...)) || g.Truncated != c.truncated {
				t.Fatalf("limit %d: got %v truncated=%v, want %v truncated=%v", c.limit, nodeIDs(g), g.Truncated, sorted(c.want...), c.truncated)
			}
			for _, e := range g.Edges {
				if !slices.Contains(c.want, e.FromID) || !slices.Contains(c.want, e.ToID) {
					t.Fatalf("limit %d: edge %s leaves the kept nodes", c.limit, e.ID)
				}
			}
		}
	}
	// The seeds of a filter are cut by id too.
	orgs := sorted(x.a, x.b, x.c, x.d)
	g, err := network.Load(ctx, s, network.LoadOptions{Filter: hub.NodeFilter{Kinds: []hub.Kind{hub.KindOrganisation}}, Limit: 2})
	if err != nil || !slices.Equal(nodeIDs(g), orgs[:2]) || !g.Truncated {
		t.Fatalf("got %v truncated=%v, %v; want %v", nodeIDs(g), g.Truncated, err, orgs[:2])
	}
}

func TestLoadQueriesOncePerLevel(t *testing.T) {
	s, x := loadFixture(t)
	ctx := context.Background()
	for _, c := range []struct {
		depth, rels, nodes int
	}{
		// Levels: {P1}, {A, B, S1}, {P2}, {C}, {D}, then nothing new.
		{0, 1, 1},
		{1, 2, 2},
		{2, 3, 3},
		{4, 5, 5},
		{6, 5, 5},
	} {
		cs := &countingStore{Reader: s}
		g, err := network.Load(ctx, cs, network.LoadOptions{Center: []string{x.p1}, Depth: c.depth})
		if err != nil {
			t.Fatal(err)
		}
		if cs.findRels != c.rels || cs.nodesByID != c.nodes || cs.findNodes != 0 {
			t.Fatalf("depth %d (%d nodes): %d FindRelationships (frontiers %v), %d NodesByID, %d FindNodes; want %d, %d, 0",
				c.depth, len(g.Nodes), cs.findRels, cs.frontier, cs.nodesByID, cs.findNodes, c.rels, c.nodes)
		}
		if cs.findRels > c.depth+1 {
			t.Fatalf("depth %d: %d relationship queries, more than one per level", c.depth, cs.findRels)
		}
	}
	// Without centers: hub.Select's one FindNodes, then the same.
	cs := &countingStore{Reader: s}
	if _, err := network.Load(ctx, cs, network.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if cs.findNodes != 1 || cs.findRels != 1 || cs.nodesByID != 1 {
		t.Fatalf("whole graph: %d FindNodes, %d FindRelationships, %d NodesByID; want 1, 1, 1", cs.findNodes, cs.findRels, cs.nodesByID)
	}
}

func TestDiff(t *testing.T) {
	s, x := loadFixture(t)
	ctx := context.Background()
	d, err := network.Diff(ctx, s, network.LoadOptions{}, *day("2020-06-01"), *day("2021-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	ids := func(ns []*hub.Node) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.ID)
		}
		return out
	}
	rids := func(rs []*hub.Relationship) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	check := func(what string, got, want []string) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(sorted(want...)) {
			t.Errorf("%s: got %v, want %v", what, got, sorted(want...))
		}
	}
	check("nodes appeared", ids(d.NodesAppeared), []string{x.p2})
	check("nodes ended", ids(d.NodesEnded), []string{x.d})
	check("edges appeared", rids(d.EdgesAppeared), []string{x.cP2})
	check("edges ended", rids(d.EdgesEnded), []string{x.aRefB, x.dMemberC})
	if len(d.NodesChanged)+len(d.EdgesChanged) != 0 || d.Truncated {
		t.Errorf("changed: %v %v, truncated %v", d.NodesChanged, d.EdgesChanged, d.Truncated)
	}
	if !d.From.Equal(*day("2020-06-01")) || !d.To.Equal(*day("2021-06-01")) {
		t.Errorf("dates: %v %v", d.From, d.To)
	}

	_, err = network.Diff(ctx, s, network.LoadOptions{}, *day("2021-06-01"), *day("2020-06-01"))
	MustCode(t, err, hub.EINVALID)
	_, err = network.Diff(ctx, s, network.LoadOptions{AsOf: day("2020-01-01")}, *day("2020-06-01"), *day("2021-06-01"))
	MustCode(t, err, hub.EINVALID)
}

func TestCompareFindsChangedValues(t *testing.T) {
	n := func(id string, p *hub.Period) *hub.Node { return &hub.Node{ID: id, Period: p} }
	r := func(id, role string, amount int64, p *hub.Period) *hub.Relationship {
		rel := &hub.Relationship{ID: id, FromID: "a", ToID: "b", Role: role, Period: p}
		if amount > 0 {
			rel.Amount = &hub.Money{Minor: amount, Currency: "EUR"}
		}
		return rel
	}
	y2020 := &hub.Period{Start: day("2020-01-01")}
	before, _ := network.New(
		[]*hub.Node{n("a", nil), n("b", y2020), n("old", nil)},
		[]*hub.Relationship{r("r1", "lead", 0, nil), r("r2", "", 100, nil), r("r3", "", 0, y2020), r("r4", "", 0, nil), r("gone", "", 0, nil)})
	after, _ := network.New(
		[]*hub.Node{n("a", &hub.Period{}), n("b", &hub.Period{Start: day("2020-01-01")}), n("new", nil)},
		[]*hub.Relationship{r("r1", "partner", 0, nil), r("r2", "", 200, nil), r("r3", "", 0, &hub.Period{Start: day("2021-01-01")}), r("r4", "", 0, nil), r("added", "", 0, nil)})
	d := network.Compare(before, after)
	got := fmt.Sprintf("%d %d %d %d %d %d", len(d.NodesAppeared), len(d.NodesEnded), len(d.NodesChanged), len(d.EdgesAppeared), len(d.EdgesEnded), len(d.EdgesChanged))
	if got != "1 1 0 1 1 3" {
		t.Fatalf("got counts %s, want 1 1 0 1 1 3 (an empty period is no period)", got)
	}
	if d.NodesAppeared[0].ID != "new" || d.NodesEnded[0].ID != "old" || d.EdgesAppeared[0].ID != "added" || d.EdgesEnded[0].ID != "gone" {
		t.Fatalf("got %+v", d)
	}
	for i, want := range []string{"r1", "r2", "r3"} {
		if c := d.EdgesChanged[i]; c.Before.ID != want || c.After.ID != want {
			t.Fatalf("changed %d: got %s", i, c.Before.ID)
		}
	}
}
