package hub

import (
	"testing"
	"time"
)

func TestNodeChanges(t *testing.T) {
	day := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	base := func() *Node {
		return &Node{ID: "x", Kind: KindPilot, Key: "p", Name: LocalizedText{FI: "Pilotti"}, Type: "PILOT",
			Sources: []Citation{{SourceID: "s", Quote: "q"}}, SearchTerms: []string{"pilotti"}, SortName: "pilotti",
			CreatedAt: day, UpdatedAt: day, Version: 3}
	}
	tests := []struct {
		name          string
		before, after func() *Node
		want          []FieldChange
	}{
		{"same facts, other bookkeeping", base, func() *Node {
			n := base()
			n.UpdatedAt, n.Version, n.SearchTerms, n.SortName = day.Add(time.Hour), 4, nil, ""
			return n
		}, nil},
		{"empty and absent are the same", base, func() *Node {
			n := base()
			n.Aliases, n.Description = []string{}, LocalizedText{}
			return n
		}, nil},
		{"renamed", base, func() *Node {
			n := base()
			n.Name.EN = "Pilot"
			return n
		}, []FieldChange{{Field: "name", Before: []byte(`{"fi":"Pilotti"}`), After: []byte(`{"fi":"Pilotti","en":"Pilot"}`)}}},
		{"period set, source dropped", base, func() *Node {
			n := base()
			n.Period = &Period{Start: &day}
			n.Sources = nil
			return n
		}, []FieldChange{
			{Field: "period", After: []byte(`{"start":"2017-01-01T00:00:00Z"}`)},
			{Field: "sources", Before: []byte(`[{"sourceId":"s","quote":"q"}]`)},
		}},
		{"created", func() *Node { return nil }, base, []FieldChange{
			{Field: "key", After: []byte(`"p"`)},
			{Field: "kind", After: []byte(`"Pilot"`)},
			{Field: "name", After: []byte(`{"fi":"Pilotti"}`)},
			{Field: "sources", After: []byte(`[{"sourceId":"s","quote":"q"}]`)},
			{Field: "type", After: []byte(`"PILOT"`)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NodeChanges(tt.before(), tt.after())
			if len(got) != len(tt.want) {
				t.Fatalf("got %d changes %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.Field != w.Field || string(g.Before) != string(w.Before) || string(g.After) != string(w.After) {
					t.Errorf("change %d: got %s %s→%s, want %s %s→%s", i, g.Field, g.Before, g.After, w.Field, w.Before, w.After)
				}
			}
		})
	}
}
