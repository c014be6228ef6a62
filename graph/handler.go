package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/rules"
	"go.opentelemetry.io/otel/trace"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph/generated"
	"github.com/otehub/hub/graph/model"
	"github.com/otehub/hub/internal/httpx"
)

// Default limits of the GraphQL endpoint (see Limits).
const (
	// MaxComplexity bounds the cost of one operation: one per field,
	// summed over the selection tree, with a paged field's selections
	// counted once per row of the page asked for (pagedSchema). The
	// playground's largest example costs 1 417; reading a whole collection
	// with each node's relationships costs up to 163 000.
	MaxComplexity = 200000
	// MaxDepth bounds how deeply selections may nest, so that nested
	// connections cannot multiply into an expensive query.
	MaxDepth = 12
	// MaxIntrospectionDepth bounds the nesting under __schema and
	// __type: the introspection query of graphql-js and GraphiQL nests
	// 13 levels, seven of them ofType.
	MaxIntrospectionDepth = 20
	// MaxRootFields bounds an operation's root fields, aliases
	// included, so that one request cannot repeat a whole query under
	// many aliases.
	MaxRootFields = 20
	// MaxIntrospectionRoots bounds the __schema and __type roots of an
	// operation: one full introspection answers 270 KB.
	MaxIntrospectionRoots = 2
	// maxTokens bounds the size of a query document (Apollo Router's
	// default too).
	maxTokens = 15000
)

// Options configure the handler.
type Options struct {
	// Network is what every query reads: the in-memory index
	// (index.Live in the hub).
	Network hub.Reader
	// Writer takes the mutations' writes (index.Live in the hub, which
	// writes through the store); nil makes the API read-only. Every
	// write is authorised (hub.Authorized) before it reaches it.
	Writer hub.Network
	Logger *slog.Logger
	// Timeout bounds one operation; 0 means 30 seconds.
	Timeout time.Duration
	// MaxBodyBytes bounds a POST request's body; 0 means 1 MiB.
	MaxBodyBytes int64
	// Limits bound the work of one operation; a zero field takes its
	// default.
	Limits Limits
	// Authenticate returns the caller a bearer token (an API key or a
	// JWT) names, or an error, whose message the client is told, for a
	// token the hub does not accept. Browsers cannot set headers on a
	// WebSocket, so a subscriber sends its token in the connection_init
	// payload ({"Authorization": "Bearer <token>"}); HTTP requests are
	// authenticated before the handler. Nil accepts no token.
	Authenticate func(ctx context.Context, token string) (*hub.Principal, error)
	// Freshness, when set, says how current the network is; every
	// response reports it under extensions.freshness.
	Freshness func() Freshness

	// Recorded answers the fields asked as recorded at a past time
	// (asRecorded); nil takes Network when it is a Recorder (index.Live
	// is), and otherwise such fields fail with STORE_UNAVAILABLE.
	Recorded Recorder

	// Changes feeds the subscriptions; nil takes Network when it is a
	// Feed (index.Live is), and otherwise subscriptions fail with
	// STORE_UNAVAILABLE.
	Changes Feed
	// Origins are the origins whose pages may open a WebSocket to the
	// endpoint, as the CORS origins are given: "*" for any, or one "*"
	// wildcard in an origin. A page of the endpoint's own host always
	// may, and so may clients that send no Origin (not browsers).
	Origins []string
	// SubscriptionBuffer is how many writes the hub holds for a
	// subscription that has not taken them yet; a subscription that
	// falls further behind ends with SUBSCRIPTION_OVERFLOW. 0 means
	// index.DefaultBuffer.
	SubscriptionBuffer int
	// KeepAlive is the interval of the pings on idle WebSockets and
	// server-sent events streams; 0 means 25 seconds. A WebSocket
	// client that answers no ping within two intervals is disconnected.
	KeepAlive time.Duration

	// RateLimits bound how often one caller may call the endpoint (and
	// what Handler.Guard guards); the zero value limits no one.
	RateLimits RateLimits
	// TrustedDocuments are documents by their id, the hex SHA-256 of
	// their text (ReadTrustedDocuments): a request may send the id alone
	// in Apollo's persisted query extension. With OnlyTrustedDocuments
	// the endpoint runs nothing else (PERSISTED_QUERY_NOT_ALLOWED).
	TrustedDocuments     map[string]string
	OnlyTrustedDocuments bool
	// NoSuggestions leaves out of validation errors the "Did you mean
	// …?" that names fields, arguments, types and enum values close to
	// those asked for: they tell the schema to a caller who may not
	// introspect it.
	NoSuggestions bool
	// NoIntrospection refuses __schema and __type (__typename stays),
	// and with them the playground's documentation and completion.
	NoIntrospection bool

	// Extensions are added to gqlgen's handler before any of the
	// endpoint's own, so that they see every operation, those the
	// limits refuse included (metrics, tracing).
	Extensions []graphql.HandlerExtension
	// Tracer, when set, makes a span of every query and mutation
	// (operationTracing); nil traces nothing.
	Tracer trace.Tracer
	// Version, when set, names the state of the network answers are
	// computed from: it must change whenever an answer can, and be ""
	// while the network is changing. GET queries are then answered with
	// an ETag made of it and of the request (Cache-Control: private,
	// no-cache) when it is the same before and after the operation, and
	// with 304 Not Modified, without running, to an If-None-Match that
	// names it.
	Version func() string
}

// Freshness is how current the network a response was computed from
// is: when it was loaded, the commit time of the last change applied to
// it since (null before the first), and whether the change feed is
// broken (the hub then answers from what it last knew).
type Freshness struct {
	LoadedAt   *time.Time `json:"loadedAt"`
	LastChange *time.Time `json:"lastChange"`
	Stale      bool       `json:"stale"`
}

// Limits bound the work of one operation and the subscriptions open at
// once. A zero field takes the default of the constant of the same name
// (MaxComplexity, MaxDepth, MaxRootFields, MaxFields, MaxErrors,
// MaxSubscriptions, MaxSubscriptionsPerConnection), or DefaultConcurrent.
type Limits struct {
	// Complexity bounds the operation's cost (see MaxComplexity).
	Complexity int
	// Depth bounds how deeply selections nest outside introspection.
	Depth int
	// RootFields bounds the operation's root fields, aliases included.
	RootFields int
	// Fields bounds the fields written in the document.
	Fields int
	// Errors bounds the errors of one response.
	Errors int
	// Subscriptions bounds the subscriptions open on the hub, and
	// SubscriptionsPerConnection those on one WebSocket.
	Subscriptions, SubscriptionsPerConnection int
	// Concurrent bounds the operations that run at once (see
	// DefaultConcurrent and AdmissionWait).
	Concurrent int
}

// withDefaults fills the zero fields of l with the defaults.
func (l Limits) withDefaults() Limits {
	or := func(v, def int) int {
		if v > 0 {
			return v
		}
		return def
	}
	return Limits{Complexity: or(l.Complexity, MaxComplexity), Depth: or(l.Depth, MaxDepth),
		RootFields: or(l.RootFields, MaxRootFields), Fields: or(l.Fields, MaxFields), Errors: or(l.Errors, MaxErrors),
		Subscriptions: or(l.Subscriptions, MaxSubscriptions), SubscriptionsPerConnection: or(l.SubscriptionsPerConnection, MaxSubscriptionsPerConnection),
		Concurrent: or(l.Concurrent, DefaultConcurrent())}
}

// NewHandler returns the GraphQL endpoint over opts.Network: gqlgen's
// GET and POST transports, and its WebSocket (graphql-transport-ws) and
// server-sent events transports for subscriptions, introspection, a
// parsed-query cache, complexity and depth limits, and the one error
// presenter.
func NewHandler(opts Options) *Handler {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	keepAlive := opts.KeepAlive
	if keepAlive == 0 {
		keepAlive = 25 * time.Second
	}
	maxBody := opts.MaxBodyBytes
	if maxBody == 0 {
		maxBody = 1 << 20
	}
	lim := opts.Limits.withDefaults()
	feed := opts.Changes
	if feed == nil {
		feed, _ = opts.Network.(Feed)
	}
	subs := &subscriptions{feed: feed, buffer: opts.SubscriptionBuffer, max: lim.Subscriptions, perConn: lim.SubscriptionsPerConnection, stop: make(chan struct{})}
	es := withPageCosts(generated.NewExecutableSchema(generated.Config{Resolvers: newResolver(opts, subs)}))
	srv := handler.New(es)
	srv.AddTransport(transport.Websocket{
		// The origin is checked before the upgrade, by the CORS rules.
		Implementation:        transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{InsecureSkipVerify: true}},
		InitTimeout:           10 * time.Second,
		KeepAlivePingInterval: keepAlive,
		PingPongInterval:      keepAlive,
		PayloadReadLimit:      &maxBody,
		ErrorFunc: func(ctx context.Context, err error) {
			logger.DebugContext(ctx, "websocket", "err", err)
		},
		InitFunc: websocketCaller(opts.Authenticate),
	})
	srv.AddTransport(transport.SSE{KeepAlivePingInterval: keepAlive})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	for _, ext := range opts.Extensions {
		srv.Use(ext)
	}
	cache := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(cache)
	srv.SetParserTokenLimit(maxTokens)
	// Persisted queries first: the limits read the document they name.
	srv.Use(newPersistedQueries(opts.TrustedDocuments, opts.OnlyTrustedDocuments))
	srv.Use(documentLimits{cache: cache, fields: lim.Fields})
	srv.SetValidationRulesFn(func() *rules.Rules { return validationRules(lim.Errors, !opts.NoSuggestions) })
	if !opts.NoIntrospection {
		srv.Use(extension.Introspection{})
	}
	// Depth and root fields first: they are linear in the document.
	srv.Use(depthLimit{max: lim.Depth, roots: lim.RootFields, noIntrospection: opts.NoIntrospection})
	srv.Use(costLimit{max: lim.Complexity, es: es})
	srv.Use(inputLimits{schema: es.Schema()})
	srv.Use(refuseDefer{})
	srv.Use(refuseSubscriptions{})
	admit := newAdmission(lim.Concurrent, AdmissionWait)
	rates := newRateLimiter(opts.RateLimits, logger)
	if opts.Tracer != nil {
		// Outermost, so that the span covers the waits and refusals below.
		srv.Use(operationTracing{tracer: opts.Tracer})
	}
	srv.AroundOperations(rates.aroundOperations)
	srv.AroundOperations(admit.aroundStreamOperations)
	srv.AroundOperations(subs.aroundSubscriptions(timeout))
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(model.WithRequest(ctx, model.NewRequest(ctx, opts.Network)))
	})
	srv.AroundResponses(markCacheable)
	srv.AroundResponses(capErrors(lim.Errors))
	if opts.Freshness != nil {
		srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
			resp := next(ctx)
			if resp != nil {
				if resp.Extensions == nil {
					resp.Extensions = map[string]any{}
				}
				resp.Extensions["freshness"] = opts.Freshness()
			}
			return resp
		})
	}
	presenter := errorPresenter(logger)
	if opts.NoSuggestions {
		presenter = withoutSuggestions(presenter)
	}
	srv.SetErrorPresenter(presenter)
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "panic while resolving", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return hub.Errorf(hub.EINTERNAL, "internal error")
	})
	h := &Handler{
		plain:   guardTransport(http.TimeoutHandler(admit.guard(PreferredLanguage(srv)), timeout, `{"errors":[{"message":"the request timed out","extensions":{"code":"TIMEOUT"}}]}`), maxBody),
		admit:   admit,
		rates:   rates,
		stream:  PreferredLanguage(srv),
		subs:    subs,
		origins: opts.Origins,
		maxBody: maxBody,
		version: opts.Version,
	}
	if !opts.NoIntrospection {
		h.sdl = SDL(es.Schema())
		h.sdlTag = httpx.Tag(string(h.sdl))
	}
	h.closing, h.closeAll = context.WithCancel(context.Background())
	if rates.shared != nil {
		// Shutdown ends the syncing with the streams.
		go rates.share(h.closing)
	}
	return h
}

// ExtensionCode names a domain error code in the API, as the value of
// extensions.code that clients branch on ("INTERNAL" for a code the API
// does not name).
func ExtensionCode(code string) string {
	if name, ok := extensionCodes[code]; ok {
		return name
	}
	return extensionCodes[hub.EINTERNAL]
}

// extensionCodes name the domain's error codes in the API.
var extensionCodes = map[string]string{
	hub.EINVALID:     "BAD_USER_INPUT",
	hub.ENOTFOUND:    "NOT_FOUND",
	hub.ECONFLICT:    "CONFLICT",
	hub.ETOOLARGE:    "LIMIT_EXCEEDED",
	hub.EUNAVAILABLE: "STORE_UNAVAILABLE",
	hub.EINTERNAL:    "INTERNAL",

	hub.EUNAUTHENTICATED: "UNAUTHENTICATED",
	hub.EFORBIDDEN:       "FORBIDDEN",
}

// errorPresenter maps every error to a GraphQL error with an
// extensions.code: domain errors keep their message under their code's
// API name; internal errors (and codes the API does not name) are logged
// and shown with a generic message; errors raised by gqlgen itself
// (parse, validation, argument coercion) are the client's.
func errorPresenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var he *hub.Error
		switch {
		case errors.As(err, &he):
			code := he.Code
			if _, ok := extensionCodes[code]; !ok || code == hub.EINTERNAL {
				logger.ErrorContext(ctx, "internal error", "err", err, "path", gqlErr.Path.String(), "request", hub.RequestIDFrom(ctx))
				code = hub.EINTERNAL
			}
			gqlErr.Message = he.Message
			if code == hub.EINTERNAL {
				gqlErr.Message = "internal error"
			}
			setCode(gqlErr, code)
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
			gqlErr.Message = "the request was cancelled or timed out"
			setCode(gqlErr, hub.EUNAVAILABLE)
		case gqlErr.Extensions != nil && gqlErr.Extensions["code"] != nil:
			// gqlgen's own parse, validation and limit errors carry a code.
		case isGraphQLInputError(err) || isArgumentError(ctx, err):
			setCode(gqlErr, hub.EINVALID)
		default:
			// A raw error from below the domain: log it, show nothing of it.
			logger.ErrorContext(ctx, "internal error", "err", err, "path", gqlErr.Path.String(), "request", hub.RequestIDFrom(ctx))
			gqlErr.Message = "internal error"
			setCode(gqlErr, hub.EINTERNAL)
		}
		// The request's id lets a client quote an error to an operator,
		// who finds the request's log lines by it.
		if id := hub.RequestIDFrom(ctx); id != "" {
			if gqlErr.Extensions == nil {
				gqlErr.Extensions = map[string]any{}
			}
			gqlErr.Extensions["requestId"] = id
		}
		return gqlErr
	}
}

// withoutSuggestions cuts " Did you mean …?" from every error message,
// whichever rule or coercion wrote it, behind validationRules' own.
func withoutSuggestions(present graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		e := present(ctx, err)
		if i := strings.Index(e.Message, " Did you mean "); i >= 0 {
			e.Message = e.Message[:i]
		}
		return e
	}
}

// setCode sets e's extensions.code to the API name of the domain code.
func setCode(e *gqlerror.Error, code string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = extensionCodes[code]
}

// depthLimit refuses operations whose selections nest deeper than max,
// that have more root fields than roots, or more introspection
// roots than MaxIntrospectionRoots. An introspection root's subtree is
// measured against MaxIntrospectionDepth instead: the standard
// introspection query nests type references (ofType) deeper than any
// query of the data needs, and gqlparser's MaxIntrospectionDepth rule
// already bounds its lists. With noIntrospection it refuses any
// introspection root with a FORBIDDEN error that says so, where gqlgen
// would fail the field as an internal error.
type depthLimit struct {
	max, roots      int
	noIntrospection bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                          { return "DepthLimit" }
func (depthLimit) Validate(schema graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	roots, ok := rootFields(oc.Operation.SelectionSet, nil, d.roots+1)
	if !ok {
		return limitError("the operation has more than %d root fields (aliases included); the limit is %d", d.roots, d.roots)
	}
	depths := map[string]int{}
	introspection := 0
	for _, f := range roots {
		limit := d.max
		if f.Name == "__schema" || f.Name == "__type" {
			introspection++
			limit = MaxIntrospectionDepth
		}
		if depth := 1 + selectionDepth(f.SelectionSet, depths, map[string]bool{}); depth > limit {
			return limitError("operation nests %d levels deep under %s; the limit is %d", depth, f.Alias, limit)
		}
	}
	if introspection > 0 && d.noIntrospection {
		err := gqlerror.Errorf("introspection is disabled on this hub: __schema and __type are not answered (__typename is)")
		setCode(err, hub.EFORBIDDEN)
		return err
	}
	if introspection > MaxIntrospectionRoots {
		return limitError("the operation has %d introspection roots (__schema, __type); the limit is %d", introspection, MaxIntrospectionRoots)
	}
	return nil
}

// rootFields appends the fields of set, those of its inline fragments
// and fragment spreads included, to out, and reports false as soon as
// there are limit of them (plain __typename fields not counted): a
// fragment spread several times in several nested fragments would
// otherwise expand exponentially.
func rootFields(set ast.SelectionSet, out []*ast.Field, limit int) ([]*ast.Field, bool) {
	ok := true
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias != "__typename" {
				out = append(out, s)
			}
		case *ast.InlineFragment:
			out, ok = rootFields(s.SelectionSet, out, limit)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				out, ok = rootFields(s.Definition.SelectionSet, out, limit)
			}
		}
		if !ok || len(out) >= limit {
			return out, false
		}
	}
	return out, true
}

// selectionDepth measures the deepest field path, following fragments.
// A fragment's depth is the same wherever it is spread, so it is
// measured once (depths); visiting guards against cycles, which
// validation has refused already.
func selectionDepth(set ast.SelectionSet, depths map[string]int, visiting map[string]bool) int {
	deepest := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			d = 1 + selectionDepth(s.SelectionSet, depths, visiting)
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, depths, visiting)
		case *ast.FragmentSpread:
			if known, ok := depths[s.Name]; ok {
				d = known
			} else if s.Definition != nil && !visiting[s.Name] {
				visiting[s.Name] = true
				d = selectionDepth(s.Definition.SelectionSet, depths, visiting)
				delete(visiting, s.Name)
				depths[s.Name] = d
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// refuseDefer refuses operations that defer a fragment. gqlgen accepts
// @defer, but its incremental payloads need a streaming transport, which
// this endpoint does not offer: over POST or GET a deferred field that
// resolves concurrently comes back null with "hasNext": true, and the
// rest of it never comes.
type refuseDefer struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = refuseDefer{}

func (refuseDefer) ExtensionName() string                          { return "RefuseDefer" }
func (refuseDefer) Validate(schema graphql.ExecutableSchema) error { return nil }

func (refuseDefer) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if defers(oc.Operation.SelectionSet, oc.Variables, map[string]bool{}) {
		err := gqlerror.Errorf("@defer is not supported: this endpoint answers each operation in one response; remove the directive and the fields under it come in that response")
		setCode(err, hub.EINVALID)
		return err
	}
	return nil
}

// defers reports whether a fragment of set, or of a fragment it spreads,
// is deferred under vars (@defer without if, or with an if that holds).
func defers(set ast.SelectionSet, vars map[string]any, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if defers(s.SelectionSet, vars, seen) {
				return true
			}
		case *ast.InlineFragment:
			if deferred(s.Directives, vars) || defers(s.SelectionSet, vars, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if deferred(s.Directives, vars) {
				return true
			}
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				if defers(s.Definition.SelectionSet, vars, seen) {
					return true
				}
			}
		}
	}
	return false
}

func deferred(directives ast.DirectiveList, vars map[string]any) bool {
	d := directives.ForName("defer")
	if d == nil {
		return false
	}
	// As gqlgen decides: without if, or with one that cannot be
	// evaluated, the fragment is deferred; otherwise only if it is true
	// (a null if, such as an omitted nullable variable, is not).
	cond := d.Arguments.ForName("if")
	if cond == nil {
		return true
	}
	v, err := cond.Value.Value(vars)
	if err != nil {
		return true
	}
	on, _ := v.(bool)
	return on
}

// isArgumentError reports whether err was raised while decoding the
// arguments of the field ctx resolves (an enum value that is not one,
// inside an input object): its path goes on into the arguments, while
// a resolver's errors stop at the field.
func isArgumentError(ctx context.Context, err error) bool {
	var gqlErr *gqlerror.Error
	fc := graphql.GetFieldContext(ctx)
	return errors.As(err, &gqlErr) && fc != nil && len(gqlErr.Path) > len(fc.Path())
}

// isGraphQLInputError reports whether err was raised by gqlgen itself
// about the request (a gqlerror without a wrapped cause, such as an
// argument that does not coerce), as opposed to an error a resolver
// returned.
func isGraphQLInputError(err error) bool {
	var gqlErr *gqlerror.Error
	return errors.As(err, &gqlErr) && gqlErr.Unwrap() == nil
}

// websocketCaller authenticates a WebSocket by the bearer token in its
// connection_init payload, if it sends one: a token the hub does not
// accept closes the connection (4401, the reason saying why), so that a
// subscriber never silently gets the anonymous view. A connection whose
// upgrade request was authenticated keeps that caller.
func websocketCaller(authenticate func(context.Context, string) (*hub.Principal, error)) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		h := payload.Authorization()
		if h == "" {
			return ctx, nil, nil
		}
		token, ok := strings.CutPrefix(h, "Bearer ")
		var p *hub.Principal
		var err error
		switch {
		case !ok:
			err = hub.Errorf(hub.EUNAUTHENTICATED, `send {"Authorization": "Bearer <API key or token>"}, or no Authorization to read public data`)
		case authenticate == nil:
			err = hub.Errorf(hub.EUNAUTHENTICATED, "this hub accepts no API keys or tokens: send no Authorization to read public data")
		default:
			p, err = authenticate(ctx, strings.TrimSpace(token))
		}
		if err != nil {
			msg := "unauthenticated"
			var he *hub.Error
			if errors.As(err, &he) {
				msg = he.Message
			}
			ctx = transport.WithWebsocketCloseCode(ctx, 4401)
			// A close frame's reason holds at most 123 bytes.
			ctx = transport.AppendCloseReason(ctx, truncate(msg, 123))
			return ctx, nil, errors.New(msg)
		}
		return hub.WithPrincipal(ctx, p), nil, nil
	}
}

// truncate cuts s to at most n bytes, at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
