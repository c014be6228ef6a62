package hub

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"
)

// MatchQuality ranks a search hit.
type MatchQuality int

// Match qualities, best first.
const (
	MatchExact MatchQuality = iota
	MatchPrefix
	MatchContains
)

// String is the GraphQL enum value.
func (q MatchQuality) String() string {
	return [...]string{"EXACT", "PREFIX", "CONTAINS"}[q]
}

// SearchHit is one search result.
type SearchHit struct {
	Node    *Node
	Quality MatchQuality
	// Text is the name, abbreviation or alias that matched, as stored,
	// or as the caller may see it (see PersonalText).
	Text string
	// Field is "name", "abbreviation" or "alias".
	Field string
}

// MaxSearchText bounds the length of a search text.
const MaxSearchText = 200

// Search finds entities whose names, abbreviations or aliases contain
// text, ignoring case and diacritics, ranked exact > prefix > contained,
// then by name and id. An empty kinds list searches every entity kind.
//
// A caller who may not read personal data searches the texts as they
// are shown to it, with e-mail addresses and phone numbers replaced, so
// that a search cannot tell whose name or alias holds a given number.
//
// Every entity containing the text is ranked, however many there are:
// ranking only a first batch in name order would drop an exact match
// whose name sorts late. A search thus costs a scan of the kinds' names
// in memory.
func Search(ctx context.Context, s Reader, text string, kinds []Kind, first int) ([]SearchHit, error) {
	if utf8.RuneCountInString(text) > MaxSearchText {
		return nil, Errorf(EINVALID, "search text is longer than %d characters", MaxSearchText)
	}
	needle := Normalize(text)
	if needle == "" {
		return nil, Errorf(EINVALID, "search text must contain a letter or a digit")
	}
	if first < 1 || first > MaxPageSize {
		return nil, Errorf(EINVALID, "first must be between 1 and %d, got %d", MaxPageSize, first)
	}
	if len(kinds) == 0 {
		kinds = EntityKinds
	}
	nodes, _, err := s.FindNodes(ctx, NodeFilter{Kinds: kinds, NameContains: needle},
		ListOptions{First: Unlimited, Unordered: true})
	if err != nil {
		return nil, err
	}
	personal := MayReadPersonalData(ctx)
	hits := make([]SearchHit, 0, len(nodes))
	for _, n := range nodes {
		if h, ok := rank(n, needle, personal); ok {
			hits = append(hits, h)
		}
	}
	slices.SortFunc(hits, func(a, b SearchHit) int {
		if a.Quality != b.Quality {
			return int(a.Quality) - int(b.Quality)
		}
		if c := strings.Compare(a.Node.SortName, b.Node.SortName); c != 0 {
			return c
		}
		return strings.Compare(a.Node.ID, b.Node.ID)
	})
	if len(hits) > first {
		hits = hits[:first]
	}
	return hits, nil
}

// rank finds the best match of needle among n's names, abbreviations and
// aliases, as a caller who may read personal data or not sees them.
func rank(n *Node, needle string, personal bool) (SearchHit, bool) {
	best := SearchHit{Node: n, Quality: MatchContains + 1}
	try := func(field string, values []string) {
		for _, v := range values {
			v = PersonalText(personal, v)
			t := Normalize(v)
			q := MatchContains + 1
			switch {
			case t == needle:
				q = MatchExact
			case strings.HasPrefix(t, needle):
				q = MatchPrefix
			case strings.Contains(t, needle):
				q = MatchContains
			}
			if q < best.Quality {
				best.Quality, best.Text, best.Field = q, v, field
			}
		}
	}
	try("name", n.Name.All())
	try("abbreviation", n.Abbreviations)
	try("alias", n.Aliases)
	return best, best.Quality <= MatchContains
}
