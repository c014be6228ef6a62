package graph

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph/model"
	"github.com/otehub/hub/index"
)

// Default bounds of live updates (see Limits and Options).
const (
	// MaxSubscriptions bounds the subscriptions open on one hub.
	MaxSubscriptions = 10000
	// MaxSubscriptionsPerConnection bounds the subscriptions open on one
	// WebSocket.
	MaxSubscriptionsPerConnection = 20
)

// Codes of the terminal errors that end a subscription's stream, as
// extensions.code.
const (
	CodeOverflow     = "SUBSCRIPTION_OVERFLOW"
	CodeResync       = "RESYNC_REQUIRED"
	CodeShuttingDown = "SHUTTING_DOWN"
)

// Feed is where subscriptions get the writes the network applies:
// index.Live.
type Feed interface {
	Subscribe(buffer int) (*index.Subscription, error)
}

// changeFilter selects the changes a subscription sends (see the
// changes field's description in the schema).
type changeFilter struct {
	kinds []hub.Kind
	types []hub.RelationshipType
	ids   []string
}

// newChangeFilter checks and converts the arguments of changes. A list
// given empty would select nothing, so it is refused rather than read as
// no filter.
func newChangeFilter(kinds []model.NodeKind, ids []string, types []model.RelationshipType) (changeFilter, error) {
	for name, n := range map[string]int{"kinds": len(kinds), "ids": len(ids), "types": len(types)} {
		if n == 0 && ((name == "kinds" && kinds != nil) || (name == "ids" && ids != nil) || (name == "types" && types != nil)) {
			return changeFilter{}, hub.Errorf(hub.EINVALID, "%s is empty and would select nothing; leave it out to select every change", name)
		}
	}
	if err := checkIDs(ids); err != nil {
		return changeFilter{}, err
	}
	f := changeFilter{ids: ids, types: model.RelationshipTypes(types)}
	for _, k := range kinds {
		f.kinds = append(f.kinds, hub.Kind(k))
	}
	return f, nil
}

// match reports whether the filter selects the change ch of write w.
func (f changeFilter) match(ch *hub.Change, w *index.Write) bool {
	if len(f.ids) > 0 && !slices.Contains(f.ids, ch.ID) {
		return false
	}
	if len(f.kinds) == 0 && len(f.types) == 0 {
		return true
	}
	switch ch.Row {
	case hub.RowNode:
		kind, err := hub.ParseID(ch.ID)
		return err == nil && slices.Contains(f.kinds, hub.Kind(kind))
	case hub.RowRelationship:
		if len(f.types) == 0 {
			return false
		}
		r := ch.Relationship
		if r == nil {
			r = w.Deleted[ch.ID].Relationship
		}
		// A deleted relationship the index did not hold has no known
		// type: it is sent, since the client may hold it.
		return r == nil || slices.Contains(f.types, r.Type)
	}
	return false
}

// changeOf is the API's view of a change.
func changeOf(rq *model.Request, ch *hub.Change) *model.Change {
	c := &model.Change{ID: ch.ID, Version: int(ch.Version), At: ch.At}
	if c.At.IsZero() {
		c.At = time.Now().UTC().Truncate(time.Millisecond)
	}
	switch {
	case ch.Op == hub.ChangeDelete && ch.MergedInto != "":
		c.Op = model.ChangeOpMerged
	case ch.Op == hub.ChangeDelete:
		c.Op = model.ChangeOpDeleted
	case ch.Created:
		c.Op = model.ChangeOpCreated
	default:
		c.Op = model.ChangeOpUpdated
	}
	if ch.MergedInto != "" {
		c.MergedInto = &ch.MergedInto
	}
	if ch.Row == hub.RowRelationship {
		c.Kind = "Relationship"
	} else if kind, err := hub.ParseID(ch.ID); err == nil {
		c.Kind = kind
	}
	if ch.Op == hub.ChangeUpsert {
		if ch.Node != nil {
			c.Node = model.View(rq, ch.Node)
		}
		if ch.Relationship != nil {
			c.Relationship = model.NewRelationship(rq, ch.Relationship)
		}
	}
	return c
}

// subscriptions is the state the subscriptions of one handler share:
// their number, bounded per hub and per connection, and the signal that
// ends them all at shutdown.
type subscriptions struct {
	feed                 Feed
	buffer, max, perConn int

	mu   sync.Mutex
	open int
	// websocket counts those of open on WebSockets; the others are on
	// server-sent events streams.
	websocket int
	closing   bool
	// stop is closed at shutdown: every subscription then ends with
	// SHUTTING_DOWN.
	stop chan struct{}
	// operations counts the subscription operations whose stream has
	// not ended yet: shutdown waits for their terminal errors to be
	// sent before it closes the connections.
	operations sync.WaitGroup
}

// connection is one streaming connection: a WebSocket, or one
// server-sent events request.
type connection struct {
	open int // guarded by subscriptions.mu
	// websocket is set for a WebSocket, whose operations each take
	// from their caller's rate (an event stream's one operation is its
	// request's).
	websocket bool
}

type connectionKey struct{}

// connectionOf returns the streaming connection a request came on, or
// nil for plain GET and POST.
func connectionOf(ctx context.Context) *connection {
	c, _ := ctx.Value(connectionKey{}).(*connection)
	return c
}

// acquire counts one more subscription on conn, or refuses it over a
// limit.
func (s *subscriptions) acquire(conn *connection) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		return hub.Errorf(hub.EUNAVAILABLE, "the hub is shutting down; subscribe again (to another instance)")
	case s.open >= s.max:
		return hub.Errorf(hub.ETOOLARGE, "the hub holds %d subscriptions, its limit; try again later", s.max)
	case conn.open >= s.perConn:
		return hub.Errorf(hub.ETOOLARGE, "this connection holds %d subscriptions, the limit of one connection; end one first or open another connection", s.perConn)
	}
	s.open++
	conn.open++
	if conn.websocket {
		s.websocket++
	}
	return nil
}

func (s *subscriptions) release(conn *connection) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open--
	conn.open--
	if conn.websocket {
		s.websocket--
	}
}

// ending is what a subscription operation knows about the end of its
// stream: why it ended (nil while it runs, and when the client ended
// it) and the last event it sent.
type ending struct {
	mu   sync.Mutex
	err  *gqlerror.Error
	last *model.Change
	sent bool
}

type endingKey struct{}

func endingOf(ctx context.Context) *ending {
	e, _ := ctx.Value(endingKey{}).(*ending)
	return e
}

func (e *ending) delivered(c *model.Change) {
	e.mu.Lock()
	e.last = c
	e.mu.Unlock()
}

// end records why the stream ends: code and message, with the last
// event sent.
func (e *ending) end(code, message string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var last any
	if e.last != nil {
		last = map[string]any{"id": e.last.ID, "version": e.last.Version, "at": e.last.At.Format(time.RFC3339Nano)}
	}
	e.err = &gqlerror.Error{Message: message, Extensions: map[string]any{"code": code, "lastDelivered": last}}
}

// terminal returns the stream's terminal error once, or nil.
func (e *ending) terminal() *gqlerror.Error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err == nil || e.sent {
		return nil
	}
	e.sent = true
	return e.err
}

// endOf names the reason an index subscription ended for the client.
func endOf(err error) (code, message string) {
	switch {
	case errors.Is(err, index.ErrOverflow):
		return CodeOverflow, "the subscription fell behind the changes by more than the hub holds for it, and has ended: re-read what you need and subscribe again"
	case errors.Is(err, index.ErrClosed):
		return CodeShuttingDown, "the hub is shutting down: re-read what you need and subscribe again (to another instance)"
	default:
		return CodeResync, "this hub lost its change feed and loads the network again, so the changes in between cannot be sent: re-read what you need and subscribe again"
	}
}

// subscribe starts the changes subscription of the operation ctx
// belongs to: events go to the returned channel, which is closed when
// the stream ends (the ending in ctx then says why).
func (s *subscriptions) subscribe(ctx context.Context, f changeFilter) (<-chan *model.Change, error) {
	conn, end := connectionOf(ctx), endingOf(ctx)
	if conn == nil || end == nil || s.feed == nil {
		return nil, hub.Errorf(hub.EUNAVAILABLE, "live updates are not available on this endpoint")
	}
	if err := s.acquire(conn); err != nil {
		return nil, err
	}
	sub, err := s.feed.Subscribe(s.buffer)
	if err != nil {
		s.release(conn)
		return nil, err
	}
	rq := model.RequestOf(ctx)
	out := make(chan *model.Change)
	go func() {
		defer close(out)
		defer s.release(conn)
		defer sub.Close()
		for {
			select {
			case w, ok := <-sub.Writes():
				if !ok {
					end.end(endOf(sub.Err()))
					return
				}
				for i := range w.Changes {
					ch := &w.Changes[i]
					if !f.match(ch, &w) {
						continue
					}
					c := changeOf(rq, ch)
					select {
					case out <- c:
						end.delivered(c)
					case <-ctx.Done():
						return
					case <-s.stop:
						end.end(endOf(index.ErrClosed))
						return
					}
				}
			case <-ctx.Done():
				return
			case <-s.stop:
				end.end(endOf(index.ErrClosed))
				return
			}
		}
	}()
	return out, nil
}

// aroundSubscriptions gives every subscription operation its ending,
// sends the terminal error as the stream's last response, and counts
// the operation until its stream has ended. Over a streaming transport
// an operation that is not a subscription gets the handler's timeout,
// which the plain transports get from http.TimeoutHandler.
func (s *subscriptions) aroundSubscriptions(timeout time.Duration) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		if connectionOf(ctx) == nil {
			return next(ctx)
		}
		if oc.Operation.Operation != ast.Subscription {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			responses := next(ctx)
			return func(ctx context.Context) *graphql.Response {
				resp := responses(ctx)
				if resp == nil {
					cancel()
				}
				return resp
			}
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{shuttingDown()}})
		}
		s.operations.Add(1)
		s.mu.Unlock()
		end := &ending{}
		responses := next(context.WithValue(ctx, endingKey{}, end))
		var once sync.Once
		return func(ctx context.Context) *graphql.Response {
			resp := responses(ctx)
			if resp == nil && ctx.Err() == nil {
				if err := end.terminal(); err != nil {
					return &graphql.Response{Errors: gqlerror.List{err}}
				}
			}
			if resp == nil {
				once.Do(s.operations.Done)
			}
			return resp
		}
	}
}

func shuttingDown() *gqlerror.Error {
	_, message := endOf(index.ErrClosed)
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": CodeShuttingDown}}
}

// refuseSubscriptions refuses a subscription over plain GET or POST,
// which answer one response: gqlgen's POST transport would wait for the
// first event and drop the rest.
type refuseSubscriptions struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = refuseSubscriptions{}

func (refuseSubscriptions) ExtensionName() string                          { return "RefuseSubscriptions" }
func (refuseSubscriptions) Validate(schema graphql.ExecutableSchema) error { return nil }

func (refuseSubscriptions) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation.Operation != ast.Subscription || connectionOf(ctx) != nil {
		return nil
	}
	err := gqlerror.Errorf("a subscription needs a streaming transport: open a WebSocket (graphql-transport-ws) to this endpoint, or POST to it with the header Accept: text/event-stream")
	setCode(err, hub.EINVALID)
	return err
}
