package model

import (
	"context"
	"slices"

	"github.com/otehub/hub"
	"github.com/otehub/hub/graph/loader"
)

// Provision is a view of a domain provision.
type Provision struct{ p *hub.Provision }

// NewProvision views p.
func NewProvision(p *hub.Provision) *Provision { return &Provision{p} }

// ID is the row's stable id.
func (p *Provision) ID() string { return p.p.ID }

// Provider provides the service.
func (p *Provision) Provider() Entity { return EntityOf(p.p.Provider) }

// Service is provided.
func (p *Provision) Service() *Service { return &Service{Base{p.p.Service}} }

// Recipient is who it is for.
func (p *Provision) Recipient() Entity { return EntityOf(p.p.Recipient) }

// Basis says how the recipient is known.
func (p *Provision) Basis() ProvisionBasis { return ProvisionBasis(p.p.Basis) }

// Context is the pilot or programme.
func (p *Provision) Context() Entity { return EntityOf(p.p.Context) }

// Period is when both relationships hold.
func (p *Provision) Period() *hub.Period { return p.p.Period }

// Regions of the provider and service.
func (p *Provision) Regions(ctx context.Context) ([]*Region, error) {
	nodes, err := loader.For(ctx).Node.LoadAll(ctx, p.p.RegionIDs)
	if err != nil {
		return nil, err
	}
	return views[*Region](nodes), nil
}

// Themes of the service and provider.
func (p *Provision) Themes(ctx context.Context) ([]*Theme, error) {
	nodes, err := loader.For(ctx).Node.LoadAll(ctx, p.p.ThemeIDs)
	if err != nil {
		return nil, err
	}
	return views[*Theme](nodes), nil
}

// Provides is the PROVIDES relationship.
func (p *Provision) Provides() *Relationship { return NewRelationship(p.p.Provides) }

// Serves is the SERVES relationship.
func (p *Provision) Serves() *Relationship {
	if p.p.Serves == nil {
		return nil
	}
	return NewRelationship(p.p.Serves)
}

// Sources of both relationships, each citation once.
func (p *Provision) Sources() []*Citation {
	cs := slices.Clone(p.p.Provides.Sources)
	if p.p.Serves != nil {
		for _, c := range p.p.Serves.Sources {
			if !slices.Contains(cs, c) {
				cs = append(cs, c)
			}
		}
	}
	return citations(cs)
}

// The provision connection types.
type (
	ProvisionConnection = Connection[*Provision]
	ProvisionEdge       = Edge[*Provision]
)
