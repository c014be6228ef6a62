package model

import "github.com/otehub/hub"

// text is stored free text as the request's caller may see it: whole
// for a caller who may read personal data, else with e-mail addresses
// and phone numbers replaced by markers. Every accessor that returns
// stored text (names, descriptions, goals, quotes, locators, roles,
// titles, documents' publishers and authors) goes through it, since the
// sources that state contacts' details are quoted word for word.
func (rq *Request) text(s string) string { return hub.PersonalText(rq.personal, s) }

// optionalText is optional(rq.text(s)).
func (rq *Request) optionalText(s string) *string { return optional(rq.text(s)) }

// texts applies text to every element of l; it never returns nil.
func (rq *Request) texts(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = rq.text(s)
	}
	return out
}

// localized applies text to every language of t.
func (rq *Request) localized(t hub.LocalizedText) hub.LocalizedText {
	return hub.LocalizedText{FI: rq.text(t.FI), SV: rq.text(t.SV), EN: rq.text(t.EN)}
}
