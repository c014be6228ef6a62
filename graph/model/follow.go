package model

import (
	"cmp"

	"github.com/otehub/hub"
)

// Follow says which relationships a field follows from its node: those in
// direction Dir with one of Types.
type Follow struct {
	Dir   hub.Direction
	Types []hub.RelationshipType
}

// The relationship-backed fields. The field methods and the aggregates
// that count the same relationships (graph/aggregate.go) both read them,
// so the two cannot drift.
var (
	FollowParent         = Follow{hub.Out, []hub.RelationshipType{hub.PartOf}}
	FollowChildren       = Follow{hub.In, []hub.RelationshipType{hub.PartOf}}
	FollowThemes         = Follow{hub.Out, []hub.RelationshipType{hub.HasTheme}}
	FollowAdministrators = Follow{hub.In, []hub.RelationshipType{hub.Administers}}
	FollowPartners       = Follow{hub.In, []hub.RelationshipType{hub.PartnerIn}}
	FollowExperts        = Follow{hub.In, []hub.RelationshipType{hub.ExpertFor}}
	FollowServices       = Follow{hub.Out, []hub.RelationshipType{hub.Provides}}
	FollowContacts       = Follow{hub.In, []hub.RelationshipType{hub.ContactFor, hub.Leads}}
	FollowFunding        = Follow{hub.In, []hub.RelationshipType{hub.Funds}}
	FollowProviders      = Follow{hub.In, []hub.RelationshipType{hub.Provides}}
	FollowTargetGroups   = Follow{hub.Out, []hub.RelationshipType{hub.Serves}}
	FollowServedBy       = Follow{hub.In, []hub.RelationshipType{hub.Serves}}
	FollowMembers        = Follow{hub.In, []hub.RelationshipType{hub.HasTheme}}
	FollowSignatories    = Follow{hub.In, []hub.RelationshipType{hub.SignatoryOf}}
	FollowOrganisers     = Follow{hub.In, []hub.RelationshipType{hub.Organises}}
	FollowParticipants   = Follow{hub.In, []hub.RelationshipType{hub.ParticipatesIn}}
	FollowEmployers      = Follow{hub.In, []hub.RelationshipType{hub.Employs}}
	FollowLocatedIn      = Follow{hub.Out, []hub.RelationshipType{hub.LocatedIn}}
	FollowLocatedHere    = Follow{hub.In, []hub.RelationshipType{hub.LocatedIn}}
)

// byTypeThenID is the default relationship order (TYPE, then id), as
// hub.PageRelationships orders it.
func byTypeThenID(a, b *hub.Relationship) int {
	if c := cmp.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}
