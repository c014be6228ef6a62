package hub

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MatchQuality ranks a search hit.
type MatchQuality int

// Match qualities, best first (see Search).
const (
	MatchExact MatchQuality = iota
	MatchPrefix
	MatchContains
	MatchWord
	MatchFuzzy
	MatchDescription
)

var matchQualities = [...]string{"EXACT", "PREFIX", "CONTAINS", "WORD", "FUZZY", "DESCRIPTION"}

// String is the GraphQL enum value.
func (q MatchQuality) String() string { return matchQualities[q] }

// SearchHit is one search result.
type SearchHit struct {
	Node    *Node
	Quality MatchQuality
	// Text is the name, abbreviation, alias, description or goal that
	// matched, as stored, or as the caller may see it (see
	// PersonalText).
	Text string
	// Field is "name", "abbreviation", "alias", "description" or "goal".
	Field string
	// Cursor is the hit's position, for SearchQuery.After.
	Cursor string
}

// MaxSearchText bounds the length of a search text.
const MaxSearchText = 200

// SearchQuery is what Search looks for.
type SearchQuery struct {
	Text string
	// Kinds are the kinds searched; empty means every entity kind.
	Kinds []Kind
	// First is how many hits to return, 1..MaxPageSize.
	First int
	// After is the cursor of a hit of a search for the same text: the
	// hits ranked after it are returned.
	After string
}

// SearchDocReader is a Reader that keeps its nodes' texts analysed for
// search (the index): Search reads them instead of analysing every text
// on every call. SearchDocs returns the nodes of kinds, in any order,
// and their texts analysed (AnalyzeNode), in the same order.
type SearchDocReader interface {
	SearchDocs(ctx context.Context, kinds []Kind) ([]*Node, []*SearchDoc, error)
}

// Search finds entities by their texts, ignoring case and diacritics,
// and ranks them (MatchQuality, best first):
//
//   - EXACT, PREFIX, CONTAINS: a name, abbreviation or alias equals,
//     starts with or contains the whole text;
//   - WORD: every word of the text matches a word of one name,
//     abbreviation or alias: equal, inflected (a shared Finnish, Swedish
//     or English stem: "kainuussa" finds Kainuu) or, from MinPrefixWord
//     letters, the start of it;
//   - FUZZY: the same, with a typo in a word of MinFuzzyWord letters or
//     more;
//   - DESCRIPTION: the same (typos included) in a description or goal;
//
// then by name and id. A node's hit is its best match, the first of its
// texts (names, abbreviations, aliases, descriptions, goals) among
// equals. A text of more than MaxSearchWords words is matched as a whole
// only.
//
// A caller who may not read personal data searches the texts as they
// are shown to it, with e-mail addresses and phone numbers replaced, so
// that a search cannot tell whose text holds a given number.
//
// Every entity is ranked, however many there are: ranking only a first
// batch in name order would drop an exact match whose name sorts late.
// A search thus costs a scan of the kinds' analysed texts in memory.
func Search(ctx context.Context, s Reader, sq SearchQuery) ([]SearchHit, error) {
	if utf8.RuneCountInString(sq.Text) > MaxSearchText {
		return nil, Errorf(EINVALID, "search text is longer than %d characters", MaxSearchText)
	}
	q := analyzeQuery(sq.Text)
	if q.folded == "" {
		return nil, Errorf(EINVALID, "search text must contain a letter or a digit")
	}
	if sq.First < 1 || sq.First > MaxPageSize {
		return nil, Errorf(EINVALID, "first must be between 1 and %d, got %d", MaxPageSize, sq.First)
	}
	var after *searchPosition
	if sq.After != "" {
		p, err := decodeSearchCursor(q.folded, sq.After)
		if err != nil {
			return nil, err
		}
		after = p
	}
	kinds := sq.Kinds
	if len(kinds) == 0 {
		kinds = EntityKinds
	}
	nodes, docs, err := searchDocs(ctx, s, kinds)
	if err != nil {
		return nil, err
	}
	q.flagVocabulary()
	personal := MayReadPersonalData(ctx)
	var hits []SearchHit
	for i, n := range nodes {
		h, ok := q.rank(n, docs[i], personal)
		if !ok || after != nil && after.compare(h) >= 0 {
			continue
		}
		hits = append(hits, h)
	}
	slices.SortFunc(hits, compareHits)
	if len(hits) > sq.First {
		hits = hits[:sq.First]
	}
	for i := range hits {
		hits[i].Cursor = encodeSearchCursor(q.folded, &hits[i])
	}
	return hits, nil
}

// searchDocs returns the nodes of kinds with their texts analysed: from
// the reader when it keeps them, else analysed here.
func searchDocs(ctx context.Context, s Reader, kinds []Kind) ([]*Node, []*SearchDoc, error) {
	if dr, ok := s.(SearchDocReader); ok {
		return dr.SearchDocs(ctx, kinds)
	}
	nodes, _, err := s.FindNodes(ctx, NodeFilter{Kinds: kinds}, ListOptions{First: Unlimited, Unordered: true})
	if err != nil {
		return nil, nil, err
	}
	docs := make([]*SearchDoc, len(nodes))
	for i, n := range nodes {
		docs[i] = AnalyzeNode(n)
	}
	return nodes, docs, nil
}

func compareHits(a, b SearchHit) int {
	return cmp.Or(cmp.Compare(a.Quality, b.Quality),
		strings.Compare(a.Node.SortName, b.Node.SortName),
		strings.Compare(a.Node.ID, b.Node.ID))
}

// rank finds n's best match, as a caller who may read personal data or
// not sees its texts.
func (q *searchQuery) rank(n *Node, d *SearchDoc, personal bool) (SearchHit, bool) {
	best := SearchHit{Node: n, Quality: MatchDescription + 1}
	for i := range d.texts {
		t := &d.texts[i]
		if !personal && t.shown != nil {
			t = t.shown
		}
		description := t.field == FieldDescription || t.field == FieldGoal
		if description && best.Quality <= MatchDescription {
			// Names, abbreviations and aliases come first: no
			// description or goal can do better.
			break
		}
		quality := MatchDescription + 1
		switch {
		case description:
			if q.matchWords(t) != wordNone {
				quality = MatchDescription
			}
		case t.folded == q.folded:
			quality = MatchExact
		case strings.HasPrefix(t.folded, q.folded):
			quality = MatchPrefix
		case strings.Contains(t.folded, q.folded):
			quality = MatchContains
		case best.Quality > MatchWord:
			switch q.matchWords(t) {
			case wordMatch:
				quality = MatchWord
			case wordFuzzy:
				quality = MatchFuzzy
			}
		}
		if quality < best.Quality {
			best.Quality, best.Text, best.Field = quality, t.text, t.field
			if quality == MatchExact {
				break
			}
		}
	}
	return best, best.Quality <= MatchDescription
}

// searchPosition is a hit's place in the ranking, as its cursor holds
// it.
type searchPosition struct {
	quality  MatchQuality
	sortName string
	id       string
}

func (p *searchPosition) compare(h SearchHit) int {
	return cmp.Or(cmp.Compare(p.quality, h.Quality),
		strings.Compare(p.sortName, h.Node.SortName),
		strings.Compare(p.id, h.Node.ID))
}

// searchOrder names the ranking of a search text, so that a cursor of
// one text is refused for another instead of skipping unseen hits.
func searchOrder(folded string) []Order {
	return []Order{{Field: OrderField("SEARCH " + folded)}, {Field: OrderByName}}
}

func encodeSearchCursor(folded string, h *SearchHit) string {
	return EncodeCursor(searchOrder(folded), []string{strconv.Itoa(int(h.Quality)), h.Node.SortName}, h.Node.ID)
}

func decodeSearchCursor(folded, s string) (*searchPosition, error) {
	bad := Errorf(EINVALID, "invalid cursor %q: use the cursor of a hit of a search for the same text", truncate(s, 64))
	c, err := DecodeCursor(searchOrder(folded), s)
	if err != nil {
		return nil, bad
	}
	q, err := strconv.Atoi(c.Values[0])
	if err != nil || q < int(MatchExact) || q > int(MatchDescription) {
		return nil, bad
	}
	return &searchPosition{quality: MatchQuality(q), sortName: c.Values[1], id: c.ID}, nil
}
