package model

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph/loader"
)

// Request is what the views of one GraphQL operation share: the
// operation's context (loads run under it), its loaders and its preferred
// language. Views carry it so that their fields need no context
// argument: gqlgen resolves such fields in line, where it gives each
// field that takes a context a goroutine of its own.
type Request struct {
	ctx  context.Context
	l    *loader.Loaders
	lang hub.Language
}

// NewRequest returns the request of the operation ctx belongs to, which
// must carry the operation's loaders.
func NewRequest(ctx context.Context) *Request {
	return &Request{ctx: ctx, l: loader.For(ctx), lang: hub.LanguageFrom(ctx)}
}

type requestKey struct{}

// WithRequest returns ctx carrying rq.
func WithRequest(ctx context.Context, rq *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, rq)
}

// RequestOf returns the request ctx belongs to (graph.NewHandler installs
// one per operation). It panics without one: that is a wiring bug.
func RequestOf(ctx context.Context) *Request {
	rq, ok := ctx.Value(requestKey{}).(*Request)
	if !ok {
		panic("model: no request in context; the GraphQL handler installs one per operation")
	}
	return rq
}

// language is the language a text field answers in: its argument, else
// the request's preferred language.
func (rq *Request) language(l *Language) hub.Language {
	if l == nil {
		return rq.lang
	}
	return hub.Language(strings.ToLower(string(*l)))
}

// View returns the GraphQL view of a domain node: the kind's type, or a
// *SourceDocument. It returns nil for nil.
func View(rq *Request, n *hub.Node) Node {
	if n == nil {
		return nil
	}
	if n.Kind == hub.KindSourceDocument {
		return &SourceDocument{n}
	}
	return entity(rq, n)
}

func entity(rq *Request, n *hub.Node) Entity {
	b := Base{n, rq}
	switch n.Kind {
	case hub.KindOrganisation:
		return &Organisation{b}
	case hub.KindEmployer:
		return &Employer{b}
	case hub.KindProgramme:
		return &Programme{b}
	case hub.KindPilot:
		return &Pilot{b}
	case hub.KindService:
		return &Service{b}
	case hub.KindRegion:
		return &Region{b}
	case hub.KindTargetGroup:
		return &TargetGroup{b}
	case hub.KindTheme:
		return &Theme{b}
	case hub.KindAgreement:
		return &Agreement{b}
	case hub.KindEvent:
		return &Event{b}
	case hub.KindTraining:
		return &Training{b}
	case hub.KindContact:
		return &Contact{b}
	}
	return nil
}

// EntityOf returns the entity view of n, or nil when n is nil or not an
// entity.
func EntityOf(rq *Request, n *hub.Node) Entity {
	if n == nil || n.Kind == hub.KindSourceDocument {
		return nil
	}
	return entity(rq, n)
}

// views keeps the nodes whose view is a T, skipping missing ones.
func views[T Node](rq *Request, nodes []*hub.Node) []T {
	out := make([]T, 0, len(nodes))
	for _, n := range nodes {
		if v, ok := View(rq, n).(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// entities views the nodes as entities, skipping missing ones.
func entities(rq *Request, nodes []*hub.Node) []Entity {
	out := make([]Entity, 0, len(nodes))
	for _, n := range nodes {
		if e := EntityOf(rq, n); e != nil {
			out = append(out, e)
		}
	}
	return out
}

func loadEntity(rq *Request, id string) (Entity, error) {
	n, err := rq.l.Node.Load(rq.ctx, id)
	if err != nil {
		return nil, err
	}
	if e := EntityOf(rq, n); e != nil {
		return e, nil
	}
	return nil, hub.Errorf(hub.EINTERNAL, "relationship end %s is missing", id)
}

// adjacent returns the relationships of node id in direction dir with one
// of the types (any type when none), in the default relationship order.
func adjacent(rq *Request, id string, dir hub.Direction, types []hub.RelationshipType) ([]*hub.Relationship, error) {
	all, ok := rq.l.Covered(id, dir, types)
	if !ok {
		var err error
		if all, err = rq.l.Adjacent.Load(rq.ctx, id); err != nil {
			return nil, err
		}
	}
	f := Follow{dir, types}
	var out []*hub.Relationship
	for _, r := range all {
		if f.Matches(id, r) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, byTypeThenID)
	return out, nil
}

// relatedOf is Base.related keeping only the ends that are a T.
func relatedOf[T Node](b Base, f Follow) ([]T, error) {
	es, err := b.related(f)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(es))
	for _, e := range es {
		if v, ok := e.(T); ok {
			out = append(out, v)
		}
	}
	return out, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

// today is the day statuses are derived for.
func today() time.Time { return time.Now().UTC() }
