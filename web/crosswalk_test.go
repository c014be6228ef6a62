package web

import "testing"

// TestStableUUID: the UUIDs are the version 5 UUIDs that Python's
// uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, "urn:otehub"), name) gives,
// so that a partner can compute them from hub ids.
func TestStableUUID(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"T3JnYW5pc2F0aW9uOnN0bQ", "538b9a5e-83ee-5ab1-9719-22c173c6b82c"},
		{"U2VydmljZTpvaGphYW1v UmVnaW9uOjA5", "b6dc4edf-d078-598a-9e2f-50fc2d4ffc68"},
	} {
		if got := StableUUID(c.name); got != c.want {
			t.Errorf("StableUUID(%q) = %s, want %s", c.name, got, c.want)
		}
	}
	if got := uuidSpace.String(); got != "e52ec20d-5506-595a-b3c9-8a56ac91fe42" {
		t.Errorf("namespace %s", got)
	}
}

// TestDecimal: minor units written as exact decimals of major units.
func TestDecimal(t *testing.T) {
	for _, c := range []struct {
		minor int64
		want  string
	}{
		{0, "0"}, {5, "0.05"}, {50, "0.5"}, {120000000, "1200000"}, {48980010, "489800.1"},
		{48980001, "489800.01"}, {-250, "-2.5"}, {-7, "-0.07"},
	} {
		if got := decimal(c.minor); string(got) != c.want {
			t.Errorf("decimal(%d) = %s, want %s", c.minor, got, c.want)
		}
	}
}
