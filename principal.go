package hub

import "context"

// Role is what an authenticated caller may do.
type Role string

// Roles, from the least to the most allowed. Anonymous callers have no
// Principal and read public data only.
const (
	// RolePartner reads contacts too, and writes its own organisation's
	// node and the relationships that touch it.
	RolePartner Role = "partner"
	// RoleEditor writes everything.
	RoleEditor Role = "editor"
	// RoleAdmin writes everything and manages API keys.
	RoleAdmin Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RolePartner || r == RoleEditor || r == RoleAdmin }

// Principal is an authenticated caller.
type Principal struct {
	// Subject names the caller (an API key's owner, a user).
	Subject string
	// Role is "" for a signed-in reader that was granted no role: it
	// reads what anonymous callers read, and writes nothing.
	Role Role
	// Organisation is the id of the organisation node a partner acts
	// for.
	Organisation string
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

// Authorize checks that the caller of ctx may write b: anonymous
// callers never may (EUNAUTHENTICATED); editors and admins may write
// anything; a partner may change its own organisation's node and write
// or delete the relationships that touch it, and nothing else
// (EFORBIDDEN). r reads the stored ends of the relationships b deletes.
func Authorize(ctx context.Context, r Reader, b *Batch) error {
	p := PrincipalFrom(ctx)
	switch {
	case p == nil:
		return Errorf(EUNAUTHENTICATED, "writing needs an API key or a token of the identity provider: send Authorization: Bearer <key or token>")
	case p.Role == RoleEditor || p.Role == RoleAdmin:
		return nil
	case p.Role == "":
		return Errorf(EFORBIDDEN, "the caller was granted no role, so it reads only: writing needs the role partner, editor or admin")
	case p.Role != RolePartner:
		return Errorf(EFORBIDDEN, "the role %q may not write", p.Role)
	}
	own := p.Organisation
	for _, n := range b.Nodes {
		if n.ID != own {
			return Errorf(EFORBIDDEN, "a partner writes only its own organisation's node, not %s/%s", n.Kind, n.Key)
		}
	}
	if len(b.DeleteNodes) > 0 || len(b.Merges) > 0 {
		return Errorf(EFORBIDDEN, "a partner does not delete or merge nodes")
	}
	for _, rel := range b.Relationships {
		if rel.FromID != own && rel.ToID != own {
			return Errorf(EFORBIDDEN, "a partner writes only relationships that touch its own organisation, not %s", rel.Key)
		}
	}
	if len(b.DeleteRelationships) > 0 {
		stored, err := r.RelationshipsByID(ctx, b.DeleteRelationships)
		if err != nil {
			return err
		}
		for _, rel := range stored {
			if rel != nil && rel.FromID != own && rel.ToID != own {
				return Errorf(EFORBIDDEN, "a partner deletes only relationships that touch its own organisation, not %s", rel.Key)
			}
		}
	}
	return nil
}

// Authorized returns n with every write checked by Authorize first, so
// that no write path can forget it.
func Authorized(n Network) Network { return authorized{n} }

type authorized struct{ Network }

func (a authorized) Apply(ctx context.Context, b *Batch) error {
	if err := Authorize(ctx, a.Network, b); err != nil {
		return err
	}
	return a.Network.Apply(ctx, b)
}

type requestIDKey struct{}

// WithRequestID returns ctx carrying the id the hub gave the request it
// belongs to (answered in X-Request-Id and logged).
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the id of ctx's request, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
