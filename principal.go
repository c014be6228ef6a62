package hub

import "context"

// Principal is an authenticated caller.
type Principal struct {
	// Subject names the caller (an API key's owner, a user).
	Subject string
	// PersonalData allows reading contact persons' e-mail and phone.
	PersonalData bool
}

type principalKey struct{}

// WithPrincipal returns ctx carrying an authenticated caller.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the authenticated caller, or nil for an anonymous
// one.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// MayReadPersonalData reports whether the caller may see personal data
// (contact persons' e-mail and phone). Anonymous callers never may.
func MayReadPersonalData(ctx context.Context) bool {
	p := PrincipalFrom(ctx)
	return p != nil && p.PersonalData
}

type languageKey struct{}

// WithLanguage returns ctx carrying the caller's preferred language.
func WithLanguage(ctx context.Context, l Language) context.Context {
	return context.WithValue(ctx, languageKey{}, l)
}

// LanguageFrom returns the caller's preferred language, Finnish when the
// caller stated none.
func LanguageFrom(ctx context.Context) Language {
	if l, ok := ctx.Value(languageKey{}).(Language); ok {
		return l
	}
	return Finnish
}
