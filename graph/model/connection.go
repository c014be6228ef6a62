package model

import (
	"context"
	"slices"

	"github.com/otehub/hub"
)

// Connection is a Relay connection page of T. The GraphQL connection
// types are aliases of its instantiations.
type Connection[T any] struct {
	Edges    []*Edge[T]
	PageInfo *PageInfo
	count    func(context.Context) (int, error)
}

// Edge is a row of a connection. Its cursor is encoded when asked for:
// most queries read a page's nodes, not its cursors.
type Edge[T any] struct {
	Node   T
	cursor func() string
}

// NewEdge is the row of node whose cursor cursor encodes.
func NewEdge[T any](node T, cursor func() string) *Edge[T] {
	return &Edge[T]{Node: node, cursor: cursor}
}

// Cursor is the opaque position of the row.
func (e *Edge[T]) Cursor() string { return e.cursor() }

// PageArgs are a connection's paging arguments.
type PageArgs struct {
	First, Last   *int
	After, Before *string
}

// backward reports whether the client pages backwards (last/before).
func (p PageArgs) backward() bool { return p.Last != nil || p.Before != nil }

// NewConnection builds a page from rows fetched with opts (made by
// ListOptions from args): rows of a backward page are put back in order.
// more says whether the reader had rows beyond the page in the direction
// of paging. count is only called when a client asks for totalCount.
func NewConnection[T any](edges []*Edge[T], args PageArgs, more bool, count func(context.Context) (int, error)) *Connection[T] {
	pi := &PageInfo{HasNextPage: more, HasPreviousPage: args.After != nil}
	if args.backward() {
		slices.Reverse(edges)
		pi.HasNextPage, pi.HasPreviousPage = args.Before != nil, more
	}
	if len(edges) > 0 {
		start, end := edges[0].Cursor(), edges[len(edges)-1].Cursor()
		pi.StartCursor, pi.EndCursor = &start, &end
	}
	return &Connection[T]{Edges: edges, PageInfo: pi, count: count}
}

// Nodes are the edges' nodes.
func (c *Connection[T]) Nodes() []T {
	out := make([]T, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Node
	}
	return out
}

// TotalCount counts every matching row.
func (c *Connection[T]) TotalCount(ctx context.Context) (int, error) { return c.count(ctx) }

// The connection types of the schema.
type (
	OrganisationConnection   = Connection[*Organisation]
	OrganisationEdge         = Edge[*Organisation]
	EmployerConnection       = Connection[*Employer]
	EmployerEdge             = Edge[*Employer]
	ProgrammeConnection      = Connection[*Programme]
	ProgrammeEdge            = Edge[*Programme]
	PilotConnection          = Connection[*Pilot]
	PilotEdge                = Edge[*Pilot]
	ServiceConnection        = Connection[*Service]
	ServiceEdge              = Edge[*Service]
	RegionConnection         = Connection[*Region]
	RegionEdge               = Edge[*Region]
	TargetGroupConnection    = Connection[*TargetGroup]
	TargetGroupEdge          = Edge[*TargetGroup]
	ThemeConnection          = Connection[*Theme]
	ThemeEdge                = Edge[*Theme]
	AgreementConnection      = Connection[*Agreement]
	AgreementEdge            = Edge[*Agreement]
	EventConnection          = Connection[*Event]
	EventEdge                = Edge[*Event]
	TrainingConnection       = Connection[*Training]
	TrainingEdge             = Edge[*Training]
	ContactConnection        = Connection[*Contact]
	ContactEdge              = Edge[*Contact]
	SourceDocumentConnection = Connection[*SourceDocument]
	SourceDocumentEdge       = Edge[*SourceDocument]
	RelationshipConnection   = Connection[*Relationship]
	RelationshipEdge         = Edge[*Relationship]
)

// NodeRelationships pages the relationships of node id: the
// Entity.relationships field.
func NodeRelationships(rq *Request, id string, types []RelationshipType, direction *Direction, args PageArgs, orderBy []*RelationshipOrder) (*RelationshipConnection, error) {
	opts, err := ListOptions(args, RelationshipOrders(orderBy), hub.RelationshipOrderFields, hub.OrderByType)
	if err != nil {
		return nil, err
	}
	dir := hub.Both
	if direction != nil {
		dir = hub.Direction(*direction)
	}
	all, err := adjacent(rq, id, dir, RelationshipTypes(types))
	if err != nil {
		return nil, err
	}
	page, more := hub.PageRelationships(all, opts)
	return NewConnection(RelationshipEdges(rq, page, opts.OrderBy), args, more, func(context.Context) (int, error) {
		return len(all), nil
	}), nil
}

// RelationshipEdges wraps a page of relationships with their cursors.
func RelationshipEdges(rq *Request, page []*hub.Relationship, orders []hub.Order) []*RelationshipEdge {
	edges := make([]*RelationshipEdge, len(page))
	for i, r := range page {
		edges[i] = NewEdge(NewRelationship(rq, r), func() string {
			return hub.EncodeCursor(orders, hub.RelationshipOrderValues(r, orders), r.ID)
		})
	}
	return edges
}

// NodeEdges wraps a page of nodes, as T, with their cursors.
func NodeEdges[T Node](rq *Request, page []*hub.Node, orders []hub.Order) []*Edge[T] {
	edges := make([]*Edge[T], 0, len(page))
	for _, n := range page {
		if v, ok := View(rq, n).(T); ok {
			edges = append(edges, NewEdge(v, func() string { return hub.EncodeCursor(orders, hub.NodeOrderValues(n, orders), n.ID) }))
		}
	}
	return edges
}

// ListOptions turns connection arguments into domain list options.
// Paging backwards (last/before) walks the order in reverse from before.
// With allowed nil, orders is a fixed order taken as it is.
func ListOptions(args PageArgs, orders []hub.Order, allowed []hub.OrderField, def hub.OrderField) (hub.ListOptions, error) {
	if args.First != nil && args.Last != nil {
		return hub.ListOptions{}, hub.Errorf(hub.EINVALID, "give first or last, not both")
	}
	if args.After != nil && args.Before != nil {
		return hub.ListOptions{}, hub.Errorf(hub.EINVALID, "give after or before, not both")
	}
	size, cursor, arg := args.First, args.After, "first"
	if args.backward() {
		size, cursor, arg = args.Last, args.Before, "last"
		if args.First != nil || args.After != nil {
			return hub.ListOptions{}, hub.Errorf(hub.EINVALID, "page forwards (first, after) or backwards (last, before), not both")
		}
	}
	n, err := hub.PageSize(arg, size)
	if err != nil {
		return hub.ListOptions{}, err
	}
	if allowed != nil {
		if orders, err = hub.CheckOrder(orders, allowed, def); err != nil {
			return hub.ListOptions{}, err
		}
	}
	opts := hub.ListOptions{OrderBy: orders, First: n, Reverse: args.backward()}
	if cursor != nil {
		if opts.After, err = hub.DecodeCursor(orders, *cursor); err != nil {
			return hub.ListOptions{}, err
		}
	}
	return opts, nil
}

// NodeOrders converts GraphQL node orders.
func NodeOrders(in []*NodeOrder) []hub.Order {
	out := make([]hub.Order, len(in))
	for i, o := range in {
		out[i] = hub.Order{Field: hub.OrderField(o.Field), Desc: o.Direction != nil && *o.Direction == OrderDirectionDesc}
	}
	return out
}

// RelationshipOrders converts GraphQL relationship orders.
func RelationshipOrders(in []*RelationshipOrder) []hub.Order {
	out := make([]hub.Order, len(in))
	for i, o := range in {
		out[i] = hub.Order{Field: hub.OrderField(o.Field), Desc: o.Direction != nil && *o.Direction == OrderDirectionDesc}
	}
	return out
}

// RelationshipTypes converts GraphQL relationship types.
func RelationshipTypes(in []RelationshipType) []hub.RelationshipType {
	out := make([]hub.RelationshipType, len(in))
	for i, t := range in {
		out[i] = hub.RelationshipType(t)
	}
	return out
}
