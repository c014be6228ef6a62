package graph

import (
	"context"
	"encoding/json"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Admission control: how many operations one instance runs at once.
const (
	// ConcurrentPerCPU is the default bound of concurrent operations
	// per CPU (GOMAXPROCS): the work is CPU-bound (every read is
	// answered from memory), so more at once only makes each slower,
	// while a few per CPU cover the waits on writes and the network.
	ConcurrentPerCPU = 4
	// AdmissionWait bounds how long an operation waits for a slot when
	// all are taken, behind at most as many others as there are slots;
	// then it is refused with OVERLOADED, quickly, so that a client or
	// a load balancer can retry elsewhere rather than queue.
	AdmissionWait = 100 * time.Millisecond
	// overloadedRetryAfter is the Retry-After of an OVERLOADED answer,
	// in seconds.
	overloadedRetryAfter = 1
)

// CodeOverloaded is the extensions.code of an operation refused because
// the instance runs as many as it may (HTTP 503 with Retry-After).
const CodeOverloaded = "OVERLOADED"

// DefaultConcurrent is the default bound of concurrent operations:
// ConcurrentPerCPU per GOMAXPROCS.
func DefaultConcurrent() int { return ConcurrentPerCPU * runtime.GOMAXPROCS(0) }

// admission bounds the operations that run at once: slots holds a token
// per running operation, and at most cap(slots) more wait for one, for
// at most wait.
type admission struct {
	slots   chan struct{}
	waiting atomic.Int64
	wait    time.Duration
	refused refusals
}

func newAdmission(n int, wait time.Duration) *admission {
	return &admission{slots: make(chan struct{}, n), wait: wait}
}

// enter takes a slot, or reports false when none came free in time (or
// the queue was full, or ctx ended meanwhile).
func (a *admission) enter(ctx context.Context) bool {
	select {
	case a.slots <- struct{}{}:
		return true
	default:
	}
	if a.waiting.Add(1) > int64(cap(a.slots)) {
		a.waiting.Add(-1)
		return false
	}
	defer a.waiting.Add(-1)
	t := time.NewTimer(a.wait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

func (a *admission) leave() { <-a.slots }

// guard runs next in a slot, or answers 503 OVERLOADED with Retry-After.
func (a *admission) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.enter(r.Context()) {
			a.refused.requests.Add(1)
			writeRefusal(w, http.StatusServiceUnavailable, CodeOverloaded, overloadedMessage, overloadedRetryAfter)
			return
		}
		defer a.leave()
		next.ServeHTTP(w, r)
	})
}

const overloadedMessage = "the hub runs as many operations as it may at once; retry in a moment"

// aroundStreamOperations runs each query and mutation sent over a
// WebSocket or an event stream in a slot, as guard runs a plain
// request: the connection itself holds none, and neither does a
// subscription, which would hold one for as long as it is open (their
// own limits bound them: MaxSubscriptions and the events buffered for
// each).
func (a *admission) aroundStreamOperations(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if connectionOf(ctx) == nil || graphql.GetOperationContext(ctx).Operation.Operation == ast.Subscription {
		return next(ctx)
	}
	if !a.enter(ctx) {
		a.refused.operations.Add(1)
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{refusal(CodeOverloaded, overloadedMessage, overloadedRetryAfter)}})
	}
	var once sync.Once
	leave := func() { once.Do(a.leave) }
	responses := next(ctx)
	// A query or mutation answers once; the slot is free when it has.
	return func(ctx context.Context) *graphql.Response {
		defer leave()
		return responses(ctx)
	}
}

// refusal is the error of an operation refused for the instance's or
// the caller's sake: its code, and after how many seconds to retry.
func refusal(code, message string, retryAfter int) *gqlerror.Error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": code, "retryAfter": retryAfter}}
}

// writeRefusal answers with status, Retry-After and the refusal.
func writeRefusal(w http.ResponseWriter, status int, code, message string, retryAfter int) {
	body, _ := json.Marshal(map[string]any{"errors": []*gqlerror.Error{refusal(code, message, retryAfter)}})
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client has gone if this fails
}
