package mongodb

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/otehub/hub"
)

// fieldPaths lists the dotted paths of every field of a BSON document,
// descending into subdocuments and the elements of arrays (an array
// element adds no path segment of its own).
func fieldPaths(tb testing.TB, doc bson.Raw) []string {
	tb.Helper()
	seen := map[string]bool{}
	var walk func(prefix string, v bson.RawValue)
	walk = func(prefix string, v bson.RawValue) {
		switch v.Type {
		case bson.TypeEmbeddedDocument:
			elems, err := v.Document().Elements()
			if err != nil {
				tb.Fatal(err)
			}
			for _, e := range elems {
				seen[prefix+e.Key()] = true
				walk(prefix+e.Key()+".", e.Value())
			}
		case bson.TypeArray:
			vals, err := v.Array().Values()
			if err != nil {
				tb.Fatal(err)
			}
			for _, e := range vals {
				walk(prefix, e)
			}
		}
	}
	walk("", bson.RawValue{Type: bson.TypeEmbeddedDocument, Value: doc})
	return slices.Sorted(func(yield func(string) bool) {
		for k := range seen {
			if !yield(k) {
				return
			}
		}
	})
}

func marshalPaths(tb testing.TB, doc any) []string {
	tb.Helper()
	raw, err := bson.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return fieldPaths(tb, raw)
}

// The stored field names are a format that databases written by earlier
// versions hold: they are listed here by hand, not derived from the
// document types, so that a renamed tag or a lost omitempty fails.
func TestDocumentFieldNames(t *testing.T) {
	at := time.Date(2025, time.March, 14, 7, 26, 53, 589_000_000, time.UTC)
	day := func(y int, m time.Month, d int) *time.Time {
		t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		return &t
	}
	text := hub.LocalizedText{FI: "fi", SV: "sv", EN: "en"}
	sources := []hub.Citation{{SourceID: "n_src", Locator: "s. 3", Quote: "lainaus"}}
	period := &hub.Period{Start: day(2021, time.March, 1), End: day(2024, time.December, 31)}
	full := &hub.Node{
		ID: "n_1", Kind: hub.KindPilot, Key: "pahee",
		Name: text, Abbreviations: []string{"PÄHEE"}, Aliases: []string{"PH"}, Description: text,
		Type: "PILOT", Code: "07", RegionIDs: []string{"n_r"}, Period: period,
		Goals: []hub.LocalizedText{text}, Title: "päällikkö",
		Contact: &hub.ContactDetails{Email: "a@example.org", Phone: "+358 40 1"},
		Document: &hub.Document{
			File: "a.pdf", Publisher: "TEM", Author: "MM", Published: day(2024, time.May, 17),
			Language: hub.Finnish, URL: "https://tem.fi/",
		},
		Sources:     sources,
		SearchTerms: []string{"pahee"}, SortName: "pahee", SortStart: "2021-03-01",
		CreatedAt: at, UpdatedAt: at.Add(time.Hour), Version: 3,
	}
	fullRel := &hub.Relationship{
		ID: "r_1", Key: "FUNDS/a/b", Type: hub.Funds, FromID: "n_a", ToID: "n_b",
		Role: "rahoittaja", Amount: &hub.Money{Minor: 150_000_000, Currency: "EUR"},
		Period: period, Description: text, Sources: sources, SortStart: "2021-03-01",
		CreatedAt: at, UpdatedAt: at, Version: 2,
	}
	for _, tc := range []struct {
		name string
		doc  any
		back any
		row  any
		want []string
	}{
		{
			"a node with every field", newNodeDoc(full), newNodeDoc(full).node(), full,
			[]string{
				"_id", "abbreviations", "aliases", "code",
				"contact", "contact.email", "contact.phone", "createdAt",
				"description", "description.en", "description.fi", "description.sv",
				"document", "document.author", "document.file", "document.language",
				"document.published", "document.publisher", "document.url",
				"goals", "goals.en", "goals.fi", "goals.sv",
				"key", "kind", "name", "name.en", "name.fi", "name.sv",
				"period", "period.end", "period.start", "regionIds", "searchTerms",
				"sortName", "sortStart", "sources", "sources.locator", "sources.quote", "sources.sourceId",
				"title", "type", "updatedAt", "version",
			},
		},
		{
			// Empty optional fields are left out; the name
			// is written even when it has no text.
			"a node with no optional field", newNodeDoc(&hub.Node{ID: "n_2", Kind: hub.KindTheme, Key: "k"}), nil, nil,
			[]string{"_id", "createdAt", "key", "kind", "name", "sortName", "sortStart", "updatedAt", "version"},
		},
		{
			"a relationship with every field", newRelationshipDoc(fullRel), newRelationshipDoc(fullRel).relationship(), fullRel,
			[]string{
				"_id", "amount", "amount.currency", "amount.minor", "createdAt",
				"description", "description.en", "description.fi", "description.sv",
				"fromId", "key", "period", "period.end", "period.start", "role",
				"sortStart", "sources", "sources.locator", "sources.quote", "sources.sourceId",
				"toId", "type", "updatedAt", "version",
			},
		},
		{
			"a relationship with no optional field", newRelationshipDoc(&hub.Relationship{ID: "r_2", Key: "k", Type: hub.PartOf, FromID: "a", ToID: "b"}), nil, nil,
			[]string{"_id", "createdAt", "fromId", "key", "sortStart", "toId", "type", "updatedAt", "version"},
		},
	} {
		if got := marshalPaths(t, tc.doc); !slices.Equal(got, tc.want) {
			t.Errorf("%s: stored fields\n got %q\nwant %q", tc.name, got, tc.want)
		}
		if tc.row != nil && !reflect.DeepEqual(tc.back, tc.row) {
			t.Errorf("%s: converted back\n got %+v\nwant %+v", tc.name, tc.back, tc.row)
		}
	}
}
