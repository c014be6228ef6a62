package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/otehub/hub/graph"
)

// pagedSearchQuery is searchQuery with cursors.
const pagedSearchQuery = `query($text: String!, $first: Int, $after: String) {
	search(text: $text, first: $first, after: $after) { node { __typename key name } match matchedText matchedField cursor }
}`

type pagedHits struct {
	Search []struct {
		Node struct {
			Typename  string `json:"__typename"`
			Key, Name string
		}
		Match, MatchedText, MatchedField, Cursor string
	}
}

// TestSearchWords searches the OTE dataset for inflected Finnish and
// Swedish forms, typos, and words of descriptions and goals; the
// expected hits are read from dataset/ote.json by hand.
func TestSearchWords(t *testing.T) {
	c := newClient(graph.Options{Network: MustOpenSeeded(t)})
	search := func(t *testing.T, text string, first int) pagedHits {
		t.Helper()
		var resp pagedHits
		MustQuery(t, c, pagedSearchQuery, &resp, client.Var("text", text), client.Var("first", first))
		return resp
	}
	kainuuByName := []string{
		// "Vieraita muilta OTE-kokeilualueilta Kainuussa".
		"event/kajaani-kokeilualuetapaaminen-2017 CONTAINS alias",
		"region/18 WORD name",
		"region/hyvinvointialue-20 WORD name", // Kainuun hyvinvointialue
		"organisation/kainuun-sote WORD name",
		"organisation/kainuun-tyoterveys WORD name",
		// "Kainuun OTE-hanke"; the name is "OTE maakunnassa – Polut kuntoon".
		"pilot/kainuu-polut-kuntoon WORD alias",
		"organisation/te-toimisto-kainuu WORD name",
		"organisation/typ-kainuu WORD name",
	}
	for _, tc := range []struct {
		name, text string
		// want are the first hits ("kind/key MATCH field"); all of them
		// when exact.
		want  []string
		exact bool
	}{
		// The English descriptions say "Kainuu": one letter from
		// "kainu", the Finnish stem of "kainuussa".
		{"Finnish inessive finds Kainuu and the names that inflect it, then descriptions", "kainuussa", append(kainuuByName,
			"region/205 DESCRIPTION description", // Kajaani: "Municipality in Kainuu"
			"organisation/kela DESCRIPTION description",
		), false},
		{"Finnish genitive: the names that start with it, then Kainuu", "Kainuun", []string{
			"region/hyvinvointialue-20 PREFIX name",
			"organisation/kainuun-sote PREFIX name",
			"organisation/kainuun-tyoterveys PREFIX name",
			"pilot/kainuu-polut-kuntoon PREFIX alias",
			"region/18 WORD name",
			"event/kajaani-kokeilualuetapaaminen-2017 WORD alias",
			"organisation/te-toimisto-kainuu WORD name",
			"organisation/typ-kainuu WORD name",
		}, false},
		{"a prefix typed as on the map page", "kain", []string{
			"region/18 PREFIX name",
			"region/hyvinvointialue-20 PREFIX name",
			"organisation/kainuun-sote PREFIX name",
			"organisation/kainuun-tyoterveys PREFIX name",
			"pilot/kainuu-polut-kuntoon PREFIX alias",
			"event/kajaani-kokeilualuetapaaminen-2017 CONTAINS alias",
			"organisation/te-toimisto-kainuu CONTAINS name",
			"organisation/typ-kainuu CONTAINS name",
		}, false},
		{"Finnish genitive with consonant gradation finds Satakunta", "Satakunnan", []string{
			"region/hyvinvointialue-06 PREFIX name", // Satakunnan hyvinvointialue
			"pilot/sataosaa PREFIX alias",
			"region/04 WORD name",
		}, true},
		{"Swedish genitive finds the Österbotten regions by their Swedish names", "Österbottens", []string{
			// The counties' Swedish names hold the genitive itself.
			"region/hyvinvointialue-17 PREFIX name",   // Österbottens välfärdsområde
			"region/hyvinvointialue-16 CONTAINS name", // Södra Österbottens välfärdsområde
			"region/hyvinvointialue-18 CONTAINS name", // Mellersta Österbottens välfärdsområde
			"region/hyvinvointialue-19 CONTAINS name", // Norra Österbottens välfärdsområde
			"region/14 WORD name",                     // Etelä-Pohjanmaa, Södra Österbotten
			"region/16 WORD name",                     // Keski-Pohjanmaa
			"region/15 WORD name",                     // Pohjanmaa, Österbotten
			"region/17 WORD name",                     // Pohjois-Pohjanmaa
		}, true},
		{"Finnish adessive without diacritics", "pohjanmaalla", []string{
			"region/14 WORD name",
			"region/hyvinvointialue-16 WORD name",
			"region/16 WORD name",
			"region/hyvinvointialue-18 WORD name",
			"pilot/kp-ote WORD name",
			"organisation/soite WORD alias",
			"region/15 WORD name",
			"region/hyvinvointialue-17 WORD name",
			"region/17 WORD name",
			"region/hyvinvointialue-19 WORD name",
		}, true},
		{"one typo: two letters swapped", "kianuu", []string{"region/18 FUZZY name"}, false},
		{"a name ranks above a description", "kuopiossa", []string{
			"region/297 WORD name",
			"agreement/pohjois-savon-konsensussopimus DESCRIPTION description",
		}, true},
		{"only descriptions, in name order", "rehabilitation", []string{
			"organisation/kuntoutussaatio DESCRIPTION description",
			"pilot/kainuu-polut-kuntoon DESCRIPTION description",
			"training/tyokykykoordinaattorikoulutus DESCRIPTION description",
			"service/tyokyvyn-tuen-palveluketju DESCRIPTION description",
		}, true},
		{"a goal, inflected", "maakunnallisiksi", []string{"pilot/yhdessa-hyva-ote DESCRIPTION goal"}, true},
		{"a goal, in another form and without diacritics", "tyollistymispolulla", []string{"programme/ote-osaprojekti-4 DESCRIPTION goal"}, true},
		{"Päijät-Häme from plain ASCII", "paijat", []string{"region/07 PREFIX name"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits := search(t, tc.text, 100).Search
			var got []string
			for _, h := range hits {
				got = append(got, fmt.Sprintf("%s %s %s", refOf(h.Node.Typename, h.Node.Key), h.Match, h.MatchedField))
			}
			if tc.exact && len(got) != len(tc.want) || len(got) < len(tc.want) {
				t.Fatalf("%q: got %d hits %q, want %q", tc.text, len(got), got, tc.want)
			}
			for i, w := range tc.want {
				if got[i] != w {
					t.Errorf("%q: hit %d is %s, want %s", tc.text, i, got[i], w)
				}
			}
		})
	}

	t.Run("the matched text is the text that matched", func(t *testing.T) {
		h := search(t, "Österbottens", 1).Search[0]
		if h.MatchedText != "Österbottens välfärdsområde" || h.Node.Name != "Pohjanmaan hyvinvointialue" {
			t.Errorf("matched %q of %q", h.MatchedText, h.Node.Name)
		}
		h = search(t, "maakunnallisiksi", 1).Search[0]
		if !strings.Contains(h.MatchedText, "maakunnalliset asiakaslähtöiset toimintamallit") {
			t.Errorf("matched %q", h.MatchedText)
		}
	})

	t.Run("more than 8 words are matched as a whole only", func(t *testing.T) {
		// Every word names Kainuu, but there are nine.
		if hits := search(t, strings.Repeat("kainuussa ", 9), 100).Search; len(hits) != 0 {
			t.Errorf("%d hits", len(hits))
		}
		// Eight are matched one by one: they find what one finds.
		one, eight := search(t, "kainuussa", 100).Search, search(t, strings.Repeat("kainuussa ", 8), 100).Search
		if len(eight) != len(one) || len(one) < len(kainuuByName) {
			t.Errorf("8 words: %d hits, want %d", len(eight), len(one))
		}
	})
}

// TestSearchPaging pages through all hits of texts with cursors and
// compares them with the unpaged list.
func TestSearchPaging(t *testing.T) {
	c := newClient(graph.Options{Network: MustOpenSeeded(t)})
	page := func(t *testing.T, text string, first int, after any) pagedHits {
		t.Helper()
		var resp pagedHits
		MustQuery(t, c, pagedSearchQuery, &resp, client.Var("text", text), client.Var("first", first), client.Var("after", after))
		return resp
	}
	for _, text := range []string{"Kainuun", "ote", "paijat"} {
		all := page(t, text, 100, nil).Search
		if len(all) < 3 || len(all) == 100 {
			t.Fatalf("%q: %d hits, the test needs 3 to 99", text, len(all))
		}
		for _, first := range []int{1, 7, 50} {
			var got []string
			var after any
			for range len(all) + 1 {
				hits := page(t, text, first, after).Search
				for _, h := range hits {
					got = append(got, h.Node.Typename+"/"+h.Node.Key+" "+h.Match)
				}
				if len(hits) < first {
					break
				}
				after = hits[len(hits)-1].Cursor
			}
			if len(got) != len(all) {
				t.Fatalf("%q by %d: %d hits, want %d", text, first, len(got), len(all))
			}
			for i, h := range all {
				if w := h.Node.Typename + "/" + h.Node.Key + " " + h.Match; got[i] != w {
					t.Errorf("%q by %d: hit %d is %s, want %s", text, first, i, got[i], w)
				}
			}
		}
	}

	t.Run("a bad cursor is refused", func(t *testing.T) {
		other := page(t, "kainuu", 1, nil).Search[0].Cursor
		for _, after := range []string{"", "not a cursor", other, strings.Repeat("x", 3000)} {
			errs := MustFailWith(t, c, "BAD_USER_INPUT", pagedSearchQuery, client.Var("text", "ote"), client.Var("after", after))
			if after != "" && !strings.Contains(errs[0].Message, "invalid cursor") {
				t.Errorf("after %.20q: message %q", after, errs[0].Message)
			}
		}
	})
}
