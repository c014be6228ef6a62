package storetest

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/fi"
	"github.com/blevesearch/bleve/v2/analysis/lang/sv"
	"golang.org/x/text/unicode/norm"

	"github.com/otehub/hub"
	"github.com/otehub/hub/internal/osa"
)

// The search oracle, written from the documentation of MatchQuality and
// Query.search in schema.graphqls: every text of every node against
// every word of the search text, with the stems straight from bleve's
// Snowball stemmers and the typo distance by dynamic programming.

var oracleStemmers = map[string]analysis.TokenFilter{
	"fi": fi.NewFinnishStemmerFilter(),
	"sv": sv.NewSwedishStemmerFilter(),
	"en": en.NewEnglishStemmerFilter(),
}

var allLangs = []string{"fi", "sv", "en"}

// oracleWords are the words of s in lower case, diacritics kept.
func oracleWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(norm.NFC.String(s)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r)
	})
}

// oracleForms are a word folded and its folded stems in langs.
func oracleForms(word string, langs []string) []string {
	out := []string{fold(word)}
	for _, l := range langs {
		ts := oracleStemmers[l].Filter(analysis.TokenStream{{Term: []byte(word)}})
		out = append(out, fold(string(ts[0].Term)))
	}
	return out
}

// oracleWordLevel is how every word of text matches a word of v (in
// langs): 1 when each shares a form with one or (3 letters or more)
// starts one, 2 when some word needs a typo, 0 when some word matches
// none or the text has more than 8 words.
func oracleWordLevel(text, v string, langs []string) int {
	qwords := oracleWords(text)
	if len(qwords) == 0 || len(qwords) > hub.MaxSearchWords {
		return 0
	}
	vwords := oracleWords(v)
	level := 1
	for _, qw := range qwords {
		qforms := slices.Concat(oracleForms(qw, allLangs), oracleForms(fold(qw), allLangs))
		q := fold(qw)
		best := 0
		for _, vw := range vwords {
			vforms := oracleForms(vw, langs)
			shares := slices.ContainsFunc(qforms, func(f string) bool { return slices.Contains(vforms, f) })
			if shares || len([]rune(q)) >= 3 && strings.HasPrefix(fold(vw), q) {
				best = 1
				break
			}
			if len([]rune(q)) < 5 {
				continue
			}
			for _, a := range qforms {
				for _, b := range vforms {
					if len([]rune(a)) >= 5 && len([]rune(b)) >= 5 && osa.Distance(a, b) == 1 {
						best = 2
					}
				}
			}
		}
		if best == 0 {
			return 0
		}
		level = max(level, best)
	}
	return level
}

// oracleSearch answers hub.Search for a valid text, for a caller who may
// not read personal data: entities of kinds (every entity kind when
// empty) with their best match, the first such of their names,
// abbreviations, aliases, descriptions and goals, ranked by quality,
// then sort name and id; the page after the hit after (nil: the first
// page).
func oracleSearch(p *plainNetwork, text string, kinds []hub.Kind, first int, after *hub.SearchHit) []hub.SearchHit {
	needle := fold(text)
	if len(kinds) == 0 {
		kinds = slices.DeleteFunc(slices.Clone(hub.Kinds), func(k hub.Kind) bool { return k == hub.KindSourceDocument })
	}
	type candidate struct {
		field, value string
		langs        []string
	}
	var hits []hub.SearchHit
	for _, n := range p.nodes {
		if !slices.Contains(kinds, n.Kind) {
			continue
		}
		var texts []candidate
		localized := func(field string, t hub.LocalizedText) {
			for i, v := range []string{t.FI, t.SV, t.EN} {
				if v != "" {
					texts = append(texts, candidate{field, v, allLangs[i : i+1]})
				}
			}
		}
		localized("name", n.Name)
		for _, v := range n.Abbreviations {
			texts = append(texts, candidate{"abbreviation", v, allLangs})
		}
		for _, v := range n.Aliases {
			texts = append(texts, candidate{"alias", v, allLangs})
		}
		localized("description", n.Description)
		for _, g := range n.Goals {
			localized("goal", g)
		}
		best := hub.SearchHit{Node: n, Quality: -1}
		for _, c := range texts {
			v := hub.RedactPersonalData(c.value)
			t := fold(v)
			var q hub.MatchQuality
			level := oracleWordLevel(text, v, c.langs)
			switch {
			case c.field == "description" || c.field == "goal":
				if level == 0 {
					continue
				}
				q = hub.MatchDescription
			case t == needle:
				q = hub.MatchExact
			case strings.HasPrefix(t, needle):
				q = hub.MatchPrefix
			case strings.Contains(t, needle):
				q = hub.MatchContains
			case level == 1:
				q = hub.MatchWord
			case level == 2:
				q = hub.MatchFuzzy
			default:
				continue
			}
			if best.Quality < 0 || q < best.Quality {
				best.Quality, best.Text, best.Field = q, v, c.field
			}
		}
		if best.Quality >= 0 {
			hits = append(hits, best)
		}
	}
	order := func(a, b hub.SearchHit) int {
		return cmp.Or(cmp.Compare(a.Quality, b.Quality), strings.Compare(sortName(a.Node), sortName(b.Node)), strings.Compare(a.Node.ID, b.Node.ID))
	}
	slices.SortFunc(hits, order)
	if after != nil {
		hits = slices.DeleteFunc(hits, func(h hub.SearchHit) bool { return order(h, *after) <= 0 })
	}
	return hits[:min(first, len(hits))]
}
