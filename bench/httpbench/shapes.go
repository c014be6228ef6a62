package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/otehub/hub"
	"github.com/otehub/hub/bench/floor"
	"github.com/otehub/hub/bench/floor/model"
	"github.com/otehub/hub/synthetic"
)

// network describes a generated network: what the queries aim at and
// what their answers must hold, computed from the batch itself so that
// the hub's first answers are checked against an independent count.
type network struct {
	cfg           synthetic.Config
	nodes, rels   int
	pilots        int
	busiest       *hub.Node // the organisation with the most relationships
	degree        int       // its relationships
	filteredTotal int       // organisations the Q2 filter matches
}

// The arguments of the three shapes, as in bench/bench_test.go.
const (
	pilotsFirst        = 100
	organisationsFirst = 50
	relationshipsFirst = 50
)

var (
	organisationTypes = []string{"ASSOCIATION", "FOUNDATION"}
	// uusimaa is the region Q2 filters on, the largest.
	uusimaa = hub.NodeID(hub.KindRegion, "01")
)

// describe counts what the queries will find in b (which must not be
// prepared yet: preparing changes nothing counted here, but the
// description must not depend on it).
func describe(cfg synthetic.Config, b *hub.Batch) network {
	nw := network{cfg: cfg, nodes: len(b.Nodes), rels: len(b.Relationships)}
	orgs := map[string]*hub.Node{}
	for _, n := range b.Nodes {
		switch n.Kind {
		case hub.KindPilot:
			nw.pilots++
		case hub.KindOrganisation:
			orgs[n.ID] = n
			if slices.Contains(organisationTypes, n.Type) && slices.Contains(n.RegionIDs, uusimaa) {
				nw.filteredTotal++
			}
		}
	}
	degree := map[string]int{}
	for _, r := range b.Relationships {
		degree[r.FromID]++
		degree[r.ToID]++
	}
	for id, n := range orgs {
		d := degree[id]
		if nw.busiest == nil || d > nw.degree || (d == nw.degree && n.Key < nw.busiest.Key) {
			nw.busiest, nw.degree = n, d
		}
	}
	return nw
}

// shape is one of the benchmark's queries.
type shape struct {
	id, name string
	query    string
	// check checks the hub's first answer against the network.
	check func(nw network, data json.RawMessage) error
	// fill puts the hub's answer into the floor's answers.
	fill func(a *floor.Answers, data json.RawMessage) error
}

// shapes returns Q1 to Q3 for nw: the NestedPilots100,
// FilteredOrganisations and NodeByKey queries of bench/bench_test.go.
func shapes(nw network) []shape {
	return []shape{
		{
			id: "Q1", name: "nested pilots",
			query: fmt.Sprintf(`{ pilots(first: %d) { nodes { name administrators { name } partners { name } funding { amount funder { name } } } } }`, pilotsFirst),
			check: func(nw network, data json.RawMessage) error {
				var a struct{ Pilots *model.PilotConnection }
				if err := decodeStrict(data, &a); err != nil {
					return err
				}
				if want := min(pilotsFirst, nw.pilots); a.Pilots == nil || len(a.Pilots.Nodes) != want {
					return fmt.Errorf("want a page of %d pilots", want)
				}
				for _, p := range a.Pilots.Nodes {
					if p.Name == "" || len(p.Administrators) == 0 {
						return fmt.Errorf("pilot %q has %d administrators", p.Name, len(p.Administrators))
					}
				}
				return nil
			},
			fill: func(a *floor.Answers, data json.RawMessage) error {
				var d struct{ Pilots *model.PilotConnection }
				a.Pilots.First = pilotsFirst
				err := decodeStrict(data, &d)
				a.Pilots.Page = d.Pilots
				return err
			},
		},
		{
			id: "Q2", name: "filtered organisations",
			query: fmt.Sprintf(`{ organisations(first: %d, where: {typeIn: [%s], regionIn: [%q]}) { totalCount nodes { name } } }`,
				organisationsFirst, joinEnums(organisationTypes), uusimaa),
			check: func(nw network, data json.RawMessage) error {
				var a struct{ Organisations *model.OrganisationConnection }
				if err := decodeStrict(data, &a); err != nil {
					return err
				}
				o := a.Organisations
				if o == nil || o.TotalCount != nw.filteredTotal || len(o.Nodes) != min(organisationsFirst, nw.filteredTotal) {
					return fmt.Errorf("want %d of %d organisations", min(organisationsFirst, nw.filteredTotal), nw.filteredTotal)
				}
				return nil
			},
			fill: func(a *floor.Answers, data json.RawMessage) error {
				var d struct{ Organisations *model.OrganisationConnection }
				a.Organisations.First = organisationsFirst
				a.Organisations.Where = model.OrganisationWhere{TypeIn: organisationTypes, RegionIn: []string{uusimaa}}
				err := decodeStrict(data, &d)
				a.Organisations.Page = d.Organisations
				return err
			},
		},
		{
			id: "Q3", name: "node by key",
			query: fmt.Sprintf(`{ entityByKey(kind: Organisation, key: %q) { name relationships(first: %d) { nodes { type to { name } } } } }`,
				nw.busiest.Key, relationshipsFirst),
			check: func(nw network, data json.RawMessage) error {
				var a struct{ EntityByKey *model.Entity }
				if err := decodeStrict(data, &a); err != nil {
					return err
				}
				e := a.EntityByKey
				if e == nil || e.Name != nw.busiest.Name.FI || e.Rels == nil || len(e.Rels.Nodes) != min(relationshipsFirst, nw.degree) {
					return fmt.Errorf("want %q with %d relationships", nw.busiest.Name.FI, min(relationshipsFirst, nw.degree))
				}
				return nil
			},
			fill: func(a *floor.Answers, data json.RawMessage) error {
				var d struct{ EntityByKey *model.Entity }
				a.EntityByKey.Kind, a.EntityByKey.Key = string(hub.KindOrganisation), nw.busiest.Key
				a.EntityByKey.RelationshipsFirst = relationshipsFirst
				err := decodeStrict(data, &d)
				a.EntityByKey.Entity = d.EntityByKey
				return err
			},
		},
	}
}

func joinEnums(values []string) string {
	var b bytes.Buffer
	for i, v := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v)
	}
	return b.String()
}

// decodeStrict decodes data into v, refusing fields v does not have: an
// answer the floor's structs cannot hold whole must not pass.
func decodeStrict(data json.RawMessage, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("decode the data: %w", err)
	}
	return nil
}
