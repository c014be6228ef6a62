package hub

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/fi"
	"github.com/blevesearch/bleve/v2/analysis/lang/sv"
	"golang.org/x/text/unicode/norm"
)

// Search fields, in the order a node's texts are tried: the first of
// equally good matches is the one reported.
const (
	FieldName         = "name"
	FieldAbbreviation = "abbreviation"
	FieldAlias        = "alias"
	FieldDescription  = "description"
	FieldGoal         = "goal"
)

// stemmers are bleve's Snowball stemmers of the content languages.
var stemmers = map[Language]analysis.TokenFilter{
	Finnish: fi.NewFinnishStemmerFilter(),
	Swedish: sv.NewSwedishStemmerFilter(),
	English: en.NewEnglishStemmerFilter(),
}

// stem returns the stem of a lower-case word in lang, normalised (see
// Normalize). The stemmers hold no state, so they are safe for
// concurrent use.
func stem(lang Language, word string) string {
	ts := stemmers[lang].Filter(analysis.TokenStream{&analysis.Token{Term: []byte(word)}})
	return Normalize(string(ts[0].Term))
}

// searchWords splits s where Normalize puts a space or drops a
// character, and returns its words in lower case with their diacritics
// (the form the stemmers expect, e.g. "kainuussa" vs "hämeessä").
func searchWords(s string) []string {
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			words = append(words, norm.NFC.String(b.String()))
			b.Reset()
		}
	}
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			if b.Len() > 0 {
				b.WriteRune(r)
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return words
}

// SearchDoc is a node's searchable texts, analysed: what Search matches
// a text with. The index keeps one per node, so that a search does not
// analyse every text again.
type SearchDoc struct {
	texts []searchText
}

// searchText is one name, abbreviation, alias, description or goal.
type searchText struct {
	field string
	// text is the text as stored, folded its normalised form (see
	// Normalize).
	text, folded string
	words        []searchWord
	// shown is the text as a caller who may not read personal data sees
	// it, when that differs (see PersonalText).
	shown *searchText
}

// searchWord is one word of a text: its forms are the word normalised,
// then its stems in the text's language (in every language for
// abbreviations and aliases, whose language is unknown) that differ, as
// ids in the vocabulary.
type searchWord struct {
	forms []uint32
}

// vocabulary interns the forms of every text analysed: texts hold ids,
// and a search decides once per distinct form, not once per word of
// every text, whether it matches. It and analyzed only grow: they hold
// each distinct word and form of the texts written since the process
// started (writers are authenticated; searching adds nothing), and a
// search reads the whole vocabulary once per word of its text.
var vocabulary = struct {
	mu    sync.RWMutex
	ids   map[string]uint32
	forms []string
}{ids: map[string]uint32{}}

func intern(form string) uint32 {
	vocabulary.mu.RLock()
	id, ok := vocabulary.ids[form]
	vocabulary.mu.RUnlock()
	if ok {
		return id
	}
	vocabulary.mu.Lock()
	defer vocabulary.mu.Unlock()
	if id, ok := vocabulary.ids[form]; ok {
		return id
	}
	id = uint32(len(vocabulary.forms))
	vocabulary.forms = append(vocabulary.forms, form)
	vocabulary.ids[form] = id
	return id
}

// vocabularyForms returns the forms interned so far. Entries are never
// changed, so the slice may be read without the lock.
func vocabularyForms() []string {
	vocabulary.mu.RLock()
	defer vocabulary.mu.RUnlock()
	return vocabulary.forms[:len(vocabulary.forms):len(vocabulary.forms)]
}

// AnalyzeNode returns n's searchable texts, analysed.
func AnalyzeNode(n *Node) *SearchDoc {
	d := &SearchDoc{}
	add := func(field string, langs []Language, v string) {
		if v == "" {
			return
		}
		t := analyzeText(field, langs, v)
		if shown := PersonalText(false, v); shown != v {
			s := analyzeText(field, langs, shown)
			t.shown = &s
		}
		d.texts = append(d.texts, t)
	}
	addLocalized := func(field string, t LocalizedText) {
		for _, l := range Languages {
			add(field, []Language{l}, t.Get(l))
		}
	}
	addLocalized(FieldName, n.Name)
	for _, v := range n.Abbreviations {
		add(FieldAbbreviation, Languages, v)
	}
	for _, v := range n.Aliases {
		add(FieldAlias, Languages, v)
	}
	addLocalized(FieldDescription, n.Description)
	for _, g := range n.Goals {
		addLocalized(FieldGoal, g)
	}
	return d
}

func analyzeText(field string, langs []Language, v string) searchText {
	t := searchText{field: field, text: v, folded: Normalize(v)}
	words := searchWords(v)
	t.words = make([]searchWord, len(words))
	for i, w := range words {
		t.words[i] = searchWord{forms: wordForms(langs, w)}
	}
	return t
}

// analyzed remembers the forms of each word in each language (or all of
// them), shared by every text that has the word: most words recur, and
// stemming is most of what analysing a text costs.
var analyzed = struct {
	mu    sync.RWMutex
	forms map[string][]uint32
}{forms: map[string][]uint32{}}

// wordForms returns the interned forms of the lower-case word w in
// langs: the word normalised, then its stems that differ. The slice is
// shared: callers must not change it.
func wordForms(langs []Language, w string) []uint32 {
	key := w
	for _, l := range langs {
		key = string(l) + "\x00" + key
	}
	analyzed.mu.RLock()
	ids, ok := analyzed.forms[key]
	analyzed.mu.RUnlock()
	if ok {
		return ids
	}
	forms := []string{Normalize(w)}
	for _, l := range langs {
		if s := stem(l, w); s != "" && !contains(forms, s) {
			forms = append(forms, s)
		}
	}
	ids = make([]uint32, len(forms))
	for i, f := range forms {
		ids[i] = intern(f)
	}
	analyzed.mu.Lock()
	analyzed.forms[key] = ids
	analyzed.mu.Unlock()
	return ids
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Search word limits. A search text of more than MaxSearchWords words is
// matched as a whole only (EXACT, PREFIX, CONTAINS): matching each word
// on its own, and with a typo, costs per word and text.
const (
	MaxSearchWords = 8
	// MinPrefixWord is the length from which a word of the search text
	// also matches words that start with it.
	MinPrefixWord = 3
	// MinFuzzyWord is the length from which a word of the search text
	// also matches words one typo away (a letter added, dropped,
	// replaced, or two adjacent letters swapped).
	MinFuzzyWord = 5
)

// searchQuery is a search text, analysed.
type searchQuery struct {
	folded string
	words  []queryWord
}

// queryWord is a word of a search text: its forms are the word
// normalised, then its stems in every language, of the word as typed
// and as normalised (a stemmer reads "hämeessä" and "hameessa"
// differently).
type queryWord struct {
	forms []string
	// prefix and fuzzy say whether the word is long enough to match
	// as a prefix or with a typo.
	prefix, fuzzy bool
	// flags are the formEqual, formStarted and formTypo flags of each
	// form of the vocabulary, by id (see flagVocabulary).
	flags []uint8
}

func analyzeQuery(text string) searchQuery {
	q := searchQuery{folded: Normalize(text)}
	words := searchWords(text)
	if len(words) > MaxSearchWords {
		return q
	}
	for _, w := range words {
		folded := Normalize(w)
		if folded == "" {
			continue
		}
		qw := queryWord{forms: []string{folded}}
		n := utf8.RuneCountInString(folded)
		qw.prefix, qw.fuzzy = n >= MinPrefixWord, n >= MinFuzzyWord
		for _, l := range Languages {
			for _, form := range []string{w, folded} {
				if s := stem(l, form); s != "" && !contains(qw.forms, s) {
					qw.forms = append(qw.forms, s)
				}
			}
		}
		q.words = append(q.words, qw)
	}
	return q
}

// Word match levels of a text, best first.
const (
	wordNone = iota
	wordMatch
	wordFuzzy
)

// Flags of a vocabulary form for a word of a search text.
const (
	// formEqual: the form is one of the word's forms.
	formEqual = 1 << iota
	// formStarted: the word (of MinPrefixWord letters or more) starts
	// the form.
	formStarted
	// formTypo: a form of the word and this form, both of MinFuzzyWord
	// letters or more, are one edit apart.
	formTypo
)

// flagVocabulary flags, for each word of q, every form of the
// vocabulary as it matches the word. Search calls it after the texts
// it matches are analysed, so that their forms are all flagged.
func (q *searchQuery) flagVocabulary() {
	forms := vocabularyForms()
	for i := range q.words {
		w := &q.words[i]
		w.flags = make([]uint8, len(forms))
		for id, f := range forms {
			var flag uint8
			if contains(w.forms, f) {
				flag |= formEqual
			}
			if w.prefix && strings.HasPrefix(f, w.forms[0]) {
				flag |= formStarted
			}
			if w.fuzzy && flag&formEqual == 0 && utf8.RuneCountInString(f) >= MinFuzzyWord {
				for _, a := range w.forms {
					if utf8.RuneCountInString(a) >= MinFuzzyWord && oneEdit(a, f) {
						flag |= formTypo
						break
					}
				}
			}
			w.flags[id] = flag
		}
	}
}

// matchWords reports how every word of q matches a word of t: wordMatch
// when each shares a form with one (see searchWord and queryWord) or,
// from MinPrefixWord letters, starts one; wordFuzzy when some word only
// matches with a typo: a form of it and a form of a word of t, both of
// MinFuzzyWord letters or more, one edit apart; wordNone when some word
// matches none.
func (q *searchQuery) matchWords(t *searchText) int {
	if len(q.words) == 0 {
		return wordNone
	}
	level := wordMatch
	for i := range q.words {
		switch q.words[i].match(t.words) {
		case wordNone:
			return wordNone
		case wordFuzzy:
			level = wordFuzzy
		}
	}
	return level
}

func (w *queryWord) match(words []searchWord) int {
	fuzzy := false
	for i := range words {
		forms := words[i].forms
		if w.flags[forms[0]]&formStarted != 0 {
			return wordMatch
		}
		for _, id := range forms {
			switch f := w.flags[id]; {
			case f&formEqual != 0:
				return wordMatch
			case f&formTypo != 0:
				fuzzy = true
			}
		}
	}
	if fuzzy {
		return wordFuzzy
	}
	return wordNone
}

// oneEdit reports whether a and b (normalised, thus mostly ASCII)
// differ by exactly one letter added, dropped or replaced, or by two
// adjacent letters swapped.
func oneEdit(a, b string) bool {
	if a == b {
		return false
	}
	// A rune is at most 4 bytes: strings whose lengths differ by more
	// differ by more than one rune.
	if d := len(a) - len(b); d > 4 || d < -4 {
		return false
	}
	if ascii(a) && ascii(b) {
		return oneEditOf([]byte(a), []byte(b))
	}
	return oneEditOf([]rune(a), []rune(b))
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func oneEditOf[T byte | rune](x, y []T) bool {
	if len(x) > len(y) {
		x, y = y, x
	}
	if len(y)-len(x) > 1 {
		return false
	}
	i := 0
	for i < len(x) && x[i] == y[i] {
		i++
	}
	if len(x) == len(y) {
		if i == len(x) {
			// Equal as letters (invalid UTF-8 reads as U+FFFD).
			return false
		}
		if slices.Equal(x[i+1:], y[i+1:]) {
			return true
		}
		// Two adjacent letters swapped.
		return i+1 < len(x) && x[i] == y[i+1] && x[i+1] == y[i] && slices.Equal(x[i+2:], y[i+2:])
	}
	return slices.Equal(x[i:], y[i+1:])
}
