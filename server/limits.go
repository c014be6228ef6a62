package main

import (
	"flag"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/otehub/hub/graph"
)

// Protection is the configuration of what the hub does against callers
// who ask too much or probe it: rate limits, the proxies whose
// X-Forwarded-For it believes, trusted documents, and production mode.
// (The bound of concurrent operations is one of Config.Limits.)
type Protection struct {
	// RateAnonymous limits each anonymous client address, RateKey each
	// API key's subject (HUB_RATE_LIMIT_ANONYMOUS, HUB_RATE_LIMIT_KEY:
	// "requests a second,burst"; 0 turns a limit off).
	RateAnonymous, RateKey graph.Rate
	// RateSync is how often the instances on one MongoDB share what
	// their callers took, so that a limit holds across them
	// (HUB_RATE_LIMIT_SYNC, 200ms; 0 limits each instance alone). The
	// embedded store has one instance and shares nothing.
	RateSync time.Duration
	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// client (HUB_TRUSTED_PROXIES, comma-separated CIDRs or addresses).
	TrustedProxies []netip.Prefix
	// TrustedDocuments is a manifest of trusted documents, or a
	// directory of them (HUB_TRUSTED_DOCUMENTS).
	TrustedDocuments string
	// AllowArbitraryOperations runs documents that are not trusted
	// (HUB_ALLOW_ARBITRARY_OPERATIONS, true); false needs
	// TrustedDocuments.
	AllowArbitraryOperations bool
	// Production leaves suggestions out of validation errors
	// (HUB_PRODUCTION, false).
	Production bool
	// Introspection answers __schema and __type (HUB_INTROSPECTION,
	// true); the playground's documentation needs it.
	Introspection bool
}

// Default rate limits.
var (
	defaultRateAnonymous = graph.Rate{PerSecond: 10, Burst: 50}
	defaultRateKey       = graph.Rate{PerSecond: 50, Burst: 200}
)

func defaultProtection() Protection {
	return Protection{RateAnonymous: defaultRateAnonymous, RateKey: defaultRateKey, RateSync: graph.RateSyncInterval, AllowArbitraryOperations: true, Introspection: true}
}

// readEnv reads the protection settings' environment variables.
func (p *Protection) readEnv(getenv func(string) string) error {
	for name, dst := range map[string]*graph.Rate{"HUB_RATE_LIMIT_ANONYMOUS": &p.RateAnonymous, "HUB_RATE_LIMIT_KEY": &p.RateKey} {
		if v := getenv(name); v != "" {
			r, err := parseRate(v)
			if err != nil {
				return fmt.Errorf("%s=%q: %w", name, v, err)
			}
			*dst = r
		}
	}
	if v := getenv("HUB_RATE_LIMIT_SYNC"); v != "" {
		d, err := parseRateSync(v)
		if err != nil {
			return fmt.Errorf("HUB_RATE_LIMIT_SYNC=%q: %w", v, err)
		}
		p.RateSync = d
	}
	if v := getenv("HUB_TRUSTED_PROXIES"); v != "" {
		ps, err := parsePrefixes(v)
		if err != nil {
			return fmt.Errorf("HUB_TRUSTED_PROXIES=%q: %w", v, err)
		}
		p.TrustedProxies = ps
	}
	p.TrustedDocuments = getenv("HUB_TRUSTED_DOCUMENTS")
	for name, dst := range map[string]*bool{"HUB_ALLOW_ARBITRARY_OPERATIONS": &p.AllowArbitraryOperations, "HUB_PRODUCTION": &p.Production, "HUB_INTROSPECTION": &p.Introspection} {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%s=%q: want true or false", name, v)
			}
			*dst = b
		}
	}
	return nil
}

// flags adds the protection settings' flags to fs; the returned
// function reads those that need parsing once fs is parsed.
func (p *Protection) flags(fs *flag.FlagSet) func() error {
	anonymous := fs.String("rate-limit-anonymous", formatRate(p.RateAnonymous), "requests a second and burst of each anonymous client address, as rate,burst; 0 for no limit (env HUB_RATE_LIMIT_ANONYMOUS)")
	key := fs.String("rate-limit-key", formatRate(p.RateKey), "requests a second and burst of each API key, as rate,burst; 0 for no limit (env HUB_RATE_LIMIT_KEY)")
	fs.Func("rate-limit-sync", "how often instances on one MongoDB share their rate-limit counts, such as 200ms; 0 limits each instance alone (env HUB_RATE_LIMIT_SYNC, default "+p.RateSync.String()+")", func(v string) error {
		d, err := parseRateSync(v)
		p.RateSync = d
		return err
	})
	proxies := fs.String("trusted-proxies", formatPrefixes(p.TrustedProxies), "comma-separated CIDRs of the proxies whose X-Forwarded-For names the client (env HUB_TRUSTED_PROXIES)")
	fs.StringVar(&p.TrustedDocuments, "trusted-documents", p.TrustedDocuments, "trusted documents manifest, or a directory of them (env HUB_TRUSTED_DOCUMENTS)")
	fs.BoolVar(&p.AllowArbitraryOperations, "allow-arbitrary-operations", p.AllowArbitraryOperations, "run documents that are not trusted; false needs -trusted-documents (env HUB_ALLOW_ARBITRARY_OPERATIONS)")
	fs.BoolVar(&p.Production, "production", p.Production, "leave suggestions out of validation errors (env HUB_PRODUCTION)")
	fs.BoolVar(&p.Introspection, "introspection", p.Introspection, "answer __schema and __type, which the playground needs (env HUB_INTROSPECTION)")
	return func() error {
		var err error
		if p.RateAnonymous, err = parseRate(*anonymous); err != nil {
			return fmt.Errorf("-rate-limit-anonymous %q: %w", *anonymous, err)
		}
		if p.RateKey, err = parseRate(*key); err != nil {
			return fmt.Errorf("-rate-limit-key %q: %w", *key, err)
		}
		if p.TrustedProxies, err = parsePrefixes(*proxies); err != nil {
			return fmt.Errorf("-trusted-proxies %q: %w", *proxies, err)
		}
		if !p.AllowArbitraryOperations && p.TrustedDocuments == "" {
			return fmt.Errorf("HUB_ALLOW_ARBITRARY_OPERATIONS=false runs only trusted documents: set HUB_TRUSTED_DOCUMENTS too")
		}
		return nil
	}
}

// parseRateSync reads the sync interval of the shared rate limits: 0,
// or from 10ms (a round trip to the database is the floor) to a minute
// (past the counters' windows).
func parseRateSync(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if s == "0" {
		return 0, nil
	}
	if err != nil || d < 10*time.Millisecond || d > time.Minute {
		return 0, fmt.Errorf("want a duration from 10ms to 1m, such as 200ms, or 0 to limit each instance alone")
	}
	return d, nil
}

// parseRate reads "rate" or "rate,burst": requests a second (0 for no
// limit) and the burst, which defaults to five seconds' worth.
func parseRate(s string) (graph.Rate, error) {
	perSecond, burst, hasBurst := strings.Cut(s, ",")
	r, err := strconv.ParseFloat(strings.TrimSpace(perSecond), 64)
	if err != nil || r < 0 || math.IsInf(r, 0) || math.IsNaN(r) {
		return graph.Rate{}, fmt.Errorf("want requests a second and a burst, such as 10,50 (0 for no limit)")
	}
	if r == 0 {
		return graph.Rate{}, nil
	}
	b := int(math.Ceil(5 * r))
	if hasBurst {
		if b, err = strconv.Atoi(strings.TrimSpace(burst)); err != nil || b < 1 {
			return graph.Rate{}, fmt.Errorf("the burst must be a whole number of at least 1")
		}
	}
	return graph.Rate{PerSecond: r, Burst: b}, nil
}

func formatRate(r graph.Rate) string {
	if !r.On() {
		return "0"
	}
	return strconv.FormatFloat(r.PerSecond, 'g', -1, 64) + "," + strconv.Itoa(r.Burst)
}

// parsePrefixes reads comma-separated CIDRs or addresses (an address is
// a prefix of its full length).
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range splitList(s) {
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a CIDR nor an address", part)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func formatPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// apiOptions are the protection settings as the GraphQL handler takes
// them, the trusted documents read; shared, when not nil, are the
// counters the instances share the rate limits through.
func (p *Protection) apiOptions(opts *graph.Options, shared graph.RateCounters) error {
	opts.RateLimits = graph.RateLimits{Anonymous: p.RateAnonymous, Key: p.RateKey, TrustedProxies: p.TrustedProxies}
	if shared != nil && p.RateSync > 0 {
		opts.RateLimits.Shared, opts.RateLimits.SyncInterval = shared, p.RateSync
	}
	opts.NoSuggestions = p.Production
	opts.NoIntrospection = !p.Introspection
	if p.TrustedDocuments != "" {
		docs, err := graph.ReadTrustedDocuments(p.TrustedDocuments)
		if err != nil {
			return fmt.Errorf("trusted documents: %w", err)
		}
		opts.TrustedDocuments = docs
	}
	opts.OnlyTrustedDocuments = !p.AllowArbitraryOperations
	return nil
}
