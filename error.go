package hub

import (
	"errors"
	"fmt"
)

// Error codes, neutral of any transport: the GraphQL layer names each in
// its extensions.code (graph.ExtensionCode), the HTTP endpoints map them
// to statuses.
const (
	ENOTFOUND    = "ENOTFOUND"
	EINVALID     = "EINVALID"
	ECONFLICT    = "ECONFLICT"
	EUNAVAILABLE = "EUNAVAILABLE"
	EINTERNAL    = "EINTERNAL"
	ETOOLARGE    = "ETOOLARGE"
	// EUNAUTHENTICATED: the request needs a caller, and names none (or
	// one the hub does not know).
	EUNAUTHENTICATED = "EUNAUTHENTICATED"
	// EFORBIDDEN: the caller may not do this.
	EFORBIDDEN = "EFORBIDDEN"
)

// ErrStoreReplaced is the cause of the EUNAVAILABLE errors of a store
// whose database is no longer the one the hub started on: restarted
// without its data, or replaced by another. A hub keeps serving the
// network it last knew and refuses writes rather than write into it.
var ErrStoreReplaced = errors.New("the database is not the one the hub started on")

// Error is a domain error with a machine-readable code and a message that
// is safe to show to a client.
type Error struct {
	Code    string
	Message string
	// Field names the field of the input row the error is about, as
	// the row's JSON names it, dotted into nested values and lists
	// ("period.end", "sources.0.sourceId"); "" when it is about no
	// one field.
	Field string
	// Err is the underlying cause, kept for logs; never shown to clients.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error about one field of a row.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with the given code that keeps err as its cause.
func Wrap(code string, err error, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, or
// EINTERNAL for any other non-nil error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err. Errors without a
// domain code get a generic message so that internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}
