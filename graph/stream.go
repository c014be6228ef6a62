package graph

import (
	"context"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/otehub/hub"
)

// shutdownGrace bounds how long Shutdown waits for the subscriptions'
// terminal errors to go out before it closes their connections.
const shutdownGrace = time.Second

// Handler is the GraphQL endpoint (see NewHandler). Shutdown ends its
// streams.
type Handler struct {
	// plain answers GET and POST, under the timeout and the body guard;
	// stream answers WebSocket upgrades and server-sent events.
	plain, stream http.Handler
	subs          *subscriptions
	// sdl is the schema's text for /schema.graphql (nil without
	// introspection) and sdlTag its entity tag.
	sdl     []byte
	sdlTag  string
	origins []string
	maxBody int64
	admit   *admission
	rates   *rateLimiter
	version func() string

	mu      sync.Mutex
	stopped bool
	// closing is cancelled to close every streaming connection.
	closing     context.Context
	closeAll    context.CancelFunc
	connections sync.WaitGroup
}

var _ http.Handler = (*Handler)(nil)

// ServeHTTP routes WebSocket upgrades and server-sent events requests
// (POST with Accept: text/event-stream) around the timeout and the body
// guard, neither of which can stream; everything else goes through them.
// Every request first takes its cost from its caller's rate.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r = h.rates.admit(w, r); r == nil {
		return
	}
	switch {
	case r.Header.Get("Upgrade") != "":
		h.serveWebSocket(w, r)
	case r.Method == http.MethodPost && strings.Contains(r.Header.Get("Accept"), "text/event-stream"):
		h.serveEvents(w, r)
	case r.Method == http.MethodGet && h.version != nil:
		// After the rate limits, which a revalidation pays as any
		// request, and before the timeout and admission, which a 304
		// does not need.
		serveCached(w, r, h.version, &cacheCall{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.plain.ServeHTTP(withRateStatus(w, r), r)
		}))
	default:
		h.plain.ServeHTTP(withRateStatus(w, r), r)
	}
}

// Guard puts another endpoint under the endpoint's rate limits and
// admission control: its requests take from their callers' rates and
// share the operations' slots (the exports, whose work is a query's).
func (h *Handler) Guard(next http.Handler) http.Handler {
	return h.rates.guard(h.admit.guard(next))
}

// GuardCached is Guard for an endpoint whose GET answers are computed
// from the network as queries are (the exports): with Options.Version
// set, they carry an ETag, and a matching If-None-Match is answered 304
// after the rate limits but without waiting for an operation's slot.
func (h *Handler) GuardCached(next http.Handler) http.Handler {
	return h.rates.guard(CacheGets(h.version, h.admit.guard(next)))
}

func (h *Handler) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		writeError(w, http.StatusBadRequest, hub.EINVALID, "only WebSocket upgrades (GET with Upgrade: websocket) are served here")
		return
	}
	if origin := r.Header.Get("Origin"); origin != "" && !allowedOrigin(h.origins, origin, r.Host) {
		writeAPIError(w, http.StatusForbidden, "FORBIDDEN", "this origin may not open a WebSocket to the hub (see the hub's CORS origins)")
		return
	}
	h.serveStream(w, r.WithContext(context.WithValue(r.Context(), websocketKey{}, true)))
}

// websocketKey marks a WebSocket's upgrade request, whose operations
// are rate-limited one by one.
type websocketKey struct{}

func (h *Handler) serveEvents(w http.ResponseWriter, r *http.Request) {
	if !readBody(w, r, h.maxBody) {
		return
	}
	// The server's read and write deadlines are for requests that end;
	// a stream lasts until the client or the hub ends it.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	h.serveStream(w, r)
}

// serveStream serves a streaming request on a connection of its own,
// which Shutdown closes.
func (h *Handler) serveStream(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		writeAPIError(w, http.StatusServiceUnavailable, CodeShuttingDown, "the hub is shutting down; try another instance or again later")
		return
	}
	h.connections.Add(1)
	h.mu.Unlock()
	defer h.connections.Done()
	conn := &connection{websocket: r.Context().Value(websocketKey{}) != nil}
	ctx, cancel := context.WithCancel(context.WithValue(r.Context(), connectionKey{}, conn))
	defer cancel()
	defer context.AfterFunc(h.closing, cancel)()
	h.stream.ServeHTTP(w, r.WithContext(ctx))
}

// Shutdown refuses new streams, ends every subscription with a
// SHUTTING_DOWN error, gives those errors a moment to go out, then
// closes the streaming connections (a WebSocket with a close frame) and
// waits until they have ended or ctx ends. http.Server.Shutdown neither
// closes nor waits for hijacked connections such as WebSockets, and
// waits for server-sent events streams, which do not end by themselves:
// call this first.
func (h *Handler) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.stopped = true
	h.mu.Unlock()
	h.subs.shutdown()
	grace, cancel := context.WithTimeout(ctx, shutdownGrace)
	defer cancel()
	_ = wait(grace, &h.subs.operations)
	// An operation counts as ended when its last response has been
	// handed to the transport, which writes the protocol's "complete"
	// after that: give those writes a moment before the close frames.
	select {
	case <-grace.Done():
	case <-time.After(completeFlush):
	}
	h.closeAll()
	return wait(ctx, &h.connections)
}

// shutdown ends every subscription and refuses new ones.
func (s *subscriptions) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closing {
		s.closing = true
		close(s.stop)
	}
}

// completeFlush is how long Shutdown lets transports write the last
// messages of ended operations before it closes their connections.
const completeFlush = 100 * time.Millisecond

// wait waits for wg or ctx.
func wait(ctx context.Context, wg *sync.WaitGroup) error {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return hub.Wrap(hub.EUNAVAILABLE, ctx.Err(), "streams still open")
	}
}

// allowedOrigin reports whether a browser page at origin may open a
// WebSocket to host, by the rules the CORS middleware applies to the
// other requests: the page's own host, "*", an origin listed (case
// aside), or one matching a listed origin with one "*" wildcard
// ("https://*.example.org").
func allowedOrigin(origins []string, origin, host string) bool {
	if u, err := url.Parse(origin); err == nil && u.Host != "" && strings.EqualFold(u.Host, host) {
		return true
	}
	origin = strings.ToLower(origin)
	for _, o := range origins {
		o = strings.ToLower(o)
		if o == "*" || o == origin {
			return true
		}
		if prefix, suffix, ok := strings.Cut(o, "*"); ok &&
			len(origin) >= len(prefix)+len(suffix) && strings.HasPrefix(origin, prefix) && strings.HasSuffix(origin, suffix) {
			return true
		}
	}
	return false
}

// isJSON reports whether r's body is declared JSON.
func isJSON(r *http.Request) bool {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mediaType == "application/json"
}
