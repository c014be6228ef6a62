package mongodb_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/mongodb"
	"github.com/otehub/hub/mongodb/mongotest"
)

// The conformance suite checks that the coverage matrix computed in the
// database answers like the generic one; these tests check that the
// common filters really are computed there.

// coverageFixture applies pilots p (r1, 2017-2018) and q (r2) providing
// services s1 (r3, serving students from 2018) and s2 (METHOD), q also
// serving the unemployed, s1 and q with themes; organisations a and b
// share a name and both provide s2 in r1. It returns the ids by key.
func coverageFixture(t *testing.T, s *mongodb.Store) map[string]string {
	t.Helper()
	src := &hub.Node{Kind: hub.KindSourceDocument, Key: "src", Name: hub.LocalizedText{FI: "Lähde"}, Type: "WEB_PAGE", Document: &hub.Document{}}
	cite := []hub.Citation{{SourceID: hub.NodeID(hub.KindSourceDocument, "src")}}
	ids := map[string]string{}
	d := func(iso string) *time.Time {
		v, _ := time.Parse(time.DateOnly, iso)
		return &v
	}
	n := func(kind hub.Kind, key, name, typ string, regions ...string) *hub.Node {
		x := &hub.Node{Kind: kind, Key: key, Type: typ, Name: hub.LocalizedText{FI: name}, Sources: cite}
		for _, r := range regions {
			x.RegionIDs = append(x.RegionIDs, hub.NodeID(hub.KindRegion, r))
		}
		ids[key] = hub.NodeID(kind, key)
		return x
	}
	r := func(typ hub.RelationshipType, from, to *hub.Node, start string) *hub.Relationship {
		x := &hub.Relationship{Key: hub.RelationshipKey(typ, string(from.Kind)+"/"+from.Key, string(to.Kind)+"/"+to.Key, ""),
			Type: typ, FromID: ids[from.Key], ToID: ids[to.Key], Sources: cite}
		if start != "" {
			x.Period = &hub.Period{Start: d(start)}
		}
		return x
	}
	r1, r2, r3 := n(hub.KindRegion, "r1", "Kainuu", "REGION"), n(hub.KindRegion, "r2", "Uusimaa", "REGION"), n(hub.KindRegion, "r3", "Lappi", "REGION")
	p, q := n(hub.KindPilot, "p", "Pilotti", "PILOT", "r1"), n(hub.KindPilot, "q", "Kokeilu", "PILOT", "r2")
	p.Period = &hub.Period{Start: d("2017-01-01"), End: d("2018-12-31")}
	a, b := n(hub.KindOrganisation, "a", "Yhdistys", "ASSOCIATION", "r1"), n(hub.KindOrganisation, "b", "Yhdistys", "COMPANY", "r1")
	s1, s2 := n(hub.KindService, "s1", "Valmennus", "SERVICE", "r3"), n(hub.KindService, "s2", "Arviointi", "METHOD")
	students, unemployed := n(hub.KindTargetGroup, "students", "Opiskelijat", ""), n(hub.KindTargetGroup, "unemployed", "Työttömät", "")
	t1, t2 := n(hub.KindTheme, "t1", "Teema", ""), n(hub.KindTheme, "t2", "Toinen teema", "")
	batch := &hub.Batch{
		Nodes: []*hub.Node{src, r1, r2, r3, p, q, a, b, s1, s2, students, unemployed, t1, t2},
		Relationships: []*hub.Relationship{
			r(hub.Provides, p, s1, ""), r(hub.Provides, p, s2, ""), r(hub.Provides, q, s1, ""), r(hub.Provides, q, s2, ""),
			r(hub.Provides, a, s2, ""), r(hub.Provides, b, s2, ""),
			r(hub.Serves, s1, students, "2018-01-01"), r(hub.Serves, q, unemployed, ""),
			r(hub.HasTheme, s1, t1, ""), r(hub.HasTheme, q, t2, ""),
		},
	}
	ctx := t.Context()
	if err := hub.Prepare(ctx, s, batch, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(ctx, batch); err != nil {
		t.Fatal(err)
	}
	return ids
}

// cellKeys renders cells in matrix order.
func cellKeys(cells []hub.CoverageCell) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = fmt.Sprintf("%s|%s:%d %v", c.ServiceID, c.RegionID, c.Provisions, c.Providers)
	}
	slices.Sort(out)
	return out
}

func TestPushCoverage(t *testing.T) {
	s := MustOpen(t, mongotest.URI(t))
	ids := coverageFixture(t, s)
	day := time.Date(2018, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		f      hub.ProvisionFilter
		pushed bool
	}{
		{"the matrix of one service", hub.ProvisionFilter{ServiceIDs: []string{ids["s1"]}}, true},
		{"by service type", hub.ProvisionFilter{ServiceTypes: []string{"SERVICE"}}, true},
		{"by region", hub.ProvisionFilter{RegionIDs: []string{ids["r2"], ids["r3"]}}, true},
		{"by theme", hub.ProvisionFilter{ThemeIDs: []string{ids["t1"], ids["t2"]}}, true},
		{"by pilot", hub.ProvisionFilter{ContextIDs: []string{ids["p"], ids["q"]}}, true},
		{"by provider", hub.ProvisionFilter{ProviderIDs: []string{ids["q"]}}, true},
		{"by recipient", hub.ProvisionFilter{RecipientIDs: []string{ids["students"], ids["unemployed"]}}, true},
		{"by recipient kind and basis", hub.ProvisionFilter{RecipientKinds: []hub.Kind{hub.KindTargetGroup},
			Bases: []hub.ProvisionBasis{hub.BasisService, hub.BasisProvider}}, true},
		{"as of a day", hub.ProvisionFilter{ServiceTypes: []string{"SERVICE"}, AsOf: &day}, true},
		{"by theme as of a day", hub.ProvisionFilter{ThemeIDs: []string{ids["t2"]}, AsOf: &day}, true},

		// a and b share a sort name in s2's cell in r1.
		{"the whole matrix, with providers of the same name", hub.ProvisionFilter{}, false},
		{"providers of the same name", hub.ProvisionFilter{ServiceTypes: []string{"METHOD"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			got, done, err := s.PushCoverage(t.Context(), &f)
			if err != nil {
				t.Fatal(err)
			}
			if done != tc.pushed {
				t.Fatalf("PushCoverage done = %v, want %v", done, tc.pushed)
			}
			if !done {
				if got != nil {
					t.Errorf("not pushed down, yet returned %d cells", len(got))
				}
				return
			}
			want, err := hub.CoverageGeneric(t.Context(), s, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatal("the fixture gives no cells: nothing compared")
			}
			if g, w := cellKeys(got), cellKeys(want); !slices.Equal(g, w) {
				t.Errorf("pushed down:\n%s\ngeneric:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
			}
		})
	}
}

// The coverage matrix computed in the database reads no rows through
// the Store primitives and runs no find on the server.
func TestPushedCoverageRunsInTheDatabase(t *testing.T) {
	uri := mongotest.URI(t)
	s := MustOpen(t, uri)
	ids := coverageFixture(t, s)
	client := topClient(t, uri)
	counting := &countingStore{Store: s}
	day := time.Date(2018, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		f    hub.ProvisionFilter
	}{
		{"by service type", hub.ProvisionFilter{ServiceTypes: []string{"SERVICE"}}},
		{"by region and theme as of a day", hub.ProvisionFilter{RegionIDs: []string{ids["r2"]}, ThemeIDs: []string{ids["t2"]}, AsOf: &day}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := topQueries(t, client, s.Database())
			counting.reads = 0
			pushed, err := hub.Coverage(t.Context(), counting, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if counting.reads != 0 {
				t.Errorf("Coverage read rows through %d Store calls", counting.reads)
			}
			if after := topQueries(t, client, s.Database()); !maps.Equal(after, before) {
				t.Errorf("the server ran finds: %v before, %v after", before, after)
			}
			generic, err := hub.CoverageGeneric(t.Context(), counting, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if counting.reads == 0 {
				t.Error("the generic coverage made no Store calls: the counter counts nothing")
			}
			if len(generic) == 0 {
				t.Fatal("the fixture gives no cells: nothing compared")
			}
			if g, w := cellKeys(pushed), cellKeys(generic); !slices.Equal(g, w) {
				t.Errorf("pushed down %v, generic %v", g, w)
			}
		})
	}
}
