package graph

import (
	"container/list"
	"context"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/time/rate"

	"github.com/otehub/hub"
)

// CodeRateLimited is the extensions.code of a request refused because
// its caller has used up its rate (HTTP 429 with Retry-After; the
// error's extensions.retryAfter holds the same seconds).
const CodeRateLimited = "RATE_LIMITED"

// Defaults of the rate limits (see RateLimits).
const (
	// MaxRateClients bounds the callers whose buckets the hub keeps, per
	// kind of caller (addresses, API keys): a bucket takes about 250
	// bytes, so at most about 16 MiB each.
	MaxRateClients = 65536
	// WriteCost is what a mutation takes from its caller's bucket; a
	// query or a subscription takes 1.
	WriteCost = 5
)

// Rate is a token bucket: PerSecond requests a second on average, and
// up to Burst at once after a pause. A zero PerSecond turns the limit
// off.
type Rate struct {
	PerSecond float64
	Burst     int
}

// On reports whether r limits anything.
func (r Rate) On() bool { return r.PerSecond > 0 }

// RateLimits bound how often one caller may call the hub: an API key's
// caller by its subject, an anonymous caller by its address (an IPv6
// address by its /64, which one subscriber usually holds whole). Every
// request to /graphql (a WebSocket's upgrade included) takes 1 from
// its caller's bucket, every operation sent over a WebSocket 1 more, and
// a mutation WriteCost in all.
type RateLimits struct {
	// Anonymous limits each address of anonymous callers, Key each API
	// key's subject.
	Anonymous, Key Rate
	// TrustedProxies are the proxies whose X-Forwarded-For the hub
	// believes: the client is the last address of the header that is not
	// one of them. Without them the client is the TCP peer, and every
	// caller behind a proxy shares the proxy's bucket.
	TrustedProxies []netip.Prefix
	// MaxClients bounds the buckets kept per kind of caller; 0 means
	// MaxRateClients.
	MaxClients int
	// WriteCost is what a mutation takes; 0 means WriteCost.
	WriteCost int
	// Shared, when set, makes the limits hold across instances: every
	// SyncInterval each instance adds what its callers took to these
	// counters and takes from its buckets what the others added (see
	// docs/security.md for the bound). Nil limits each instance alone.
	Shared RateCounters
	// SyncInterval is how often the counters are synced; 0 means
	// RateSyncInterval.
	SyncInterval time.Duration
}

// rateLimiter applies RateLimits.
type rateLimiter struct {
	anonymous, keys *buckets
	trusted         []netip.Prefix
	writeCost       int
	log             *slog.Logger
	// shared, interval and window are the shared counters and how
	// they are synced (nil when each instance limits alone).
	shared           RateCounters
	interval, window time.Duration
	// warned is set once the hub has said that X-Forwarded-For comes
	// from a peer it does not trust.
	warned  atomic.Bool
	refused refusals
}

func newRateLimiter(l RateLimits, log *slog.Logger) *rateLimiter {
	clients := l.MaxClients
	if clients <= 0 {
		clients = MaxRateClients
	}
	cost := l.WriteCost
	if cost <= 0 {
		cost = WriteCost
	}
	interval := l.SyncInterval
	if interval <= 0 {
		interval = RateSyncInterval
	}
	lim := &rateLimiter{anonymous: newBuckets(l.Anonymous, clients), keys: newBuckets(l.Key, clients), trusted: l.TrustedProxies, writeCost: cost, log: log,
		interval: interval, window: RateWindow}
	if l.Shared != nil && (l.Anonymous.On() || l.Key.On()) {
		lim.shared = l.Shared
		lim.anonymous.kind, lim.keys.kind = "address", "key"
	}
	return lim
}

type (
	clientKey   struct{}
	rateCallKey struct{}
)

// rateCall is what a plain request's operation tells the response about
// its rate: the seconds to wait when it was refused.
type rateCall struct{ retryAfter atomic.Int64 }

// admit takes a request's cost from its caller's bucket and returns the
// request carrying its client's address for the operations it runs, or
// answers 429 and returns nil.
func (l *rateLimiter) admit(w http.ResponseWriter, r *http.Request) *http.Request {
	ctx := context.WithValue(r.Context(), clientKey{}, l.clientOf(r))
	ctx = context.WithValue(ctx, rateCallKey{}, &rateCall{})
	if wait := l.take(ctx, 1); wait > 0 {
		l.refused.requests.Add(1)
		// The body is left unread and the connection closed after the
		// answer: otherwise the server reads (and discards) a refused
		// request's body to reuse the connection, which costs a caller
		// over its rate as much as serving it the bytes.
		if r.ContentLength != 0 {
			w.Header().Set("Connection", "close")
		}
		writeRefusal(w, http.StatusTooManyRequests, CodeRateLimited, rateMessage(wait), retrySeconds(wait))
		return nil
	}
	return r.WithContext(ctx)
}

// guard rate-limits another endpoint's requests as admit does.
func (l *rateLimiter) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r = l.admit(w, r); r != nil {
			next.ServeHTTP(w, r)
		}
	})
}

// take takes n from the bucket of ctx's caller, or returns how long
// until the bucket holds them (taking nothing).
func (l *rateLimiter) take(ctx context.Context, n int) time.Duration {
	if p := hub.PrincipalFrom(ctx); p != nil {
		return l.keys.take(p.Subject, n, time.Now())
	}
	client, _ := ctx.Value(clientKey{}).(string)
	return l.anonymous.take(client, n, time.Now())
}

// aroundOperations takes what an operation costs beyond what its
// request took: a mutation WriteCost in all, and an operation sent over
// a WebSocket, whose upgrade request was taken once, its whole cost. A
// refused operation of a plain request makes its answer a 429.
func (l *rateLimiter) aroundOperations(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	cost, paid := 1, 1
	if graphql.GetOperationContext(ctx).Operation.Operation == ast.Mutation {
		cost = l.writeCost
	}
	if conn := connectionOf(ctx); conn != nil && conn.websocket {
		paid = 0
	}
	if cost <= paid {
		return next(ctx)
	}
	wait := l.take(ctx, cost-paid)
	if wait <= 0 {
		return next(ctx)
	}
	l.refused.operations.Add(1)
	if call, ok := ctx.Value(rateCallKey{}).(*rateCall); ok && connectionOf(ctx) == nil {
		call.retryAfter.Store(int64(retrySeconds(wait)))
	}
	return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{refusal(CodeRateLimited, rateMessage(wait), retrySeconds(wait))}})
}

func rateMessage(wait time.Duration) string {
	return "too many requests from this caller; retry in " + time.Duration(retrySeconds(wait)*int(time.Second)).String()
}

// retrySeconds rounds a wait up to whole seconds, as Retry-After counts.
func retrySeconds(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}

// rateStatus turns a plain request's answer into 429 with Retry-After
// when its operation was refused by the rate limits: gqlgen answers an
// operation's errors with 200.
type rateStatus struct {
	http.ResponseWriter
	call  *rateCall
	wrote bool
}

func withRateStatus(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	call, ok := r.Context().Value(rateCallKey{}).(*rateCall)
	if !ok {
		return w
	}
	return &rateStatus{ResponseWriter: w, call: call}
}

func (w *rateStatus) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		if s := w.call.retryAfter.Load(); s > 0 && code == http.StatusOK {
			w.Header().Set("Retry-After", strconv.Itoa(int(s)))
			code = http.StatusTooManyRequests
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *rateStatus) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

func (w *rateStatus) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// clientOf names the client of an anonymous request: the TCP peer, or,
// when the peer is a trusted proxy, the last address of X-Forwarded-For
// that is not one. An IPv6 address is named by its /64.
func (l *rateLimiter) clientOf(r *http.Request) string {
	addr := peerAddr(r.RemoteAddr)
	forwarded := r.Header.Values("X-Forwarded-For")
	if len(forwarded) == 0 {
		return addressKey(addr)
	}
	if !l.isTrusted(addr) {
		if len(l.trusted) == 0 && l.warned.CompareAndSwap(false, true) {
			l.log.Warn("requests carry X-Forwarded-For but HUB_TRUSTED_PROXIES is empty: anonymous callers are rate-limited by their proxy's address; list the proxies to limit each client", "peer", addr.String())
		}
		return addressKey(addr)
	}
	hops := strings.Split(strings.Join(forwarded, ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := peerAddr(strings.TrimSpace(hops[i]))
		if !hop.IsValid() {
			break // not an address: the last one known is the client
		}
		addr = hop
		if !l.isTrusted(hop) {
			break
		}
	}
	return addressKey(addr)
}

func (l *rateLimiter) isTrusted(a netip.Addr) bool {
	for _, p := range l.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddr reads an address with or without a port ("192.0.2.1:5000",
// "[2001:db8::1]:443", "2001:db8::1"); the zero Addr when it is none.
func peerAddr(s string) netip.Addr {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

// addressKey names a client's bucket: an IPv4 address itself, an IPv6
// address its /64.
func addressKey(a netip.Addr) string {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// buckets are the token buckets of one kind of caller, at most max of
// them, least recently used last: a bucket unused for as long as it
// takes to fill is dropped when another is added (a new one would be
// the same), and at max the least recently used goes even if not full.
type buckets struct {
	rate Rate
	max  int
	// full is how long an unused bucket takes to fill.
	full time.Duration
	// kind names the kind of caller in the shared counters; "" when the
	// buckets are not shared.
	kind string

	mu    sync.Mutex
	byKey map[string]*list.Element
	order *list.List // of *bucket, most recently used first
}

type bucket struct {
	key  string
	lim  *rate.Limiter
	used time.Time
	// share is nil unless the buckets are shared.
	share *bucketShare
}

func newBuckets(r Rate, limit int) *buckets {
	b := &buckets{rate: r, max: limit, byKey: map[string]*list.Element{}, order: list.New()}
	if r.On() {
		b.rate.Burst = max(r.Burst, 1)
		b.full = time.Duration(float64(b.rate.Burst) / r.PerSecond * float64(time.Second))
	}
	return b
}

// take takes n (at most the burst) from key's bucket at now, or returns
// how long until it holds them.
func (b *buckets) take(key string, n int, now time.Time) time.Duration {
	if !b.rate.On() {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var bk *bucket
	if e := b.byKey[key]; e != nil {
		b.order.MoveToFront(e)
		bk = e.Value.(*bucket)
	} else {
		b.evict(now)
		bk = &bucket{key: key, lim: rate.NewLimiter(rate.Limit(b.rate.PerSecond), b.rate.Burst)}
		if b.kind != "" {
			bk.share = &bucketShare{id: sharedID(b.kind, key), first: true}
		}
		b.byKey[key] = b.order.PushFront(bk)
	}
	bk.used = now
	n = min(n, b.rate.Burst)
	res := bk.lim.ReserveN(now, n)
	if wait := res.DelayFrom(now); wait > 0 {
		res.CancelAt(now)
		return wait
	}
	if bk.share != nil {
		bk.share.pending += int64(n)
	}
	return 0
}

// evict makes room for one more bucket.
func (b *buckets) evict(now time.Time) {
	for e := b.order.Back(); e != nil; e = b.order.Back() {
		bk := e.Value.(*bucket)
		if b.order.Len() < b.max && now.Sub(bk.used) < b.full {
			return
		}
		b.order.Remove(e)
		delete(b.byKey, bk.key)
	}
}

// len returns the number of buckets kept.
func (b *buckets) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.order.Len()
}
