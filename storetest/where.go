package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/otehub/hub"
)

// selectTests check that hub.Select, the generic evaluator of rich
// conditions above the Store primitives, answers the same on every
// backend.
var selectTests = []struct {
	name string
	fn   func(t *testing.T, s hub.Store)
}{
	{"Select answers rich conditions alike on every store", testSelect},
}

// selectNetwork is a small network of three pilots and four
// organisations:
//
//	a administers p1, partners in p1 and p2 (2018-2019)
//	b partners in p1
//	c partners in p2 and p3
//	d has no relationships
//	p1 2016-2017, p2 2017-2019, p3 undated
func selectNetwork() []any {
	a, b := node(hub.KindOrganisation, "a", "Alfa ry"), node(hub.KindOrganisation, "b", "Beta Oy")
	c, d := node(hub.KindOrganisation, "c", "Gamma säätiö"), node(hub.KindOrganisation, "d", "Delta")
	a.Type, b.Type, c.Type, d.Type = "ASSOCIATION", "COMPANY", "FOUNDATION", "OTHER"
	p1, p2, p3 := node(hub.KindPilot, "p1", "Pilotti yksi"), node(hub.KindPilot, "p2", "Pilotti kaksi"), node(hub.KindPilot, "p3", "Pilotti kolme")
	p1.Period = period("2016-01-01", "2017-12-31")
	p2.Period = period("2017-01-01", "2019-12-31")
	late := rel(hub.PartnerIn, a, p2, "")
	late.Period = period("2018-01-01", "2019-12-31")
	return []any{source(), a, b, c, d, p1, p2, p3,
		rel(hub.Administers, a, p1, ""), rel(hub.PartnerIn, a, p1, ""), late,
		rel(hub.PartnerIn, b, p1, ""), rel(hub.PartnerIn, c, p2, ""), rel(hub.PartnerIn, c, p3, "")}
}

func testSelect(t *testing.T, s hub.Store) {
	mustApply(t, s, selectNetwork()...)
	orgs := hub.NodeFilter{Kinds: []hub.Kind{hub.KindOrganisation}}
	pilots := hub.NodeFilter{Kinds: []hub.Kind{hub.KindPilot}}
	two, one, five := 2, 1, 5
	str := func(s string) *string { return &s }
	yes, no := true, false
	partnerOut := func(w *hub.Where) *hub.RelationshipMatch {
		return &hub.RelationshipMatch{Dir: hub.Out, Types: []hub.RelationshipType{hub.PartnerIn}, Where: w}
	}
	pilotKey := func(k string) *hub.Where { return &hub.Where{Filter: hub.NodeFilter{Keys: []string{k}}} }
	for _, tc := range []struct {
		name string
		base hub.NodeFilter
		w    *hub.Where
		asOf string
		want []string
	}{
		{"no condition", orgs, nil, "", []string{"a", "b", "c", "d"}},
		{"a simple filter", orgs, &hub.Where{Filter: hub.NodeFilter{Types: []string{"COMPANY", "OTHER"}}}, "", []string{"b", "d"}},
		{"base and condition lists that share nothing match nothing", hub.NodeFilter{Keys: []string{"a"}}, &hub.Where{Filter: hub.NodeFilter{Keys: []string{"b"}}}, "", nil},
		{"kinds that share nothing match nothing", orgs, &hub.Where{Filter: hub.NodeFilter{Kinds: []hub.Kind{hub.KindPilot}}}, "", nil},
		{"partners in a given pilot", orgs, &hub.Where{Relationships: []*hub.RelationshipMatch{partnerOut(pilotKey("p1"))}}, "", []string{"a", "b"}},
		{"partners in at least two pilots", orgs, &hub.Where{Relationships: []*hub.RelationshipMatch{{Dir: hub.Out, Types: []hub.RelationshipType{hub.PartnerIn}, Count: &hub.IntRange{Gte: &two}}}}, "", []string{"a", "c"}},
		{"exactly one pilot of any kind of relationship", orgs, &hub.Where{Relationships: []*hub.RelationshipMatch{{Dir: hub.Out, Count: &hub.IntRange{Eq: &one}}}}, "", []string{"b"}},
		{"partners in no pilot", orgs, &hub.Where{Relationships: []*hub.RelationshipMatch{{Dir: hub.Out, Types: []hub.RelationshipType{hub.PartnerIn}, Quantifier: hub.None}}}, "", []string{"d"}},
		{"every pilot they partner in is dated", orgs, &hub.Where{Relationships: []*hub.RelationshipMatch{{Dir: hub.Out, Types: []hub.RelationshipType{hub.PartnerIn}, Quantifier: hub.All, Where: &hub.Where{Period: &hub.PeriodMatch{IsNull: &no}}}}}, "", []string{"a", "b", "d"}},
		{"pilots with more than five partners", pilots, &hub.Where{Relationships: []*hub.RelationshipMatch{{Dir: hub.In, Types: []hub.RelationshipType{hub.PartnerIn}, Count: &hub.IntRange{Gt: &five}}}}, "", nil},
		{"pilots with two partners", pilots, &hub.Where{Relationships: []*hub.RelationshipMatch{{Dir: hub.In, Types: []hub.RelationshipType{hub.PartnerIn}, Count: &hub.IntRange{Eq: &two}}}}, "", []string{"p1", "p2"}},
		{"pilots in which a has a role", pilots, &hub.Where{Relationships: []*hub.RelationshipMatch{{Dir: hub.In, Where: pilotKeyOf("a")}}}, "", []string{"p1", "p2"}},
		{"or of two conditions", orgs, &hub.Where{Or: []*hub.Where{{Filter: hub.NodeFilter{Keys: []string{"d"}}}, {Relationships: []*hub.RelationshipMatch{partnerOut(pilotKey("p3"))}}}}, "", []string{"c", "d"}},
		{"not", orgs, &hub.Where{Not: &hub.Where{Relationships: []*hub.RelationshipMatch{partnerOut(nil)}}}, "", []string{"d"}},
		{"and of a name and a relationship", orgs, &hub.Where{And: []*hub.Where{{Name: &hub.StringMatch{Contains: str("säätiö"), Fold: true}}, {Relationships: []*hub.RelationshipMatch{partnerOut(nil)}}}}, "", []string{"c"}},
		{"name prefix ignoring case and diacritics", orgs, &hub.Where{Name: &hub.StringMatch{Prefix: str("gamma saa"), Fold: true}}, "", []string{"c"}},
		{"name not in, exact", orgs, &hub.Where{Name: &hub.StringMatch{NotIn: []string{"Alfa ry", "Delta"}}}, "", []string{"b", "c"}},
		{"key in", orgs, &hub.Where{Key: &hub.StringMatch{In: []string{"a", "c", "x"}}}, "", []string{"a", "c"}},
		{"pilots overlapping 2018", pilots, &hub.Where{Period: &hub.PeriodMatch{Overlaps: period("2018-01-01", "2018-12-31"), IsNull: &no}}, "", []string{"p2"}},
		{"undated pilots", pilots, &hub.Where{Period: &hub.PeriodMatch{IsNull: &yes}}, "", []string{"p3"}},
		{"pilots starting from 2017", pilots, &hub.Where{Period: &hub.PeriodMatch{StartsFrom: day("2017-01-01")}}, "", []string{"p2"}},
		{"as of 2019 an ended pilot is gone", pilots, nil, "2019-06-01", []string{"p2", "p3"}},
		{"as of 2016 nobody partners in two running pilots", orgs, &hub.Where{Relationships: []*hub.RelationshipMatch{{Dir: hub.Out, Types: []hub.RelationshipType{hub.PartnerIn}, Count: &hub.IntRange{Gte: &two}}}}, "2016-06-01", nil},
		{"as of 2018 only c partners in two running pilots: p1 has ended", orgs, &hub.Where{Relationships: []*hub.RelationshipMatch{{Dir: hub.Out, Types: []hub.RelationshipType{hub.PartnerIn}, Count: &hub.IntRange{Gte: &two}}}}, "2018-06-01", []string{"c"}},
		{"as of 2019 nobody partners in p1", orgs, &hub.Where{Relationships: []*hub.RelationshipMatch{partnerOut(pilotKey("p1"))}}, "2019-06-01", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var asOf *time.Time
			if tc.asOf != "" {
				asOf = day(tc.asOf)
			}
			ids, err := hub.Select(t.Context(), s, tc.base, tc.w, asOf)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			nodes := mustNodesByID(t, s, ids...)
			for _, n := range nodes {
				keys = append(keys, n.Key)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, tc.want) {
				t.Errorf("got %v, want %v", keys, tc.want)
			}
		})
	}
}

// pilotKeyOf selects the organisation with key k (a condition on the
// related node, seen from a pilot).
func pilotKeyOf(k string) *hub.Where {
	return &hub.Where{Filter: hub.NodeFilter{Kinds: []hub.Kind{hub.KindOrganisation}, Keys: []string{k}}}
}
