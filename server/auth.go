package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/otehub/hub"
)

// An API keys file lists one key per line:
//
//	sha256:<hex> <role> <subject> [<organisation id>]
//
// Blank lines and lines starting with # are skipped. The file holds only
// the keys' SHA-256 hashes: a key is shown once, when `hub key new`
// makes it, and cannot be read back. A partner key names the
// organisation (or employer) node it acts for.

// keyEntry is one line of a keys file.
type keyEntry struct {
	hash      string // hex SHA-256 of the key
	principal hub.Principal
}

func (e keyEntry) line() string {
	l := fmt.Sprintf("sha256:%s %s %s", e.hash, e.principal.Role, e.principal.Subject)
	if e.principal.Organisation != "" {
		l += " " + e.principal.Organisation
	}
	return l
}

// parseKeys reads a keys file's entries, in file order.
func parseKeys(r io.Reader, name string) ([]keyEntry, error) {
	var out []keyEntry
	seen := map[string]bool{}
	subjects := map[string]bool{}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Fields(text)
		bad := func(why string) error { return fmt.Errorf("API keys %s:%d: %s", name, line, why) }
		if len(f) < 3 || len(f) > 4 {
			return nil, bad(`want "sha256:<hex> <role> <subject> [<organisation id>]"`)
		}
		hash, ok := strings.CutPrefix(f[0], "sha256:")
		hash = strings.ToLower(hash)
		if b, err := hex.DecodeString(hash); !ok || err != nil || len(b) != sha256.Size {
			return nil, bad("the first field must be sha256: and 64 hex digits")
		}
		e := keyEntry{hash: hash, principal: hub.Principal{Subject: f[2], Role: hub.Role(f[1]), PersonalData: true}}
		if err := checkPrincipal(&e.principal, f[3:]); err != nil {
			return nil, bad(err.Error())
		}
		if seen[hash] {
			return nil, bad("the same key is listed twice")
		}
		if strings.HasPrefix(e.principal.Subject, oidcSubjectPrefix) {
			return nil, bad(fmt.Sprintf("a subject may not begin with %q, which names callers signed in with a token", oidcSubjectPrefix))
		}
		if subjects[e.principal.Subject] {
			return nil, bad(fmt.Sprintf("subject %q is listed twice: subjects name keys in the history and in hub key revoke", e.principal.Subject))
		}
		seen[hash], subjects[e.principal.Subject] = true, true
		out = append(out, e)
	}
	return out, sc.Err()
}

// checkPrincipal checks a key's role and, for a partner, sets the
// organisation it acts for.
func checkPrincipal(p *hub.Principal, org []string) error {
	if !p.Role.Valid() {
		return fmt.Errorf("unknown role %q (partner, editor or admin)", p.Role)
	}
	if p.Role != hub.RolePartner {
		if len(org) > 0 && org[0] != "" {
			return fmt.Errorf("only a partner key names an organisation")
		}
		return nil
	}
	if len(org) == 0 || org[0] == "" {
		return fmt.Errorf("a partner key names the id of its organisation")
	}
	if kind, err := hub.ParseID(org[0]); err != nil || (kind != string(hub.KindOrganisation) && kind != string(hub.KindEmployer)) {
		return fmt.Errorf("%q is not the id of an Organisation or Employer node", org[0])
	}
	p.Organisation = org[0]
	return nil
}

// newAPIKey returns a fresh random key and its hash.
func newAPIKey() (key, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	key = "ote_" + base64.RawURLEncoding.EncodeToString(b)
	return key, keyHash(key)
}

func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// keyFile is the keys file a hub serves with. It is read again when it
// changes (checked at most once a second), so that a key made or
// revoked with `hub key` takes effect without a restart; a file that no
// longer reads keeps the keys last read, and says so in the log.
type keyFile struct {
	path string
	log  *slog.Logger

	mu      sync.Mutex
	keys    map[string]*hub.Principal
	checked time.Time
	stamp   string // size and modification time of the file last read
}

// openKeyFile reads the keys file; a file that cannot be read at start
// is an error.
func openKeyFile(path string, log *slog.Logger) (*keyFile, error) {
	k := &keyFile{path: path, log: log}
	if err := k.reload(); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *keyFile) reload() error {
	fi, err := os.Stat(k.path)
	if err != nil {
		return fmt.Errorf("API keys: %w", err)
	}
	stamp := fmt.Sprint(fi.Size(), fi.ModTime().UnixNano())
	if stamp == k.stamp {
		return nil
	}
	data, err := os.ReadFile(k.path)
	if err != nil {
		return fmt.Errorf("API keys: %w", err)
	}
	entries, err := parseKeys(bytes.NewReader(data), k.path)
	if err != nil {
		return err
	}
	keys := make(map[string]*hub.Principal, len(entries))
	for _, e := range entries {
		p := e.principal
		keys[e.hash] = &p
	}
	k.keys, k.stamp = keys, stamp
	return nil
}

// lookup returns the caller of a key, or nil.
func (k *keyFile) lookup(key string) *hub.Principal {
	k.mu.Lock()
	defer k.mu.Unlock()
	if time.Since(k.checked) >= time.Second {
		k.checked = time.Now()
		if err := k.reload(); err != nil {
			k.log.Error("the API keys file cannot be read again; serving the keys last read", "error", err)
		}
	}
	return k.keys[keyHash(key)]
}

// authenticator finds the caller a bearer token names: a JWT (three
// base64url parts separated by dots) is checked as a token of the
// identity provider, anything else is looked up as an API key. Either
// may be nil, knowing no token or no key.
type authenticator struct {
	keys *keyFile
	oidc *oidcVerifier
}

// principal returns the caller token names, or an EUNAUTHENTICATED
// error whose message tells the client why not.
func (a *authenticator) principal(ctx context.Context, token string) (*hub.Principal, error) {
	if looksLikeJWT(token) {
		if a.oidc == nil {
			return nil, hub.Errorf(hub.EUNAUTHENTICATED, "this hub accepts no tokens of an identity provider: send an API key, or no Authorization header to read public data")
		}
		return a.oidc.principal(ctx, token)
	}
	var p *hub.Principal
	if a.keys != nil {
		p = a.keys.lookup(token)
	}
	if p == nil {
		return nil, hub.Errorf(hub.EUNAUTHENTICATED, "unknown API key: send Authorization: Bearer <key> with a key this hub knows, or no Authorization header to read public data")
	}
	return p, nil
}

// authenticate puts the caller of a request with a known API key or a
// valid token (Authorization: Bearer <key or token>) in its context. A
// request without the header is anonymous; one with an unknown key, an
// invalid token or another scheme gets 401, so that a mistyped, revoked
// or expired credential never silently reads as anonymous.
func authenticate(auth *authenticator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			unauthenticated(w, "send Authorization: Bearer <API key or token>, or no Authorization header to read public data")
			return
		}
		p, err := auth.principal(r.Context(), strings.TrimSpace(token))
		if err != nil {
			var he *hub.Error
			msg := "unauthenticated"
			if errors.As(err, &he) {
				msg = he.Message
			}
			unauthenticated(w, msg)
			return
		}
		next.ServeHTTP(w, r.WithContext(hub.WithPrincipal(r.Context(), p)))
	})
}

// unauthenticated answers 401 with a GraphQL error UNAUTHENTICATED and
// the challenge of RFC 6750.
func unauthenticated(w http.ResponseWriter, msg string) {
	desc := strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < 0x20 || r > 0x7e {
			return ' '
		}
		return r
	}, msg)
	w.Header().Set("WWW-Authenticate", `Bearer realm="ote-hub", error="invalid_token", error_description="`+desc+`"`)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	body, _ := json.Marshal(map[string]any{"errors": []any{map[string]any{
		"message": msg, "extensions": map[string]any{"code": "UNAUTHENTICATED"}}}})
	w.Write(body)
}
