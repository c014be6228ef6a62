package bench

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/otehub/hub"
)

// The page sizes of the queries that bench/httpbench shares with the
// in-process benchmarks.
const (
	PilotsFirst        = 100
	OrganisationsFirst = 50
	RelationshipsFirst = 50
)

var (
	// OrganisationTypes are the types FilteredOrganisationsQuery asks for.
	OrganisationTypes = []string{"ASSOCIATION", "FOUNDATION"}
	// Uusimaa is the region the filtered queries ask for, the largest.
	Uusimaa = hub.NodeID(hub.KindRegion, "01")
)

// NestedPilotsQuery is a page of pilots with two levels of nested
// relationships: administrators, partners, and funding with its funders.
func NestedPilotsQuery() string {
	return fmt.Sprintf(`{ pilots(first: %d) { nodes { name administrators { name } partners { name } funding { amount funder { name } } } } }`, PilotsFirst)
}

// FilteredOrganisationsQuery is a page of the organisations of
// OrganisationTypes in Uusimaa, with their total count.
func FilteredOrganisationsQuery() string {
	return fmt.Sprintf(`{ organisations(first: %d, where: {typeIn: [%s], regionIn: [%q]}) { totalCount nodes { name } } }`,
		OrganisationsFirst, strings.Join(OrganisationTypes, ", "), Uusimaa)
}

// NodeByKeyQuery fetches the organisation of key with a page of its
// relationships and their other ends.
func NodeByKeyQuery(key string) string {
	return fmt.Sprintf(`{ entityByKey(kind: Organisation, key: %q) { name relationships(first: %d) { nodes { type to { name } } } } }`,
		key, RelationshipsFirst)
}

// Network is what the queries find in a generated network, counted from
// the batch itself, so that the hub's answers are checked against counts
// that do not come from the hub.
type Network struct {
	Nodes, Relationships int
	Pilots               int
	// Busiest is the organisation with the most relationships (the
	// smallest key among equals), and Degree its number of relationships.
	Busiest *hub.Node
	Degree  int
	// Filtered counts the organisations FilteredOrganisationsQuery matches.
	Filtered int
	// Funds counts the FUNDS relationships.
	Funds int
	// PilotPartners counts the organisations PARTNER_IN at least two
	// pilots.
	PilotPartners int
}

// Describe counts what the queries will find in b. It reads b as
// generated: preparing the batch changes nothing counted here.
func Describe(b *hub.Batch) Network {
	nw := Network{Nodes: len(b.Nodes), Relationships: len(b.Relationships)}
	orgs := map[string]*hub.Node{}
	pilots := map[string]bool{}
	for _, n := range b.Nodes {
		switch n.Kind {
		case hub.KindPilot:
			nw.Pilots++
			pilots[n.ID] = true
		case hub.KindOrganisation:
			orgs[n.ID] = n
			if slices.Contains(OrganisationTypes, n.Type) && slices.Contains(n.RegionIDs, Uusimaa) {
				nw.Filtered++
			}
		}
	}
	degree := map[string]int{}
	partnerIn := map[string]int{}
	for _, r := range b.Relationships {
		degree[r.FromID]++
		degree[r.ToID]++
		switch {
		case r.Type == hub.Funds:
			nw.Funds++
		case r.Type == hub.PartnerIn && orgs[r.FromID] != nil && pilots[r.ToID]:
			partnerIn[r.FromID]++
		}
	}
	for id, n := range orgs {
		if partnerIn[id] >= 2 {
			nw.PilotPartners++
		}
		d := degree[id]
		if nw.Busiest == nil || d > nw.Degree || (d == nw.Degree && n.Key < nw.Busiest.Key) {
			nw.Busiest, nw.Degree = n, d
		}
	}
	return nw
}

// Data returns the data of a GraphQL response body, failing on errors
// or on missing data.
func Data(body []byte) (json.RawMessage, error) {
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("decode the answer: %w: %.300s", err, body)
	}
	if len(resp.Errors) > 0 {
		return nil, fmt.Errorf("errors: %.500s", resp.Errors)
	}
	if len(resp.Data) == 0 || string(resp.Data) == "null" {
		return nil, fmt.Errorf("no data: %.300s", body)
	}
	return resp.Data, nil
}
