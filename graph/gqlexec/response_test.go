package gqlexec_test

import (
	"testing"

	"github.com/otehub/hub/graph/gqlexec"
)

// A buffer for a response starts empty, whatever the response whose
// room it reuses held.
func TestResponseBufferStartsEmpty(t *testing.T) {
	for i := range 3 {
		b := gqlexec.ResponseBuffer()
		if b.Len() != 0 {
			t.Fatalf("round %d: a new buffer holds %q", i, b.String())
		}
		b.WriteString(`{"pilots":{"nodes":[]}}`)
		gqlexec.ReleaseResponse(b.Bytes())
	}
	b := gqlexec.ResponseBuffer()
	b.WriteString("{}")
	if b.String() != "{}" {
		t.Errorf("got %q", b.String())
	}
	gqlexec.ReleaseResponse(nil)
	gqlexec.ReleaseResponse(make([]byte, 5<<20))
}
