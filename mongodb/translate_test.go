package mongodb

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/otehub/hub"
)

// A server that cannot be reached and a call that runs out of time are
// both EUNAVAILABLE, but say different things: only the second may be a
// query too heavy for the operation timeout.
func TestTranslateTellsUnreachableFromSlow(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"no server to select, after the selection timeout", topology.ServerSelectionError{Wrapped: context.DeadlineExceeded}, "unavailable"},
		{"the operation timeout", fmt.Errorf("aggregate: %w", context.DeadlineExceeded), "did not answer in time"},
	} {
		err := translate(tc.err, "select")
		if hub.ErrorCode(err) != hub.EUNAVAILABLE || !strings.Contains(hub.ErrorMessage(err), tc.want) {
			t.Errorf("%s: got %v, want EUNAVAILABLE saying %q", tc.name, err, tc.want)
		}
	}
}

// Errors that the server marks as passing (a primary stepping down or
// not elected yet, a shutdown, a transaction lost with a restart) are
// EUNAVAILABLE, which clients retry, not EINTERNAL; other server errors
// stay EINTERNAL.
func TestTranslateTransientServerErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"not the primary", mongo.CommandError{Code: 10107, Name: "NotWritablePrimary"}, hub.EUNAVAILABLE},
		{"shutting down", mongo.CommandError{Code: 91, Name: "ShutdownInProgress"}, hub.EUNAVAILABLE},
		{"a transaction the server lost", mongo.CommandError{Code: 251, Name: "NoSuchTransaction"}, hub.EUNAVAILABLE},
		{"labelled transient", mongo.CommandError{Code: 112, Name: "WriteConflict", Labels: []string{"TransientTransactionError"}}, hub.EUNAVAILABLE},
		{"a commit whose result is unknown", mongo.CommandError{Code: 50, Labels: []string{"UnknownTransactionCommitResult"}}, hub.EUNAVAILABLE},
		{"a bad command", mongo.CommandError{Code: 2, Name: "BadValue"}, hub.EINTERNAL},
	} {
		if got := hub.ErrorCode(translate(tc.err, "write")); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
