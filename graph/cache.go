package graph

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/otehub/hub"
	"github.com/otehub/hub/internal/httpx"
)

// cacheControl is the Cache-Control of a GET answer that may be reused:
// it may hold what only the caller's credentials may read (personal
// data), so shared caches must not keep it, and it is revalidated by its
// ETag on each use.
const cacheControl = "private, no-cache"

// answerTag is the entity tag of the answer to a GET request: a hash of
// everything the answer is computed from. That is the network's version
// (version: which load of it and how many writes since, and whether it
// is stale, which the freshness extension says), the request (path and
// every parameter: query, variables, operation name, persisted query
// hash, an export's selection), the caller's class (reads differ by
// whether the caller may read personal data; the role is in too, so
// that no field that comes to differ by role can be served across
// roles), the language the caller asks for, and the day: statuses are
// derived for today, so an answer can change at midnight UTC with no
// write.
func answerTag(r *http.Request, version string) string {
	class := "anonymous"
	if p := hub.PrincipalFrom(r.Context()); p != nil {
		class = "role:" + string(p.Role) + "/personal:" + strconv.FormatBool(p.PersonalData)
	}
	lang, _ := preferredLanguage(r)
	return httpx.Tag(version, time.Now().UTC().Format(time.DateOnly), class, string(lang), r.URL.Path, r.URL.Query().Encode())
}

// cacheCall is what a GET query's operation tells its answer: whether
// it answered without errors, and so may be reused.
type cacheCall struct{ ok atomic.Bool }

type cacheCallKey struct{}

// markCacheable notes, for the GET request the operation belongs to,
// whether its response has no errors. An operation refused before it
// runs (rate limits) never reaches here and stays uncacheable.
func markCacheable(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if call, ok := ctx.Value(cacheCallKey{}).(*cacheCall); ok {
		call.ok.Store(resp != nil && len(resp.Errors) == 0)
	}
	return resp
}

// serveCached answers a GET request whose answer depends on the network
// (version names its state, "" while it is changing) and on the request
// (answerTag): 304 Not Modified, without running next, when
// If-None-Match names the answer's tag; otherwise next's answer, with the
// tag when it is a success (a 200 that call, if any, says had no errors)
// computed from one state of the network, and Cache-Control: no-store
// when it is not a success.
func serveCached(w http.ResponseWriter, r *http.Request, version func() string, call *cacheCall, next http.Handler) {
	before := version()
	tag := answerTag(r, before)
	h := w.Header()
	httpx.AddVary(h, "Authorization")
	httpx.AddVary(h, "Accept-Language")
	if before != "" && httpx.Matches(r, tag) {
		h.Set("ETag", tag)
		h.Set("Cache-Control", cacheControl)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if call != nil {
		r = r.WithContext(context.WithValue(r.Context(), cacheCallKey{}, call))
	}
	// The answer is written once computed (the GraphQL handler holds it
	// until then; an export has read all it needs): a version that is
	// the same now as before says it was computed from that one state.
	same := func() bool { return before != "" && version() == before }
	next.ServeHTTP(&taggedWriter{ResponseWriter: w, tag: tag, call: call, same: same}, r)
}

// CacheGets answers next's GET requests with entity tags made from the
// network's version and the request (as GET queries are answered when
// Options.Version is set): for the exports, which run a query of their
// own.
func CacheGets(version func() string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if version == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			next.ServeHTTP(w, r)
			return
		}
		serveCached(w, r, version, nil, next)
	})
}

// taggedWriter puts the ETag and Cache-Control on a successful answer.
type taggedWriter struct {
	http.ResponseWriter
	tag   string
	call  *cacheCall
	same  func() bool
	wrote bool
}

func (w *taggedWriter) WriteHeader(code int) {
	if !w.wrote && code >= 200 {
		w.wrote = true
		h := w.Header()
		switch {
		case code != http.StatusOK || (w.call != nil && !w.call.ok.Load()):
			h.Set("Cache-Control", "no-store")
		case w.same():
			h.Set("ETag", w.tag)
			h.Set("Cache-Control", cacheControl)
		default:
			// A success computed while the network changed: good to
			// use, not to revalidate.
			h.Set("Cache-Control", cacheControl)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *taggedWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap gives http.ResponseController the writer underneath (Flush).
func (w *taggedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
