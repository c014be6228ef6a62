// Package model holds the Go types behind the GraphQL schema: thin views
// over the domain's nodes and relationships. Fields that need other rows
// are methods that read them from the in-memory network (hub.Reader) of
// the operation's Request. models_gen.go is generated; everything else
// here is written by hand.
package model
