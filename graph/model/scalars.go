package model

import (
	"io"
	"math"
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

// MarshalFloat writes a float in plain decimal notation (1600000, not
// 1.6e+06), which dashboards and spreadsheets read without surprises.
// JSON has no NaN or infinity: those are written as null.
func MarshalFloat(f float64) graphql.Marshaler {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) {
		io.WriteString(w, strconv.FormatFloat(f, 'f', -1, 64))
	})
}

// UnmarshalFloat reads a float the way gqlgen's built-in scalar does.
func UnmarshalFloat(v any) (float64, error) { return graphql.UnmarshalFloat(v) }
