package main

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/otehub/hub"
	"github.com/otehub/hub/bench"
	"github.com/otehub/hub/bench/floor"
	"github.com/otehub/hub/bench/floor/model"
)

// shape is one of the benchmark's queries.
type shape struct {
	id, name string
	query    string
	// check checks the hub's first answer against the network's counts.
	check func(data json.RawMessage) error
	// fill puts the hub's answer into the floor's answers.
	fill func(a *floor.Answers, data json.RawMessage) error
}

// shapes returns Q1 to Q3 for nw: the NestedPilots100,
// FilteredOrganisations and NodeByKey queries of bench/bench_test.go.
func shapes(nw bench.Network) []shape {
	return []shape{
		{
			id: "Q1", name: "nested pilots",
			query: bench.NestedPilotsQuery(),
			check: func(data json.RawMessage) error {
				var a struct{ Pilots *model.PilotConnection }
				if err := decodeStrict(data, &a); err != nil {
					return err
				}
				if want := min(bench.PilotsFirst, nw.Pilots); a.Pilots == nil || len(a.Pilots.Nodes) != want {
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
				a.Pilots.First = bench.PilotsFirst
				err := decodeStrict(data, &d)
				a.Pilots.Page = d.Pilots
				return err
			},
		},
		{
			id: "Q2", name: "filtered organisations",
			query: bench.FilteredOrganisationsQuery(),
			check: func(data json.RawMessage) error {
				var a struct{ Organisations *model.OrganisationConnection }
				if err := decodeStrict(data, &a); err != nil {
					return err
				}
				o := a.Organisations
				if o == nil || o.TotalCount != nw.Filtered || len(o.Nodes) != min(bench.OrganisationsFirst, nw.Filtered) {
					return fmt.Errorf("want %d of %d organisations", min(bench.OrganisationsFirst, nw.Filtered), nw.Filtered)
				}
				return nil
			},
			fill: func(a *floor.Answers, data json.RawMessage) error {
				var d struct{ Organisations *model.OrganisationConnection }
				a.Organisations.First = bench.OrganisationsFirst
				a.Organisations.Where = model.OrganisationWhere{TypeIn: bench.OrganisationTypes, RegionIn: []string{bench.Uusimaa}}
				err := decodeStrict(data, &d)
				a.Organisations.Page = d.Organisations
				return err
			},
		},
		{
			id: "Q3", name: "node by key",
			query: bench.NodeByKeyQuery(nw.Busiest.Key),
			check: func(data json.RawMessage) error {
				var a struct{ EntityByKey *model.Entity }
				if err := decodeStrict(data, &a); err != nil {
					return err
				}
				e := a.EntityByKey
				if e == nil || e.Name != nw.Busiest.Name.FI || e.Rels == nil || len(e.Rels.Nodes) != min(bench.RelationshipsFirst, nw.Degree) {
					return fmt.Errorf("want %q with %d relationships", nw.Busiest.Name.FI, min(bench.RelationshipsFirst, nw.Degree))
				}
				return nil
			},
			fill: func(a *floor.Answers, data json.RawMessage) error {
				var d struct{ EntityByKey *model.Entity }
				a.EntityByKey.Kind, a.EntityByKey.Key = string(hub.KindOrganisation), nw.Busiest.Key
				a.EntityByKey.RelationshipsFirst = bench.RelationshipsFirst
				err := decodeStrict(data, &d)
				a.EntityByKey.Entity = d.EntityByKey
				return err
			},
		},
	}
}

// request is the target that posts sh's query to the server at base,
// without an expected answer.
func (sh shape) request(base string) target {
	// A map of strings always marshals.
	body, _ := json.Marshal(map[string]string{"query": sh.query})
	return target{url: base + "/graphql", body: body}
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
