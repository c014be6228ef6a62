package web

import (
	"bytes"
	"encoding/xml"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/otehub/hub"
)

// The IATI activity standard 2.03 elements that the hub fills
// (iati-activities-schema.xsd), in the order its sequence requires.
type (
	iatiNarrative struct {
		Lang string `xml:"xml:lang,attr,omitempty"`
		Text string `xml:",chardata"`
	}
	iatiText struct {
		Type      string          `xml:"type,attr,omitempty"`
		Narrative []iatiNarrative `xml:"narrative"`
	}
	iatiOrg struct {
		Ref        string          `xml:"ref,attr,omitempty"`
		Type       string          `xml:"type,attr,omitempty"`
		Role       string          `xml:"role,attr,omitempty"`
		ActivityID string          `xml:"activity-id,attr,omitempty"`
		Narrative  []iatiNarrative `xml:"narrative"`
	}
	iatiCode struct {
		Code string `xml:"code,attr"`
	}
	iatiDate struct {
		Type      string          `xml:"type,attr,omitempty"`
		ISODate   string          `xml:"iso-date,attr"`
		Narrative []iatiNarrative `xml:"narrative,omitempty"`
	}
	iatiValue struct {
		Currency  string `xml:"currency,attr"`
		ValueDate string `xml:"value-date,attr"`
		Value     string `xml:",chardata"`
	}
	iatiPartner struct {
		Ref        string          `xml:"ref,attr,omitempty"`
		ActivityID string          `xml:"provider-activity-id,attr,omitempty"`
		Narrative  []iatiNarrative `xml:"narrative"`
	}
	iatiReceiver struct {
		Ref        string          `xml:"ref,attr,omitempty"`
		ActivityID string          `xml:"receiver-activity-id,attr,omitempty"`
		Narrative  []iatiNarrative `xml:"narrative"`
	}
	iatiTransaction struct {
		Type        iatiCode      `xml:"transaction-type"`
		Date        iatiDate      `xml:"transaction-date"`
		Value       iatiValue     `xml:"value"`
		Description *iatiText     `xml:"description,omitempty"`
		Provider    *iatiPartner  `xml:"provider-org,omitempty"`
		Receiver    *iatiReceiver `xml:"receiver-org,omitempty"`
	}
	iatiRelated struct {
		Ref  string `xml:"ref,attr"`
		Type string `xml:"type,attr"`
	}
	// IATIActivity is one pilot or programme as an IATI activity.
	IATIActivity struct {
		LastUpdated      string            `xml:"last-updated-datetime,attr"`
		Lang             string            `xml:"xml:lang,attr"`
		DefaultCurrency  string            `xml:"default-currency,attr"`
		Hierarchy        int               `xml:"hierarchy,attr"`
		Identifier       string            `xml:"iati-identifier"`
		ReportingOrg     iatiOrg           `xml:"reporting-org"`
		Title            iatiText          `xml:"title"`
		Description      []iatiText        `xml:"description"`
		ParticipatingOrg []iatiOrg         `xml:"participating-org"`
		Status           iatiCode          `xml:"activity-status"`
		Dates            []iatiDate        `xml:"activity-date"`
		RecipientCountry *iatiCode         `xml:"recipient-country"`
		Transactions     []iatiTransaction `xml:"transaction"`
		Related          []iatiRelated     `xml:"related-activity"`
	}
	// IATIActivities is an IATI activity file.
	IATIActivities struct {
		XMLName    xml.Name       `xml:"iati-activities"`
		Version    string         `xml:"version,attr"`
		Generated  string         `xml:"generated-datetime,attr"`
		Activities []IATIActivity `xml:"iati-activity"`
	}
)

// IATI participating-organisation roles and transaction types.
const (
	iatiFunding      = "1"
	iatiAccountable  = "2"
	iatiImplementing = "4"

	iatiOutgoingCommitment = "2"
	iatiIncomingCommitment = "11"
)

// IATI serves GET /export/iati.xml: the programmes and pilots as IATI
// 2.03 activities, with the organisations that fund them (role 1), answer
// for them (2) and take part in them (4), their funding as commitments
// and their place in the programme's hierarchy.
func IATI(store hub.Reader, c Crosswalk, logger *slog.Logger) http.Handler {
	return serveCrosswalk(store, logger, "application/xml", "ote-iati.xml", func(r *http.Request, n *crossNet) (any, error) {
		var buf bytes.Buffer
		buf.WriteString(xml.Header)
		enc := xml.NewEncoder(&buf)
		enc.Indent("", "  ")
		if err := enc.Encode(activitiesOf(n, c, time.Now())); err != nil {
			return nil, hub.Errorf(hub.EINTERNAL, "write the IATI activities: %v", err)
		}
		buf.WriteByte('\n')
		return buf.Bytes(), nil
	})
}

func isActivity(n *hub.Node) bool {
	return n != nil && (n.Kind == hub.KindPilot || n.Kind == hub.KindProgramme)
}

func activitiesOf(n *crossNet, c Crosswalk, now time.Time) *IATIActivities {
	doc := &IATIActivities{Version: "2.03", Generated: now.UTC().Format(time.RFC3339)}
	ident := func(node *hub.Node) string { return c.PublisherID + "-" + node.ID }
	narrative := func(s string) []iatiNarrative { return []iatiNarrative{{Text: s}} }
	org := func(o *hub.Node, role string) iatiOrg {
		return iatiOrg{Ref: orgID(c.PublisherID, o), Role: role, Narrative: narrative(o.DisplayName(hub.Finnish))}
	}
	parent := func(id string) *hub.Node {
		for _, r := range n.out[id] {
			if to := n.byID[r.ToID]; r.Type == hub.PartOf && isActivity(to) {
				return to
			}
		}
		return nil
	}
	// The organisations that answer for an activity; for one whose
	// sources name none, those of the activity it is part of.
	var accountable func(id string, depth int) []*hub.Node
	accountable = func(id string, depth int) []*hub.Node {
		var out []*hub.Node
		for _, t := range []hub.RelationshipType{hub.Administers, hub.Leads, hub.Coordinates} {
			for _, o := range n.orgsInto(id, t) {
				if !containsNode(out, o) {
					out = append(out, o)
				}
			}
		}
		if p := parent(id); len(out) == 0 && p != nil && depth < 16 {
			return accountable(p.ID, depth+1)
		}
		return out
	}
	for _, node := range n.nodes {
		if !isActivity(node) {
			continue
		}
		a := IATIActivity{LastUpdated: node.UpdatedAt.UTC().Format(time.RFC3339), Lang: "fi", DefaultCurrency: "EUR", Hierarchy: 1,
			Identifier:   ident(node),
			ReportingOrg: iatiOrg{Ref: c.PublisherID, Type: "90", Narrative: narrative(c.Publisher)},
			Title:        iatiText{Narrative: narrative(node.DisplayName(hub.Finnish))},
			Status:       iatiCode{Code: iatiStatus(node.Period.StatusOn(now))}, RecipientCountry: &iatiCode{Code: "FI"}}
		for p, depth := parent(node.ID), 0; p != nil && depth < 16; p, depth = parent(p.ID), depth+1 {
			a.Hierarchy++
		}
		desc := text(node.Description)
		if desc == "" {
			desc = a.Title.Narrative[0].Text
		}
		a.Description = []iatiText{{Type: "1", Narrative: narrative(desc)}}
		for _, g := range node.Goals {
			a.Description = append(a.Description, iatiText{Type: "2", Narrative: narrative(text(g))})
		}
		// Funding: the responsible organisations of each funder.
		for _, r := range n.in[node.ID] {
			from := n.byID[r.FromID]
			if r.Type != hub.Funds || from == nil {
				continue
			}
			for _, o := range n.responsible(from.ID) {
				po := org(o, iatiFunding)
				if isActivity(from) {
					po.ActivityID = ident(from)
				}
				a.ParticipatingOrg = appendOrg(a.ParticipatingOrg, po)
			}
			if r.Amount != nil {
				t := fundingTransaction(n, r, iatiIncomingCommitment)
				t.Provider = &iatiPartner{Narrative: narrative(from.DisplayName(hub.Finnish))}
				if isActivity(from) {
					t.Provider.ActivityID = ident(from)
				} else {
					t.Provider.Ref = orgID(c.PublisherID, from)
				}
				a.Transactions = append(a.Transactions, t)
			}
		}
		for _, o := range accountable(node.ID, 0) {
			a.ParticipatingOrg = appendOrg(a.ParticipatingOrg, org(o, iatiAccountable))
		}
		for _, t := range []hub.RelationshipType{hub.PartnerIn, hub.ExpertFor} {
			for _, o := range n.orgsInto(node.ID, t) {
				a.ParticipatingOrg = appendOrg(a.ParticipatingOrg, org(o, iatiImplementing))
			}
		}
		if len(a.ParticipatingOrg) == 0 {
			// IATI requires one; the sources name none.
			continue
		}
		a.Dates = activityDates(n, node, now)
		// What the activity funds: outgoing commitments.
		for _, r := range n.out[node.ID] {
			to := n.byID[r.ToID]
			if r.Type != hub.Funds || r.Amount == nil || to == nil {
				continue
			}
			t := fundingTransaction(n, r, iatiOutgoingCommitment)
			t.Receiver = &iatiReceiver{Narrative: narrative(to.DisplayName(hub.Finnish))}
			if isActivity(to) {
				t.Receiver.ActivityID = ident(to)
			} else {
				t.Receiver.Ref = orgID(c.PublisherID, to)
			}
			a.Transactions = append(a.Transactions, t)
		}
		if p := parent(node.ID); p != nil {
			a.Related = append(a.Related, iatiRelated{Ref: ident(p), Type: "1"})
		}
		for _, r := range n.in[node.ID] {
			if from := n.byID[r.FromID]; r.Type == hub.PartOf && isActivity(from) {
				a.Related = append(a.Related, iatiRelated{Ref: ident(from), Type: "2"})
			}
		}
		doc.Activities = append(doc.Activities, a)
	}
	return doc
}

func containsNode(ns []*hub.Node, n *hub.Node) bool {
	for _, x := range ns {
		if x.ID == n.ID {
			return true
		}
	}
	return false
}

// appendOrg adds a participating organisation unless it is there in
// that role already.
func appendOrg(orgs []iatiOrg, o iatiOrg) []iatiOrg {
	for _, x := range orgs {
		if x.Ref == o.Ref && x.Role == o.Role {
			return orgs
		}
	}
	return append(orgs, o)
}

// iatiStatus is the IATI activity status of a hub status. IATI has no
// unknown status: an activity without a known end, which the sources
// describe as under way, is in implementation (2).
func iatiStatus(s hub.Status) string {
	switch s {
	case hub.StatusPlanned:
		return "1"
	case hub.StatusEnded:
		return "4"
	}
	return "2"
}

// activityDates are the start and end the sources give an activity
// (planned or actual by the day); IATI needs one at least, so without
// either the earliest publication of the documents that describe the
// activity stands as its actual start, with a narrative that says so.
func activityDates(n *crossNet, node *hub.Node, now time.Time) []iatiDate {
	today := now.UTC().Format(time.DateOnly)
	var out []iatiDate
	if p := node.Period; p != nil {
		if s := day(p.Start); s != "" {
			typ := "2"
			if s > today {
				typ = "1"
			}
			out = append(out, iatiDate{Type: typ, ISODate: s})
		}
		if e := day(p.End); e != "" {
			typ := "4"
			if e >= today {
				typ = "3"
			}
			out = append(out, iatiDate{Type: typ, ISODate: e})
		}
	}
	if len(out) > 0 {
		return out
	}
	if d := n.earliestSource(node.Sources); d != nil {
		return []iatiDate{{Type: "2", ISODate: day(d), Narrative: []iatiNarrative{{Lang: "en",
			Text: "Not stated in the sources: the publication date of the earliest source document that describes the activity as under way."}}}}
	}
	return []iatiDate{{Type: "2", ISODate: node.CreatedAt.UTC().Format(time.DateOnly), Narrative: []iatiNarrative{{Lang: "en",
		Text: "Not stated in the sources: the day the hub recorded the activity."}}}}
}

// fundingDate is the date of a funding, for the hub keeps no decision
// dates: the start of the funding, else of the funded activity, else
// the earliest publication of the documents that state the funding or
// the funded activity; stated is false when none gives one and the date
// is the day the hub recorded the funding.
func fundingDate(n *crossNet, r *hub.Relationship) (date string, stated bool) {
	if r.Period != nil && r.Period.Start != nil {
		return day(r.Period.Start), true
	}
	if to := n.byID[r.ToID]; to != nil && to.Period != nil && to.Period.Start != nil {
		return day(to.Period.Start), true
	}
	// A document that states the funding, or the funded pilot, was
	// published after the award: the earliest is the nearest bound the
	// sources give.
	cites := slices.Clone(r.Sources)
	if to := n.byID[r.ToID]; to != nil {
		cites = append(cites, to.Sources...)
	}
	if d := n.earliestSource(cites); d != nil {
		return day(d), true
	}
	return r.CreatedAt.UTC().Format(time.DateOnly), false
}

// undatedFunding says, beside a funding, that its date is not stated.
const undatedFunding = "The sources do not date this funding: its date is the day the hub recorded it."

// fundingTransaction is a commitment of funding r, dated as fundingDate
// says, with r's description and, when the date is not stated, a
// sentence that says so.
func fundingTransaction(n *crossNet, r *hub.Relationship, code string) iatiTransaction {
	date, stated := fundingDate(n, r)
	t := iatiTransaction{Type: iatiCode{Code: code}, Date: iatiDate{ISODate: date},
		Value: iatiValue{Currency: r.Amount.Currency, Value: string(decimal(r.Amount.Minor)), ValueDate: date}}
	d := text(r.Description)
	if !stated {
		d = strings.TrimSpace(d + " " + undatedFunding)
	}
	if d != "" {
		t.Description = &iatiText{Narrative: []iatiNarrative{{Text: d}}}
	}
	return t
}
