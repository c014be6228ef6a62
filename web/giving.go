package web

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/otehub/hub"
)

// The 360Giving shapes that the hub fills, by the field names of the
// 360Giving Data Standard 1.4 (360-giving-schema.json).
type (
	givingOrganization struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	givingDates struct {
		StartDate string `json:"startDate,omitempty"`
		EndDate   string `json:"endDate,omitempty"`
	}
	givingProgramme struct {
		Code  string `json:"code"`
		Title string `json:"title"`
	}
	// Grant is one 360Giving grant: one FUNDS relationship with an amount.
	Grant struct {
		ID                    string               `json:"id"`
		Title                 string               `json:"title"`
		Description           string               `json:"description"`
		Currency              string               `json:"currency"`
		AmountAwarded         json.Number          `json:"amountAwarded"`
		AwardDate             string               `json:"awardDate"`
		PlannedDates          []givingDates        `json:"plannedDates,omitempty"`
		RecipientOrganization []givingOrganization `json:"recipientOrganization"`
		FundingOrganization   []givingOrganization `json:"fundingOrganization"`
		GrantProgramme        []givingProgramme    `json:"grantProgramme,omitempty"`
		DateModified          string               `json:"dateModified"`
	}
	givingPublisher struct {
		Identifier string `json:"identifier"`
		Name       string `json:"name"`
	}
	// GrantPackage is a 360Giving data package.
	GrantPackage struct {
		Grants      []Grant         `json:"grants"`
		Version     string          `json:"version"`
		Title       string          `json:"title"`
		Description string          `json:"description"`
		Modified    string          `json:"modified,omitempty"`
		Publisher   givingPublisher `json:"publisher"`
		DownloadURL string          `json:"downloadURL"`
		License     string          `json:"license"`
	}
)

// Giving360 serves GET /export/360giving.json: one grant per FUNDS
// relationship with an amount, in a 360Giving data package.
func Giving360(store hub.Reader, c Crosswalk, logger *slog.Logger) http.Handler {
	return serveCrosswalk(store, logger, "application/json", "ote-360giving.json", func(r *http.Request, n *crossNet) (any, error) {
		return grantsOf(n, c, baseURL(r)), nil
	})
}

func grantsOf(n *crossNet, c Crosswalk, base string) *GrantPackage {
	pkg := &GrantPackage{Grants: []Grant{}, Version: "1.4", Title: DatasetTitle + ": funding",
		Description: "The funding the sources state for the pilots and programmes of " + DatasetTitle + ", one grant per funding relationship.",
		Publisher:   givingPublisher{Identifier: c.PublisherID, Name: c.Publisher}, DownloadURL: base + "/export/360giving.json", License: c.License}
	if t := LastModified(n.nodes, n.rels); !t.IsZero() {
		pkg.Modified = t.Format(time.RFC3339)
	}
	// The responsible organisations of a node, else the node itself
	// (under the hub's id) when the sources name none.
	orgs := func(node *hub.Node) []givingOrganization {
		var out []givingOrganization
		for _, o := range n.responsible(node.ID) {
			out = append(out, givingOrganization{ID: orgID(c.PublisherID, o), Name: o.DisplayName(hub.Finnish)})
		}
		if out == nil {
			out = []givingOrganization{{ID: orgID(c.PublisherID, node), Name: node.DisplayName(hub.Finnish)}}
		}
		return out
	}
	for _, r := range n.rels {
		from, to := n.byID[r.FromID], n.byID[r.ToID]
		if r.Type != hub.Funds || r.Amount == nil || from == nil || to == nil {
			continue
		}
		g := Grant{ID: c.GrantPrefix + "-" + r.ID, Title: to.DisplayName(hub.Finnish), Description: text(r.Description),
			Currency: r.Amount.Currency, AmountAwarded: decimal(r.Amount.Minor),
			RecipientOrganization: orgs(to), FundingOrganization: orgs(from), DateModified: r.UpdatedAt.UTC().Format(time.RFC3339)}
		if g.Description == "" {
			g.Description = text(to.Description)
		}
		period := r.Period
		if period == nil {
			period = to.Period
		}
		if period != nil && (period.Start != nil || period.End != nil) {
			g.PlannedDates = []givingDates{{StartDate: day(period.Start), EndDate: day(period.End)}}
		}
		var stated bool
		if g.AwardDate, stated = fundingDate(n, r); !stated {
			g.Description = strings.TrimSpace(g.Description + " " + undatedFunding)
		}
		if from.Kind == hub.KindProgramme || from.Kind == hub.KindPilot {
			g.GrantProgramme = []givingProgramme{{Code: from.Key, Title: from.DisplayName(hub.Finnish)}}
		}
		pkg.Grants = append(pkg.Grants, g)
	}
	return pkg
}
