package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"github.com/golang-jwt/jwt/v5"

	"github.com/otehub/hub"
)

// OIDCConfig configures sign-in with tokens (JWTs) issued by an OpenID
// Connect provider, beside the API keys. An empty Issuer turns it off.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL; a token's iss must equal it
	// (HUB_OIDC_ISSUER).
	Issuer string
	// JWKSURL is the URL of the provider's signing keys; empty reads it
	// from <Issuer>/.well-known/openid-configuration (HUB_OIDC_JWKS_URL).
	JWKSURL string
	// Audience must be one of a token's aud (HUB_OIDC_AUDIENCE): the
	// hub's client id or API identifier at the provider.
	Audience string
	// ClockSkew is how far exp, nbf and iat may be off
	// (HUB_OIDC_CLOCK_SKEW, 30s, at most 5m).
	ClockSkew time.Duration
	// RoleClaim names the claim that holds the caller's role: partner,
	// editor or admin (HUB_OIDC_ROLE_CLAIM, "ote_role").
	RoleClaim string
	// OrganisationClaim names the claim that holds a partner's
	// organisation node id (HUB_OIDC_ORGANISATION_CLAIM,
	// "ote_organisation").
	OrganisationClaim string
}

// Defaults and bounds of OIDCConfig.
const (
	defaultClockSkew         = 30 * time.Second
	maxClockSkew             = 5 * time.Minute
	defaultRoleClaim         = "ote_role"
	defaultOrganisationClaim = "ote_organisation"
)

// oidcSubjectPrefix begins the subject of a caller signed in with a
// token, in the history and in statements (oidc:<sub>), so that it
// cannot be taken for an API key's subject: those may not begin so.
const oidcSubjectPrefix = "oidc:"

// check validates the configuration once parsed.
func (c *OIDCConfig) check() error {
	if c.Issuer == "" {
		if c.JWKSURL != "" || c.Audience != "" {
			return errors.New("HUB_OIDC_JWKS_URL and HUB_OIDC_AUDIENCE need HUB_OIDC_ISSUER (-oidc-issuer)")
		}
		return nil
	}
	if err := checkProviderURL(c.Issuer); err != nil {
		return fmt.Errorf("HUB_OIDC_ISSUER: %w", err)
	}
	if c.JWKSURL != "" {
		if err := checkProviderURL(c.JWKSURL); err != nil {
			return fmt.Errorf("HUB_OIDC_JWKS_URL: %w", err)
		}
	}
	if c.Audience == "" {
		// Without it, a token the provider issued to any other
		// application would be accepted here.
		return errors.New("HUB_OIDC_ISSUER needs HUB_OIDC_AUDIENCE (-oidc-audience): the hub's client id or API identifier at the provider")
	}
	if c.ClockSkew < 0 || c.ClockSkew > maxClockSkew {
		return fmt.Errorf("HUB_OIDC_CLOCK_SKEW %v: want 0 to %v", c.ClockSkew, maxClockSkew)
	}
	if c.RoleClaim == "" || c.OrganisationClaim == "" {
		return errors.New("HUB_OIDC_ROLE_CLAIM and HUB_OIDC_ORGANISATION_CLAIM must not be empty")
	}
	return nil
}

// oidcVerifier checks the provider's tokens and names their callers.
type oidcVerifier struct {
	cfg    OIDCConfig
	keys   *keySet
	parser *jwt.Parser
	log    *slog.Logger
}

func newOIDCVerifier(cfg OIDCConfig, log *slog.Logger) *oidcVerifier {
	return &oidcVerifier{
		cfg:  cfg,
		keys: newKeySet(cfg.Issuer, cfg.JWKSURL, log),
		log:  log,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{algRS256, algES256}),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithAudience(cfg.Audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(cfg.ClockSkew),
		),
	}
}

// looksLikeJWT reports whether a bearer token is a JWT (a JWS in compact
// form: three base64url parts separated by dots, the last empty for an
// unsigned one) rather than an API key, which has no dots.
func looksLikeJWT(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return false
	}
	for _, p := range parts {
		for _, c := range p {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// principal checks token (signature, algorithm, exp, nbf, iat, iss, aud)
// and returns its caller, or an EUNAUTHENTICATED error that says which
// check failed, in general terms and without the token's contents.
func (v *oidcVerifier) principal(ctx context.Context, token string) (*hub.Principal, error) {
	claims := jwt.MapClaims{}
	tok, err := v.parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) { return v.keyFor(ctx, t) })
	if err != nil {
		problem := tokenProblem(err, tok, claims)
		v.log.DebugContext(ctx, "refused a token", "problem", problem)
		return nil, hub.Errorf(hub.EUNAUTHENTICATED, "invalid token: %s", problem)
	}
	p, err := v.principalOf(claims)
	if err != nil {
		v.log.DebugContext(ctx, "refused a token", "problem", err)
		return nil, hub.Errorf(hub.EUNAUTHENTICATED, "invalid token: %v", err)
	}
	return p, nil
}

// errKeyType says that the key a token names is not one of its
// algorithm.
var errKeyType = errors.New("the signing key is not one of the token's algorithm")

// keyFor returns the provider's key that t names, if it is a key of t's
// algorithm (which the parser has checked is RS256 or ES256).
func (v *oidcVerifier) keyFor(ctx context.Context, t *jwt.Token) (any, error) {
	kid := ""
	if h, ok := t.Header["kid"]; ok {
		s, ok := h.(string)
		if !ok {
			return nil, errUnknownKey
		}
		kid = s
	}
	k, err := v.keys.key(ctx, kid)
	if err != nil {
		return nil, err
	}
	alg := t.Method.Alg()
	if k.alg != "" && k.alg != alg {
		return nil, errKeyType
	}
	switch key := k.key.(type) {
	case *rsa.PublicKey:
		if alg == algRS256 {
			return key, nil
		}
	case *ecdsa.PublicKey:
		if alg == algES256 && key.Curve == elliptic.P256() {
			return key, nil
		}
	}
	return nil, errKeyType
}

// tokenProblem says in general terms which check a token failed.
func tokenProblem(err error, tok *jwt.Token, claims jwt.MapClaims) string {
	if tok != nil && tok.Header != nil {
		if alg, _ := tok.Header["alg"].(string); alg != algRS256 && alg != algES256 {
			return "unsupported algorithm (the hub accepts RS256 and ES256)"
		}
	}
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed"
	case errors.Is(err, errUnknownKey):
		return "bad signature (no signing key of the identity provider has the token's kid)"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid) || errors.Is(err, errKeyType):
		return "bad signature"
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return "the identity provider's signing keys could not be fetched in time"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet) || errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "not yet valid"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "wrong issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "wrong audience"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		for _, c := range []struct{ claim, problem string }{{"exp", "no expiry (exp)"}, {"iss", "wrong issuer (none)"}, {"aud", "wrong audience (none)"}} {
			if _, ok := claims[c.claim]; !ok {
				return c.problem
			}
		}
	case errors.Is(err, jwt.ErrInvalidType):
		return "a registered claim has the wrong type"
	}
	return "cannot be verified"
}

// maxSubject bounds the sub claim the history records.
const maxSubject = 255

// principalOf maps a verified token's claims to its caller: the subject
// from sub, the role from RoleClaim and a partner's organisation from
// OrganisationClaim.
//
// A token whose role claim is missing, or names no role of the hub, is
// an authenticated reader: it reads public data only (no personal
// data) and may not write (FORBIDDEN, which says why). The provider
// signs in every member of a partner organisation, most of whom were
// granted no role in the hub; refusing them with 401 would make a
// signed-in client drop its token to read what anyone may, while
// accepting them gives nothing an anonymous caller lacks. Personal data
// needs a role that was granted on purpose. A partner role without a
// valid organisation, on the other hand, is refused: the grant is
// broken and could not be honoured.
func (v *oidcVerifier) principalOf(claims jwt.MapClaims) (*hub.Principal, error) {
	sub, _ := claims["sub"].(string)
	if sub == "" || len(sub) > maxSubject || strings.IndexFunc(sub, unicode.IsControl) >= 0 {
		return nil, errors.New("no usable subject (sub)")
	}
	p := &hub.Principal{Subject: oidcSubjectPrefix + sub, Role: roleOf(claims[v.cfg.RoleClaim])}
	if !p.Role.Valid() {
		p.Role = ""
		return p, nil
	}
	p.PersonalData = true
	if p.Role == hub.RolePartner {
		org, _ := claims[v.cfg.OrganisationClaim].(string)
		if org == "" || checkPrincipal(p, []string{org}) != nil {
			return nil, fmt.Errorf("the partner role needs the id of an Organisation or Employer node in the %s claim", v.cfg.OrganisationClaim)
		}
	}
	return p, nil
}

// roleOf reads a role claim: a string, or a list of strings (as
// providers list roles) of which the most allowed role of the hub counts
// and other values are ignored. "" when it names none.
func roleOf(claim any) hub.Role {
	switch c := claim.(type) {
	case string:
		return hub.Role(c)
	case []any:
		best := hub.Role("")
		rank := map[hub.Role]int{hub.RolePartner: 1, hub.RoleEditor: 2, hub.RoleAdmin: 3}
		for _, v := range c {
			if s, ok := v.(string); ok && rank[hub.Role(s)] > rank[best] {
				best = hub.Role(s)
			}
		}
		return best
	}
	return ""
}
