// Package model holds the Go types behind the GraphQL schema: thin views
// over the domain's nodes and relationships. Fields that need other rows
// are methods that go through the request's loaders, so nested queries
// batch their store calls. models_gen.go is generated; everything else
// here is written by hand.
package model
