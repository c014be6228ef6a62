package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"github.com/otehub/hub"
	"github.com/otehub/hub/internal/subscribetest"
)

// testAudience is the audience the test hubs expect.
const testAudience = "ote-hub"

// provider is an OpenID Connect provider for the tests: its discovery
// document and JWK Set, whose keys can be switched and which can be
// taken down, counting the requests for the JWK Set.
type provider struct {
	*httptest.Server
	jwksRequests atomic.Int64

	mu   sync.Mutex
	keys []signer
	down bool
}

func mustStartProvider(tb testing.TB, keys ...signer) *provider {
	tb.Helper()
	p := &provider{keys: keys}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": p.URL, "jwks_uri": p.URL + "/keys",
			"id_token_signing_alg_values_supported": []string{"RS256", "ES256"}})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		p.jwksRequests.Add(1)
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.down {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		var keys []any
		for _, k := range p.keys {
			keys = append(keys, k.jwk())
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		json.NewEncoder(w).Encode(map[string]any{"keys": keys})
	})
	p.Server = httptest.NewServer(mux)
	tb.Cleanup(p.Close)
	return p
}

// publish replaces the provider's keys.
func (p *provider) publish(keys ...signer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys = keys
}

func (p *provider) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
}

// claims are valid claims for the hubs of these tests: issued by p for
// testAudience, to sub, now, for five minutes; extra adds or replaces
// claims (a nil value removes one).
func (p *provider) claims(sub string, extra jwt.MapClaims) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{"iss": p.URL, "aud": []string{testAudience, "other-api"}, "sub": sub,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// mustRunOIDCHub starts a hub that accepts p's tokens, with its log in a
// buffer.
func mustRunOIDCHub(t *testing.T, p *provider, env map[string]string) (*Main, *syncBuffer) {
	t.Helper()
	log := &syncBuffer{}
	m := mustRunMainWith(t, withEnv(env, "HUB_OIDC_ISSUER", p.URL, "HUB_OIDC_AUDIENCE", testAudience, "HUB_LOG_LEVEL", "debug"),
		func(m *Main) { m.LogOutput = log })
	MustBeReady(t, m, 30*time.Second)
	return m, log
}

// mustBeRefused posts a query with token and checks the 401 answer: the
// UNAUTHENTICATED error whose message names the problem, the challenge,
// and nothing of the token echoed.
func mustBeRefused(t *testing.T, m *Main, token, problem string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": "{ __typename }"})
	req, _ := http.NewRequest(http.MethodPost, m.URL()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%d %s: %v", resp.StatusCode, raw, err)
	}
	if resp.StatusCode != http.StatusUnauthorized || errorCode(r) != "UNAUTHENTICATED" || !strings.Contains(r.Errors[0].Message, problem) {
		t.Fatalf("got %d %s, want 401 UNAUTHENTICATED saying %q", resp.StatusCode, raw, problem)
	}
	if ch := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(ch, "Bearer ") || !strings.Contains(ch, `error="invalid_token"`) {
		t.Errorf("WWW-Authenticate: %q", ch)
	}
	for _, part := range strings.Split(token, ".") {
		if len(part) > 8 && (bytes.Contains(raw, []byte(part)) || strings.Contains(resp.Header.Get("WWW-Authenticate"), part)) {
			t.Errorf("the answer echoes the token: %s", raw)
		}
	}
}

// TestOIDCTokens: a hub that accepts an identity provider's tokens
// (its keys discovered from the issuer) lets them write as their role
// allows, records their subject, and refuses every token that fails a
// check with 401 and a message naming the check.
func TestOIDCTokens(t *testing.T) {
	rsaKey, ecKey := mustRSASigner(t, "rsa-1"), mustECSigner(t, "ec-1")
	p := mustStartProvider(t, rsaKey, ecKey)
	m, log := mustRunOIDCHub(t, p, nil)
	own := hub.NodeID(hub.KindOrganisation, "testijarjesto")
	source := hub.NodeID(hub.KindSourceDocument, "seed-000")
	org := map[string]any{"kind": "Organisation", "key": "testijarjesto", "fields": map[string]any{
		"name": map[string]any{"fi": "Testijärjestö"}, "type": "ASSOCIATION",
		"sources": []any{map[string]any{"sourceId": source, "quote": "testi"}}}}
	editor := rsaKey.sign(t, p.claims("alice", jwt.MapClaims{"ote_role": "editor"}))
	partner := ecKey.sign(t, p.claims("bob", jwt.MapClaims{"ote_role": "partner", "ote_organisation": own}))
	reader := rsaKey.sign(t, p.claims("carol", nil))

	t.Run("an editor's RS256 token writes, and the history names its subject", func(t *testing.T) {
		status, r := postAs(t, m, editor, createNode, map[string]any{"in": org})
		if status != http.StatusOK || path(r.Data, "createNode", "node", "id") != own {
			t.Fatalf("createNode: %d %+v", status, r)
		}
		_, r = postAs(t, m, "", historyOf, map[string]any{"id": own})
		if got := path(r.Data, "history", "nodes", 0, "actor"); got != "oidc:alice" {
			t.Errorf("actor %v, want oidc:alice", got)
		}
	})
	t.Run("a partner's ES256 token writes its own organisation, and another is FORBIDDEN", func(t *testing.T) {
		_, r := postAs(t, m, partner, updateNode, map[string]any{"in": map[string]any{"id": own, "version": 1,
			"set": map[string]any{"name": map[string]any{"fi": "Kumppanin nimi"}}}})
		if path(r.Data, "updateNode", "node", "version") != 2.0 {
			t.Fatalf("partner updating its own organisation: %+v", r)
		}
		_, r = postAs(t, m, "", `{ organisations(first: 1) { nodes { id version } } }`, nil)
		other := path(r.Data, "organisations", "nodes", 0, "id")
		_, r = postAs(t, m, partner, updateNode, map[string]any{"in": map[string]any{"id": other,
			"version": path(r.Data, "organisations", "nodes", 0, "version"), "set": map[string]any{"aliases": []any{"x"}}}})
		if errorCode(r) != "FORBIDDEN" {
			t.Fatalf("partner updating another organisation: %+v, want FORBIDDEN", r)
		}
	})
	t.Run("a partner reads contacts' e-mail, a token without a role does not and may not write", func(t *testing.T) {
		const emails = `{ contacts(first: 20) { nodes { email } } }`
		has := func(r gqlResponse) bool { return strings.Contains(fmt.Sprint(r.Data), "@") }
		if _, r := postAs(t, m, partner, emails, nil); !has(r) {
			t.Errorf("the partner reads no e-mail: %+v", r)
		}
		if status, r := postAs(t, m, reader, emails, nil); status != http.StatusOK || has(r) || len(r.Errors) > 0 {
			t.Errorf("the reader: %d %+v, want contacts without e-mail", status, r)
		}
		_, r := postAs(t, m, reader, updateNode, map[string]any{"in": map[string]any{"id": own, "version": 2,
			"set": map[string]any{"aliases": []any{"x"}}}})
		if errorCode(r) != "FORBIDDEN" || !strings.Contains(r.Errors[0].Message, "no role") {
			t.Errorf("the reader writing: %+v, want FORBIDDEN saying it has no role", r)
		}
	})
	t.Run("a token within the clock skew is accepted", func(t *testing.T) {
		now := time.Now()
		for _, claims := range []jwt.MapClaims{
			{"ote_role": "editor", "nbf": now.Add(10 * time.Second).Unix(), "iat": now.Add(10 * time.Second).Unix()},
			{"ote_role": "editor", "exp": now.Add(-10 * time.Second).Unix(), "iat": now.Add(-time.Minute).Unix()},
		} {
			if status, r := postAs(t, m, rsaKey.sign(t, p.claims("alice", claims)), `{ __typename }`, nil); status != http.StatusOK || len(r.Errors) > 0 {
				t.Errorf("claims %v: %d %+v", claims, status, r)
			}
		}
	})

	now := time.Now()
	otherRSA, otherEC := mustRSASigner(t, "rsa-1"), mustECSigner(t, "ec-1")
	pemKey := func() []byte {
		der, err := x509.MarshalPKIXPublicKey(rsaKey.key.Public())
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}()
	signWith := func(method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
		tok := jwt.NewWithClaims(method, claims)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// alter changes one character in the middle of a token's signature.
	alter := func(token string) string {
		i := strings.LastIndex(token, ".") + 20
		c := byte('A')
		if token[i] == 'A' {
			c = 'B'
		}
		return token[:i] + string(c) + token[i+1:]
	}
	editorClaims := func(extra jwt.MapClaims) jwt.MapClaims {
		extra["ote_role"] = "editor"
		return p.claims("alice", extra)
	}
	for _, tc := range []struct{ name, token, problem string }{
		{"an expired token", rsaKey.sign(t, editorClaims(jwt.MapClaims{"exp": now.Add(-2 * time.Minute).Unix(), "iat": now.Add(-time.Hour).Unix()})), "expired"},
		{"a token whose nbf is beyond the skew", rsaKey.sign(t, editorClaims(jwt.MapClaims{"nbf": now.Add(2 * time.Minute).Unix()})), "not yet valid"},
		{"a token issued beyond the skew in the future", ecKey.sign(t, editorClaims(jwt.MapClaims{"iat": now.Add(2 * time.Minute).Unix()})), "not yet valid"},
		{"a token without exp", rsaKey.sign(t, editorClaims(jwt.MapClaims{"exp": nil})), "no expiry"},
		{"a token of another issuer", rsaKey.sign(t, editorClaims(jwt.MapClaims{"iss": "https://idp.example"})), "wrong issuer"},
		{"a token for another audience", ecKey.sign(t, editorClaims(jwt.MapClaims{"aud": "other-api"})), "wrong audience"},
		{"a token without audience", rsaKey.sign(t, editorClaims(jwt.MapClaims{"aud": nil})), "wrong audience"},
		{"an unsigned token (alg none)", signWith(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "rsa-1", editorClaims(jwt.MapClaims{})), "unsupported algorithm"},
		{"an HS256 token keyed with the provider's RSA public key", signWith(jwt.SigningMethodHS256, pemKey, "rsa-1", editorClaims(jwt.MapClaims{})), "unsupported algorithm"},
		{"an RS512 token of the provider's key", signWith(jwt.SigningMethodRS512, rsaKey.key, "rsa-1", editorClaims(jwt.MapClaims{})), "unsupported algorithm"},
		{"an RS256 token signed by another key under the provider's kid", otherRSA.sign(t, editorClaims(jwt.MapClaims{})), "bad signature"},
		{"an ES256 token signed by another key under the provider's kid", otherEC.sign(t, editorClaims(jwt.MapClaims{})), "bad signature"},
		{"an ES256 token naming the RSA key", signWith(jwt.SigningMethodES256, otherEC.key, "rsa-1", editorClaims(jwt.MapClaims{})), "bad signature"},
		{"a token whose signature was altered", alter(editor), "bad signature"},
		{"a partner token without an organisation", rsaKey.sign(t, p.claims("dave", jwt.MapClaims{"ote_role": "partner"})), "ote_organisation"},
		{"a token without a subject", rsaKey.sign(t, editorClaims(jwt.MapClaims{"sub": nil})), "subject"},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) { mustBeRefused(t, m, tc.token, tc.problem) })
	}

	t.Run("an unknown kid makes one fetch of the keys and is refused", func(t *testing.T) {
		before := p.jwksRequests.Load()
		mustBeRefused(t, m, mustRSASigner(t, "rsa-unknown").sign(t, editorClaims(jwt.MapClaims{})), "bad signature")
		if got := p.jwksRequests.Load() - before; got != 1 {
			t.Errorf("%d fetches of the keys, want 1", got)
		}
	})
	t.Run("forged kids within the interval make no more fetches", func(t *testing.T) {
		before := p.jwksRequests.Load()
		forger := mustRSASigner(t, "")
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				f := forger
				f.kid = fmt.Sprintf("forged-%d", i)
				mustBeRefused(t, m, f.sign(t, editorClaims(jwt.MapClaims{})), "bad signature")
			})
		}
		wg.Wait()
		if got := p.jwksRequests.Load() - before; got != 0 {
			t.Errorf("%d fetches of the keys, want none", got)
		}
	})
	t.Run("the log holds no token and no subject", func(t *testing.T) {
		for _, s := range []string{editor, partner, "alice", "bob"} {
			if strings.Contains(log.String(), s) {
				t.Errorf("the log holds %q", s)
			}
		}
	})
}

// TestOIDCKeyRotation: when the provider replaces its key, a token of
// the new key is accepted without a restart, and one of the old key is
// refused.
func TestOIDCKeyRotation(t *testing.T) {
	first, second := mustRSASigner(t, "2025-01"), mustECSigner(t, "2025-02")
	p := mustStartProvider(t, first)
	// The JWK Set's URL configured, not discovered.
	m, _ := mustRunOIDCHub(t, p, map[string]string{"HUB_OIDC_JWKS_URL": p.URL + "/keys"})
	read := func(s signer) int {
		status, _ := postAs(t, m, s.sign(t, p.claims("alice", jwt.MapClaims{"ote_role": "editor"})), `{ __typename }`, nil)
		return status
	}
	if got := read(first); got != http.StatusOK {
		t.Fatalf("a token of the first key: %d", got)
	}
	p.publish(second)
	if got := read(second); got != http.StatusOK {
		t.Fatalf("a token of the new key: %d", got)
	}
	mustBeRefused(t, m, first.sign(t, p.claims("alice", jwt.MapClaims{"ote_role": "editor"})), "bad signature")
}

// TestOIDCKeysOutliveTheProvider: when the provider goes down after the
// hub fetched its keys, a fetch fails (made here by an unknown kid), is
// logged, and the keys fetched before still serve.
func TestOIDCKeysOutliveTheProvider(t *testing.T) {
	key := mustRSASigner(t, "rsa")
	p := mustStartProvider(t, key)
	m, log := mustRunOIDCHub(t, p, nil)
	p.setDown(true)
	before := p.jwksRequests.Load()
	mustBeRefused(t, m, mustRSASigner(t, "forged").sign(t, p.claims("alice", nil)), "bad signature")
	if p.jwksRequests.Load() != before+1 {
		t.Fatalf("%d fetches while down, want 1", p.jwksRequests.Load()-before)
	}
	if status, r := postAs(t, m, key.sign(t, p.claims("alice", jwt.MapClaims{"ote_role": "editor"})), `{ __typename }`, nil); status != http.StatusOK {
		t.Errorf("a token of the last keys while the provider is down: %d %+v", status, r)
	}
	if !strings.Contains(log.String(), "keeping the keys last fetched") {
		t.Errorf("the failed fetch is not logged:\n%s", log)
	}
}

// TestSubscriberTokenInInitPayload: a WebSocket subscriber that sends a
// token in connection_init sees what its role allows (contacts'
// e-mail), and an expired token closes the connection with 4401 and a
// reason that says so.
func TestSubscriberTokenInInitPayload(t *testing.T) {
	key := mustECSigner(t, "ec")
	p := mustStartProvider(t, key)
	m, _ := mustRunOIDCHub(t, p, nil)
	url := m.URL() + "/graphql"
	editor := key.sign(t, p.claims("alice", jwt.MapClaims{"ote_role": "editor"}))
	ws, _, err := subscribetest.DialWebSocketWith(t.Context(), url, nil, json.RawMessage(`{"Authorization": "Bearer `+editor+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ws.Close)
	s, err := ws.Subscribe(t.Context(), "c", subscribetest.Request{Query: `subscription { changes(kinds: [Contact]) { op node { ... on Contact { key email } } } }`})
	if err != nil {
		t.Fatal(err)
	}

	expired := key.sign(t, p.claims("alice", jwt.MapClaims{"ote_role": "editor", "exp": time.Now().Add(-time.Hour).Unix(), "iat": time.Now().Add(-2 * time.Hour).Unix()}))
	_, _, err = subscribetest.DialWebSocketWith(t.Context(), url, nil, json.RawMessage(`{"Authorization": "Bearer `+expired+`"}`))
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4401 || !strings.Contains(ce.Reason, "expired") {
		t.Errorf("an expired token: %v, want close 4401 saying expired", err)
	}

	for m.Network.Subscribers() != 1 {
		time.Sleep(5 * time.Millisecond)
	}
	_, r := postAs(t, m, editor, createNode, map[string]any{"in": map[string]any{"kind": "Contact", "key": "testihenkilo", "fields": map[string]any{
		"name": map[string]any{"fi": "Testi Henkilö"}, "contact": map[string]any{"email": "testi.henkilo@example.fi"},
		"sources": []any{map[string]any{"statedBy": true}}}}})
	if path(r.Data, "createNode", "node", "id") == nil {
		t.Fatalf("createNode: %+v", r)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	resp, err := s.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(resp.Data), "testi.henkilo@example.fi") {
		t.Errorf("the subscriber with a token got %s, want the e-mail", resp.Data)
	}
}

func TestLooksLikeJWT(t *testing.T) {
	for _, tc := range []struct {
		token string
		want  bool
	}{
		{"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln", true},
		{"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.", true},
		{"ote_abcdefABCDEF0123456789-_", false},
		{"a.b", false},
		{"a.b.c.d", false},
		{".b.c", false},
		{"a+b.c.d", false},
	} {
		if got := looksLikeJWT(tc.token); got != tc.want {
			t.Errorf("looksLikeJWT(%q) = %v", tc.token, got)
		}
	}
}

func TestOIDCConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr bool
		check   func(OIDCConfig) bool
	}{
		{"off by default", nil, nil, false, func(c OIDCConfig) bool {
			return c.Issuer == "" && c.ClockSkew == 30*time.Second && c.RoleClaim == "ote_role" && c.OrganisationClaim == "ote_organisation"
		}},
		{"from the environment", map[string]string{"HUB_OIDC_ISSUER": "https://idp.example/realms/ote", "HUB_OIDC_AUDIENCE": "hub",
			"HUB_OIDC_CLOCK_SKEW": "1m", "HUB_OIDC_ROLE_CLAIM": "roles", "HUB_OIDC_ORGANISATION_CLAIM": "org", "HUB_OIDC_JWKS_URL": "https://idp.example/keys"}, nil, false,
			func(c OIDCConfig) bool {
				return c == OIDCConfig{Issuer: "https://idp.example/realms/ote", Audience: "hub", ClockSkew: time.Minute, RoleClaim: "roles", OrganisationClaim: "org", JWKSURL: "https://idp.example/keys"}
			}},
		{"flags win", map[string]string{"HUB_OIDC_ISSUER": "https://a.example", "HUB_OIDC_AUDIENCE": "hub"}, []string{"-oidc-issuer", "https://b.example", "-oidc-clock-skew", "0s"}, false,
			func(c OIDCConfig) bool { return c.Issuer == "https://b.example" && c.ClockSkew == 0 }},
		{"an issuer needs an audience", map[string]string{"HUB_OIDC_ISSUER": "https://idp.example"}, nil, true, nil},
		{"an audience needs an issuer", map[string]string{"HUB_OIDC_AUDIENCE": "hub"}, nil, true, nil},
		{"an http issuer is refused", map[string]string{"HUB_OIDC_ISSUER": "http://idp.example", "HUB_OIDC_AUDIENCE": "hub"}, nil, true, nil},
		{"an http issuer on loopback is taken", map[string]string{"HUB_OIDC_ISSUER": "http://127.0.0.1:9000", "HUB_OIDC_AUDIENCE": "hub"}, nil, false, nil},
		{"a skew above 5m is refused", map[string]string{"HUB_OIDC_ISSUER": "https://idp.example", "HUB_OIDC_AUDIENCE": "hub", "HUB_OIDC_CLOCK_SKEW": "10m"}, nil, true, nil},
		{"a skew that is no duration", map[string]string{"HUB_OIDC_CLOCK_SKEW": "soon"}, nil, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMain()
			err := m.ParseFlags(tc.args, func(k string) string { return tc.env[k] })
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.check != nil && !tc.check(m.Config.OIDC) {
				t.Errorf("config %+v", m.Config.OIDC)
			}
		})
	}
}

// An API key's subject may not take the form of a token caller's:
// hub key new refuses it, and so does a hub reading a keys file.
func TestKeySubjectsCannotBeTokenSubjects(t *testing.T) {
	var stdout, stderr bytes.Buffer
	file := filepath.Join(t.TempDir(), "keys")
	if code := runCommand(t.Context(), "key", []string{"new", "-file", file, "-role", "editor", "-subject", "oidc:alice"}, func(string) string { return "" }, &stdout, &stderr); code == exitOK {
		t.Errorf("hub key new -subject oidc:alice made a key")
	}
	if _, err := parseKeys(strings.NewReader("sha256:"+strings.Repeat("ab", 32)+" editor oidc:alice\n"), "keys"); err == nil {
		t.Error("a keys file with the subject oidc:alice was read")
	}
}
