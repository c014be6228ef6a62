package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/otehub/hub"
)

var searchTests = []struct {
	name string
	fn   func(t *testing.T, s Store)
}{
	{"Search ranks exact, prefix and contained matches alike on every store", testSearch},
	{"Search ranks like a naive ranking of every name, abbreviation and alias", testSearchLikeOracle},
}

func testSearch(t *testing.T, s Store) {
	region := node(hub.KindRegion, "07", "Päijät-Häme")
	region.Name.SV = "Päijänne-Tavastland"
	pilot := node(hub.KindPilot, "pahee", "Päijät-Hämeen OTE")
	pilot.Abbreviations = []string{"PÄHEE OTE"}
	org := node(hub.KindOrganisation, "phhyky", "Päijät-Hämeen hyvinvointikuntayhtymä")
	other := node(hub.KindOrganisation, "kela", "Kansaneläkelaitos")
	other.Abbreviations = []string{"Kela"}
	mustApply(t, s, Source(), region, pilot, org, other)

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
		hits, err := hub.Search(t.Context(), s, hub.SearchQuery{Text: tc.text, Kinds: tc.kinds, First: tc.first})
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

// searchNetwork is the where network with names that tie once folded
// (across kinds and with the where network's regions), abbreviations
// that are other nodes' names, an abbreviation and an alias that match
// alike, entities of other kinds and a source document, which only a
// search of its kind finds.
func searchNetwork() *hub.Batch {
	b := WhereNetwork()
	region := node(hub.KindRegion, "07", "Päijät-Häme")
	region.Name.SV = "Päijänne-Tavastland"
	pilot := node(hub.KindPilot, "pahee", "Päijät-Hämeen OTE")
	pilot.Abbreviations = []string{"PÄHEE OTE", "Alfa"}
	pilot.Aliases = []string{"Päijät-Häme", "ote pilotti", "Pähee-pilotti"}
	org := node(hub.KindOrganisation, "phhyky", "Päijät-Hämeen hyvinvointikuntayhtymä")
	org.Name.EN = "Wellbeing services county of Päijät-Häme"
	other := node(hub.KindOrganisation, "kela", "Kansaneläkelaitos")
	other.Abbreviations = []string{"Kela", "KELA-FPA"}
	twin := node(hub.KindEmployer, "kela", "KELA")
	contact := node(hub.KindContact, "anna", "Anna Alfa")
	event := node(hub.KindEvent, "ote-seminaari", "OTE-seminaari")
	doc := node(hub.KindSourceDocument, "raportti", "Päijät-Hämeen OTE: raportti")
	b.Nodes = append(b.Nodes, region, pilot, org, other, twin, contact, event, doc)
	return b
}

// testSearchLikeOracle asks for every name, abbreviation and alias of the
// network, each of their words and the first letters of each word, in
// every kind selection and page size, and compares the hits with the
// oracle's.
func testSearchLikeOracle(t *testing.T, s Store) {
	b := searchNetwork()
	mustApply(t, s, b.Nodes, b.Relationships)
	net := mustLoadPlain(t, s)
	var texts []string
	add := func(text string) {
		if fold(text) != "" && !slices.Contains(texts, text) {
			texts = append(texts, text)
		}
	}
	for _, n := range net.nodes {
		for _, v := range slices.Concat(namesOf(n), n.Abbreviations, n.Aliases) {
			add(v)
			for _, w := range strings.Fields(fold(v)) {
				r := []rune(w)
				add(w)
				add(string(r[:min(len(r), 2)]))
				add(string(r[len(r)/2:]))
			}
		}
	}
	add("ei mitään")
	render := func(hits []hub.SearchHit) []string {
		var out []string
		for _, h := range hits {
			out = append(out, fmt.Sprintf("%s/%s %s %s %q", h.Node.Kind, h.Node.Key, h.Quality, h.Field, h.Text))
		}
		return out
	}
	kinds := [][]hub.Kind{nil, {hub.KindOrganisation}, {hub.KindPilot, hub.KindRegion, hub.KindEmployer}, {hub.KindSourceDocument}}
	found := 0
	for _, text := range texts {
		for _, ks := range kinds {
			for _, first := range []int{1, 3, hub.MaxPageSize} {
				hits, err := hub.Search(t.Context(), s, hub.SearchQuery{Text: text, Kinds: ks, First: first})
				if err != nil {
					t.Fatalf("%q: %v", text, err)
				}
				got, want := render(hits), render(oracleSearch(net, text, ks, first))
				if !slices.Equal(got, want) {
					t.Errorf("%q in %v, first %d:\n got %q\nwant %q", text, ks, first, got, want)
				}
				found += len(want)
			}
		}
	}
	if found == 0 {
		t.Fatal("no search found anything: nothing compared")
	}
}
