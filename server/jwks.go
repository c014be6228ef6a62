package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The identity provider's signing keys (its JWK Set) are fetched by the
// small keySet below rather than by github.com/MicahParks/keyfunc: the
// hub needs a refresh policy keyfunc does not have. keyfunc refreshes on
// a fixed interval without reading Cache-Control; it makes a request
// with an unknown kid wait for its rate limiter (up to a minute by
// default) instead of refusing it at once; it refreshes with the
// request's context, so a client that hangs up aborts the refresh that
// other requests wait for; it reads a JWK Set of any size; and it does
// not discover the JWK Set from the issuer. What is left is small: JSON,
// crypto/rsa and crypto/ecdsa (which checks that an EC point is on its
// curve) build the public keys, and github.com/golang-jwt/jwt checks
// every signature and claim.
const (
	// jwksMinRefresh and jwksMaxRefresh bound how long keys are kept
	// before they are fetched again, whatever the provider's
	// Cache-Control max-age says; jwksDefaultRefresh applies without one.
	jwksMinRefresh     = 5 * time.Minute
	jwksMaxRefresh     = 24 * time.Hour
	jwksDefaultRefresh = time.Hour
	// jwksRetry is how soon a failed fetch is tried again.
	jwksRetry = time.Minute
	// jwksUnknownKeyInterval is how often at most a token naming a key
	// the hub does not hold makes it fetch the keys: a forged kid must
	// not make the hub hammer the provider.
	jwksUnknownKeyInterval = 30 * time.Second
	// jwksTimeout bounds one fetch; jwksMaxBytes one response.
	jwksTimeout  = 10 * time.Second
	jwksMaxBytes = 1 << 20
	// minRSABits refuses RSA keys too short to trust.
	minRSABits = 2048
)

// The signature algorithms the hub accepts. Asymmetric only, and named:
// accepting the token's own word for its algorithm would let "none", or
// HS256 keyed with the provider's public key, pass as signed.
const (
	algRS256 = "RS256"
	algES256 = "ES256"
)

// errUnknownKey says that no key the hub holds (after a refresh, when
// one was allowed) is named by the token.
var errUnknownKey = errors.New("no signing key of the identity provider matches the token")

// signingKey is one usable key of the set.
type signingKey struct {
	// alg is the key's "alg" member, "" when the provider names none.
	alg string
	key crypto.PublicKey
}

// keySet holds an identity provider's signing keys. They are fetched at
// start, again when their Cache-Control max-age (bounded to 5 min–24 h)
// runs out, and when a token names a key the set does not hold, at most
// once per jwksUnknownKeyInterval. A failed fetch keeps the keys last
// fetched and is logged; one fetch runs at a time, and requests that
// need its result wait for it. Rotation thus needs no restart.
type keySet struct {
	// issuer is the provider's issuer URL; the JWK Set's URL is
	// discovered from it when url is empty.
	issuer string
	client *http.Client
	log    *slog.Logger
	// unknownKeyInterval is jwksUnknownKeyInterval (tests shorten it).
	unknownKeyInterval time.Duration

	mu  sync.Mutex
	url string // the JWK Set's URL, configured or discovered
	// keys by kid; a key without kid is held under "".
	keys map[string]signingKey
	// next is when the keys are due to be fetched again.
	next time.Time
	// lastUnknown is when a token with an unknown kid last made a fetch.
	lastUnknown time.Time
	// inflight is closed when the fetch under way ends; nil when none is.
	inflight chan struct{}

	// ctx ends with close, which waits for wg: the background fetches.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newKeySet(issuer, jwksURL string, log *slog.Logger) *keySet {
	s := &keySet{issuer: issuer, url: jwksURL, log: log, client: &http.Client{Timeout: jwksTimeout},
		unknownKeyInterval: jwksUnknownKeyInterval, keys: map[string]signingKey{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// start fetches the keys, waiting for them at most wait, and then keeps
// them current in the background until close. A provider that cannot be
// reached at start does not stop the hub: its keys are fetched when a
// token needs them or when the fetch is retried.
func (s *keySet) start(wait time.Duration) {
	s.mu.Lock()
	done := s.startFetch()
	s.mu.Unlock()
	select {
	case <-done:
	case <-time.After(wait):
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.run()
	}()
}

// close stops the background fetches and waits for them to end.
func (s *keySet) close() {
	s.mu.Lock()
	s.cancel() // under mu, so that startFetch adds to wg before or never
	s.mu.Unlock()
	s.wg.Wait()
}

// run fetches the keys when they are due, until the set is closed.
func (s *keySet) run() {
	for {
		s.mu.Lock()
		wait := time.Until(s.next)
		var done <-chan struct{} = s.inflight
		if wait <= 0 && done == nil {
			done = s.startFetch()
		}
		s.mu.Unlock()
		if done != nil {
			select {
			case <-done:
			case <-s.ctx.Done():
				return
			}
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// startFetch starts a fetch unless one is under way, and returns the
// channel closed when it ends. The fetch runs on the set's context, not
// on a request's, so that a caller that gives up does not abort it for
// the others. s.mu is held.
func (s *keySet) startFetch() <-chan struct{} {
	if s.inflight != nil {
		return s.inflight
	}
	done := make(chan struct{})
	if s.ctx.Err() != nil {
		close(done)
		return done
	}
	s.inflight = done
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(s.ctx, jwksTimeout)
		defer cancel()
		keys, ttl, err := s.fetch(ctx)
		s.mu.Lock()
		defer s.mu.Unlock()
		switch {
		case s.ctx.Err() != nil:
		case err != nil:
			s.log.Error("cannot fetch the identity provider's signing keys; keeping the keys last fetched",
				"jwks", s.url, "keys", len(s.keys), "err", err)
			s.next = time.Now().Add(jwksRetry)
		default:
			s.keys = keys
			s.next = time.Now().Add(ttl)
			s.log.Debug("fetched the identity provider's signing keys", "jwks", s.url, "keys", len(keys), "next", ttl)
		}
		s.inflight = nil
		close(done)
	}()
	return done
}

// key returns the key a token names by kid ("" for none: then the set
// must hold exactly one key). A kid the set does not hold makes it
// fetch the keys once and look again, unless a token did so less than
// unknownKeyInterval ago; a fetch under way is waited for instead.
func (s *keySet) key(ctx context.Context, kid string) (signingKey, error) {
	s.mu.Lock()
	if k, ok := s.lookup(kid); ok {
		s.mu.Unlock()
		return k, nil
	}
	var done <-chan struct{} = s.inflight
	if done == nil {
		if !s.lastUnknown.IsZero() && time.Since(s.lastUnknown) < s.unknownKeyInterval {
			s.mu.Unlock()
			return signingKey{}, errUnknownKey
		}
		s.lastUnknown = time.Now()
		done = s.startFetch()
	}
	s.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return signingKey{}, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.lookup(kid); ok {
		return k, nil
	}
	return signingKey{}, errUnknownKey
}

// lookup finds a key by kid; s.mu is held. A token without kid takes
// the only key, so that a provider with one key need not name it.
func (s *keySet) lookup(kid string) (signingKey, bool) {
	if kid == "" && len(s.keys) == 1 {
		for _, k := range s.keys {
			return k, true
		}
	}
	k, ok := s.keys[kid]
	return k, ok
}

// fetch reads the JWK Set (discovering its URL first when needed) and
// how long to keep it.
func (s *keySet) fetch(ctx context.Context) (map[string]signingKey, time.Duration, error) {
	s.mu.Lock()
	u := s.url
	s.mu.Unlock()
	if u == "" {
		var err error
		if u, err = s.discover(ctx); err != nil {
			return nil, 0, err
		}
		s.mu.Lock()
		s.url = u
		s.mu.Unlock()
	}
	resp, body, err := s.get(ctx, u)
	if err != nil {
		return nil, 0, err
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return nil, 0, fmt.Errorf("JWK Set %s: %w", u, err)
	}
	return keys, refreshAfter(resp.Header.Get("Cache-Control")), nil
}

// discover reads the JWK Set's URL from the issuer's OpenID Provider
// metadata, whose issuer must be the one configured (OpenID Connect
// Discovery 1.0, section 4.3).
func (s *keySet) discover(ctx context.Context) (string, error) {
	u := strings.TrimSuffix(s.issuer, "/") + "/.well-known/openid-configuration"
	_, body, err := s.get(ctx, u)
	if err != nil {
		return "", err
	}
	var meta struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &meta); err != nil {
		return "", fmt.Errorf("%s: %w", u, err)
	}
	if meta.Issuer != s.issuer {
		return "", fmt.Errorf("%s names the issuer %q, not %q", u, meta.Issuer, s.issuer)
	}
	if err := checkProviderURL(meta.JWKSURI); err != nil {
		return "", fmt.Errorf("%s: jwks_uri: %w", u, err)
	}
	return meta.JWKSURI, nil
}

// get GETs u and reads its body of at most jwksMaxBytes.
func (s *keySet) get(ctx context.Context, u string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("%s answered %s", u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, jwksMaxBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", u, err)
	}
	if len(body) > jwksMaxBytes {
		return nil, nil, fmt.Errorf("%s: the answer is larger than %d bytes", u, jwksMaxBytes)
	}
	return resp, body, nil
}

// refreshAfter is how long to keep keys served with the Cache-Control
// header cc: its max-age, bounded to jwksMinRefresh–jwksMaxRefresh;
// jwksDefaultRefresh without one; the minimum with no-cache or no-store.
func refreshAfter(cc string) time.Duration {
	ttl := jwksDefaultRefresh
	for _, d := range strings.Split(cc, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(name) {
		case "no-cache", "no-store":
			return jwksMinRefresh
		case "max-age":
			if n, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64); err == nil && n >= 0 {
				ttl = time.Duration(min(n, int64(jwksMaxRefresh/time.Second))) * time.Second
			}
		}
	}
	return min(max(ttl, jwksMinRefresh), jwksMaxRefresh)
}

// jwk is the part of a JSON Web Key (RFC 7517, 7518) the hub reads.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	// RSA
	N string `json:"n"`
	E string `json:"e"`
	// EC
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// parseJWKS reads the signing keys of a JWK Set: RSA keys of at least
// 2048 bits and P-256 EC keys, whose use, if named, is "sig" and whose
// alg, if named, is RS256 or ES256. Other keys (encryption keys, other
// curves) are skipped; a set without any usable key is an error, so
// that a broken answer does not replace good keys. A kid listed twice is
// an error too: it could not say which key it names.
func parseJWKS(body []byte) (map[string]signingKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, err
	}
	keys := map[string]signingKey{}
	for _, raw := range set.Keys {
		var k jwk
		if err := json.Unmarshal(raw, &k); err != nil {
			continue
		}
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		key, err := k.publicKey()
		if err != nil {
			continue
		}
		if _, dup := keys[k.Kid]; dup {
			return nil, fmt.Errorf("the kid %q is listed twice", k.Kid)
		}
		keys[k.Kid] = signingKey{alg: k.Alg, key: key}
	}
	if len(keys) == 0 {
		return nil, errors.New("no RS256 or ES256 signing key")
	}
	return keys, nil
}

// publicKey builds the key a JWK describes, if it is one the hub uses.
func (k jwk) publicKey() (crypto.PublicKey, error) {
	switch {
	case k.Kty == "RSA" && (k.Alg == "" || k.Alg == algRS256):
		n, err := base64.RawURLEncoding.DecodeString(k.N)
		if err != nil {
			return nil, err
		}
		e, err := base64.RawURLEncoding.DecodeString(k.E)
		if err != nil {
			return nil, err
		}
		if len(e) == 0 || len(e) > 4 {
			return nil, errors.New("bad RSA exponent")
		}
		key := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if key.N.BitLen() < minRSABits || key.E < 3 || key.E%2 == 0 {
			return nil, errors.New("weak RSA key")
		}
		return key, nil
	case k.Kty == "EC" && k.Crv == "P-256" && (k.Alg == "" || k.Alg == algES256):
		x, err := base64.RawURLEncoding.DecodeString(k.X)
		if err != nil {
			return nil, err
		}
		y, err := base64.RawURLEncoding.DecodeString(k.Y)
		if err != nil {
			return nil, err
		}
		if len(x) != 32 || len(y) != 32 {
			return nil, errors.New("bad P-256 coordinates")
		}
		// Checks that the point is on the curve.
		return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	}
	return nil, errors.New("unsupported key")
}

// checkProviderURL checks that an identity provider's URL is https, or
// http on a loopback address (a provider on the same machine, tests).
func checkProviderURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", s)
	}
	if u.Scheme == "https" {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); u.Scheme == "http" && (host == "localhost" || ip != nil && ip.IsLoopback()) {
		return nil
	}
	return fmt.Errorf("%q must be https (http only on a loopback address)", s)
}
