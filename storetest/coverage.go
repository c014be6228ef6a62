package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/otehub/hub"
)

// coverageTests check hub.Coverage against hand-written answers and
// against the oracle's brute-force matrix over the store's rows.
var coverageTests = []struct {
	name string
	fn   func(t *testing.T, s Store)
}{
	{"Coverage answers like a brute-force coverage matrix on every filter", testCoverage},
	{"Coverage cells come by service id, then region id, also when one id starts another", testCoverageOrder},
}

// coverageNetwork:
//
//	regions r1, r2, r3; themes t1, t2
//	services s1 (r1), s2 (METHOD, no region), s3 (r3, 2015-2018)
//	providers: pilot p (r1, 2017-2018), pilot q (r1, r2), programme
//	prog (r2), organisation o (no region)
//	recipients: target groups students, unemployed and old (-2010),
//	employer e
//	PROVIDES p→s1, p→s2, q→s1, q→s3, prog→s1, o→s1, o→s2
//	SERVES s1→students (2018-), s1→e, s2→old, p→unemployed,
//	q→unemployed (-2016)
//	HAS_THEME s1→t1, q→t2 (2019-), prog→t2
func coverageNetwork() (nodes []*hub.Node, rels []*hub.Relationship) {
	r1, r2, r3 := node(hub.KindRegion, "r1", "Kainuu"), node(hub.KindRegion, "r2", "Uusimaa"), node(hub.KindRegion, "r3", "Lappi")
	t1, t2 := node(hub.KindTheme, "t1", "Opinnoista töihin"), node(hub.KindTheme, "t2", "Osallisuus")
	s1, s2, s3 := node(hub.KindService, "s1", "Työhönvalmennus"), node(hub.KindService, "s2", "Arviointi"), node(hub.KindService, "s3", "Neuvonta")
	s1.RegionIDs, s3.RegionIDs = []string{r1.ID}, []string{r3.ID}
	s2.Type = "METHOD"
	s3.Period = period("2015-01-01", "2018-12-31")
	p, q := node(hub.KindPilot, "p", "Pilotti"), node(hub.KindPilot, "q", "Kokeilu")
	p.RegionIDs, q.RegionIDs = []string{r1.ID}, []string{r1.ID, r2.ID}
	p.Period = period("2017-01-01", "2018-12-31")
	prog, o := node(hub.KindProgramme, "prog", "Ohjelma"), node(hub.KindOrganisation, "o", "Yhdistys")
	prog.RegionIDs = []string{r2.ID}
	students, unemployed := node(hub.KindTargetGroup, "students", "Opiskelijat"), node(hub.KindTargetGroup, "unemployed", "Työttömät")
	old, e := node(hub.KindTargetGroup, "old", "Vanhat"), node(hub.KindEmployer, "e", "Työnantaja")
	old.Period = period("", "2010-12-31")

	dated := func(r *hub.Relationship, start, end string) *hub.Relationship {
		r.Period = period(start, end)
		return r
	}
	nodes = []*hub.Node{Source(), r1, r2, r3, t1, t2, s1, s2, s3, p, q, prog, o, students, unemployed, old, e}
	rels = []*hub.Relationship{
		rel(hub.Provides, p, s1, ""), rel(hub.Provides, p, s2, ""), rel(hub.Provides, q, s1, ""), rel(hub.Provides, q, s3, ""),
		rel(hub.Provides, prog, s1, ""), rel(hub.Provides, o, s1, ""), rel(hub.Provides, o, s2, ""),
		dated(rel(hub.Serves, s1, students, ""), "2018-01-01", ""), rel(hub.Serves, s1, e, ""), rel(hub.Serves, s2, old, ""),
		rel(hub.Serves, p, unemployed, ""), dated(rel(hub.Serves, q, unemployed, ""), "", "2016-12-31"),
		rel(hub.HasTheme, s1, t1, ""), dated(rel(hub.HasTheme, q, t2, ""), "2019-01-01", ""), rel(hub.HasTheme, prog, t2, ""),
	}
	return nodes, rels
}

func testCoverage(t *testing.T, s Store) {
	nodes, rels := coverageNetwork()
	mustApply(t, s, nodes, rels)
	keyOf, idOf := map[string]string{}, map[string]string{}
	for _, n := range nodes {
		keyOf[n.ID], idOf[n.Key] = n.Key, n.ID
	}
	ids := func(keys ...string) []string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = idOf[k]
		}
		return out
	}
	// A cell as "service,region:provisions providers...", with keys.
	render := func(cells []hub.CoverageCell) []string {
		out := make([]string, len(cells))
		for i, c := range cells {
			providers := make([]string, len(c.Providers))
			for j, p := range c.Providers {
				providers[j] = keyOf[p]
			}
			out[i] = fmt.Sprintf("%s,%s:%d %s", keyOf[c.ServiceID], keyOf[c.RegionID], c.Provisions, strings.Join(providers, " "))
		}
		return out
	}
	compare := func(t *testing.T, f hub.ProvisionFilter, want []string) {
		t.Helper()
		got, err := hub.Coverage(t.Context(), s, f)
		if err != nil {
			t.Fatalf("Coverage: %v", err)
		}
		// Both in the matrix order (service id, then region id).
		if g, w := render(got), render(oracleCoverage(mustLoadPlain(t, s), f)); !slices.Equal(g, w) {
			t.Errorf("Coverage and the oracle disagree:\n got %q\nwant %q", g, w)
		}
		if want != nil {
			g := render(got)
			slices.Sort(g)
			if w := slices.Sorted(slices.Values(want)); !slices.Equal(g, w) {
				t.Errorf("got %q, want %q", g, w)
			}
		}
	}
	for _, tc := range []struct {
		name string
		f    hub.ProvisionFilter
		// want is the answer in any order; nil when the case is only
		// compared with the oracle. Providers are in sort-name
		// order.
		want []string
	}{
		{"the whole matrix: a provision counts in its provider's and its service's regions", hub.ProvisionFilter{},
			[]string{"s1,r1:8 q prog p o", "s1,r2:4 q prog", "s2,r1:1 p", "s3,r1:1 q", "s3,r2:1 q", "s3,r3:1 q"}},
		{"by service type", hub.ProvisionFilter{ServiceTypes: []string{"METHOD"}}, []string{"s2,r1:1 p"}},
		{"by service type, with one that matches nothing", hub.ProvisionFilter{ServiceTypes: []string{"OPERATING_MODEL", "SERVICE"}},
			[]string{"s1,r1:8 q prog p o", "s1,r2:4 q prog", "s3,r1:1 q", "s3,r2:1 q", "s3,r3:1 q"}},
		{"by region: a selected provision still counts in all its regions", hub.ProvisionFilter{RegionIDs: ids("r3")},
			[]string{"s3,r1:1 q", "s3,r2:1 q", "s3,r3:1 q"}},
		{"by regions", hub.ProvisionFilter{RegionIDs: ids("r2", "r3")},
			[]string{"s1,r1:4 q prog", "s1,r2:4 q prog", "s3,r1:1 q", "s3,r2:1 q", "s3,r3:1 q"}},
		{"by the service's theme", hub.ProvisionFilter{ThemeIDs: ids("t1")}, []string{"s1,r1:8 q prog p o", "s1,r2:4 q prog"}},
		{"by the provider's theme", hub.ProvisionFilter{ThemeIDs: ids("t2")},
			[]string{"s1,r1:4 q prog", "s1,r2:4 q prog", "s3,r1:1 q", "s3,r2:1 q", "s3,r3:1 q"}},
		{"by pilot", hub.ProvisionFilter{ContextIDs: ids("p")}, []string{"s1,r1:2 p", "s2,r1:1 p"}},
		{"by programme", hub.ProvisionFilter{ContextIDs: ids("prog")}, []string{"s1,r1:2 prog", "s1,r2:2 prog"}},
		{"by provider", hub.ProvisionFilter{ProviderIDs: ids("o")}, []string{"s1,r1:2 o"}},
		{"by service", hub.ProvisionFilter{ServiceIDs: ids("s2")}, []string{"s2,r1:1 p"}},
		{"by recipient", hub.ProvisionFilter{RecipientIDs: ids("unemployed")}, []string{"s3,r1:1 q", "s3,r2:1 q", "s3,r3:1 q"}},
		{"by recipient kind", hub.ProvisionFilter{RecipientKinds: []hub.Kind{hub.KindEmployer}}, []string{"s1,r1:4 q prog p o", "s1,r2:2 q prog"}},
		{"by basis", hub.ProvisionFilter{Bases: []hub.ProvisionBasis{hub.BasisProvider}}, []string{"s3,r1:1 q", "s3,r2:1 q", "s3,r3:1 q"}},
		{"as of 2017: students not yet served, the old no longer there", hub.ProvisionFilter{AsOf: day("2017-06-01")},
			[]string{"s1,r1:4 q prog p o", "s1,r2:2 q prog", "s3,r1:1 q", "s3,r2:1 q", "s3,r3:1 q"}},
		{"as of 2017, the rows without a recipient", hub.ProvisionFilter{AsOf: day("2017-06-01"), Bases: []hub.ProvisionBasis{hub.BasisNone}},
			[]string{"s3,r1:1 q", "s3,r2:1 q", "s3,r3:1 q"}},
		{"as of 2019: the pilot p and the service s3 have ended", hub.ProvisionFilter{AsOf: day("2019-06-01")},
			[]string{"s1,r1:6 q prog o", "s1,r2:4 q prog"}},
		{"as of 2017 by theme: q's theme is later", hub.ProvisionFilter{AsOf: day("2017-06-01"), ThemeIDs: ids("t2")},
			[]string{"s1,r1:1 prog", "s1,r2:1 prog"}},
		{"as of 2019 by theme", hub.ProvisionFilter{AsOf: day("2019-06-01"), ThemeIDs: ids("t2")},
			[]string{"s1,r1:4 q prog", "s1,r2:4 q prog"}},
		{"filters that match nothing", hub.ProvisionFilter{ServiceTypes: []string{"OPERATING_MODEL"}}, []string{}},

		{"every filter at once", hub.ProvisionFilter{ServiceIDs: ids("s1", "s3"), ServiceTypes: []string{"SERVICE"}, ProviderIDs: ids("q", "prog", "p"),
			RecipientIDs: ids("students", "e", "unemployed"), ContextIDs: ids("q", "prog"), RegionIDs: ids("r1"), ThemeIDs: ids("t1", "t2"),
			RecipientKinds: []hub.Kind{hub.KindTargetGroup, hub.KindEmployer}, Bases: []hub.ProvisionBasis{hub.BasisService, hub.BasisProvider}}, nil},
		{"every filter at once, as of 2018", hub.ProvisionFilter{ServiceIDs: ids("s1", "s3"), ProviderIDs: ids("q", "prog", "p"),
			RecipientKinds: []hub.Kind{hub.KindTargetGroup}, ThemeIDs: ids("t1"), AsOf: day("2018-06-01")}, nil},
		{"the empty recipient and context select rows without them", hub.ProvisionFilter{RecipientIDs: []string{""}, ContextIDs: []string{"", idOf["q"]}}, nil},
		{"the empty recipient kind and service type", hub.ProvisionFilter{RecipientKinds: []hub.Kind{""}, ServiceTypes: []string{"", "SERVICE"}, AsOf: day("2017-06-01")}, nil},
		{"by recipient kind as of 2018", hub.ProvisionFilter{RecipientKinds: []hub.Kind{hub.KindTargetGroup}, AsOf: day("2018-06-01")}, nil},
		{"by basis as of 2016", hub.ProvisionFilter{Bases: []hub.ProvisionBasis{hub.BasisProvider, hub.BasisNone}, AsOf: day("2016-06-01")}, nil},
		{"by region as of 2010", hub.ProvisionFilter{RegionIDs: ids("r1"), AsOf: day("2010-06-01")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { compare(t, tc.f, tc.want) })
	}

	// Two providers with the same sort name in one cell: the order
	// between them is that of their ids.
	o2, o3 := node(hub.KindOrganisation, "o2", "Yhdistys"), node(hub.KindEmployer, "o3", "Yhdistys")
	o2.RegionIDs = []string{idOf["r2"]}
	s1 := nodes[slices.IndexFunc(nodes, func(n *hub.Node) bool { return n.Key == "s1" })]
	mustApply(t, s, o2, o3, rel(hub.Provides, o2, s1, ""), rel(hub.Provides, o3, s1, ""))
	keyOf[o2.ID], keyOf[o3.ID] = o2.Key, o3.Key
	t.Run("providers with the same name", func(t *testing.T) {
		compare(t, hub.ProvisionFilter{ServiceIDs: ids("s1")}, nil)
		compare(t, hub.ProvisionFilter{ServiceIDs: ids("s1"), RegionIDs: ids("r2")}, nil)
	})
}

// testCoverageOrder provides services whose ids start alike: the id of
// service "a" is the start of that of "a1", so its cells come first.
func testCoverageOrder(t *testing.T, s Store) {
	r := node(hub.KindRegion, "r", "Alue")
	o := node(hub.KindOrganisation, "o", "Yhdistys")
	o.RegionIDs = []string{r.ID}
	a, a1 := node(hub.KindService, "a", "Neuvonta"), node(hub.KindService, "a1", "Ohjaus")
	if !strings.HasPrefix(a1.ID, a.ID) {
		t.Fatalf("the fixture needs one id to start another: %s, %s", a.ID, a1.ID)
	}
	mustApply(t, s, Source(), r, o, a, a1, rel(hub.Provides, o, a, ""), rel(hub.Provides, o, a1, ""))
	keyOf := map[string]string{a.ID: "a", a1.ID: "a1"}
	render := func(cells []hub.CoverageCell) []string {
		var out []string
		for _, c := range cells {
			out = append(out, keyOf[c.ServiceID])
		}
		return out
	}
	want := []string{"a", "a1"}
	got, err := hub.Coverage(t.Context(), s, hub.ProvisionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if g := render(got); !slices.Equal(g, want) {
		t.Errorf("got %v, want %v", g, want)
	}
	if o := render(oracleCoverage(mustLoadPlain(t, s), hub.ProvisionFilter{})); !slices.Equal(o, want) {
		t.Errorf("the oracle answers %v, want %v", o, want)
	}
}
