package model

import "github.com/otehub/hub"

// Aggregates is the root of the dashboard aggregates; its fields are
// resolvers (graph/aggregate.go) that read the network of Rq: the
// current one, or as recorded at the time the field asked for.
type Aggregates struct {
	Rq *Request
}

// keyNode loads the entity a group key names, or nil when the key is not
// a node id.
func keyNode(rq *Request, key string) (Entity, error) {
	if key == "" {
		return nil, nil
	}
	if kind, err := hub.ParseID(key); err != nil || kind == "Relationship" {
		return nil, nil
	}
	n, err := rq.node(key)
	if err != nil {
		return nil, err
	}
	return EntityOf(rq, n), nil
}

// CountBucket is a count of one group.
type CountBucket struct {
	Value string
	Count int
	rq    *Request
}

// NewCountBucket is the count of the group value names.
func NewCountBucket(rq *Request, value string, count int) *CountBucket {
	return &CountBucket{Value: value, Count: count, rq: rq}
}

// Key is the group's value.
func (b *CountBucket) Key() *string { return optional(b.Value) }

// Node is the node the key names.
func (b *CountBucket) Node() (Entity, error) { return keyNode(b.rq, b.Value) }

// FundingBucket is the funding of one group.
type FundingBucket struct {
	B  hub.FundingBucket
	rq *Request
}

// NewFundingBucket views b.
func NewFundingBucket(rq *Request, b hub.FundingBucket) *FundingBucket {
	return &FundingBucket{B: b, rq: rq}
}

// Key is the group's value.
func (b *FundingBucket) Key() *string { return optional(b.B.Key) }

// Node is the node the key names.
func (b *FundingBucket) Node() (Entity, error) { return keyNode(b.rq, b.B.Key) }

// Total by the policy.
func (b *FundingBucket) Total() float64 { return b.B.Total }

// Currency of the bucket.
func (b *FundingBucket) Currency() string { return b.B.Currency }

// Counted are the figures the total counts.
func (b *FundingBucket) Counted() ([]*Funding, error) {
	return loadFundings(b.rq, b.B.CountedIDs)
}

// Figures are all figures of the group (see Counted).
func (b *FundingBucket) Figures() ([]*Funding, error) {
	return loadFundings(b.rq, b.B.FigureIDs)
}

// loadFundings reads figures by id; a figure deleted since the totals
// were computed is left out.
func loadFundings(rq *Request, ids []string) ([]*Funding, error) {
	rels, err := rq.relationships(ids)
	if err != nil {
		return nil, err
	}
	out := make([]*Funding, len(rels))
	for i, r := range rels {
		out[i] = &Funding{r: r, rq: rq}
	}
	return out, nil
}

// CoverageCell is one cell of the services × regions matrix.
type CoverageCell struct {
	C  hub.CoverageCell
	rq *Request
}

// NewCoverageCell views c.
func NewCoverageCell(rq *Request, c hub.CoverageCell) *CoverageCell {
	return &CoverageCell{C: c, rq: rq}
}

// Service of the cell.
func (c *CoverageCell) Service() (*Service, error) {
	e, err := loadEntity(c.rq, c.C.ServiceID)
	if err != nil {
		return nil, err
	}
	s, _ := e.(*Service)
	return s, nil
}

// Region of the cell.
func (c *CoverageCell) Region() (*Region, error) {
	e, err := loadEntity(c.rq, c.C.RegionID)
	if err != nil {
		return nil, err
	}
	r, _ := e.(*Region)
	return r, nil
}

// Provisions counts provision rows.
func (c *CoverageCell) Provisions() int { return c.C.Provisions }

// Providers are the distinct providers.
func (c *CoverageCell) Providers() ([]Entity, error) {
	nodes, err := c.rq.nodes(c.C.Providers)
	if err != nil {
		return nil, err
	}
	return entities(c.rq, nodes), nil
}

// Participation is an organisation with its pilots.
type Participation struct {
	P  hub.Participation
	rq *Request
}

// NewParticipation views p.
func NewParticipation(rq *Request, p hub.Participation) *Participation {
	return &Participation{P: p, rq: rq}
}

// Node is the organisation or employer.
func (p *Participation) Node() (Entity, error) { return loadEntity(p.rq, p.P.NodeID) }

// Pilots it takes part in.
func (p *Participation) Pilots() ([]*Pilot, error) {
	nodes, err := p.rq.nodes(p.P.PilotIDs)
	if err != nil {
		return nil, err
	}
	return views[*Pilot](p.rq, nodes), nil
}

// Count of pilots.
func (p *Participation) Count() int { return len(p.P.PilotIDs) }

// Group is one group of a group-by.
type Group struct {
	G      hub.Group
	Fields []GroupField
	rq     *Request
}

// NewGroup views g, whose keys are of fields.
func NewGroup(rq *Request, g hub.Group, fields []GroupField) *Group {
	return &Group{G: g, Fields: fields, rq: rq}
}

// Keys are the group's values.
func (g *Group) Keys() []*GroupKeyValue {
	out := make([]*GroupKeyValue, len(g.G.Keys))
	for i, k := range g.G.Keys {
		out[i] = &GroupKeyValue{Field: g.Fields[i], Raw: k, rq: g.rq}
	}
	return out
}

// Count of rows.
func (g *Group) Count() int { return g.G.Count }

// Sum of the measure.
func (g *Group) Sum() *float64 { return g.G.Sum }

// Min of the measure.
func (g *Group) Min() *float64 { return g.G.Min }

// Max of the measure.
func (g *Group) Max() *float64 { return g.G.Max }

// Avg of the measure.
func (g *Group) Avg() *float64 { return g.G.Avg }

// GroupKeyValue is one value of a group.
type GroupKeyValue struct {
	Field GroupField
	Raw   string
	rq    *Request
}

// Value is the raw value.
func (v *GroupKeyValue) Value() *string { return optional(v.Raw) }

// Node is the node the value names.
func (v *GroupKeyValue) Node() (Entity, error) { return keyNode(v.rq, v.Raw) }
