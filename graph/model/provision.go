package model

import (
	"slices"

	"github.com/otehub/hub"
)

// Provision is a view of a domain provision.
type Provision struct {
	p  *hub.Provision
	rq *Request
}

// NewProvision views p.
func NewProvision(rq *Request, p *hub.Provision) *Provision { return &Provision{p, rq} }

// ID is the row's stable id.
func (p *Provision) ID() string { return p.p.ID }

// Provider provides the service.
func (p *Provision) Provider() Entity { return EntityOf(p.rq, p.p.Provider) }

// Service is provided.
func (p *Provision) Service() *Service { return &Service{Base{p.p.Service, p.rq}} }

// Recipient is who it is for.
func (p *Provision) Recipient() Entity { return EntityOf(p.rq, p.p.Recipient) }

// Basis says how the recipient is known.
func (p *Provision) Basis() ProvisionBasis { return ProvisionBasis(p.p.Basis) }

// Context is the pilot or programme.
func (p *Provision) Context() Entity { return EntityOf(p.rq, p.p.Context) }

// Period is when both relationships hold.
func (p *Provision) Period() *hub.Period { return p.p.Period }

// Regions of the provider and service.
func (p *Provision) Regions() ([]*Region, error) {
	nodes, err := p.rq.nodes(p.p.RegionIDs)
	if err != nil {
		return nil, err
	}
	return views[*Region](p.rq, nodes), nil
}

// Themes of the service and provider.
func (p *Provision) Themes() ([]*Theme, error) {
	nodes, err := p.rq.nodes(p.p.ThemeIDs)
	if err != nil {
		return nil, err
	}
	return views[*Theme](p.rq, nodes), nil
}

// Provides is the PROVIDES relationship.
func (p *Provision) Provides() *Relationship { return NewRelationship(p.rq, p.p.Provides) }

// Serves is the SERVES relationship.
func (p *Provision) Serves() *Relationship {
	if p.p.Serves == nil {
		return nil
	}
	return NewRelationship(p.rq, p.p.Serves)
}

// Sources of both relationships, each citation once.
func (p *Provision) Sources() []*Citation {
	cs := slices.Clone(p.p.Provides.Sources)
	if p.p.Serves != nil {
		for _, c := range p.p.Serves.Sources {
			if !slices.ContainsFunc(cs, c.Equal) {
				cs = append(cs, c)
			}
		}
	}
	return citations(p.rq, cs)
}

// The provision connection types.
type (
	ProvisionConnection = Connection[*Provision]
	ProvisionEdge       = Edge[*Provision]
)
