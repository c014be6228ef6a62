package graph_test

import (
	"os"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/otehub/hub/graph"
)

type labelRow struct {
	Enum, Value, Label, Language string
}

// TestLabelsCoverSchema checks labels against schema.graphqls: every value
// of every enum LabelledEnum names has a non-empty label in Finnish,
// Swedish and English, in the schema's order, and nothing else.
func TestLabelsCoverSchema(t *testing.T) {
	src, err := os.ReadFile("../schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	kinds, err := os.ReadFile("kinds.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	schema, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(src)}, &ast.Source{Name: "kinds.graphqls", Input: string(kinds)})
	if gerr != nil {
		t.Fatal(gerr)
	}
	labelled := schema.Types["LabelledEnum"]
	if labelled == nil || len(labelled.EnumValues) == 0 {
		t.Fatal("schema has no LabelledEnum")
	}
	s := MustOpenSeeded(t)
	c := newClient(graph.Options{Network: s})
	for _, lang := range []string{"FI", "SV", "EN"} {
		for _, ev := range labelled.EnumValues {
			enum := schema.Types[ev.Name]
			if enum == nil || enum.Kind != ast.Enum {
				t.Fatalf("LabelledEnum names %s, which is no enum of the schema", ev.Name)
			}
			var resp struct{ Labels []labelRow }
			MustQuery(t, c, `query($e: [LabelledEnum!], $l: Language) { labels(enums: $e, language: $l) { enum value label language } }`, &resp,
				client.Var("e", []string{ev.Name}), client.Var("l", lang))
			if len(resp.Labels) != len(enum.EnumValues) {
				t.Errorf("%s in %s: %d labels, the schema has %d values", ev.Name, lang, len(resp.Labels), len(enum.EnumValues))
				continue
			}
			for i, v := range enum.EnumValues {
				got := resp.Labels[i]
				if got.Enum != ev.Name || got.Value != v.Name || got.Language != lang || got.Label == "" {
					t.Errorf("%s.%s in %s: got %+v", ev.Name, v.Name, lang, got)
				}
			}
		}
	}
	// Without enums, every labelled enum; enums asked twice count once.
	var all, twice struct{ Labels []labelRow }
	MustQuery(t, c, `{ labels(language: EN) { enum value label language } }`, &all)
	MustQuery(t, c, `{ labels(enums: [Status, Status], language: EN) { enum value label language } }`, &twice)
	want := 0
	for _, ev := range labelled.EnumValues {
		want += len(schema.Types[ev.Name].EnumValues)
	}
	if len(all.Labels) != want || len(twice.Labels) != len(schema.Types["Status"].EnumValues) {
		t.Errorf("labels: %d rows for all enums (want %d), %d for Status twice", len(all.Labels), want, len(twice.Labels))
	}
}

// TestLabelsFollowAcceptLanguage checks that labels without a language
// argument answer in the request's language, as names do.
func TestLabelsFollowAcceptLanguage(t *testing.T) {
	s := MustOpenSeeded(t)
	c := newClient(graph.Options{Network: s}, graph.PreferredLanguage)
	const q = `{ labels(enums: [OrganisationType]) { value label language } }`
	for _, tc := range []struct{ header, want, lang string }{
		{"sv-FI,sv;q=0.9", "Välfärdsområde", "SV"},
		{"en-GB", "Wellbeing services county", "EN"},
		{"fi", "Hyvinvointialue", "FI"},
		{"de", "Hyvinvointialue", "FI"},
	} {
		var resp struct{ Labels []labelRow }
		MustQuery(t, c, q, &resp, client.AddHeader("Accept-Language", tc.header))
		found := false
		for _, l := range resp.Labels {
			if l.Value == "WELLBEING_DISTRICT" {
				found = true
				if l.Label != tc.want || l.Language != tc.lang {
					t.Errorf("Accept-Language %q: WELLBEING_DISTRICT is %q in %s, want %q in %s", tc.header, l.Label, l.Language, tc.want, tc.lang)
				}
			}
		}
		if !found {
			t.Errorf("Accept-Language %q: no WELLBEING_DISTRICT in %v", tc.header, resp.Labels)
		}
	}
}
