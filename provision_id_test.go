package hub

import (
	"strings"
	"testing"
)

// Provision ids are part of the API (clients keep them), so they must
// not change with the code that computes them: these were computed
// when ids were first published.
func TestProvisionIDsAreStable(t *testing.T) {
	long := strings.Repeat("x", 300)
	for _, tc := range []struct{ provides, serves, want string }{
		{"PROVIDES:organisation/a->service/s", "", "UHJvdmlzaW9uOjQxOGUxZDNkZGZhZjM4YmRlNjM4"},
		{"PROVIDES:organisation/a->service/s", "SERVES:service/s->targetGroup/t", "UHJvdmlzaW9uOjAyMzAxYmY5ZjAzZTZmMDY0MzNm"},
	} {
		if got := provisionID(tc.provides, tc.serves); got != tc.want {
			t.Errorf("provisionID(%q, %q) = %s, want %s", tc.provides, tc.serves, got, tc.want)
		}
	}
	// Keys longer than the id's fixed buffer give distinct, stable ids.
	if a, b := provisionID(long, long), provisionID(long, long+"y"); a == b || a != provisionID(long, long) {
		t.Errorf("long keys: %s, %s", a, b)
	}
	if n := testing.AllocsPerRun(100, func() { provisionID("PROVIDES:organisation/a->service/s", "SERVES:service/s->targetGroup/t") }); n > 1 {
		t.Errorf("provisionID allocates %v times, want once (the id)", n)
	}
}
