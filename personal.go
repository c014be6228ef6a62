package hub

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The markers that stand in for redacted personal data.
const (
	EmailRemoved = "[e-mail removed]"
	PhoneRemoved = "[phone removed]"
)

// PersonalText returns stored free text as a caller sees it: whole when
// the caller may read personal data (see MayReadPersonalData), else with
// every e-mail address and phone number replaced by a marker
// (RedactPersonalData).
func PersonalText(mayRead bool, text string) string {
	if mayRead {
		return text
	}
	return RedactPersonalData(text)
}

// RedactPersonalData returns text with every e-mail address replaced by
// EmailRemoved and every phone number by PhoneRemoved.
//
// Contacts' e-mail and phone are stored in their own fields, but the
// sources that state them are quoted word for word, so any stored text
// may hold them. The detection is built for Finnish documents:
//
//   - e-mail addresses, also obfuscated: "etunimi.sukunimi(a)eksote.fi",
//     "(at)", "[at]", "{at}", "<at>", " at " (when the name before it
//     looks like an address: it holds a dot, an underscore or a digit),
//     with "dot" / "(dot)" / "(piste)" for the dots;
//   - phone numbers in Finnish and international formats: "050 123 4567",
//     "050-1234567", "050/1234567", "(09) 123 456", "044 7186 240",
//     "+358 50 123 4567", "+358 (0)50 …", "00358 …", and after a label
//     ("p.", "puh.", "tel.", "gsm", "mob.", "phone") also a local number
//     without the area code: "puh. 123 4567"; numbers written one after
//     another are told apart where a group starts again with 0
//     ("050 306 6869 044 5650 558").
//
// What is not a phone number is left alone: years and ranges of years,
// amounts ("489 800 euroa", "1 200 000 EUR": a number that continues a
// longer one is part of it), dates ("29.5.2017", "05/2017": dots are never
// a separator and a number needs seven digits), postal codes ("00100"),
// business ids ("0123456-7": a number followed by a lone digit is not a
// phone number), ISBNs and account numbers.
//
// Text without "@", an at-word or five digits is returned as it is
// without running the patterns.
func RedactPersonalData(text string) string {
	if mayHoldEmail(text) {
		text = redactEmails(text)
	}
	if digits(text) >= 5 {
		text = redactPhones(text)
	}
	return text
}

// redactEmails replaces the e-mail addresses in s.
func redactEmails(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range emailPattern.FindAllStringSubmatchIndex(s, -1) {
		if m[4] >= 0 && !strings.ContainsAny(s[m[2]:m[3]], "._0123456789") {
			// "director at eksote.fi" is a sentence; an address
			// written with " at " has a structured name.
			continue
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(EmailRemoved)
		last = m[1]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// mayHoldEmail is a quick test that spares most texts the e-mail
// pattern: it looks for an at sign, an "a" or "ä" after a bracket and
// any spaces, or "at" or "ät" between spaces.
func mayHoldEmail(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '@':
			return true
		case strings.IndexByte("([{<", c) >= 0:
			if atWord(strings.TrimLeft(s[i+1:], patternSpace)) {
				return true
			}
		case strings.IndexByte(patternSpace, c) >= 0:
			rest := s[i+1:]
			if j := strings.IndexAny(rest, patternSpace); j > 0 && (strings.EqualFold(rest[:j], "at") || strings.EqualFold(rest[:j], "ät")) {
				return true
			}
		}
	}
	return strings.Contains(s, "＠")
}

// patternSpace is what \s matches in the e-mail pattern.
const patternSpace = " \t\n\f\r"

// atWord reports whether s starts with "a" or "ä" in either case.
func atWord(s string) bool {
	return strings.HasPrefix(s, "a") || strings.HasPrefix(s, "A") ||
		strings.HasPrefix(s, "ä") || strings.HasPrefix(s, "Ä")
}

func digits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// The e-mail pattern: a local part, an at sign in any of its spellings
// (group 2 is the spelled-out " at "), and a domain of at least two
// labels whose last one is letters.
var emailPattern = func() *regexp.Regexp {
	local := `([\p{L}\p{N}_%+'-]+(?:\.[\p{L}\p{N}_%+'-]+)*)`
	at := `(?:[ \t]?[@＠][ \t]?` +
		`|\s*\(\s*(?:a|at|ät)\s*\)\s*` +
		`|\s*\[\s*(?:a|at|ät)\s*\]\s*` +
		`|\s*\{\s*(?:a|at|ät)\s*\}\s*` +
		`|\s*<\s*(?:a|at|ät)\s*>\s*` +
		`|(\s+(?:at|ät)\s+))`
	label := `[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?`
	dot := `(?:\.|\s*[(\[{]\s*(?:dot|piste)\s*[)\]}]\s*|\s+(?:dot|piste)\s+)`
	tld := `\p{L}{2,24}`
	return regexp.MustCompile(`(?i)` + local + at + label + `(?:` + dot + label + `)*` + dot + tld + `\b`)
}()

// Phone number candidates; redactPhones checks each one's surroundings
// and digit count before removing it. Groups are separated by a space,
// a no-break space or a hyphen, never by a dot (dates); each group takes
// every digit it can, so that a candidate is never the head of a longer
// run of digits.
const (
	phoneSep = `[ \x{00a0}\-]`
	// International: +358 or 00358, an optional "(0)", then groups.
	phoneIntl = `(?:\+|\b00)358` + phoneSep + `?(?:\(0\)` + phoneSep + `?)?\d+(?:` + phoneSep + `?\d{2,})*`
	// National: the trunk prefix 0 with the area or operator code, bare
	// or in brackets ("/" may follow it), then groups.
	phoneNational = `(?:\(0\d{1,3}\)` + phoneSep + `?|0\d{1,3}(?:` + phoneSep + `|/)?)\d{2,}(?:` + phoneSep + `?\d{2,})*`
	// A label that says a phone number follows.
	phoneLabel = `\b(?:puh(?:elin)?|p|tel|gsm|mob|matkap|phone|tfn)\.?:?[ \t\x{00a0}]*`
	// After a label, also a local number without the area code.
	phoneLocal = `\d{2,}(?:` + phoneSep + `?\d{2,})*`
)

var (
	// phonePattern's group 1 is a label, group 2 the number after it.
	phonePattern = regexp.MustCompile(`(?i)(` + phoneLabel + `)(` + phoneIntl + `|` + phoneNational + `|` + phoneLocal + `)` +
		`|` + phoneIntl + `|` + phoneNational)
	unlabelledPhone = regexp.MustCompile(phoneIntl + `|` + phoneNational)
)

// redactPhones replaces the phone number candidates that stand alone and
// have as many digits as a phone number.
func redactPhones(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range phonePattern.FindAllStringSubmatchIndex(s, -1) {
		start, end := m[0], m[1]
		labelled := m[2] >= 0
		if labelled {
			start = m[4]
			if r, _ := utf8.DecodeLastRuneInString(s[:m[2]]); unicode.IsLetter(r) || unicode.IsDigit(r) {
				// Not a label but the end of a word ("käp. 050…"):
				// the number must then stand on its own.
				loc := unlabelledPhone.FindStringIndex(s[start:end])
				if loc == nil || loc[0] != 0 {
					continue
				}
				end = start + loc[1]
				labelled = false
			}
		}
		if !standsAlone(s, start, end) {
			continue
		}
		for _, n := range numbers(s[start:end], labelled) {
			b.WriteString(s[last : start+n[0]])
			b.WriteString(PhoneRemoved)
			last = start + n[1]
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// numbers returns the spans of the phone numbers that make up
// candidate: the whole of it when it has as many digits as one, else the
// numbers it splits into where a group starts with the trunk prefix 0
// ("050 306 6869 044 5650 558" is two), or none.
func numbers(candidate string, labelled bool) [][2]int {
	if phoneDigits(candidate, labelled) {
		return [][2]int{{0, len(candidate)}}
	}
	for i := 1; i < len(candidate); i++ {
		if candidate[i] != '0' {
			continue
		}
		r, size := utf8.DecodeLastRuneInString(candidate[:i])
		if r != ' ' && r != '\u00a0' && r != '-' {
			continue
		}
		head := candidate[:i-size]
		if !phoneDigits(head, labelled) {
			continue
		}
		if rest := numbers(candidate[i:], false); rest != nil {
			out := [][2]int{{0, len(head)}}
			for _, n := range rest {
				out = append(out, [2]int{i + n[0], i + n[1]})
			}
			return out
		}
	}
	return nil
}

// phoneDigits reports whether number has as many digits as a phone
// number: six to eleven after the country code, seven to twelve with
// the trunk prefix 0, five to twelve after a label.
func phoneDigits(number string, labelled bool) bool {
	n := digits(number)
	switch {
	case strings.HasPrefix(number, "+") || strings.HasPrefix(number, "00358"):
		n -= len("358")
		if strings.HasPrefix(number, "00") {
			n -= len("00")
		}
		if strings.Contains(number, "(0)") {
			n--
		}
		return n >= 6 && n <= 11
	case labelled:
		return n >= 5 && n <= 12
	}
	return n >= 7 && n <= 12
}

// standsAlone reports whether s[start:end] is a number of its own: not
// the tail of a longer number ("1 200 000", "978-952-00-…") and not
// followed by more digits ("0123456-7", "12345678901").
func standsAlone(s string, start, end int) bool {
	before := s[:start]
	if r, size := utf8.DecodeLastRuneInString(before); size > 0 {
		switch {
		case unicode.IsDigit(r) || unicode.IsLetter(r) || r == '+':
			return false
		case continues(r):
			if p, _ := utf8.DecodeLastRuneInString(before[:len(before)-size]); unicode.IsDigit(p) {
				return false
			}
		}
	}
	after := s[end:]
	if r, size := utf8.DecodeRuneInString(after); size > 0 {
		switch {
		case unicode.IsDigit(r) || unicode.IsLetter(r):
			return false
		case continues(r):
			if n, _ := utf8.DecodeRuneInString(after[size:]); unicode.IsDigit(n) {
				return false
			}
		}
	}
	return true
}

// continues reports whether r between two digits joins them into one
// number (a comma or a full stop and a space end a number in a list or a
// sentence, so they do not).
func continues(r rune) bool {
	return r == ' ' || r == '\u00a0' || r == '-' || r == '/' || r == '.'
}
