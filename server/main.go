// Command server runs the OTE network hub: configuration, storage,
// HTTP (GraphQL, playground, health), CORS and lifecycle.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/rs/cors"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph"
	"github.com/otehub/hub/index"
	"github.com/otehub/hub/internal/httpx"
	"github.com/otehub/hub/mongodb"
	"github.com/otehub/hub/web"
)

// defaultGCPercent is the garbage collector's target when GOGC is unset.
const defaultGCPercent = 400

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	verb, args := verbOf(os.Args[1:])
	if verb != "serve" {
		code := runCommand(ctx, verb, args, os.Getenv, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	m := NewMain()
	if err := m.ParseFlags(args, os.Getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if m.Config.Probe != "" {
		// Health-check mode for images without curl: exit 0 when the URL
		// answers 200.
		if err := probe(ctx, m.Config.Probe); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv("GOGC") == "" {
		// Most of the heap is the network index, which lives as long as
		// the process: collecting when the heap has grown by four times
		// it, not by once, spends far less CPU marking what stays.
		debug.SetGCPercent(defaultGCPercent)
	}
	m.memoryLimit = setMemoryLimit(os.Getenv, os.ReadFile)
	if err := m.Run(ctx); err != nil {
		m.Close()
		m.Logger.Error("cannot start", "err", err)
		os.Exit(1)
	}
	<-ctx.Done()
	m.Logger.Info("shutting down")
	if err := m.Close(); err != nil {
		m.Logger.Error("shutdown", "err", err)
		os.Exit(1)
	}
}

// Config is the hub's configuration. Every field has a flag and an
// environment variable; flags win.
type Config struct {
	// Addr is the listen address, from PORT (":8080").
	Addr string
	// MetricsAddr, when set, is the address of a listener of its own
	// that serves /metrics, which Addr then does not (HUB_METRICS_ADDR).
	MetricsAddr string
	// DataDir is the embedded store's directory (HUB_DATA_DIR, "./data").
	DataDir string
	// CORSOrigins are the origins allowed to call the API from a browser
	// (HUB_CORS_ORIGINS, comma-separated; "*" allows any).
	CORSOrigins []string
	// Seed loads the OTE dataset into an empty store (HUB_SEED, true).
	Seed bool
	// DataLicense is the URL of the licence the open-data downloads
	// state (HUB_DATA_LICENSE), DataPublisher who publishes them
	// (HUB_DATA_PUBLISHER).
	DataLicense, DataPublisher string
	// DataPublisherID is the publisher's organisation identifier in the
	// crosswalk exports (HUB_DATA_PUBLISHER_ID), GrantPrefix the prefix
	// of their 360Giving grant ids (HUB_GRANT_PREFIX).
	DataPublisherID, GrantPrefix string
	// RequestTimeout bounds one GraphQL operation (HUB_REQUEST_TIMEOUT).
	RequestTimeout time.Duration
	// DrainDelay is how long /readyz answers 503 before the listener
	// closes at shutdown, for load balancers to stop routing here
	// (HUB_DRAIN_DELAY).
	DrainDelay time.Duration
	// ShutdownGrace bounds the drain of requests and streams in flight
	// at shutdown (HUB_SHUTDOWN_GRACE); past it they are cut.
	ShutdownGrace time.Duration
	// LogLevel is debug, info, warn or error (HUB_LOG_LEVEL).
	LogLevel string
	// LogFormat is json, text, or auto: JSON unless the logs go to a
	// terminal (HUB_LOG_FORMAT).
	LogFormat string

	// MongoURI selects the MongoDB backend instead of the embedded store
	// (MONGODB_URI).
	MongoURI string
	// MongoDatabase overrides the URI's database (MONGODB_DATABASE).
	MongoDatabase string
	// MongoMaxPool and MongoMinPool bound the connection pool
	// (HUB_MONGODB_MAX_POOL_SIZE, HUB_MONGODB_MIN_POOL_SIZE; 0 = driver
	// default or the URI's maxPoolSize/minPoolSize).
	MongoMaxPool, MongoMinPool uint64
	// MongoTimeout bounds every database call (HUB_MONGODB_TIMEOUT).
	MongoTimeout time.Duration
	// Limits bound the work of one GraphQL operation (HUB_MAX_*); zero
	// fields take graph's defaults.
	Limits graph.Limits
	// MaxBodyBytes bounds a request body (HUB_MAX_BODY_BYTES).
	MaxBodyBytes int64
	// Protection holds the rate limits, trusted proxies and documents,
	// and production mode.
	Protection

	// APIKeysFile lists the API keys' hashes, roles and subjects
	// (HUB_API_KEYS_FILE); without it every caller is anonymous and no
	// one can write.
	APIKeysFile string
	// OIDC configures sign-in with an identity provider's tokens
	// (HUB_OIDC_*); an empty issuer turns it off.
	OIDC OIDCConfig

	// Tracing configures OpenTelemetry tracing (OTEL_*); off unless an
	// OTLP endpoint is set.
	Tracing TracingConfig

	// Probe, when set, makes the program only check that this URL
	// answers 200 (for container health checks).
	Probe string
}

// Main is the program: it owns the store and the HTTP server.
type Main struct {
	Config Config
	Logger *slog.Logger
	// LogOutput is where logs go (stderr by default; tests may redirect).
	LogOutput io.Writer

	// Store keeps the truth; Network is the index that follows it and
	// answers every read.
	Store   hub.Store
	Network *index.Live
	// memoryLimit is the soft memory limit taken from the container's
	// (0: none set).
	memoryLimit int64
	// mongo is the MongoDB store under Store's observer, when the store
	// is MongoDB: the rate limits share their counters through it.
	mongo    *mongodb.Store
	api      *graph.Handler
	oidc     *oidcVerifier
	tracing  *tracing
	server   *http.Server
	listener net.Listener
	served   chan error
	metrics  *metrics
	// metricsServer serves /metrics on Config.MetricsAddr, when set.
	metricsServer   *http.Server
	metricsListener net.Listener
	metricsServed   chan error

	// ready is set once the store is initialised and seeded; draining
	// once shutdown has begun.
	ready, draining atomic.Bool
	// inflight counts the requests being handled, so that shutdown
	// closes the store only once none can read it.
	inflight sync.WaitGroup
	// networkClosed and storeClosed make Close idempotent.
	networkClosed, storeClosed bool
	// stopInit cancels a background MongoDB start-up; initDone closes
	// when it has ended.
	stopInit context.CancelFunc
	initDone chan struct{}

	// wrapReads, when set, wraps what the GraphQL endpoint reads (tests
	// hold reads with it).
	wrapReads func(hub.Reader) hub.Reader
}

// NewMain returns a Main with the default configuration.
func NewMain() *Main {
	return &Main{
		Config: Config{
			Addr:            ":8080",
			DataDir:         "./data",
			CORSOrigins:     []string{"*"},
			Seed:            true,
			DataLicense:     web.DefaultLicense,
			DataPublisher:   web.DefaultPublisher,
			DataPublisherID: web.DefaultPublisherID,
			GrantPrefix:     web.DefaultGrantPrefix,
			RequestTimeout:  30 * time.Second,
			ShutdownGrace:   20 * time.Second,
			LogLevel:        "info",
			LogFormat:       "auto",
			MongoTimeout:    10 * time.Second,
			MaxBodyBytes:    maxBodyBytes,
			OIDC:            OIDCConfig{ClockSkew: defaultClockSkew, RoleClaim: defaultRoleClaim, OrganisationClaim: defaultOrganisationClaim},
			Protection:      defaultProtection(),
		},
		LogOutput: os.Stderr,
	}
}

// ParseFlags reads the environment (through getenv) and then the
// command-line flags of serve into m.Config.
func (m *Main) ParseFlags(args []string, getenv func(string) string) error {
	c := &m.Config
	if err := c.readEnv(getenv); err != nil {
		return err
	}
	if err := c.readOIDCEnv(getenv); err != nil {
		return err
	}
	if err := c.readTracingEnv(getenv); err != nil {
		return err
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: hub [serve] [flags]\n\nServe the GraphQL API, the pages and the exports (other commands: hub help).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (env PORT gives :PORT)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "listen address of /metrics on a listener of its own; empty serves it on -addr (env HUB_METRICS_ADDR)")
	fs.StringVar(&c.APIKeysFile, "api-keys-file", c.APIKeysFile, "file of API key hashes, roles and subjects (env HUB_API_KEYS_FILE)")
	origins := fs.String("cors-origins", strings.Join(c.CORSOrigins, ","), "comma-separated origins allowed by CORS, * for any (env HUB_CORS_ORIGINS)")
	fs.BoolVar(&c.Seed, "seed", c.Seed, "load the OTE dataset into an empty store (env HUB_SEED)")
	fs.StringVar(&c.DataLicense, "data-license", c.DataLicense, "URL of the licence the open-data downloads state (env HUB_DATA_LICENSE)")
	fs.StringVar(&c.DataPublisher, "data-publisher", c.DataPublisher, "who publishes the open data, in its metadata (env HUB_DATA_PUBLISHER)")
	fs.StringVar(&c.DataPublisherID, "data-publisher-id", c.DataPublisherID, "the publisher's org-id.guide identifier in the IATI and 360Giving exports (env HUB_DATA_PUBLISHER_ID)")
	fs.StringVar(&c.GrantPrefix, "grant-prefix", c.GrantPrefix, "the prefix of 360Giving grant ids, as 360Giving registers it (env HUB_GRANT_PREFIX)")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", c.RequestTimeout, "time limit of one GraphQL operation (env HUB_REQUEST_TIMEOUT)")
	fs.DurationVar(&c.DrainDelay, "drain-delay", c.DrainDelay, "at shutdown, how long /readyz answers 503 before the listener closes (env HUB_DRAIN_DELAY)")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", c.ShutdownGrace, "at shutdown, the most time requests and streams in flight get to finish (env HUB_SHUTDOWN_GRACE)")
	fs.StringVar(&c.Probe, "probe", "", "only check that this URL answers 200, then exit (container health checks)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (env HUB_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "json, text, or auto: JSON unless the logs go to a terminal (env HUB_LOG_FORMAT)")
	limits := c.limits()
	for _, l := range limits {
		fs.IntVar(l.dst, l.flag, *l.dst, "most "+l.what+", 0 for the default (env "+l.env+")")
	}
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "most bytes of a request body (env HUB_MAX_BODY_BYTES)")
	c.oidcFlags(fs)
	c.storeFlags(fs)
	protection := c.Protection.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := protection(); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	c.CORSOrigins = splitList(*origins)
	if c.RequestTimeout <= 0 {
		return fmt.Errorf("timeouts must be positive")
	}
	if c.MaxBodyBytes < 1 {
		return fmt.Errorf("max-body-bytes must be at least 1")
	}
	for _, l := range limits {
		if *l.dst < 0 {
			return fmt.Errorf("%s must not be negative", l.flag)
		}
	}
	if err := c.OIDC.check(); err != nil {
		return err
	}
	return c.checkStore()
}

// limit is a HUB_MAX_* setting: its variable, flag and field.
type limit struct {
	env, flag, what string
	dst             *int
}

func (c *Config) limits() []limit {
	return []limit{
		{"HUB_MAX_COMPLEXITY", "max-complexity", "cost of one operation, page sizes counted", &c.Limits.Complexity},
		{"HUB_MAX_DEPTH", "max-depth", "nesting of selections outside introspection", &c.Limits.Depth},
		{"HUB_MAX_ROOT_FIELDS", "max-root-fields", "root fields of one operation, aliases included", &c.Limits.RootFields},
		{"HUB_MAX_FIELDS", "max-fields", "fields written in one document", &c.Limits.Fields},
		{"HUB_MAX_ERRORS", "max-errors", "errors of one response", &c.Limits.Errors},
		{"HUB_MAX_SUBSCRIPTIONS", "max-subscriptions", "subscriptions open on the hub", &c.Limits.Subscriptions},
		{"HUB_MAX_SUBSCRIPTIONS_PER_CONNECTION", "max-subscriptions-per-connection", "subscriptions open on one WebSocket", &c.Limits.SubscriptionsPerConnection},
		{"HUB_MAX_CONCURRENT", "max-concurrent", "operations running at once on this instance (default 4 per CPU)", &c.Limits.Concurrent},
	}
}

// readEnv reads every setting's environment variable through getenv.
func (c *Config) readEnv(getenv func(string) string) error {
	if v := getenv("PORT"); v != "" {
		c.Addr = ":" + v
	}
	if v := getenv("HUB_METRICS_ADDR"); v != "" {
		c.MetricsAddr = v
	}
	if v := getenv("HUB_DATA_DIR"); v != "" {
		c.DataDir = v
	}
	if v := getenv("HUB_CORS_ORIGINS"); v != "" {
		c.CORSOrigins = splitList(v)
	}
	if v := getenv("HUB_DATA_LICENSE"); v != "" {
		c.DataLicense = v
	}
	if v := getenv("HUB_DATA_PUBLISHER"); v != "" {
		c.DataPublisher = v
	}
	if v := getenv("HUB_DATA_PUBLISHER_ID"); v != "" {
		c.DataPublisherID = v
	}
	if v := getenv("HUB_GRANT_PREFIX"); v != "" {
		c.GrantPrefix = v
	}
	if v := getenv("HUB_SEED"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("HUB_SEED=%q: want true or false", v)
		}
		c.Seed = b
	}
	for name, dst := range map[string]*time.Duration{"HUB_REQUEST_TIMEOUT": &c.RequestTimeout,
		"HUB_DRAIN_DELAY": &c.DrainDelay, "HUB_SHUTDOWN_GRACE": &c.ShutdownGrace} {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return fmt.Errorf("%s=%q: want a duration such as 30s", name, v)
			}
			*dst = d
		}
	}
	if v := getenv("HUB_LOG_LEVEL"); v != "" {
		c.LogLevel = v
	}
	if v := getenv("HUB_LOG_FORMAT"); v != "" {
		c.LogFormat = v
	}
	c.APIKeysFile = getenv("HUB_API_KEYS_FILE")
	c.MongoURI = getenv("MONGODB_URI")
	c.MongoDatabase = getenv("MONGODB_DATABASE")
	for name, dst := range map[string]*uint64{"HUB_MONGODB_MAX_POOL_SIZE": &c.MongoMaxPool, "HUB_MONGODB_MIN_POOL_SIZE": &c.MongoMinPool} {
		if v := getenv(name); v != "" {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return fmt.Errorf("%s=%q: want a whole number", name, v)
			}
			*dst = n
		}
	}
	for _, l := range c.limits() {
		if v := getenv(l.env); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("%s=%q: want a whole number of at least 1", l.env, v)
			}
			*l.dst = n
		}
	}
	if v := getenv("HUB_MAX_BODY_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return fmt.Errorf("HUB_MAX_BODY_BYTES=%q: want a whole number of at least 1", v)
		}
		c.MaxBodyBytes = n
	}
	if err := c.Protection.readEnv(getenv); err != nil {
		return err
	}
	if v := getenv("HUB_MONGODB_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("HUB_MONGODB_TIMEOUT=%q: want a duration such as 10s", v)
		}
		c.MongoTimeout = d
	}
	return nil
}

// readOIDCEnv reads the HUB_OIDC_* variables.
func (c *Config) readOIDCEnv(getenv func(string) string) error {
	o := &c.OIDC
	o.Issuer = getenv("HUB_OIDC_ISSUER")
	o.JWKSURL = getenv("HUB_OIDC_JWKS_URL")
	o.Audience = getenv("HUB_OIDC_AUDIENCE")
	if v := getenv("HUB_OIDC_CLOCK_SKEW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("HUB_OIDC_CLOCK_SKEW=%q: want a duration such as 30s", v)
		}
		o.ClockSkew = d
	}
	if v := getenv("HUB_OIDC_ROLE_CLAIM"); v != "" {
		o.RoleClaim = v
	}
	if v := getenv("HUB_OIDC_ORGANISATION_CLAIM"); v != "" {
		o.OrganisationClaim = v
	}
	return nil
}

// oidcFlags adds the flags of sign-in with an identity provider.
func (c *Config) oidcFlags(fs *flag.FlagSet) {
	o := &c.OIDC
	fs.StringVar(&o.Issuer, "oidc-issuer", o.Issuer, "issuer URL of the OpenID Connect provider whose tokens are accepted; empty accepts none (env HUB_OIDC_ISSUER)")
	fs.StringVar(&o.JWKSURL, "oidc-jwks-url", o.JWKSURL, "URL of the provider's signing keys; empty discovers it from the issuer (env HUB_OIDC_JWKS_URL)")
	fs.StringVar(&o.Audience, "oidc-audience", o.Audience, "audience a token must name: the hub's client id at the provider (env HUB_OIDC_AUDIENCE)")
	fs.DurationVar(&o.ClockSkew, "oidc-clock-skew", o.ClockSkew, "how far a token's exp, nbf and iat may be off, at most 5m (env HUB_OIDC_CLOCK_SKEW)")
	fs.StringVar(&o.RoleClaim, "oidc-role-claim", o.RoleClaim, "claim holding the role: partner, editor or admin (env HUB_OIDC_ROLE_CLAIM)")
	fs.StringVar(&o.OrganisationClaim, "oidc-organisation-claim", o.OrganisationClaim, "claim holding a partner's organisation node id (env HUB_OIDC_ORGANISATION_CLAIM)")
}

// storeFlags adds the flags of the store, which every command that
// opens the store takes.
func (c *Config) storeFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "embedded store directory (env HUB_DATA_DIR)")
	fs.StringVar(&c.MongoURI, "mongodb-uri", c.MongoURI, "MongoDB connection string; empty uses the embedded store (env MONGODB_URI)")
	fs.StringVar(&c.MongoDatabase, "mongodb-database", c.MongoDatabase, "MongoDB database, overriding the URI's (env MONGODB_DATABASE)")
	fs.Uint64Var(&c.MongoMaxPool, "mongodb-max-pool-size", c.MongoMaxPool, "most connections to MongoDB, 0 for the default (env HUB_MONGODB_MAX_POOL_SIZE)")
	fs.Uint64Var(&c.MongoMinPool, "mongodb-min-pool-size", c.MongoMinPool, "connections to MongoDB kept open (env HUB_MONGODB_MIN_POOL_SIZE)")
	fs.DurationVar(&c.MongoTimeout, "mongodb-timeout", c.MongoTimeout, "time limit of one MongoDB call (env HUB_MONGODB_TIMEOUT)")
}

// checkStore checks the settings of storeFlags once parsed.
func (c *Config) checkStore() error {
	if c.MongoTimeout <= 0 {
		return fmt.Errorf("timeouts must be positive")
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Run opens the store, seeds it when empty, and starts serving. It
// returns once the server listens; Close stops it.
func (m *Main) Run(ctx context.Context) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(m.Config.LogLevel)); err != nil {
		return fmt.Errorf("log level %q: want debug, info, warn or error", m.Config.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch m.Config.LogFormat {
	case "json":
		m.Logger = slog.New(slog.NewJSONHandler(m.LogOutput, opts))
	case "text":
		m.Logger = slog.New(slog.NewTextHandler(m.LogOutput, opts))
	case "auto", "":
		if isTerminal(m.LogOutput) {
			m.Logger = slog.New(slog.NewTextHandler(m.LogOutput, opts))
		} else {
			m.Logger = slog.New(slog.NewJSONHandler(m.LogOutput, opts))
		}
	default:
		return fmt.Errorf("log format %q: want json, text or auto", m.Config.LogFormat)
	}

	m.metrics = newMetrics(m)
	tr, err := startTracing(ctx, m.Config.Tracing, m.Logger)
	if err != nil {
		return err
	}
	m.tracing = tr
	if tr != nil {
		m.metrics.store.tracer = tr.tracer
	}
	if err := m.openStore(ctx); err != nil {
		return err
	}

	h, err := m.handler()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return err
	}
	if a := m.Config.MetricsAddr; a != "" {
		if m.metricsListener, err = net.Listen("tcp", a); err != nil {
			ln.Close()
			return fmt.Errorf("metrics listener: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.metrics.handler(m.Logger))
		m.metricsServer = &http.Server{Handler: noStore(mux), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		m.metricsServed = make(chan error, 1)
		go func() { m.metricsServed <- m.metricsServer.Serve(m.metricsListener) }()
		m.Logger.Info("metrics are served on a listener of their own", "metrics", urlOf(m.metricsListener)+"/metrics")
	}
	m.listener = ln
	m.server = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      m.Config.RequestTimeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 16,
	}
	m.served = make(chan error, 1)
	go func() { m.served <- m.server.Serve(ln) }()
	if m.memoryLimit > 0 {
		m.Logger.Info("the Go runtime's memory limit follows the container's", "GOMEMLIMIT", m.memoryLimit)
	}
	m.Logger.Info("OTE network hub is up: open the playground in a browser",
		"playground", m.URL()+"/", "graphql", m.URL()+"/graphql")
	return nil
}

// maxBodyBytes bounds a request body; GraphQL documents are small.
const maxBodyBytes = 1 << 20

func (m *Main) handler() (http.Handler, error) {
	playground, err := web.Playground("/graphql")
	if err != nil {
		return nil, err
	}
	examples, err := web.ExamplesHandler()
	if err != nil {
		return nil, err
	}
	var keys *keyFile
	if m.Config.APIKeysFile != "" {
		if keys, err = openKeyFile(m.Config.APIKeysFile, m.Logger); err != nil {
			return nil, err
		}
	}
	auth := &authenticator{keys: keys}
	if m.Config.OIDC.Issuer != "" {
		m.oidc = newOIDCVerifier(m.Config.OIDC, m.Logger)
		m.oidc.keys.start(jwksTimeout)
		auth.oidc = m.oidc
	}
	opts := graph.Options{Network: m.Network, Writer: m.Network, Authenticate: auth.principal, Logger: m.Logger, Timeout: m.Config.RequestTimeout, Freshness: m.freshness,
		MaxBodyBytes: m.Config.MaxBodyBytes, Limits: m.Config.Limits, Origins: m.Config.CORSOrigins, Changes: m.Network, Recorded: m.Network, Version: m.dataVersion,
		Extensions: []graphql.HandlerExtension{m.metrics.graphqlExtension()}}
	if m.tracing != nil {
		opts.Tracer = m.tracing.tracer
	}
	if m.wrapReads != nil {
		opts.Network = m.wrapReads(m.Network)
	}
	var shared graph.RateCounters
	if m.mongo != nil {
		shared = m.mongo
	}
	if err := m.Config.Protection.apiOptions(&opts, shared); err != nil {
		return nil, err
	}
	m.api = graph.NewHandler(opts)
	mux := http.NewServeMux()
	mux.Handle("/graphql", authenticate(auth, m.api))
	mux.Handle("GET /examples.json", examples)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"status": "ok", "version": version()})
	})
	mux.HandleFunc("GET /readyz", m.readyz)
	if m.Config.MetricsAddr == "" {
		mux.Handle("GET /metrics", m.metrics.handler(m.Logger))
	}
	mux.Handle("GET /{$}", playground)
	mux.Handle("GET /schema.graphql", m.api.SchemaHandler())
	about := web.About{License: m.Config.DataLicense, Publisher: m.Config.DataPublisher, Version: m.dataVersion}
	mux.Handle("GET /export/dataset.json", authenticate(auth, m.api.GuardCached(web.Dataset(m.Network, about, m.Logger))))
	crosswalk := web.Crosswalk{About: about, PublisherID: m.Config.DataPublisherID, GrantPrefix: m.Config.GrantPrefix}
	mux.Handle("GET /export/hsds.json", authenticate(auth, m.api.GuardCached(web.HSDS(m.Network, m.Logger))))
	mux.Handle("GET /export/360giving.json", authenticate(auth, m.api.GuardCached(web.Giving360(m.Network, crosswalk, m.Logger))))
	mux.Handle("GET /export/iati.xml", authenticate(auth, m.api.GuardCached(web.IATI(m.Network, crosswalk, m.Logger))))
	mux.Handle("GET /export/csv", authenticate(auth, graph.CacheGets(m.dataVersion, web.CSV(m.api, m.Logger))))
	collections := graph.CollectionQueries()
	for name, query := range collections {
		mux.Handle("GET /export/"+name+".csv", authenticate(auth, graph.CacheGets(m.dataVersion, web.NamedCSV(m.api, query, m.Logger))))
	}
	mux.Handle("GET /dcat.jsonld", m.api.GuardCached(web.DCAT(m.Network, about, graph.CollectionNames(collections), m.Logger)))
	mux.Handle("GET /export/{file}", authenticate(auth, m.api.GuardCached(graph.PreferredLanguage(web.Exports(m.Network, m.Logger)))))
	pages := web.Pages()
	for _, p := range []string{"GET /map", "GET /dashboard", "GET /assets/"} {
		mux.Handle(p, pages)
	}
	c := cors.New(cors.Options{
		AllowedOrigins: m.Config.CORSOrigins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		// A page's script may revalidate a GET query itself.
		AllowedHeaders: []string{"Content-Type", "Authorization", "Accept-Language", "If-None-Match"},
		ExposedHeaders: []string{"ETag"},
		MaxAge:         600,
	})
	// Compression inside the access log, which counts the bytes sent.
	h := m.accessLog(m.metrics.instrument(mux, httpx.Compress(c.Handler(noStore(mux)))))
	if m.tracing != nil {
		h = m.tracing.traceRequests(mux, h)
	}
	return m.counted(h), nil
}

// noStore keeps every cache from keeping the answers about the process
// itself (health, readiness, metrics), which hold for the moment only.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz", "/readyz", "/metrics":
			w.Header().Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// URL is the base URL the server listens on, for logs and tests.
func (m *Main) URL() string { return urlOf(m.listener) }

// MetricsURL is the base URL of the metrics listener ("" without one).
func (m *Main) MetricsURL() string { return urlOf(m.metricsListener) }

func urlOf(ln net.Listener) string {
	if ln == nil {
		return ""
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Close stops the server gracefully (in-flight requests finish, open
// subscriptions end with SHUTTING_DOWN and their connections close) and
// closes the store. It is safe to call on a Main that did not start.
func (m *Main) Close() error {
	var errs []error
	if m.stopInit != nil {
		m.stopInit()
		<-m.initDone
		m.stopInit = nil
	}
	if m.server != nil {
		// Readiness first, so that load balancers stop sending requests,
		// then the listener; what is in flight gets the grace period.
		m.draining.Store(true)
		if d := m.Config.DrainDelay; d > 0 {
			m.Logger.Info("draining: /readyz answers 503", "for", d)
			time.Sleep(d)
		}
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownGrace)
		defer cancel()
		// Streams first: the server's Shutdown would wait for event
		// streams until ctx ends, and neither closes nor waits for
		// WebSockets, which are hijacked connections.
		if err := m.api.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			errs = append(errs, err)
		}
		if err := m.server.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
			// Past the grace period: cut what is left, which cancels
			// its work, and still stop cleanly.
			m.Logger.Warn("requests still in flight after the shutdown grace period were cut", "grace", m.Config.ShutdownGrace)
			m.server.Close()
			// Their contexts are cancelled now; the work they started
			// stops at its next check.
			m.inflight.Wait()
		} else if err != nil {
			errs = append(errs, err)
		}
		if err := <-m.served; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
		m.server = nil
	}
	// Metrics last: they tell how the shutdown went until the end.
	if m.metricsServer != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		if err := m.metricsServer.Shutdown(ctx); err != nil {
			m.metricsServer.Close()
		}
		cancel()
		if err := <-m.metricsServed; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
		m.metricsServer = nil
	}
	if m.oidc != nil {
		m.oidc.keys.close()
		m.oidc = nil
	}
	// The fields stay set: a request cut at the grace period may still
	// be unwinding (http.TimeoutHandler runs it in a goroutine of its
	// own) and read them; it then finds them closed.
	if m.Network != nil && !m.networkClosed {
		errs = append(errs, m.Network.Close())
		m.networkClosed = true
	}
	if m.Store != nil && !m.storeClosed {
		errs = append(errs, m.Store.Close())
		m.storeClosed = true
	}
	// Last, so that the spans of the requests drained above are sent. A
	// WebSocket's request span ends when its handler returns, after its
	// connection is closed, which the shutdowns above do not wait for:
	// wait for the handlers, a moment at most.
	if m.tracing != nil {
		handled := make(chan struct{})
		go func() { m.inflight.Wait(); close(handled) }()
		select {
		case <-handled:
		case <-time.After(time.Second):
		}
		m.tracing.shutdown()
		m.tracing = nil
	}
	return errors.Join(errs...)
}

// probe GETs url and fails unless it answers 200.
func probe(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return nil
}

// counted counts the requests next handles in m.inflight.
func (m *Main) counted(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.inflight.Add(1)
		defer m.inflight.Done()
		next.ServeHTTP(w, r)
	})
}
