package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/otehub/hub"
)

var reverseTests = []struct {
	name string
	fn   func(t *testing.T, s Store)
}{
	{"reverse pages walk every order backwards, row for row", testReversePaging},
	{"every page from every cursor, both ways, is that of a naive sort", testPagesLikeOracle},
}

// testReversePaging walks each order backwards with Reverse and checks
// it meets the forward walk's rows in exactly the opposite order.
func testReversePaging(t *testing.T, s Store) {
	var rows []any
	rows = append(rows, Source())
	var last *hub.Node
	for i, name := range []string{"Beta", "alfa", "Gamma", "beta", "Delta", "Alfa", "epsilon"} {
		n := node(hub.KindOrganisation, "o"+string(rune('a'+i)), name)
		if i%2 == 0 {
			n.Period = period("2017-01-0"+string(rune('1'+i%3)), "")
		}
		rows = append(rows, n)
		if last != nil {
			rows = append(rows, rel(hub.PartnerIn, last, n, ""))
		}
		last = n
	}
	mustApply(t, s, rows...)
	nodeOrders := [][]hub.Order{{{Field: hub.OrderByName}}, {{Field: hub.OrderByName, Desc: true}}, {{Field: hub.OrderByStartDate}, {Field: hub.OrderByName, Desc: true}}, {{Field: hub.OrderByID, Desc: true}}, nil}
	for _, orders := range nodeOrders {
		f := hub.NodeFilter{Kinds: []hub.Kind{hub.KindOrganisation}}
		forward, _ := mustFindNodes(t, s, f, hub.ListOptions{OrderBy: orders, First: hub.Unlimited})
		for _, size := range []int{1, 2, 3} {
			var back []string
			opts := hub.ListOptions{OrderBy: orders, First: size, Reverse: true}
			for range 20 {
				page, more := mustFindNodes(t, s, f, opts)
				for _, n := range page {
					back = append(back, n.ID)
				}
				if !more {
					break
				}
				tail := page[len(page)-1]
				opts.After = &hub.Cursor{Values: hub.NodeOrderValues(tail, orders), ID: tail.ID}
			}
			want := nodeIDs(forward)
			slices.Reverse(want)
			if !slices.Equal(back, want) {
				t.Errorf("nodes %v by %d backwards: %v, want %v", orders, size, back, want)
			}
		}
	}
	relOrders := [][]hub.Order{{{Field: hub.OrderByType}}, {{Field: hub.OrderByID, Desc: true}}}
	for _, orders := range relOrders {
		forward, _ := mustFindRelationships(t, s, hub.RelationshipFilter{}, hub.ListOptions{OrderBy: orders, First: hub.Unlimited})
		var back []string
		opts := hub.ListOptions{OrderBy: orders, First: 2, Reverse: true}
		for range 20 {
			page, more := mustFindRelationships(t, s, hub.RelationshipFilter{}, opts)
			for _, r := range page {
				back = append(back, r.ID)
			}
			if !more {
				break
			}
			tail := page[len(page)-1]
			opts.After = &hub.Cursor{Values: hub.RelationshipOrderValues(tail, orders), ID: tail.ID}
		}
		want := relIDs(forward)
		slices.Reverse(want)
		if !slices.Equal(back, want) {
			t.Errorf("relationships %v backwards: %v, want %v", orders, back, want)
		}
	}
}

// testPagesLikeOracle asks FindNodes and FindRelationships for every
// page of several filters in every order: from no cursor, from every
// row and from a position just after every row, forwards and backwards,
// at several page sizes, and compares each page and its hasNext with a
// naive sort of the store's rows (oraclePage). The network has names
// that tie once folded, repeated start days and kinds, and undated rows.
func testPagesLikeOracle(t *testing.T, s Store) {
	b := WhereNetwork()
	o := newOrderSet()
	b.Nodes = slices.Concat(b.Nodes, o.nodes(), fillerNodes(12))
	b.Relationships = append(b.Relationships, rel(hub.PartOf, o.alfa, o.myrsky, ""), rel(hub.PartOf, o.zeta, o.myrsky, ""))
	mustApply(t, s, b.Nodes, b.Relationships)
	net := mustLoadPlain(t, s)
	sizes := []int{0, 1, 3, hub.Unlimited}

	r1 := hub.NodeID(hub.KindRegion, "r1")
	nodeFilters := []hub.NodeFilter{
		{},
		{Kinds: []hub.Kind{hub.KindOrganisation}},
		{Kinds: []hub.Kind{hub.KindPilot, hub.KindProgramme, hub.KindService}},
		{RegionIDs: []string{r1}},
		{NameContains: "pilotti"},
		{NameContains: "xyzzy"},
	}
	nodeOrders := [][]hub.Order{
		nil,
		{asc(hub.OrderByName)}, {desc(hub.OrderByName)},
		{asc(hub.OrderByStartDate)}, {desc(hub.OrderByStartDate)},
		{asc(hub.OrderByKind)}, {desc(hub.OrderByKind), asc(hub.OrderByName)},
		{asc(hub.OrderByStartDate), desc(hub.OrderByName)},
		{asc(hub.OrderByName), desc(hub.OrderByStartDate), asc(hub.OrderByKind)},
		{desc(hub.OrderByID)},
	}
	for _, f := range nodeFilters {
		var rows []*hub.Node
		for _, n := range net.nodes {
			if nodeFilterHolds(&f, n, net) {
				rows = append(rows, n)
			}
		}
		for _, orders := range nodeOrders {
			t.Run(fmt.Sprintf("nodes %+v by %v", f, orders), func(t *testing.T) {
				cursors := []*hub.Cursor{nil}
				for _, n := range rows {
					keys := nodeKeys(n, orders)
					cursors = append(cursors, &hub.Cursor{Values: keys, ID: n.ID}, &hub.Cursor{Values: keys, ID: n.ID + "~"})
				}
				for _, c := range cursors {
					for _, first := range sizes {
						for _, reverse := range []bool{false, true} {
							opts := hub.ListOptions{OrderBy: orders, First: first, After: c, Reverse: reverse}
							got, more := mustFindNodes(t, s, f, opts)
							want, wantMore := oraclePage(rows, opts, nodeKeys, nodeID)
							if !slices.Equal(nodeIDs(got), nodeIDs(want)) || more != wantMore {
								t.Errorf("after %v, first %d, reverse %v:\n got %s, more %v\nwant %s, more %v",
									c, first, reverse, names(t, s, nodeIDs(got)), more, names(t, s, nodeIDs(want)), wantMore)
							}
						}
					}
				}
			})
		}
	}

	a, p1 := hub.NodeID(hub.KindOrganisation, "a"), hub.NodeID(hub.KindPilot, "p1")
	relFilters := []hub.RelationshipFilter{
		{},
		{Types: []hub.RelationshipType{hub.PartnerIn, hub.Funds}},
		{NodeIDs: []string{a}},
		{NodeIDs: []string{a, p1}, Direction: hub.In},
		{FromIDs: []string{a}, Types: []hub.RelationshipType{hub.PartnerIn}},
		{ToIDs: []string{p1}},
	}
	relOrders := [][]hub.Order{
		nil,
		{asc(hub.OrderByType)}, {desc(hub.OrderByType)},
		{asc(hub.OrderByStartDate)}, {desc(hub.OrderByStartDate), asc(hub.OrderByType)},
		{asc(hub.OrderByType), desc(hub.OrderByStartDate)},
		{desc(hub.OrderByID)},
	}
	for _, f := range relFilters {
		var rows []*hub.Relationship
		for _, r := range net.rels {
			if relFilterHolds(&f, r) {
				rows = append(rows, r)
			}
		}
		for _, orders := range relOrders {
			t.Run(fmt.Sprintf("relationships %+v by %v", f, orders), func(t *testing.T) {
				cursors := []*hub.Cursor{nil}
				for _, r := range rows {
					keys := relationshipKeys(r, orders)
					cursors = append(cursors, &hub.Cursor{Values: keys, ID: r.ID}, &hub.Cursor{Values: keys, ID: r.ID + "~"})
				}
				for _, c := range cursors {
					for _, first := range sizes {
						for _, reverse := range []bool{false, true} {
							opts := hub.ListOptions{OrderBy: orders, First: first, After: c, Reverse: reverse}
							got, more := mustFindRelationships(t, s, f, opts)
							want, wantMore := oraclePage(rows, opts, relationshipKeys, relID)
							if !slices.Equal(relIDs(got), relIDs(want)) || more != wantMore {
								t.Errorf("after %v, first %d, reverse %v:\n got %s, more %v\nwant %s, more %v",
									c, first, reverse, names(t, s, relIDs(got)), more, names(t, s, relIDs(want)), wantMore)
							}
						}
					}
				}
			})
		}
	}
}
