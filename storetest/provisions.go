package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/otehub/hub"
)

var provisionTests = []struct {
	name string
	fn   func(t *testing.T, s Store)
}{
	{"Provisions join who provides what to whom alike on every store", testProvisions},
	{"provision rows, hydrated provisions and their pages answer like a brute-force join", testProvisionRows},
}

// provisionNetwork: pilot p provides coaching (which serves students)
// and assessment (which serves nobody; p itself serves the unemployed);
// organisation o provides coaching too, without serving anyone; the
// assessment serves nobody and o nobody, so o's row has no recipient.
func testProvisions(t *testing.T, s Store) {
	region := node(hub.KindRegion, "r", "Kainuu")
	p := node(hub.KindPilot, "p", "Pilotti")
	p.RegionIDs = []string{region.ID}
	p.Period = period("2017-01-01", "2018-12-31")
	o := node(hub.KindOrganisation, "o", "Yhdistys")
	coaching, assessment := node(hub.KindService, "coaching", "Työhönvalmennus"), node(hub.KindService, "assessment", "Arviointi")
	assessment.Type = "METHOD"
	students, unemployed := node(hub.KindTargetGroup, "students", "Opiskelijat"), node(hub.KindTargetGroup, "unemployed", "Työttömät")
	theme := node(hub.KindTheme, "t", "Opinnoista töihin")
	servesStudents := rel(hub.Serves, coaching, students, "")
	servesStudents.Period = period("2018-01-01", "")
	mustApply(t, s, Source(), region, p, o, coaching, assessment, students, unemployed, theme,
		rel(hub.Provides, p, coaching, ""), rel(hub.Provides, p, assessment, ""), rel(hub.Provides, o, coaching, ""),
		servesStudents, rel(hub.Serves, p, unemployed, ""), rel(hub.HasTheme, coaching, theme, ""))
	net := mustLoadPlain(t, s)

	row := func(x *hub.Provision) string {
		recipient := "-"
		if x.Recipient != nil {
			recipient = x.Recipient.Key
		}
		return fmt.Sprintf("%s>%s>%s:%s", x.Provider.Key, x.Service.Key, recipient, x.Basis)
	}
	for _, tc := range []struct {
		name string
		f    hub.ProvisionFilter
		want []string
	}{
		{"all rows, ordered by service, provider and recipient name", hub.ProvisionFilter{},
			[]string{"p>assessment>unemployed:PROVIDER", "p>coaching>students:SERVICE", "o>coaching>students:SERVICE"}},
		{"by service type", hub.ProvisionFilter{ServiceTypes: []string{"METHOD"}}, []string{"p>assessment>unemployed:PROVIDER"}},
		{"by recipient", hub.ProvisionFilter{RecipientIDs: []string{students.ID}}, []string{"p>coaching>students:SERVICE", "o>coaching>students:SERVICE"}},
		{"by region", hub.ProvisionFilter{RegionIDs: []string{region.ID}}, []string{"p>assessment>unemployed:PROVIDER", "p>coaching>students:SERVICE"}},
		{"by theme", hub.ProvisionFilter{ThemeIDs: []string{theme.ID}}, []string{"p>coaching>students:SERVICE", "o>coaching>students:SERVICE"}},
		{"by pilot", hub.ProvisionFilter{ContextIDs: []string{p.ID}}, []string{"p>assessment>unemployed:PROVIDER", "p>coaching>students:SERVICE"}},
		{"by provider", hub.ProvisionFilter{ProviderIDs: []string{o.ID}}, []string{"o>coaching>students:SERVICE"}},
		{"only what the sources tie to the service", hub.ProvisionFilter{Bases: []hub.ProvisionBasis{hub.BasisService}}, []string{"p>coaching>students:SERVICE", "o>coaching>students:SERVICE"}},
		{"as of 2017 coaching serves nobody yet", hub.ProvisionFilter{AsOf: day("2017-06-01")},
			[]string{"p>assessment>unemployed:PROVIDER", "p>coaching>unemployed:PROVIDER", "o>coaching>-:NONE"}},
		{"as of 2020 the pilot has ended", hub.ProvisionFilter{AsOf: day("2020-06-01")}, []string{"o>coaching>students:SERVICE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := hub.Provisions(t.Context(), s, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			rows := func(ps []*hub.Provision) []string {
				var out []string
				for _, x := range ps {
					out = append(out, row(x))
				}
				return out
			}
			if g := rows(got); !slices.Equal(g, tc.want) {
				t.Errorf("got %v, want %v", g, tc.want)
			}
			// The hand-written answers check the oracle too.
			if o := rows(oracleProvisions(net, tc.f)); !slices.Equal(o, tc.want) {
				t.Errorf("the oracle answers %v, want %v", o, tc.want)
			}
		})
	}
	t.Run("a row's period is where both relationships hold, and it cites both", func(t *testing.T) {
		got, err := hub.Provisions(t.Context(), s, hub.ProvisionFilter{ProviderIDs: []string{p.ID}, RecipientIDs: []string{students.ID}})
		if err != nil || len(got) != 1 {
			t.Fatalf("%d rows, %v", len(got), err)
		}
		if got[0].Period == nil || got[0].Period.Start == nil || got[0].Period.Start.Format("2006-01-02") != "2018-01-01" || got[0].Period.End != nil {
			t.Errorf("period %+v", got[0].Period)
		}
		if got[0].Serves == nil || got[0].Provides == nil || got[0].ID == "" {
			t.Errorf("row %+v", got[0])
		}
	})
}

// testProvisionRows checks hub.ProvisionRows, hub.Provisions,
// hub.HydrateProvisions and hub.ProvisionPage against the oracle's
// brute-force join of the store's rows: the same rows, in the same order
// and with the same ids, and every page from every cursor both ways.
func testProvisionRows(t *testing.T, s Store) {
	nodes, rels := coverageNetwork()
	// Ties: providers o2 and o3 and recipients students2 share sort
	// names with o and students, so the id decides their order.
	byKey := map[string]*hub.Node{}
	for _, n := range nodes {
		byKey[n.Key] = n
	}
	o2, o3 := node(hub.KindOrganisation, "o2", "Yhdistys"), node(hub.KindEmployer, "o3", "Yhdistys")
	o2.RegionIDs = []string{byKey["r2"].ID}
	students2 := node(hub.KindTargetGroup, "students2", "Opiskelijat")
	nodes = append(nodes, o2, o3, students2)
	byKey["o2"], byKey["o3"], byKey["students2"] = o2, o3, students2
	rels = append(rels, rel(hub.Provides, o2, byKey["s1"], ""), rel(hub.Provides, o3, byKey["s1"], ""),
		rel(hub.Provides, o3, byKey["s3"], ""), rel(hub.Serves, byKey["s1"], students2, ""))
	mustApply(t, s, nodes, rels)
	net := mustLoadPlain(t, s)
	ids := func(keys ...string) []string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = byKey[k].ID
		}
		return out
	}
	render := func(rows []hub.ProvisionRow) string {
		var b strings.Builder
		for _, r := range rows {
			fmt.Fprintf(&b, "%+v\n", r)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name string
		f    hub.ProvisionFilter
		// some: the filter selects rows (so that the comparison is not
		// vacuous).
		some bool
	}{
		{"all rows", hub.ProvisionFilter{}, true},
		{"by service", hub.ProvisionFilter{ServiceIDs: ids("s1")}, true},
		{"by service type", hub.ProvisionFilter{ServiceTypes: []string{"METHOD"}}, true},
		{"by service types, one matching nothing", hub.ProvisionFilter{ServiceTypes: []string{"OPERATING_MODEL", "SERVICE"}}, true},
		{"by provider", hub.ProvisionFilter{ProviderIDs: ids("o", "o3")}, true},
		{"by recipient", hub.ProvisionFilter{RecipientIDs: ids("students", "unemployed")}, true},
		{"by recipient kind", hub.ProvisionFilter{RecipientKinds: []hub.Kind{hub.KindEmployer}}, true},
		{"by pilot", hub.ProvisionFilter{ContextIDs: ids("p", "prog")}, true},
		{"by region", hub.ProvisionFilter{RegionIDs: ids("r2")}, true},
		{"by region of the service", hub.ProvisionFilter{RegionIDs: ids("r3")}, true},
		{"by theme", hub.ProvisionFilter{ThemeIDs: ids("t1")}, true},
		{"by the provider's theme", hub.ProvisionFilter{ThemeIDs: ids("t2")}, true},
		{"by basis", hub.ProvisionFilter{Bases: []hub.ProvisionBasis{hub.BasisProvider, hub.BasisNone}}, true},
		{"as of 2017", hub.ProvisionFilter{AsOf: day("2017-06-01")}, true},
		{"as of 2017, rows without a recipient", hub.ProvisionFilter{AsOf: day("2017-06-01"), Bases: []hub.ProvisionBasis{hub.BasisNone}}, true},
		{"as of 2019", hub.ProvisionFilter{AsOf: day("2019-06-01")}, true},
		{"as of 2019 by theme", hub.ProvisionFilter{AsOf: day("2019-06-01"), ThemeIDs: ids("t2")}, true},
		{"as of 2010 by region", hub.ProvisionFilter{AsOf: day("2010-06-01"), RegionIDs: ids("r1")}, false},
		{"every filter at once", hub.ProvisionFilter{ServiceIDs: ids("s1", "s3"), ServiceTypes: []string{"SERVICE"}, ProviderIDs: ids("q", "prog", "p"),
			RecipientIDs: ids("students", "e", "unemployed"), ContextIDs: ids("q", "prog"), RegionIDs: ids("r1"), ThemeIDs: ids("t1", "t2"),
			RecipientKinds: []hub.Kind{hub.KindTargetGroup, hub.KindEmployer}, Bases: []hub.ProvisionBasis{hub.BasisService, hub.BasisProvider}}, true},
		{"the empty recipient and context select rows without them", hub.ProvisionFilter{RecipientIDs: []string{""}, ContextIDs: []string{"", ids("q")[0]}}, false},
		{"the empty recipient kind and service type", hub.ProvisionFilter{RecipientKinds: []hub.Kind{""}, ServiceTypes: []string{"", "SERVICE"}, AsOf: day("2017-06-01")}, true},
		{"filters that match nothing", hub.ProvisionFilter{ServiceTypes: []string{"OPERATING_MODEL"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			rows, err := hub.ProvisionRows(ctx, s, tc.f)
			if err != nil {
				t.Fatalf("ProvisionRows: %v", err)
			}
			oracle := oracleProvisionRows(net, tc.f)
			if !reflect.DeepEqual(rows, oracle) && (len(rows) > 0 || len(oracle) > 0) {
				t.Errorf("ProvisionRows:\n%s\nthe oracle:\n%s", render(rows), render(oracle))
			}
			if tc.some && len(oracle) == 0 {
				t.Fatal("the filter selects no rows: nothing compared")
			}
			want := oracleProvisions(net, tc.f)
			got, err := hub.Provisions(ctx, s, tc.f)
			if err != nil {
				t.Fatalf("Provisions: %v", err)
			}
			mustSameProvisions(t, "Provisions", got, want)
			// A page hydrated alone is that part of the whole.
			if len(rows) > 2 {
				page, err := hub.HydrateProvisions(ctx, s, rows[1:3])
				if err != nil {
					t.Fatalf("HydrateProvisions: %v", err)
				}
				mustSameProvisions(t, "a hydrated page", page, want[1:3])
			}
			// ProvisionPage answers every page from every cursor, both
			// ways, with the number of rows; a cursor may also stand
			// between rows.
			cursors := []*hub.Cursor{nil, {Values: []string{"", "", ""}, ID: ""}, {Values: []string{"~", "", ""}, ID: ""}}
			for _, r := range oracle {
				cursors = append(cursors, &hub.Cursor{Values: rowKeys(r), ID: r.ID},
					&hub.Cursor{Values: rowKeys(r), ID: r.ID + "~"})
			}
			for _, c := range cursors {
				for _, first := range []int{0, 1, 2, 100, hub.Unlimited} {
					for _, reverse := range []bool{false, true} {
						opts := hub.ListOptions{OrderBy: hub.ProvisionOrder(), First: first, After: c, Reverse: reverse}
						page, hasNext, total, err := hub.ProvisionPage(ctx, s, tc.f, opts)
						if err != nil {
							t.Fatalf("ProvisionPage: %v", err)
						}
						wantPage, wantNext := oraclePage(oracle, opts,
							func(r hub.ProvisionRow, _ []hub.Order) []string { return rowKeys(r) },
							func(r hub.ProvisionRow) string { return r.ID })
						if len(page) == 0 && len(wantPage) == 0 {
							page, wantPage = nil, nil
						}
						if !reflect.DeepEqual(page, wantPage) || hasNext != wantNext || total != len(oracle) {
							t.Errorf("ProvisionPage after %v, first %d, reverse %v: got %d rows of %d, next %v:\n%s\nwant %d rows of %d, next %v:\n%s",
								c, first, reverse, len(page), total, hasNext, render(page), len(wantPage), len(oracle), wantNext, render(wantPage))
						}
					}
				}
			}
		})
	}
}

// mustSameProvisions compares provisions by their JSON form: every field
// of the provision and of the rows it joins.
func mustSameProvisions(t *testing.T, what string, got, want []*hub.Provision) {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if len(got)+len(want) > 0 && !bytes.Equal(g, w) {
		t.Errorf("%s and the oracle disagree:\n got %s\nwant %s", what, renderProvisions(got), renderProvisions(want))
	}
}

// renderProvisions shows provisions for a failure message.
func renderProvisions(ps []*hub.Provision) string {
	var b strings.Builder
	for _, p := range ps {
		recipient, serves := "-", "-"
		if p.Recipient != nil {
			recipient = p.Recipient.Key
		}
		if p.Serves != nil {
			serves = p.Serves.Key
		}
		fmt.Fprintf(&b, "\n  %s %s>%s>%s:%s provides %s serves %s period %v regions %v themes %v",
			p.ID, p.Provider.Key, p.Service.Key, recipient, p.Basis, p.Provides.Key, serves, p.Period, p.RegionIDs, p.ThemeIDs)
	}
	return b.String()
}
