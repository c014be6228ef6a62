package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// signer is one of a test provider's signing keys.
type signer struct {
	kid    string
	method jwt.SigningMethod
	key    crypto.Signer
}

func mustRSASigner(tb testing.TB, kid string) signer {
	tb.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	return signer{kid: kid, method: jwt.SigningMethodRS256, key: k}
}

func mustECSigner(tb testing.TB, kid string) signer {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return signer{kid: kid, method: jwt.SigningMethodES256, key: k}
}

// jwk is the public JWK of s, as a provider publishes it.
func (s signer) jwk() map[string]any {
	b64 := base64.RawURLEncoding.EncodeToString
	switch k := s.key.Public().(type) {
	case *rsa.PublicKey:
		return map[string]any{"kty": "RSA", "kid": s.kid, "use": "sig", "alg": "RS256",
			"n": b64(k.N.Bytes()), "e": b64([]byte{1, 0, 1})}
	case *ecdsa.PublicKey:
		raw, _ := k.Bytes() // 0x04 || x || y
		return map[string]any{"kty": "EC", "kid": s.kid, "use": "sig", "crv": "P-256",
			"x": b64(raw[1:33]), "y": b64(raw[33:])}
	}
	panic("unknown key type")
}

// sign signs claims with s, naming its kid.
func (s signer) sign(tb testing.TB, claims jwt.MapClaims) string {
	tb.Helper()
	t := jwt.NewWithClaims(s.method, claims)
	t.Header["kid"] = s.kid
	out, err := t.SignedString(s.key)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestRefreshAfter(t *testing.T) {
	for _, tc := range []struct {
		cc   string
		want time.Duration
	}{
		{"", time.Hour},
		{"public, max-age=7200", 2 * time.Hour},
		{"max-age=10", 5 * time.Minute},
		{"max-age=9999999", 24 * time.Hour},
		{"no-store", 5 * time.Minute},
		{"max-age=soon", time.Hour},
		{`Max-Age="600"`, 10 * time.Minute},
	} {
		if got := refreshAfter(tc.cc); got != tc.want {
			t.Errorf("refreshAfter(%q) = %v, want %v", tc.cc, got, tc.want)
		}
	}
}

// TestParseJWKS: the key set keeps RSA keys of 2048 bits or more and
// P-256 keys meant for signatures, skips others, and refuses a set
// without any or with a kid listed twice.
func TestParseJWKS(t *testing.T) {
	rsaKey, ecKey := mustRSASigner(t, "r"), mustECSigner(t, "e")
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	smallKey := signer{kid: "small", key: small}.jwk()
	enc := rsaKey.jwk()
	enc["kid"], enc["use"] = "enc", "enc"
	offCurve := ecKey.jwk()
	offCurve["kid"], offCurve["y"] = "off", offCurve["x"]
	set := func(keys ...map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"keys": keys})
		return b
	}
	keys, err := parseJWKS(set(rsaKey.jwk(), ecKey.jwk(), smallKey, enc, offCurve,
		map[string]any{"kty": "EC", "kid": "p384", "crv": "P-384", "x": "AA", "y": "AA"}, map[string]any{"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys["r"].key == nil || keys["e"].key == nil {
		t.Errorf("kept %v, want r and e", keys)
	}
	if _, err := parseJWKS(set(smallKey, enc)); err == nil {
		t.Error("a set without a usable key was taken")
	}
	if _, err := parseJWKS(set(rsaKey.jwk(), rsaKey.jwk())); err == nil {
		t.Error("a set with a kid listed twice was taken")
	}
}
