package main

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/otehub/hub"
)

// apiKeys maps the SHA-256 of each API key (hex) to its caller. The hub
// never stores a key itself: the keys file holds only hashes.
type apiKeys map[string]*hub.Principal

// readAPIKeys reads a keys file: one key per line, "sha256:<hex> <role>
// <subject> [<organisation id>]"; blank lines and lines starting with #
// are skipped. A partner key names the organisation node it acts for.
func readAPIKeys(path string) (apiKeys, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("API keys: %w", err)
	}
	defer f.Close()
	return parseAPIKeys(f, path)
}

func parseAPIKeys(r io.Reader, name string) (apiKeys, error) {
	keys := apiKeys{}
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
		if b, err := hex.DecodeString(hash); !ok || err != nil || len(b) != sha256.Size {
			return nil, bad("the first field must be sha256: and 64 hex digits")
		}
		role := hub.Role(f[1])
		if !role.Valid() {
			return nil, bad(fmt.Sprintf("unknown role %q (partner, editor or admin)", f[1]))
		}
		p := &hub.Principal{Subject: f[2], Role: role, PersonalData: true}
		if role == hub.RolePartner {
			if len(f) != 4 {
				return nil, bad("a partner key names the id of its organisation")
			}
			if kind, err := hub.ParseID(f[3]); err != nil || (kind != string(hub.KindOrganisation) && kind != string(hub.KindEmployer)) {
				return nil, bad("the fourth field must be the id of an Organisation or Employer node")
			}
			p.Organisation = f[3]
		}
		if _, dup := keys[strings.ToLower(hash)]; dup {
			return nil, bad("the same key is listed twice")
		}
		keys[strings.ToLower(hash)] = p
	}
	return keys, sc.Err()
}

// newAPIKey returns a fresh random key and its keys-file hash.
func newAPIKey() (key, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	key = "ote_" + base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(key))
	return key, "sha256:" + hex.EncodeToString(sum[:])
}

// authenticate puts the caller of a request with a known API key
// (Authorization: Bearer <key>) in its context. A request without the
// header is anonymous; one with an unknown key or another scheme gets
// 401, so that a mistyped key never silently reads as anonymous.
func authenticate(keys apiKeys, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		token, ok := strings.CutPrefix(h, "Bearer ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
		p := keys[hex.EncodeToString(sum[:])]
		if !ok || p == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ote-hub"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"errors":[{"message":"unknown API key: send Authorization: Bearer <key> with a key this hub knows, or no Authorization header to read public data","extensions":{"code":"UNAUTHENTICATED"}}]}`)
			return
		}
		next.ServeHTTP(w, r.WithContext(hub.WithPrincipal(r.Context(), p)))
	})
}
