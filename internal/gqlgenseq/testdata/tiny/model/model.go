// Package model holds the tiny schema's Go types; gqlgen generates Colour.
package model

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
)

// Named is the Named interface.
type Named interface{ IsNamed() }

// Thing is the Thing interface.
type Thing interface{ IsThing() }

// Either is the Either union.
type Either interface{ IsEither() }

// Plain has no field that takes a context.
type Plain struct {
	Name     string
	Index    int
	Children []*Plain
}

func (Plain) IsNamed()  {}
func (Plain) IsThing()  {}
func (Plain) IsEither() {}

// Boom fails at odd positions.
func (p *Plain) Boom() (*string, error) {
	if p.Index%2 == 1 {
		return nil, fmt.Errorf("boom at %d", p.Index)
	}
	s := "calm"
	return &s, nil
}

// Must is null at position 2.
func (p *Plain) Must() *string {
	if p.Index == 2 {
		return nil
	}
	s := "here"
	return &s
}

// Other has no field that takes a context.
type Other struct{ Name string }

func (Other) IsNamed()  {}
func (Other) IsEither() {}

// Slow has a field that takes a context.
type Slow struct{ Name string }

func (Slow) IsThing() {}

// At is the field's path.
func (s *Slow) At(ctx context.Context) string { return graphql.GetPath(ctx).String() }

// Holder holds plains.
type Holder struct{ Items []*Plain }

// Stranger is a Named of no type of the schema.
type Stranger struct{}

func (Stranger) IsNamed() {}
