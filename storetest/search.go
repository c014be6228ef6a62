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
	{"Search ranks like a naive ranking of every name, abbreviation, alias, description and goal", testSearchLikeOracle},
	{"Search finds inflected forms, typos, descriptions and goals alike on every store", testSearchWords},
	{"Search pages with cursors through every hit once, in order", testSearchPaging},
}

// hit is a search hit as the hand-written tables write it.
type hit struct{ key, quality, field string }

// mustFind runs q and checks its hits against want, in order.
func mustFind(t *testing.T, s Store, q hub.SearchQuery, want []hit) {
	t.Helper()
	hits, err := hub.Search(t.Context(), s, q)
	if err != nil {
		t.Fatalf("%q: %v", q.Text, err)
	}
	var got []hit
	for _, h := range hits {
		got = append(got, hit{h.Node.Key, h.Quality.String(), h.Field})
	}
	if !slices.Equal(got, want) {
		t.Errorf("%q: got %v, want %v", q.Text, got, want)
	}
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
		mustFind(t, s, hub.SearchQuery{Text: tc.text, Kinds: tc.kinds, First: tc.first}, tc.want)
	}
}

// searchNetwork is the where network with names that tie once folded
// (across kinds and with the where network's regions), abbreviations
// that are other nodes' names, an abbreviation and an alias that match
// alike, entities of other kinds and a source document, which only a
// search of its kind finds.
func searchNetwork() *hub.Batch {
	b := WhereNetwork()
	kainuu := node(hub.KindRegion, "18", "Kainuu")
	kainuu.Name.SV = "Kajanaland"
	pohjanmaa := node(hub.KindRegion, "15", "Pohjanmaa")
	pohjanmaa.Name.SV, pohjanmaa.Name.EN = "Österbotten", "Ostrobothnia"
	pohjanmaa.Description = hub.LocalizedText{FI: "Maakunta Kainuun ja Satakunnan välissä", SV: "Landskap i Finland"}
	kela := node(hub.KindOrganisation, "kela-kainuu", "Kelan Kainuun vakuutuspiiri")
	kela.Description = hub.LocalizedText{FI: "Kansaneläkelaitoksen toimisto Kajaanissa", EN: "The Social Insurance Institution in Kainuu"}
	hanke := node(hub.KindPilot, "kainuu-polut", "Polut kuntoon")
	hanke.Aliases = []string{"Kainuun OTE-hanke"}
	hanke.Goals = []hub.LocalizedText{
		{FI: "Koota toimijat maakunnallisiksi yhteistyöverkostoiksi", EN: "Build regional networks"},
		{FI: "Edistää osatyökykyisten työllistymistä"},
	}
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
	b.Nodes = append(b.Nodes, region, pilot, org, other, twin, contact, event, doc, kainuu, pohjanmaa, kela, hanke)
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
	for _, n := range net.nodes {
		for _, t := range slices.Concat([]hub.LocalizedText{n.Description}, n.Goals) {
			for _, v := range t.All() {
				for _, w := range strings.Fields(fold(v)) {
					add(w)
				}
			}
		}
	}
	// Inflected forms, typos, several words, and more words than are
	// matched one by one.
	for _, text := range []string{
		"kainuussa", "Kainuun", "kianuu", "Kainuu", "Österbottens", "osterbottens", "hämeessä", "hameessa",
		"Satakunnan", "Pohjanmaalla", "tyollistymisen", "yhteistyoverkostoiksi", "verkosto kainuu", "paijat ote",
		"kansaneläkelaitoksen", "kansanelakelaitoksella", "pilotin kaksi", "alfa beta gamma delta pilotti yksi kaksi kolme neljä",
	} {
		add(text)
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
	qualities := map[hub.MatchQuality]bool{}
	for _, text := range texts {
		for _, ks := range kinds {
			for _, first := range []int{1, hub.MaxPageSize} {
				hits, err := hub.Search(t.Context(), s, hub.SearchQuery{Text: text, Kinds: ks, First: first})
				if err != nil {
					t.Fatalf("%q: %v", text, err)
				}
				wantHits := oracleSearch(net, text, ks, first, nil)
				for _, h := range wantHits {
					qualities[h.Quality] = true
				}
				got, want := render(hits), render(wantHits)
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
	for q := hub.MatchExact; q <= hub.MatchDescription; q++ {
		if !qualities[q] {
			t.Errorf("no search matched %s: the texts compare too little", q)
		}
	}
}

// testSearchWords checks hand-written answers: Finnish and Swedish
// inflection, a typo, description and goal matches below name matches,
// and prefixes typed as on the map page.
func testSearchWords(t *testing.T, s Store) {
	b := searchNetwork()
	mustApply(t, s, b.Nodes, b.Relationships)
	for _, tc := range []struct {
		text string
		want []hit
	}{
		{"kainuussa", []hit{{"18", "WORD", "name"}, {"kela-kainuu", "WORD", "name"}, {"kainuu-polut", "WORD", "alias"}, {"15", "DESCRIPTION", "description"}}},
		{"Kainuun", []hit{{"kainuu-polut", "PREFIX", "alias"}, {"kela-kainuu", "CONTAINS", "name"}, {"18", "WORD", "name"}, {"15", "DESCRIPTION", "description"}}},
		{"kain", []hit{{"18", "PREFIX", "name"}, {"kainuu-polut", "PREFIX", "alias"}, {"kela-kainuu", "CONTAINS", "name"}, {"15", "DESCRIPTION", "description"}}},
		{"kianuu", []hit{{"18", "FUZZY", "name"}, {"kela-kainuu", "FUZZY", "name"}, {"kainuu-polut", "FUZZY", "alias"}, {"15", "DESCRIPTION", "description"}}},
		{"Österbottens", []hit{{"15", "WORD", "name"}}},
		{"satakunta", []hit{{"15", "DESCRIPTION", "description"}}},
		{"kansanelakelaitos", []hit{{"kela", "EXACT", "name"}, {"kela-kainuu", "DESCRIPTION", "description"}}},
		{"yhteistyöverkosto", []hit{{"kainuu-polut", "DESCRIPTION", "goal"}}},
		{"osatyökykyiset", []hit{{"kainuu-polut", "DESCRIPTION", "goal"}}},
		{"pohjanmaalla", []hit{{"15", "WORD", "name"}}},
	} {
		mustFind(t, s, hub.SearchQuery{Text: tc.text, First: 10}, tc.want)
	}
}

// testSearchPaging pages through the hits of texts with every page size
// and compares the pages, joined, with the oracle's list of all hits;
// a bad cursor, or one of another text, is refused as EINVALID.
func testSearchPaging(t *testing.T, s Store) {
	b := searchNetwork()
	mustApply(t, s, b.Nodes, b.Relationships)
	net := mustLoadPlain(t, s)
	for _, text := range []string{"kainuu", "paijat", "ote", "a"} {
		want := oracleSearch(net, text, nil, hub.MaxPageSize, nil)
		if len(want) < 2 {
			t.Fatalf("%q: %d hits, the test needs more", text, len(want))
		}
		for _, first := range []int{1, 2, 3} {
			var got []hub.SearchHit
			after := ""
			for page := 0; ; page++ {
				if page > len(want) {
					t.Fatalf("%q by %d: more pages than hits", text, first)
				}
				hits, err := hub.Search(t.Context(), s, hub.SearchQuery{Text: text, First: first, After: after})
				if err != nil {
					t.Fatalf("%q by %d, page %d: %v", text, first, page, err)
				}
				got = append(got, hits...)
				if len(hits) < first {
					break
				}
				after = hits[len(hits)-1].Cursor
			}
			if len(got) != len(want) {
				t.Errorf("%q by %d: %d hits, want %d", text, first, len(got), len(want))
				continue
			}
			for i := range got {
				if got[i].Node.ID != want[i].Node.ID || got[i].Quality != want[i].Quality {
					t.Errorf("%q by %d: hit %d is %s %s, want %s %s", text, first, i, got[i].Node.Key, got[i].Quality, want[i].Node.Key, want[i].Quality)
				}
			}
		}
	}
	first, err := hub.Search(t.Context(), s, hub.SearchQuery{Text: "kainuu", First: 1})
	if err != nil || len(first) != 1 {
		t.Fatalf("kainuu: %v %v", first, err)
	}
	for _, c := range []struct{ text, after string }{
		{"kainuu", "not-a-cursor"},
		{"kainuu", hub.EncodeCursor([]hub.Order{{Field: hub.OrderByName}}, []string{"kainuu"}, first[0].Node.ID)},
		{"paijat", first[0].Cursor},
	} {
		_, err := hub.Search(t.Context(), s, hub.SearchQuery{Text: c.text, First: 5, After: c.after})
		if hub.ErrorCode(err) != hub.EINVALID {
			t.Errorf("%q after %q: %v, want EINVALID", c.text, c.after, err)
		}
	}
}
