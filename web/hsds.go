package web

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/otehub/hub"
)

// The rows of the HSDS 3.0 tables that the hub fills, by the field
// names of HSDS's tabular schema (schema/compiled/tabular.json).
type (
	hsdsOrganization struct {
		ID                   string `json:"id"`
		Name                 string `json:"name"`
		AlternateName        string `json:"alternate_name,omitempty"`
		Description          string `json:"description"`
		LegalStatus          string `json:"legal_status,omitempty"`
		ParentOrganizationID string `json:"parent_organization_id,omitempty"`
	}
	hsdsOrganizationIdentifier struct {
		ID               string `json:"id"`
		OrganizationID   string `json:"organization_id"`
		IdentifierScheme string `json:"identifier_scheme,omitempty"`
		IdentifierType   string `json:"identifier_type"`
		Identifier       string `json:"identifier"`
	}
	hsdsProgram struct {
		ID             string `json:"id"`
		OrganizationID string `json:"organization_id,omitempty"`
		Name           string `json:"name"`
		Description    string `json:"description"`
	}
	hsdsService struct {
		ID             string `json:"id"`
		OrganizationID string `json:"organization_id,omitempty"`
		ProgramID      string `json:"program_id,omitempty"`
		Name           string `json:"name"`
		AlternateName  string `json:"alternate_name,omitempty"`
		Description    string `json:"description"`
		Status         string `json:"status"`
		LastModified   string `json:"last_modified"`
	}
	hsdsServiceArea struct {
		ID          string `json:"id"`
		ServiceID   string `json:"service_id"`
		Name        string `json:"name"`
		Description string `json:"description,omitempty"`
	}
)

// HSDSDocument is the network as HSDS 3.0 tables, in the JSON form of
// HSDS's tabular data package: one array of rows per table.
type HSDSDocument struct {
	Organization           []hsdsOrganization           `json:"organization"`
	OrganizationIdentifier []hsdsOrganizationIdentifier `json:"organization_identifier"`
	Program                []hsdsProgram                `json:"program"`
	Service                []hsdsService                `json:"service"`
	ServiceArea            []hsdsServiceArea            `json:"service_area"`
}

// HSDS serves GET /export/hsds.json: organisations and employers,
// services, the pilots and programmes that provide services (as HSDS
// programs) and the regions where services are available (service
// areas), in the shape of Open Referral's Human Services Data
// Specification 3.0. HSDS ids are UUIDs: each is StableUUID of the hub
// id.
func HSDS(store hub.Reader, logger *slog.Logger) http.Handler {
	return serveCrosswalk(store, logger, "application/json", "ote-hsds.json", func(r *http.Request, n *crossNet) (any, error) {
		return hsdsOf(n, time.Now()), nil
	})
}

func hsdsOf(n *crossNet, now time.Time) *HSDSDocument {
	doc := &HSDSDocument{Organization: []hsdsOrganization{}, OrganizationIdentifier: []hsdsOrganizationIdentifier{},
		Program: []hsdsProgram{}, Service: []hsdsService{}, ServiceArea: []hsdsServiceArea{}}
	first := func(orgs []*hub.Node) string {
		if len(orgs) == 0 {
			return ""
		}
		return StableUUID(orgs[0].ID)
	}
	programs := map[string]bool{}
	for _, node := range n.nodes {
		switch {
		case isOrganisation(node):
			o := hsdsOrganization{ID: StableUUID(node.ID), Name: node.DisplayName(hub.Finnish), Description: text(node.Description), LegalStatus: node.Type}
			if len(node.Abbreviations) > 0 {
				o.AlternateName = node.Abbreviations[0]
			}
			for _, r := range n.out[node.ID] {
				if to := n.byID[r.ToID]; r.Type == hub.PartOf && isOrganisation(to) {
					o.ParentOrganizationID = StableUUID(to.ID)
				}
			}
			doc.Organization = append(doc.Organization, o)
			id := func(scheme, typ, value string) {
				doc.OrganizationIdentifier = append(doc.OrganizationIdentifier, hsdsOrganizationIdentifier{
					ID: StableUUID(node.ID + " " + typ), OrganizationID: o.ID, IdentifierScheme: scheme, IdentifierType: typ, Identifier: value})
			}
			id("", "otehub", node.ID)
			if node.BusinessID != "" {
				id("FI-PRO", "Y-tunnus", node.BusinessID)
			}
			for _, x := range node.ExternalIDs {
				id("", x.Scheme, x.ID)
			}
		case node.Kind == hub.KindService:
			s := hsdsService{ID: StableUUID(node.ID), Name: node.DisplayName(hub.Finnish), Description: text(node.Description),
				Status: hsdsStatus(node.Period, now), LastModified: node.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000Z")}
			if len(node.Abbreviations) > 0 {
				s.AlternateName = node.Abbreviations[0]
			}
			// HSDS gives a service one organisation and one program: the
			// first provider (in id order) that is an organisation, else
			// the first that is a pilot or programme, whose responsible
			// organisation stands for it.
			var orgs, contexts []*hub.Node
			for _, r := range n.in[node.ID] {
				from := n.byID[r.FromID]
				switch {
				case r.Type != hub.Provides || from == nil:
				case isOrganisation(from):
					orgs = append(orgs, from)
				case from.Kind == hub.KindPilot || from.Kind == hub.KindProgramme:
					contexts = append(contexts, from)
				}
			}
			byID := func(a, b *hub.Node) int { return strings.Compare(a.ID, b.ID) }
			slices.SortFunc(orgs, byID)
			slices.SortFunc(contexts, byID)
			s.OrganizationID = first(orgs)
			if len(contexts) > 0 {
				s.ProgramID = StableUUID(contexts[0].ID)
				programs[contexts[0].ID] = true
				if s.OrganizationID == "" {
					s.OrganizationID = first(n.responsible(contexts[0].ID))
				}
			}
			doc.Service = append(doc.Service, s)
			for _, region := range node.Regions() {
				if reg := n.byID[region]; reg != nil {
					doc.ServiceArea = append(doc.ServiceArea, hsdsServiceArea{ID: StableUUID(node.ID + " " + region), ServiceID: s.ID,
						Name: reg.DisplayName(hub.Finnish), Description: serviceAreaDescription(node, reg)})
				}
			}
		}
	}
	for _, node := range n.nodes {
		if programs[node.ID] {
			doc.Program = append(doc.Program, hsdsProgram{ID: StableUUID(node.ID), OrganizationID: first(n.responsible(node.ID)),
				Name: node.DisplayName(hub.Finnish), Description: text(node.Description)})
		}
	}
	return doc
}

// hsdsStatus is a service's HSDS status on the day: inactive before its
// period and after it, else active (also without a period: the sources
// describe services in use).
func hsdsStatus(p *hub.Period, now time.Time) string {
	switch p.StatusOn(now) {
	case hub.StatusPlanned, hub.StatusEnded:
		return "inactive"
	}
	return "active"
}

// serviceAreaDescription says what the area is and whether the sources
// state it for the service or it comes from the service's providers.
func serviceAreaDescription(service, region *hub.Node) string {
	what := "Region"
	if region.Type == "MUNICIPALITY" {
		what = "Municipality"
	}
	if region.Code != "" {
		what += " " + region.Code
	}
	if slices.Contains(service.RegionIDs, region.ID) {
		return what + "."
	}
	return what + ", where a provider of the service operates."
}
