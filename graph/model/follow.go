package model

import (
	"cmp"
	"slices"

	"github.com/otehub/hub"
)

// Follow says which relationships a field follows from its node: those in
// direction Dir with one of Types.
type Follow struct {
	Dir   hub.Direction
	Types []hub.RelationshipType
}

// The relationship-backed fields. The field methods and the per-level
// prefetcher (graph/prefetch.go) both read them, so the two cannot drift.
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
)

// FollowsByField maps schema field names to what they follow. Where two
// kinds use one name (parent, children, themes, services) the meaning is
// the same.
var FollowsByField = map[string]Follow{
	"parent":         FollowParent,
	"programme":      FollowParent,
	"children":       FollowChildren,
	"themes":         FollowThemes,
	"administrators": FollowAdministrators,
	"partners":       FollowPartners,
	"experts":        FollowExperts,
	"services":       FollowServices,
	"contacts":       FollowContacts,
	"funding":        FollowFunding,
	"providers":      FollowProviders,
	"targetGroups":   FollowTargetGroups,
	"servedBy":       FollowServedBy,
	"members":        FollowMembers,
	"signatories":    FollowSignatories,
	"organisers":     FollowOrganisers,
	"participants":   FollowParticipants,
	"employers":      FollowEmployers,
}

// Matches reports whether r is one of the relationships f follows from
// node id (no types: any type).
func (f Follow) Matches(id string, r *hub.Relationship) bool {
	return touches(id, f.Dir, r) && (len(f.Types) == 0 || slices.Contains(f.Types, r.Type))
}

func touches(id string, dir hub.Direction, r *hub.Relationship) bool {
	switch dir {
	case hub.Out:
		return r.FromID == id
	case hub.In:
		return r.ToID == id
	}
	return r.FromID == id || r.ToID == id
}

// byTypeThenID is the default relationship order (TYPE, then id), as
// hub.PageRelationships orders it.
func byTypeThenID(a, b *hub.Relationship) int {
	if c := cmp.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}
