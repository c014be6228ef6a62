package graph

import "sync/atomic"

// Stats are what the endpoint counts for monitoring: its refusals since
// it started and the subscriptions open now.
type Stats struct {
	// Overloaded counts the refusals with OVERLOADED (admission
	// control), RateLimited those with RATE_LIMITED.
	Overloaded, RateLimited Refusals
	// WebSocketSubscriptions and EventStreamSubscriptions are the
	// subscriptions open on WebSockets and on server-sent events
	// streams.
	WebSocketSubscriptions, EventStreamSubscriptions int
}

// Refusals count the refusals of one kind: Requests those of whole HTTP
// requests, answered before GraphQL reads them (a rate-limited request
// with a body also loses its connection); Operations those of single
// operations, sent on a WebSocket or an event stream, or a mutation
// whose cost beyond its request's was refused.
type Refusals struct {
	Requests, Operations uint64
}

// refusals is a Refusals being counted.
type refusals struct {
	requests, operations atomic.Uint64
}

func (r *refusals) load() Refusals {
	return Refusals{Requests: r.requests.Load(), Operations: r.operations.Load()}
}

// Stats returns the counts of the endpoint (and of what it guards, see
// Guard) now.
func (h *Handler) Stats() Stats {
	st := Stats{Overloaded: h.admit.refused.load(), RateLimited: h.rates.refused.load()}
	h.subs.mu.Lock()
	st.WebSocketSubscriptions, st.EventStreamSubscriptions = h.subs.websocket, h.subs.open-h.subs.websocket
	h.subs.mu.Unlock()
	return st
}
