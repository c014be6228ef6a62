package storetest

import (
	"slices"
	"testing"

	"github.com/otehub/hub"
)

var searchTests = []struct {
	name string
	fn   func(t *testing.T, s Store)
}{
	{"Search ranks exact, prefix and contained matches alike on every store", testSearch},
}

func testSearch(t *testing.T, s Store) {
	region := node(hub.KindRegion, "07", "Päijät-Häme")
	region.Name.SV = "Päijänne-Tavastland"
	pilot := node(hub.KindPilot, "pahee", "Päijät-Hämeen OTE")
	pilot.Abbreviations = []string{"PÄHEE OTE"}
	org := node(hub.KindOrganisation, "phhyky", "Päijät-Hämeen hyvinvointikuntayhtymä")
	other := node(hub.KindOrganisation, "kela", "Kansaneläkelaitos")
	other.Abbreviations = []string{"Kela"}
	mustApply(t, s, source(), region, pilot, org, other)

	type hit struct{ key, quality, field string }
	for _, tc := range []struct {
		text  string
		kinds []hub.Kind
		first int
		want  []hit
	}{
		// Ties within a quality go by name: "...hyvinvointikuntayhtymä"
		// before "...OTE".
		{"paijat hame", nil, 10, []hit{{"07", "EXACT", "name"}, {"phhyky", "PREFIX", "name"}, {"pahee", "PREFIX", "name"}}},
		{"PÄHEE", nil, 10, []hit{{"pahee", "PREFIX", "abbreviation"}}},
		{"tavastland", nil, 10, []hit{{"07", "CONTAINS", "name"}}},
		{"hame", []hub.Kind{hub.KindOrganisation}, 10, []hit{{"phhyky", "CONTAINS", "name"}}},
		{"kela", nil, 10, []hit{{"kela", "EXACT", "abbreviation"}}},
		{"paijat", nil, 2, []hit{{"07", "PREFIX", "name"}, {"phhyky", "PREFIX", "name"}}},
		{"ei mitaan", nil, 10, nil},
	} {
		hits, err := hub.Search(t.Context(), s, tc.text, tc.kinds, tc.first)
		if err != nil {
			t.Fatalf("%q: %v", tc.text, err)
		}
		var got []hit
		for _, h := range hits {
			got = append(got, hit{h.Node.Key, h.Quality.String(), h.Field})
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %v, want %v", tc.text, got, tc.want)
		}
	}
}
