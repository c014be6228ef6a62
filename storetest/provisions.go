package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/otehub/hub"
)

var provisionTests = []struct {
	name string
	fn   func(t *testing.T, s hub.Store)
}{
	{"Provisions join who provides what to whom alike on every store", testProvisions},
}

// provisionNetwork: pilot p provides coaching (which serves students)
// and assessment (which serves nobody; p itself serves the unemployed);
// organisation o provides coaching too, without serving anyone; the
// assessment serves nobody and o nobody, so o's row has no recipient.
func testProvisions(t *testing.T, s hub.Store) {
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
	mustApply(t, s, source(), region, p, o, coaching, assessment, students, unemployed, theme,
		rel(hub.Provides, p, coaching, ""), rel(hub.Provides, p, assessment, ""), rel(hub.Provides, o, coaching, ""),
		servesStudents, rel(hub.Serves, p, unemployed, ""), rel(hub.HasTheme, coaching, theme, ""))

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
			var rows []string
			for _, x := range got {
				rows = append(rows, row(x))
			}
			if !slices.Equal(rows, tc.want) {
				t.Errorf("got %v, want %v", rows, tc.want)
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
