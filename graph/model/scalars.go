package model

import (
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/otehub/hub"
)

// MarshalDate writes a time as a YYYY-MM-DD day in UTC.
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		io.WriteString(w, strconv.Quote(t.UTC().Format(time.DateOnly)))
	})
}

// UnmarshalDate reads a YYYY-MM-DD day as UTC midnight.
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, hub.Errorf(hub.EINVALID, "a Date is a string like 2017-09-07")
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, hub.Errorf(hub.EINVALID, "%q is not a Date (YYYY-MM-DD)", s)
	}
	return t, nil
}
