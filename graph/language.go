package graph

import (
	"net/http"

	"golang.org/x/text/language"

	"github.com/otehub/hub"
)

// supported are the content languages in matcher order (Finnish first, so
// that it wins when nothing matches).
var (
	supported = []language.Tag{language.Finnish, language.Swedish, language.English}
	matcher   = language.NewMatcher(supported)
)

// PreferredLanguage reads Accept-Language into the request context, so
// that text fields without a language argument answer in the caller's
// language.
func PreferredLanguage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if lang, ok := preferredLanguage(r); ok {
			r = r.WithContext(hub.WithLanguage(r.Context(), lang))
		}
		next.ServeHTTP(w, r)
	})
}

// preferredLanguage is the content language that r's Accept-Language
// asks for, and false (with Finnish, which answers then) when it asks
// for none the hub has.
func preferredLanguage(r *http.Request) (hub.Language, bool) {
	if h := r.Header.Get("Accept-Language"); h != "" {
		tags, _, err := language.ParseAcceptLanguage(h)
		if err == nil && len(tags) > 0 {
			_, i, conf := matcher.Match(tags...)
			if conf != language.No {
				return []hub.Language{hub.Finnish, hub.Swedish, hub.English}[i], true
			}
		}
	}
	return hub.Finnish, false
}
