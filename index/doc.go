// Package index holds the network in memory and keeps it current: Index
// is the data structure every query reads (hub.Reader), and Live fills
// one from a store's Load and follows the store's change feed, so that
// the hub answers every read from memory on every backend while the
// store keeps the truth.
//
// A change is applied only when it is newer than the row held (by the
// row's Version), so a follower may start its feed before it loads and
// replay changes it already holds. A write through Live.Apply returns
// once this instance's index holds it (read your writes); other
// instances follow through the feed.
package index
