package model

import (
	"slices"

	"github.com/otehub/hub"
	"github.com/otehub/hub/network"
)

// Network is a view of a subgraph.
type Network struct {
	G       *network.Graph
	Degrees map[string]network.Degrees
	Rq      *Request
}

// Nodes of the subgraph.
func (n *Network) Nodes() []*NetworkNode {
	out := make([]*NetworkNode, len(n.G.Nodes))
	for i, x := range n.G.Nodes {
		out[i] = &NetworkNode{n: x, d: n.Degrees[x.ID], rq: n.Rq}
	}
	return out
}

// Edges of the subgraph.
func (n *Network) Edges() []*NetworkEdge {
	out := make([]*NetworkEdge, len(n.G.Edges))
	for i, r := range n.G.Edges {
		out[i] = &NetworkEdge{r, n.Rq}
	}
	return out
}

// Truncated says whether nodes were cut.
func (n *Network) Truncated() bool { return n.G.Truncated }

// NetworkNode is a node of a subgraph.
type NetworkNode struct {
	n  *hub.Node
	d  network.Degrees
	rq *Request
}

// ID of the node.
func (n *NetworkNode) ID() string { return n.n.ID }

// Node is the entity.
func (n *NetworkNode) Node() Entity { return EntityOf(n.rq, n.n) }

// Label is the name in a language.
func (n *NetworkNode) Label(language *Language) string {
	return n.rq.text(n.n.DisplayName(n.rq.language(language)))
}

// Kind of the node.
func (n *NetworkNode) Kind() NodeKind { return NodeKind(n.n.Kind) }

// Type of the node.
func (n *NetworkNode) Type() *string { return optional(n.n.Type) }

// RegionIds of the node.
func (n *NetworkNode) RegionIds() []string { return nonNil(n.n.RegionIDs) }

// Degree in the subgraph.
func (n *NetworkNode) Degree() int { return n.d.Total }

// InDegree in the subgraph.
func (n *NetworkNode) InDegree() int { return n.d.In }

// OutDegree in the subgraph.
func (n *NetworkNode) OutDegree() int { return n.d.Out }

// NetworkEdge is a relationship of a subgraph.
type NetworkEdge struct {
	r  *hub.Relationship
	rq *Request
}

// ID of the relationship.
func (e *NetworkEdge) ID() string { return e.r.ID }

// Source is the from-node id.
func (e *NetworkEdge) Source() string { return e.r.FromID }

// Target is the to-node id.
func (e *NetworkEdge) Target() string { return e.r.ToID }

// Type of the relationship.
func (e *NetworkEdge) Type() RelationshipType { return RelationshipType(e.r.Type) }

// Directed is always true.
func (e *NetworkEdge) Directed() bool { return true }

// Relationship with its properties.
func (e *NetworkEdge) Relationship() *Relationship { return NewRelationship(e.rq, e.r) }

// Path is a path through the network.
type Path struct {
	P  network.Path
	rq *Request
}

// NewPath views p.
func NewPath(rq *Request, p network.Path) *Path { return &Path{P: p, rq: rq} }

// Length in relationships.
func (p *Path) Length() int { return len(p.P.EdgeIDs) }

// Nodes in order.
func (p *Path) Nodes() ([]Entity, error) {
	nodes, err := p.rq.nodes(p.P.NodeIDs)
	if err != nil {
		return nil, err
	}
	return entities(p.rq, nodes), nil
}

// Edges in order.
func (p *Path) Edges() ([]*Relationship, error) {
	rels, err := p.rq.relationships(p.P.EdgeIDs)
	if err != nil {
		return nil, err
	}
	return relationships(p.rq, rels), nil
}

// NetworkMetrics are the metrics of a subgraph.
type NetworkMetrics struct {
	G                                    *network.Graph
	Degrees                              map[string]network.Degrees
	Betweenness, Closeness, EigenvectorM map[string]float64
	Partition                            *network.Partition
	BrokerList                           []network.Broker
	// PilotsOf lists, per broker, the pilots it takes part in.
	PilotsOf map[string][]string
	Rq       *Request
}

// Nodes are the per-node metrics.
func (m *NetworkMetrics) Nodes() []*NodeMetrics {
	out := make([]*NodeMetrics, 0, len(m.G.Nodes))
	for _, n := range m.G.Nodes {
		if n.Kind == hub.KindSourceDocument {
			continue
		}
		out = append(out, &NodeMetrics{m: m, n: n})
	}
	return out
}

// Communities, largest first.
func (m *NetworkMetrics) Communities() []*Community {
	members := make([][]*hub.Node, m.Partition.Count)
	for _, n := range m.G.Nodes {
		c := m.Partition.Community[n.ID]
		members[c] = append(members[c], n)
	}
	out := make([]*Community, len(members))
	for i, ms := range members {
		out[i] = &Community{id: i, members: ms, rq: m.Rq}
	}
	slices.SortStableFunc(out, func(a, b *Community) int { return len(b.members) - len(a.members) })
	return out
}

// Modularity of the communities.
func (m *NetworkMetrics) Modularity() float64 { return m.Partition.Modularity }

// Brokers, strongest first.
func (m *NetworkMetrics) Brokers() []*Broker {
	out := make([]*Broker, len(m.BrokerList))
	for i, b := range m.BrokerList {
		out[i] = &Broker{b: b, pilots: m.PilotsOf[b.NodeID], rq: m.Rq}
	}
	return out
}

// Truncated says whether the subgraph was cut.
func (m *NetworkMetrics) Truncated() bool { return m.G.Truncated }

// NodeMetrics are one node's metrics.
type NodeMetrics struct {
	m *NetworkMetrics
	n *hub.Node
}

// Node is the entity.
func (x *NodeMetrics) Node() Entity { return EntityOf(x.m.Rq, x.n) }

// Degree in the multigraph.
func (x *NodeMetrics) Degree() int { return x.m.Degrees[x.n.ID].Total }

// InDegree in the multigraph.
func (x *NodeMetrics) InDegree() int { return x.m.Degrees[x.n.ID].In }

// OutDegree in the multigraph.
func (x *NodeMetrics) OutDegree() int { return x.m.Degrees[x.n.ID].Out }

// Betweenness centrality.
func (x *NodeMetrics) Betweenness() float64 { return x.m.Betweenness[x.n.ID] }

// Closeness centrality.
func (x *NodeMetrics) Closeness() float64 { return x.m.Closeness[x.n.ID] }

// Eigenvector centrality, nil when it did not converge.
func (x *NodeMetrics) Eigenvector() *float64 {
	if x.m.EigenvectorM == nil {
		return nil
	}
	v := x.m.EigenvectorM[x.n.ID]
	return &v
}

// Community index.
func (x *NodeMetrics) Community() int { return x.m.Partition.Community[x.n.ID] }

// Community is one community.
type Community struct {
	id      int
	members []*hub.Node
	rq      *Request
}

// ID is the community index.
func (c *Community) ID() int { return c.id }

// Size is the member count.
func (c *Community) Size() int { return len(c.members) }

// Members of the community.
func (c *Community) Members() []Entity { return entities(c.rq, c.members) }

// Broker is an organisation connecting pilots.
type Broker struct {
	b      network.Broker
	pilots []string
	rq     *Request
}

// Node is the organisation.
func (b *Broker) Node() (Entity, error) { return loadEntity(b.rq, b.b.NodeID) }

// Pilots it takes part in.
func (b *Broker) Pilots() ([]*Pilot, error) {
	nodes, err := b.rq.nodes(b.pilots)
	if err != nil {
		return nil, err
	}
	return views[*Pilot](b.rq, nodes), nil
}

// Score is the number of pilot pairs it alone connects.
func (b *Broker) Score() int { return b.b.Pairs }

// NetworkDiff is what changed between two networks: two days of valid
// time, two recorded times, or both. Before reads the earlier network,
// After the later one (the same one for days alone).
type NetworkDiff struct {
	D             *network.Delta
	Before, After *Request
}

// AppearedNodes are in the later network only.
func (d *NetworkDiff) AppearedNodes() []Entity { return entities(d.After, d.D.NodesAppeared) }

// EndedNodes are in the earlier network only.
func (d *NetworkDiff) EndedNodes() []Entity { return entities(d.Before, d.D.NodesEnded) }

// AppearedRelationships are in the later network only.
func (d *NetworkDiff) AppearedRelationships() []*Relationship {
	return relationships(d.After, d.D.EdgesAppeared)
}

// EndedRelationships are in the earlier network only.
func (d *NetworkDiff) EndedRelationships() []*Relationship {
	return relationships(d.Before, d.D.EdgesEnded)
}

// ChangedNodes are in both with different facts.
func (d *NetworkDiff) ChangedNodes() []*NodeDiff {
	out := make([]*NodeDiff, 0, len(d.D.NodesChanged))
	for _, c := range d.D.NodesChanged {
		before, after := EntityOf(d.Before, c.Before), EntityOf(d.After, c.After)
		if before == nil || after == nil {
			continue
		}
		out = append(out, &NodeDiff{Before: before, After: after, Changes: d.After.fieldChanges(c.Changes)})
	}
	return out
}

// ChangedRelationships are in both with different facts.
func (d *NetworkDiff) ChangedRelationships() []*RelationshipDiff {
	out := make([]*RelationshipDiff, len(d.D.EdgesChanged))
	for i, c := range d.D.EdgesChanged {
		out[i] = &RelationshipDiff{Before: NewRelationship(d.Before, c.Before), After: NewRelationship(d.After, c.After),
			Changes: d.After.fieldChanges(c.Changes)}
	}
	return out
}

// Truncated says whether either subgraph was cut at its node limit.
func (d *NetworkDiff) Truncated() bool { return d.D.Truncated }

func relationships(rq *Request, rs []*hub.Relationship) []*Relationship {
	out := make([]*Relationship, len(rs))
	for i, r := range rs {
		out[i] = NewRelationship(rq, r)
	}
	return out
}
