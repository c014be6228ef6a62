package model

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/otehub/hub"
)

// Request is what the views of one GraphQL operation share: the
// operation's context (reads run under it), the network it reads, its
// preferred language and whether its caller may read personal data.
// Views carry it so that their fields need no context argument: gqlgen
// resolves such fields in line, where it gives each field that takes a
// context a goroutine of its own.
type Request struct {
	ctx      context.Context
	r        hub.Reader
	lang     hub.Language
	personal bool
}

// NewRequest returns the request of the operation ctx belongs to, reading
// the network r.
func NewRequest(ctx context.Context, r hub.Reader) *Request {
	return &Request{ctx: ctx, r: r, lang: hub.LanguageFrom(ctx), personal: hub.MayReadPersonalData(ctx)}
}

// On returns the request reading r instead, with the same context,
// language and rights: the views of a field that asks for the network as
// recorded at a past time read that network, nested fields included.
func (rq *Request) On(r hub.Reader) *Request {
	c := *rq
	c.r = r
	return &c
}

// Reader is the network the request reads.
func (rq *Request) Reader() hub.Reader { return rq.r }

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
		return &SourceDocument{n, rq}
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

// nodes reads nodes by id, nil where missing.
func (rq *Request) nodes(ids []string) ([]*hub.Node, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return rq.r.NodesByID(rq.ctx, ids)
}

// node reads one node by id, nil when missing.
func (rq *Request) node(id string) (*hub.Node, error) {
	nodes, err := rq.r.NodesByID(rq.ctx, []string{id})
	if err != nil {
		return nil, err
	}
	return nodes[0], nil
}

// relationships reads relationships by id, leaving out missing ones.
func (rq *Request) relationships(ids []string) ([]*hub.Relationship, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rels, err := rq.r.RelationshipsByID(rq.ctx, ids)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(rels, func(r *hub.Relationship) bool { return r == nil }), nil
}

func loadEntity(rq *Request, id string) (Entity, error) {
	n, err := rq.node(id)
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
	rels, _, err := rq.r.FindRelationships(rq.ctx, hub.RelationshipFilter{NodeIDs: []string{id}, Direction: dir, Types: types},
		hub.ListOptions{First: hub.Unlimited, Unordered: true})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(rels, byTypeThenID)
	return rels, nil
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
