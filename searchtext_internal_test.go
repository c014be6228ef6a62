package hub

import (
	"testing"

	"github.com/otehub/hub/internal/osa"
)

// FuzzOneEdit: oneEdit holds exactly when the strings are one letter
// added, dropped or replaced, or two adjacent letters swapped, apart.
func FuzzOneEdit(f *testing.F) {
	for _, c := range [][2]string{
		{"kainuu", "kianuu"}, {"kainuu", "kainuuu"}, {"kainuu", "kainu"}, {"kainuu", "kainuu"},
		{"kainuu", "kaiunu"}, {"pohjanmaa", "pohjamnaa"}, {"ab", "ba"}, {"abc", "cba"}, {"", "a"},
		{"åland", "aland"}, {"häme", "hmäe"}, {"satakunta", "satakun"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a) > 64 || len(b) > 64 {
			return
		}
		if got, want := oneEdit(a, b), osa.Distance(a, b) == 1; got != want {
			t.Errorf("oneEdit(%q, %q) = %v, distance %d", a, b, got, osa.Distance(a, b))
		}
	})
}
