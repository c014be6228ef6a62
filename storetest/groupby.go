package storetest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub"
)

// groupByTests check hub.GroupBy against hand-written answers and
// against the oracle's brute-force group-by over the store's rows, spec
// by spec.
var groupByTests = []struct {
	name string
	fn   func(t *testing.T, s Store)
}{
	{"GroupBy answers like a brute-force group-by on every spec", testGroupBy},
}

// groupByNetwork is a small network of organisations, pilots and their
// funding:
//
//	regions r1, r2; organisations a (r1), b (r1, r2), c (none), f (r2)
//	programmes prog 2015-2020 and old 1950-2020 (a long span); theme t
//	pilots p1 2016-03..2017 (r1), p2 2017- (r1, r2), p3 undated, p4 -2019-06 (r2)
//	p1, p2 PART_OF prog; p1 HAS_THEME t; a ADMINISTERS p1
//	PARTNER_IN: a→p1, a→p2 (2018-2019), b→p1, c→p2, c→p3
//	FUNDS: f→p1 100 000, 120 000 and 120 000 EUR (disagreeing sources, a
//	tie); f→p2 50 000.40 EUR (2018) and 1 000.01 USD; a→p3 2 500.20 EUR;
//	b→p1 without an amount; f→p4 3 000 and 2 000 EUR
func groupByNetwork() (nodes []*hub.Node, rels []*hub.Relationship) {
	r1, r2 := node(hub.KindRegion, "r1", "Kainuu"), node(hub.KindRegion, "r2", "Uusimaa")
	a, b := node(hub.KindOrganisation, "a", "Alfa ry"), node(hub.KindOrganisation, "b", "Beta Oy")
	c, f := node(hub.KindOrganisation, "c", "Gamma säätiö"), node(hub.KindOrganisation, "f", "Ministeriö")
	a.Type, b.Type, c.Type, f.Type = "ASSOCIATION", "COMPANY", "FOUNDATION", "MINISTRY"
	a.RegionIDs, b.RegionIDs, f.RegionIDs = []string{r1.ID}, []string{r1.ID, r2.ID}, []string{r2.ID}
	prog, old := node(hub.KindProgramme, "prog", "Ohjelma"), node(hub.KindProgramme, "old", "Vanha ohjelma")
	prog.Period, old.Period = period("2015-01-01", "2020-12-31"), period("1950-01-01", "2020-12-31")
	p1, p2 := node(hub.KindPilot, "p1", "Pilotti yksi"), node(hub.KindPilot, "p2", "Pilotti kaksi")
	p3, p4 := node(hub.KindPilot, "p3", "Pilotti kolme"), node(hub.KindPilot, "p4", "Pilotti neljä")
	p1.Period, p2.Period, p4.Period = period("2016-03-01", "2017-12-31"), period("2017-01-01", ""), period("", "2019-06-30")
	p1.RegionIDs, p2.RegionIDs, p4.RegionIDs = []string{r1.ID}, []string{r1.ID, r2.ID}, []string{r2.ID}
	theme := node(hub.KindTheme, "t", "Teema")

	funds := func(from, to *hub.Node, disc string, minor int64, currency string) *hub.Relationship {
		r := rel(hub.Funds, from, to, disc)
		if currency != "" {
			r.Amount = &hub.Money{Minor: minor, Currency: currency}
		}
		return r
	}
	late := rel(hub.PartnerIn, a, p2, "")
	late.Period = period("2018-01-01", "2019-12-31")
	dated := funds(f, p2, "", 5_000_040, "EUR")
	dated.Period = period("2018-01-01", "2018-12-31")
	nodes = []*hub.Node{Source(), r1, r2, a, b, c, f, prog, old, p1, p2, p3, p4, theme}
	rels = []*hub.Relationship{
		rel(hub.PartOf, p1, prog, ""), rel(hub.PartOf, p2, prog, ""), rel(hub.HasTheme, p1, theme, ""),
		rel(hub.Administers, a, p1, ""),
		rel(hub.PartnerIn, a, p1, ""), late, rel(hub.PartnerIn, b, p1, ""), rel(hub.PartnerIn, c, p2, ""), rel(hub.PartnerIn, c, p3, ""),
		funds(f, p1, "s1", 10_000_000, "EUR"), funds(f, p1, "s2", 12_000_000, "EUR"), funds(f, p1, "s3", 12_000_000, "EUR"),
		dated, funds(f, p2, "usd", 100_001, "USD"), funds(a, p3, "", 250_020, "EUR"), funds(b, p1, "", 0, ""),
		funds(f, p4, "s1", 300_000, "EUR"), funds(f, p4, "s2", 200_000, "EUR"),
	}
	return nodes, rels
}

func testGroupBy(t *testing.T, s Store) {
	nodes, rels := groupByNetwork()
	mustApply(t, s, nodes, rels)
	net := mustLoadPlain(t, s)
	// Keys are node ids; show them as node keys.
	keyOf := map[string]string{}
	for _, n := range nodes {
		keyOf[n.ID] = n.Key
	}
	idOf := func(kind hub.Kind, key string) string { return hub.NodeID(kind, key) }
	var fundsRel []string
	for _, r := range rels {
		if r.Type == hub.Funds {
			fundsRel = append(fundsRel, r.ID)
		}
	}
	render := func(g hub.Group) string {
		keys := make([]string, len(g.Keys))
		for i, k := range g.Keys {
			keys[i] = k
			if key, ok := keyOf[k]; ok {
				keys[i] = key
			}
		}
		out := strings.Join(keys, ",") + ":" + strconv.Itoa(g.Count)
		num := func(f *float64) string {
			if f == nil {
				return "nil"
			}
			return strconv.FormatFloat(*f, 'f', -1, 64)
		}
		if g.Sum != nil || g.Min != nil || g.Max != nil || g.Avg != nil {
			out += fmt.Sprintf(" sum=%s min=%s max=%s avg=%s", num(g.Sum), num(g.Min), num(g.Max), num(g.Avg))
		}
		return out
	}
	kinds := func(ks ...hub.Kind) hub.NodeFilter { return hub.NodeFilter{Kinds: ks} }
	by := func(fields ...hub.GroupField) []hub.GroupKey {
		out := make([]hub.GroupKey, len(fields))
		for i, f := range fields {
			out[i] = hub.GroupKey{Field: f}
		}
		return out
	}
	str := func(s string) *string { return &s }
	two, no, yes := 2, false, true
	hundredThousand := 100_000.0
	onlyFunds := hub.RelationshipFilter{Types: []hub.RelationshipType{hub.Funds}}
	orgs, pilots := kinds(hub.KindOrganisation), kinds(hub.KindPilot)
	for _, tc := range []struct {
		name string
		spec hub.GroupSpec
		// want is the answer in any order; nil when the case is only
		// compared with the oracle.
		want []string
	}{
		// Nodes.
		{"nodes by kind", hub.GroupSpec{Collection: hub.GroupNodes, By: by(hub.ByKind)},
			[]string{"Organisation:4", "Pilot:4", "Programme:2", "Region:2", "SourceDocument:1", "Theme:1"}},
		{"nodes by type, a missing type in the empty group", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: kinds(hub.KindOrganisation, hub.KindTheme), By: by(hub.ByType)},
			[]string{":1", "ASSOCIATION:1", "COMPANY:1", "FOUNDATION:1", "MINISTRY:1"}},
		{"nodes by region count in each of their regions, and without one in the empty group", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: orgs, By: by(hub.ByRegion)},
			[]string{"r1:2", "r2:2", ":1"}},
		{"nodes by start year", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: kinds(hub.KindPilot, hub.KindProgramme), By: by(hub.ByStartYear)},
			[]string{"1950:1", "2015:1", "2016:1", "2017:1", ":2"}},
		{"nodes by kind and region", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: kinds(hub.KindPilot, hub.KindOrganisation), By: by(hub.ByKind, hub.ByRegion)},
			[]string{"Organisation,r1:2", "Organisation,r2:2", "Organisation,:1", "Pilot,r1:2", "Pilot,r2:2", "Pilot,:1"}},
		{"nodes by region twice: every pair of regions", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: orgs, By: by(hub.ByRegion, hub.ByRegion)},
			[]string{"r1,r1:2", "r1,r2:1", "r2,r1:1", "r2,r2:2", ",:1"}},
		{"nodes by key with distinct incoming partners as the degree", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: pilots, By: by(hub.ByKey),
			Measure: hub.MeasureDegree, DegreeDir: hub.In, DegreeTypes: []hub.RelationshipType{hub.PartnerIn}},
			[]string{"p1:1 sum=2 min=2 max=2 avg=2", "p2:1 sum=2 min=2 max=2 avg=2", "p3:1 sum=1 min=1 max=1 avg=1", "p4:1 sum=0 min=0 max=0 avg=0"}},
		{"organisations by key with the distinct nodes they point at", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: orgs, By: by(hub.ByKey),
			Measure: hub.MeasureDegree, DegreeDir: hub.Out},
			[]string{"a:1 sum=3 min=3 max=3 avg=3", "b:1 sum=1 min=1 max=1 avg=1", "c:1 sum=2 min=2 max=2 avg=2", "f:1 sum=3 min=3 max=3 avg=3"}},
		{"pilots by key with every related node", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: pilots, By: by(hub.ByKey), Measure: hub.MeasureDegree},
			[]string{"p1:1 sum=5 min=5 max=5 avg=5", "p2:1 sum=4 min=4 max=4 avg=4", "p3:1 sum=2 min=2 max=2 avg=2", "p4:1 sum=1 min=1 max=1 avg=1"}},
		{"degrees summed by kind", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: kinds(hub.KindPilot, hub.KindOrganisation, hub.KindTheme), By: by(hub.ByKind), Measure: hub.MeasureDegree},
			[]string{"Pilot:4 sum=12 min=1 max=5 avg=3", "Organisation:4 sum=9 min=1 max=3 avg=2.25", "Theme:1 sum=1 min=1 max=1 avg=1"}},
		{"degrees averaged to cents", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: kinds(hub.KindPilot, hub.KindRegion), By: by(hub.ByKind), Measure: hub.MeasureDegree,
			DegreeTypes: []hub.RelationshipType{hub.PartnerIn, hub.Administers}}, nil},
		{"a simple where narrows the base filter", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: orgs,
			Where: &hub.Where{Filter: hub.NodeFilter{Types: []string{"COMPANY", "FOUNDATION", "OTHER"}}}, By: by(hub.ByType)},
			[]string{"COMPANY:1", "FOUNDATION:1"}},
		{"name conditions on the base and the where both hold", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: hub.NodeFilter{NameContains: "pilotti"},
			Where: &hub.Where{Filter: hub.NodeFilter{NameContains: "KAKSI"}}, By: by(hub.ByKey)},
			[]string{"p2:1"}},
		{"a short name needle", hub.GroupSpec{Collection: hub.GroupNodes, Where: &hub.Where{Filter: hub.NodeFilter{NameContains: "ks"}}, By: by(hub.ByKey)},
			[]string{"p1:1", "p2:1"}},
		{"where lists that share nothing", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: hub.NodeFilter{Keys: []string{"a"}},
			Where: &hub.Where{Filter: hub.NodeFilter{Keys: []string{"b"}}}, By: by(hub.ByKind)}, nil},
		{"nodes by active year, long spans cut", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: kinds(hub.KindPilot, hub.KindProgramme), By: by(hub.ByActiveYear)}, nil},
		{"organisations by key and the pilots they partner in", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: orgs,
			By: []hub.GroupKey{{Field: hub.ByKey}, {Field: hub.ByRelated, Dir: hub.Out, Types: []hub.RelationshipType{hub.PartnerIn}}}},
			[]string{"a,p1:1", "a,p2:1", "b,p1:1", "c,p2:1", "c,p3:1", "f,:1"}},
		{"pilots by what points at them and start year", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: pilots,
			By: []hub.GroupKey{{Field: hub.ByRelated, Dir: hub.In}, {Field: hub.ByStartYear}}}, nil},
		{"having at least two", hub.GroupSpec{Collection: hub.GroupNodes, By: by(hub.ByKind), Having: &hub.IntRange{Gte: &two}},
			[]string{"Organisation:4", "Pilot:4", "Programme:2", "Region:2"}},
		{"a where folding case", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: pilots,
			Where: &hub.Where{Name: &hub.StringMatch{Prefix: str("pilotti k"), Fold: true}}, By: by(hub.ByKey)},
			[]string{"p2:1", "p3:1"}},
		{"pilots with two partners", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: pilots,
			Where: &hub.Where{Relationships: []*hub.RelationshipMatch{{Dir: hub.In, Types: []hub.RelationshipType{hub.PartnerIn}, Count: &hub.IntRange{Eq: &two}}}}, By: by(hub.ByKey)},
			[]string{"p1:1", "p2:1"}},
		{"organisations funding no dated pilot, by region", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: orgs,
			Where: &hub.Where{Relationships: []*hub.RelationshipMatch{{Dir: hub.Out, Types: []hub.RelationshipType{hub.Funds}, Quantifier: hub.None,
				Where: &hub.Where{Period: &hub.PeriodMatch{IsNull: &no}}}}}, By: by(hub.ByRegion)},
			[]string{"r1:1", ":1"}},
		{"as of a day", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: pilots, By: by(hub.ByKind), AsOf: day("2018-06-01")},
			[]string{"Pilot:3"}},
		{"a rich where as of a day", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: orgs,
			Where: &hub.Where{Relationships: []*hub.RelationshipMatch{{Dir: hub.Out, Types: []hub.RelationshipType{hub.PartnerIn}, Count: &hub.IntRange{Gte: &two}}}},
			By:    by(hub.ByKey), AsOf: day("2018-06-01")},
			[]string{"c:1"}},
		{"degrees as of a day", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: orgs, By: by(hub.ByKey), Measure: hub.MeasureDegree, DegreeDir: hub.Out,
			AsOf: day("2016-06-01")}, nil},
		// The partnership a→p2 starts in 2018; the related pilots' own
		// periods do not count (p1 has ended).
		{"organisations and the pilots they partner in as of a day", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: orgs,
			By: []hub.GroupKey{{Field: hub.ByKey}, {Field: hub.ByRelated, Dir: hub.Out, Types: []hub.RelationshipType{hub.PartnerIn}}}, AsOf: day("2017-06-01")},
			[]string{"a,p1:1", "b,p1:1", "c,p2:1", "c,p3:1", "f,:1"}},
		{"nodes by active year as of a day", hub.GroupSpec{Collection: hub.GroupNodes, Nodes: kinds(hub.KindPilot, hub.KindProgramme), By: by(hub.ByActiveYear),
			AsOf: day("2017-06-01")}, nil},

		// Relationships.
		{"relationships by type count every figure", hub.GroupSpec{Collection: hub.GroupRelationships, By: by(hub.ByType)},
			[]string{"ADMINISTERS:1", "FUNDS:9", "HAS_THEME:1", "PARTNER_IN:5", "PART_OF:2"}},
		{"funding by funder, the highest of disagreeing figures", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: onlyFunds,
			By: by(hub.ByFromKey), Measure: hub.MeasureAmount},
			[]string{"a:1 sum=2500.2 min=2500.2 max=2500.2 avg=2500.2", "b:1",
				"f:4 sum=174000.41 min=1000.01 max=120000 avg=43500.1"}},
		{"funding by funder, the lowest", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: onlyFunds,
			By: by(hub.ByFromKey), Measure: hub.MeasureAmount, Funding: hub.FundingLowest},
			[]string{"a:1 sum=2500.2 min=2500.2 max=2500.2 avg=2500.2", "b:1",
				"f:4 sum=153000.41 min=1000.01 max=100000 avg=38250.1"}},
		{"funding by funder, every figure", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: onlyFunds,
			By: by(hub.ByFromKey), Measure: hub.MeasureAmount, Funding: hub.FundingEvery},
			[]string{"a:1 sum=2500.2 min=2500.2 max=2500.2 avg=2500.2", "b:1",
				"f:7 sum=396000.41 min=1000.01 max=120000 avg=56571.49"}},
		{"funding by the recipient's regions", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: onlyFunds,
			By: by(hub.ByToRegion), Measure: hub.MeasureAmount},
			[]string{"r1:4 sum=171000.41 min=1000.01 max=120000 avg=57000.14", "r2:3 sum=54000.41 min=1000.01 max=50000.4 avg=18000.14",
				":1 sum=2500.2 min=2500.2 max=2500.2 avg=2500.2"}},
		{"funding by year: the relationship's, else the pilot's", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: onlyFunds,
			By: by(hub.ByStartYear), Measure: hub.MeasureAmount},
			[]string{"2016:2 sum=120000 min=120000 max=120000 avg=120000", "2017:1 sum=1000.01 min=1000.01 max=1000.01 avg=1000.01",
				"2018:1 sum=50000.4 min=50000.4 max=50000.4 avg=50000.4", ":2 sum=5500.2 min=2500.2 max=3000 avg=2750.1"}},
		{"funding by the recipient's programme", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: onlyFunds,
			By: by(hub.ByToParent), Measure: hub.MeasureAmount},
			[]string{"prog:4 sum=171000.41 min=1000.01 max=120000 avg=57000.14", ":2 sum=5500.2 min=2500.2 max=3000 avg=2750.1"}},
		{"relationships by the kinds of their ends", hub.GroupSpec{Collection: hub.GroupRelationships, By: by(hub.ByFromKind, hub.ByToKind)},
			[]string{"Organisation,Pilot:15", "Pilot,Programme:2", "Pilot,Theme:1"}},
		{"partners by pilot", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: hub.RelationshipFilter{Types: []hub.RelationshipType{hub.PartnerIn}},
			By: by(hub.ByToKey)},
			[]string{"p1:2", "p2:2", "p3:1"}},
		{"the relationships of a pilot with amounts: groups of rows without one have no measure", hub.GroupSpec{Collection: hub.GroupRelationships,
			Relationships: hub.RelationshipFilter{NodeIDs: []string{idOf(hub.KindPilot, "p1")}, Direction: hub.In}, By: by(hub.ByType), Measure: hub.MeasureAmount},
			[]string{"ADMINISTERS:1", "FUNDS:2 sum=120000 min=120000 max=120000 avg=120000", "PARTNER_IN:2"}},
		{"the funding policy applies to the filtered rows only", hub.GroupSpec{Collection: hub.GroupRelationships,
			Relationships: hub.RelationshipFilter{IDs: fundsRel[:1]}, By: by(hub.ByType), Measure: hub.MeasureAmount},
			[]string{"FUNDS:1 sum=100000 min=100000 max=100000 avg=100000"}},
		{"an average on a half cent", hub.GroupSpec{Collection: hub.GroupRelationships,
			Relationships: hub.RelationshipFilter{IDs: []string{fundsRel[4], fundsRel[5]}}, By: by(hub.ByType), Measure: hub.MeasureAmount},
			[]string{"FUNDS:2 sum=3500.21 min=1000.01 max=2500.2 avg=1750.11"}},
		{"relationships by the types and regions of their ends", hub.GroupSpec{Collection: hub.GroupRelationships,
			By: by(hub.ByFromType, hub.ByToType, hub.ByFromRegion), Measure: hub.MeasureAmount}, nil},
		{"relationships by the regions of both ends", hub.GroupSpec{Collection: hub.GroupRelationships, By: by(hub.ByFromRegion, hub.ByToRegion)}, nil},
		{"relationships by active year", hub.GroupSpec{Collection: hub.GroupRelationships, By: by(hub.ByActiveYear, hub.ByType)}, nil},
		{"relationships by to-kind and parent", hub.GroupSpec{Collection: hub.GroupRelationships, By: by(hub.ByToKind, hub.ByToParent, hub.ByFromKey)}, nil},
		{"funding of at least 100 000 by funder", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: onlyFunds,
			RelationshipWhere: &hub.RelationshipWhere{Amount: &hub.FloatRange{Gte: &hundredThousand}}, By: by(hub.ByFromKey), Measure: hub.MeasureAmount},
			[]string{"f:1 sum=120000 min=120000 max=120000 avg=120000"}},
		{"dated relationships by type", hub.GroupSpec{Collection: hub.GroupRelationships,
			RelationshipWhere: &hub.RelationshipWhere{Period: &hub.PeriodMatch{IsNull: &no}}, By: by(hub.ByType)},
			[]string{"FUNDS:1", "PARTNER_IN:1"}},
		{"relationships into p1 with an amount under 110 000, by type", hub.GroupSpec{Collection: hub.GroupRelationships,
			RelationshipWhere: &hub.RelationshipWhere{Filter: hub.RelationshipFilter{ToIDs: []string{idOf(hub.KindPilot, "p1")}},
				Amount: &hub.FloatRange{Lt: ptrTo(110_000.0)}}, By: by(hub.ByType)},
			[]string{"FUNDS:1"}},
		{"a folded role condition", hub.GroupSpec{Collection: hub.GroupRelationships,
			RelationshipWhere: &hub.RelationshipWhere{Role: &hub.StringMatch{IsNull: &yes, Fold: true}}, By: by(hub.ByType)}, nil},
		{"funding as of a day", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: onlyFunds,
			By: by(hub.ByToKey), Measure: hub.MeasureAmount, AsOf: day("2018-06-01")}, nil},
		{"the lowest funding by funder as of a day", hub.GroupSpec{Collection: hub.GroupRelationships, Relationships: onlyFunds,
			By: by(hub.ByFromKey), Measure: hub.MeasureAmount, Funding: hub.FundingLowest, AsOf: day("2017-06-01")}, nil},
		{"relationships by type as of a day: ended ends leave", hub.GroupSpec{Collection: hub.GroupRelationships, By: by(hub.ByType), AsOf: day("2019-01-01")}, nil},
		{"relationships by parent, start year and active year as of a day", hub.GroupSpec{Collection: hub.GroupRelationships,
			By: by(hub.ByToParent, hub.ByStartYear, hub.ByActiveYear), AsOf: day("2017-06-01")}, nil},
		{"relationships by the regions of their ends as of a day", hub.GroupSpec{Collection: hub.GroupRelationships,
			By: by(hub.ByFromRegion, hub.ByToRegion), AsOf: day("2018-06-01")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			got, err := hub.GroupBy(t.Context(), s, &spec)
			if err != nil {
				t.Fatalf("GroupBy: %v", err)
			}
			oracle := oracleGroupBy(net, &spec)
			rendered := func(groups []hub.Group) []string {
				out := make([]string, len(groups))
				for i, g := range groups {
					out[i] = render(g)
				}
				return out
			}
			// Both are in the group-by's order (count, then keys), which
			// leaves no ties: compare them as they come.
			if g, w := rendered(got), rendered(oracle); !slices.Equal(g, w) {
				t.Errorf("GroupBy and the oracle disagree:\n got %q\nwant %q", g, w)
			}
			if tc.want != nil {
				g := rendered(got)
				slices.Sort(g)
				w := slices.Sorted(slices.Values(tc.want))
				if !slices.Equal(g, w) {
					t.Errorf("got %q, want %q", g, w)
				}
			}
		})
	}

	// Every field alone and every pair of fields, with every measure and
	// funding policy, on several days.
	related := []hub.GroupKey{{Field: hub.ByRelated}, {Field: hub.ByRelated, Dir: hub.Out},
		{Field: hub.ByRelated, Dir: hub.In, Types: []hub.RelationshipType{hub.PartnerIn, hub.Funds}}}
	var nodeKeys []hub.GroupKey
	for _, f := range []hub.GroupField{hub.ByKind, hub.ByType, hub.ByKey, hub.ByRegion, hub.ByStartYear, hub.ByActiveYear} {
		nodeKeys = append(nodeKeys, hub.GroupKey{Field: f})
	}
	var relKeys []hub.GroupKey
	for _, f := range relationshipGroupFields {
		relKeys = append(relKeys, hub.GroupKey{Field: f})
	}
	var specs []hub.GroupSpec
	for _, asOf := range []*time.Time{nil, day("2017-06-01"), day("2018-06-01")} {
		for _, keys := range keyLists(slices.Concat(nodeKeys, related)) {
			specs = append(specs, hub.GroupSpec{Collection: hub.GroupNodes, By: keys, AsOf: asOf})
			if !slices.ContainsFunc(keys, func(k hub.GroupKey) bool { return k.Field == hub.ByRelated }) {
				specs = append(specs, hub.GroupSpec{Collection: hub.GroupNodes, By: keys, AsOf: asOf, Measure: hub.MeasureDegree},
					hub.GroupSpec{Collection: hub.GroupNodes, By: keys, AsOf: asOf, Measure: hub.MeasureDegree,
						DegreeDir: hub.Out, DegreeTypes: []hub.RelationshipType{hub.PartnerIn, hub.Administers}})
			}
		}
		for _, keys := range keyLists(relKeys) {
			specs = append(specs, hub.GroupSpec{Collection: hub.GroupRelationships, By: keys, AsOf: asOf})
			for _, policy := range []hub.FundingPolicy{"", hub.FundingLowest, hub.FundingEvery} {
				specs = append(specs, hub.GroupSpec{Collection: hub.GroupRelationships, By: keys, AsOf: asOf, Measure: hub.MeasureAmount, Funding: policy})
			}
		}
	}
	t.Run("every field and pair of fields", func(t *testing.T) {
		for _, spec := range specs {
			got, err := hub.GroupBy(t.Context(), s, &spec)
			if err != nil {
				t.Fatalf("GroupBy %s: %v", spec.String(), err)
			}
			g, w := make([]string, len(got)), []string{}
			for i, x := range got {
				g[i] = render(x)
			}
			for _, x := range oracleGroupBy(net, &spec) {
				w = append(w, render(x))
			}
			if !slices.Equal(g, w) {
				t.Errorf("%s measure %q %s as of %v:\n got %q\nwant %q", spec.String(), spec.Measure, spec.Funding, spec.AsOf, g, w)
			}
		}
	})
}

// keyLists returns every key alone and every ordered pair of keys, at
// most one of them RELATED.
func keyLists(keys []hub.GroupKey) [][]hub.GroupKey {
	var out [][]hub.GroupKey
	for i, a := range keys {
		out = append(out, []hub.GroupKey{a})
		for j, b := range keys {
			if i != j && (a.Field != hub.ByRelated || b.Field != hub.ByRelated) {
				out = append(out, []hub.GroupKey{a, b})
			}
		}
	}
	return out
}
