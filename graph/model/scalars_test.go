package model_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/otehub/hub/graph/model"
)

func TestMarshalFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{1600000, "1600000"},
		{0.5, "0.5"},
		{-12.25, "-12.25"},
		{0, "0"},
		// JSON has no NaN or infinity.
		{math.NaN(), "null"},
		{math.Inf(1), "null"},
		{math.Inf(-1), "null"},
	}
	for _, tc := range tests {
		var b bytes.Buffer
		model.MarshalFloat(tc.in).MarshalGQL(&b)
		if b.String() != tc.want {
			t.Errorf("MarshalFloat(%v) = %s, want %s", tc.in, b.String(), tc.want)
		}
	}
}
