package index_test

import (
	"context"
	"testing"

	"github.com/otehub/hub"
	"github.com/otehub/hub/embedded"
	"github.com/otehub/hub/index"
)

// BenchmarkSearch10k searches the synthetic 10k network: a prefix typed
// as on the map page, an inflected word, a word with a typo, and a word
// found only in descriptions.
func BenchmarkSearch10k(b *testing.B) {
	s, err := embedded.Open(tenK(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	l, err := index.Open(context.Background(), s, index.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	for _, text := range []string{"kai", "palvelun", "plavelu", "synteettinen"} {
		b.Run(text, func(b *testing.B) {
			for b.Loop() {
				if _, err := hub.Search(context.Background(), l, hub.SearchQuery{Text: text, First: 20}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
