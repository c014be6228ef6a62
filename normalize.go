package hub

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Normalize folds s for matching: lower case, diacritics removed
// ("Päijät-Häme" → "paijat hame"), every run of non-letters and
// non-digits turned into one space, trimmed. Search and name filters
// compare normalised forms on every backend.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// A combining mark: drop it, keep the base letter.
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

// GramSize is the length, in letters, of the search grams.
const GramSize = 3

// Grams returns the distinct GramSize-letter substrings of a normalised
// text. A text contains a needle only if it contains every gram of the
// needle, so an index of the grams of every name narrows a substring
// search to a few candidates, which the exact test then checks. Needles
// shorter than GramSize have no grams.
func Grams(s string) []string {
	r := []rune(s)
	var out []string
	for i := 0; i+GramSize <= len(r); i++ {
		g := string(r[i : i+GramSize])
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}
