package hub_test

import (
	"context"
	"errors"
	"testing"

	"github.com/otehub/hub"
	"github.com/otehub/hub/index"
)

// FuzzSearch: any text and cursor give at most first hits, ranked, or
// an EINVALID error, never a panic; both from the index and from a
// reader that keeps no analysed texts.
func FuzzSearch(f *testing.F) {
	idx := index.New()
	for _, n := range []*hub.Node{
		{Kind: hub.KindRegion, Key: "18", Name: hub.LocalizedText{FI: "Kainuu", SV: "Kajanaland"}},
		{Kind: hub.KindRegion, Key: "15", Name: hub.LocalizedText{FI: "Pohjanmaa", SV: "Österbotten"},
			Description: hub.LocalizedText{FI: "Maakunta Kainuun ja Satakunnan välissä"}},
		{Kind: hub.KindPilot, Key: "p", Name: hub.LocalizedText{FI: "Polut kuntoon"}, Aliases: []string{"Kainuun OTE-hanke"},
			Goals: []hub.LocalizedText{{FI: "Yhteistyöverkostoiksi, p. 040 123 4567"}}},
	} {
		n.ID = hub.NodeID(n.Kind, n.Key)
		n.SortName = hub.Normalize(n.Name.FI)
		idx.Apply(hub.Change{Op: hub.ChangeUpsert, Row: hub.RowNode, ID: n.ID, Node: n})
	}
	first, err := hub.Search(context.Background(), idx, hub.SearchQuery{Text: "kainuu", First: 1})
	if err != nil || len(first) != 1 {
		f.Fatalf("kainuu: %v %v", first, err)
	}
	for _, text := range []string{"kainuussa", "kianuu", "Österbottens", "kain", "040 123 4567", "a b c d e f g h i", "\xc2\xcc", "–!?"} {
		f.Add(text, "", uint8(10))
		f.Add(text, first[0].Cursor, uint8(2))
	}
	f.Fuzz(func(t *testing.T, text, after string, first uint8) {
		for _, r := range []hub.Reader{idx, plainReader{idx}} {
			hits, err := hub.Search(context.Background(), r, hub.SearchQuery{Text: text, First: int(first), After: after})
			var e *hub.Error
			if err != nil {
				if !errors.As(err, &e) || e.Code != hub.EINVALID {
					t.Fatalf("%q after %q: %v", text, after, err)
				}
				continue
			}
			if len(hits) > int(first) {
				t.Fatalf("%q: %d hits for first %d", text, len(hits), first)
			}
			for i := 1; i < len(hits); i++ {
				if hits[i].Quality < hits[i-1].Quality {
					t.Fatalf("%q: hit %d ranks before hit %d", text, i, i-1)
				}
			}
		}
	})
}

// plainReader hides the index's analysed texts: Search analyses them.
type plainReader struct{ hub.Reader }
