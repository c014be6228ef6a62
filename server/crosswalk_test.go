package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/otehub/hub"
	"github.com/otehub/hub/web"
)

const schemaDir = "testdata/schemas"

// hsdsSchema compiles HSDS 3.0's tabular schema, and the table schemas
// it refers to, as HSDS's own example checks do: with
// additionalProperties false on every object, so that a field HSDS does
// not define fails.
func hsdsSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	var strict func(v any)
	strict = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["properties"]; ok && v["type"] == "object" {
				v["additionalProperties"] = false
			}
			for _, x := range v {
				strict(x)
			}
		case []any:
			for _, x := range v {
				strict(x)
			}
		}
	}
	dir, err := filepath.Abs(filepath.Join(schemaDir, "hsds"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) < 2 {
		t.Fatalf("HSDS schemas in %s: %v %v", dir, files, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, f := range files {
		doc := mustSchemaFile(t, filepath.Join("hsds", filepath.Base(f)))
		strict(doc)
		if err := c.AddResource("file://"+filepath.ToSlash(f), doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("file://" + filepath.ToSlash(filepath.Join(dir, "tabular.json")))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// givingSchema compiles 360Giving's package schema; the grant schema it
// refers to by URL is the local copy.
func givingSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	pkg := "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.3/schema/360-giving-package-schema.json"
	for url, file := range map[string]string{
		pkg: "360giving/360-giving-package-schema.json",
		"https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json": "360giving/360-giving-schema.json",
	} {
		if err := c.AddResource(url, mustSchemaFile(t, file)); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile(pkg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustSchemaFile(t *testing.T, name string) any {
	t.Helper()
	f, err := os.Open(filepath.Join(schemaDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return doc
}

// validateJSON validates a JSON document against a schema.
func validateJSON(s *jsonschema.Schema, body []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return err
	}
	return s.Validate(doc)
}

// xsdValidator returns a function that validates an XML document against
// IATI's activity schema with Python's xmlschema. Without it the test
// fails under CI and is skipped loudly elsewhere.
func xsdValidator(t *testing.T) func(doc []byte) error {
	t.Helper()
	py := os.Getenv("HUB_PYTHON")
	if py == "" {
		py = filepath.Join("..", ".venv", "bin", "python")
	}
	if out, err := exec.Command(py, "-c", "import xmlschema").CombinedOutput(); err != nil {
		msg := fmt.Sprintf("IATI XSD validation NOT RUN: %s cannot import xmlschema (%v: %s). "+
			"Run scripts/install-pytools.sh or set HUB_PYTHON to a Python with xmlschema.", py, err, strings.TrimSpace(string(out)))
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip("!!!!!!!! " + msg)
	}
	xsd, err := filepath.Abs(filepath.Join(schemaDir, "iati", "iati-activities-schema.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	const script = `import sys, xmlschema
schema = xmlschema.XMLSchema10(sys.argv[1])
errors = list(schema.iter_errors(sys.stdin.buffer))
for e in errors[:5]:
    print(e.reason, "at", e.path)
sys.exit(1 if errors else 0)`
	return func(doc []byte) error {
		cmd := exec.Command(py, "-c", script, xsd)
		cmd.Stdin = bytes.NewReader(doc)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	}
}

// The parts of an IATI activity file the tests read.
type iatiFile struct {
	Activities []struct {
		Identifier string `xml:"iati-identifier"`
		Hierarchy  int    `xml:"hierarchy,attr"`
		Orgs       []struct {
			Ref        string `xml:"ref,attr"`
			Role       string `xml:"role,attr"`
			ActivityID string `xml:"activity-id,attr"`
			Name       string `xml:"narrative"`
		} `xml:"participating-org"`
		Transactions []struct {
			Type struct {
				Code string `xml:"code,attr"`
			} `xml:"transaction-type"`
			Value struct {
				Currency string `xml:"currency,attr"`
				Value    string `xml:",chardata"`
			} `xml:"value"`
		} `xml:"transaction"`
		Related []struct {
			Ref  string `xml:"ref,attr"`
			Type string `xml:"type,attr"`
		} `xml:"related-activity"`
	} `xml:"iati-activity"`
}

// cents parses a decimal amount of major units into minor units.
func cents(t *testing.T, s string) int64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	return int64(math.Round(f * 100))
}

// TestCrosswalkExports reads the crosswalk exports of the OTE dataset
// as a partner would and checks each against its standard's published
// schema (and that the validator rejects a broken copy), its content
// against the network as the GraphQL API tells it, and the HTTP
// behaviour of the other downloads: content type, ETag and 304, and
// personal data only for a caller who may read it.
func TestCrosswalkExports(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { testCrosswalkExports(t, b.env(t)) })
	}
}

func testCrosswalkExports(t *testing.T, env map[string]string) {
	keysFile := filepath.Join(t.TempDir(), "keys")
	editorKey := mustNewKey(t, keysFile, "-role", "editor", "-subject", "tester")
	const publisherID, grantPrefix = "FI-PRO-0000000-0", "360G-example"
	m := MustRunMain(t, withEnv(env, "HUB_API_KEYS_FILE", keysFile, "HUB_DATA_PUBLISHER_ID", publisherID, "HUB_GRANT_PREFIX", grantPrefix))
	MustBeReady(t, m, 30*time.Second)

	// An organisation whose description holds an e-mail address and a
	// phone number: a key holder's exports show them, nobody else's.
	const email, phone = "crosswalk.tester@example.fi", "040 123 4567"
	own := hub.NodeID(hub.KindOrganisation, "crosswalk-ry")
	_, r := postAs(t, m, editorKey, createNode, map[string]any{"in": map[string]any{"kind": "Organisation", "key": "crosswalk-ry",
		"fields": map[string]any{"name": map[string]any{"fi": "Crosswalk ry"}, "type": "ASSOCIATION", "businessId": "1234567-1",
			"description": map[string]any{"fi": "Yhteys: " + email + ", puh. " + phone},
			"sources":     []any{map[string]any{"sourceId": hub.NodeID(hub.KindSourceDocument, "seed-000"), "quote": "testi"}}}}})
	if path(r.Data, "createNode", "node", "id") != own {
		t.Fatalf("createNode: %+v", r)
	}

	exports := []struct{ path, contentType string }{
		{"/export/hsds.json", "application/json"},
		{"/export/360giving.json", "application/json"},
		{"/export/iati.xml", "application/xml"},
	}
	anon := map[string][]byte{}
	personal := mustReadPersonalData(t)
	for _, e := range exports {
		resp, body := fetchURL(t, m, e.path)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != e.contentType || resp.Header.Get("ETag") == "" {
			t.Fatalf("%s: %d %q etag %q: %.300s", e.path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("ETag"), body)
		}
		if again, _ := fetchURL(t, m, e.path, "If-None-Match", resp.Header.Get("ETag")); again.StatusCode != http.StatusNotModified {
			t.Errorf("%s: revalidation answered %d", e.path, again.StatusCode)
		}
		keyed, keyedBody := fetchURL(t, m, e.path, "Authorization", "Bearer "+editorKey)
		if keyed.StatusCode != http.StatusOK || keyed.Header.Get("ETag") == resp.Header.Get("ETag") {
			t.Errorf("%s as a key holder: %d, etag %q (anonymous: %q)", e.path, keyed.StatusCode, keyed.Header.Get("ETag"), resp.Header.Get("ETag"))
		}
		if found := personal.Find(string(body)); found != "" || bytes.Contains(body, []byte(email)) || bytes.Contains(body, []byte(phone)) {
			t.Errorf("%s: the anonymous export holds personal data (%q)", e.path, found)
		}
		if e.path == "/export/hsds.json" && (!bytes.Contains(keyedBody, []byte(email)) || !bytes.Contains(keyedBody, []byte(phone))) {
			t.Errorf("%s: the key holder's export lacks the description's contact details: the check above checks nothing", e.path)
		}
		anon[e.path] = body
	}

	t.Run("HSDS", func(t *testing.T) {
		body := anon["/export/hsds.json"]
		schema := hsdsSchema(t)
		if err := validateJSON(schema, body); err != nil {
			t.Fatalf("the HSDS export is not valid HSDS 3.0: %v", err)
		}
		var doc struct {
			Organization []struct {
				ID, Name, Description string
			} `json:"organization"`
			OrganizationIdentifier []struct {
				OrganizationID   string `json:"organization_id"`
				IdentifierScheme string `json:"identifier_scheme"`
				IdentifierType   string `json:"identifier_type"`
				Identifier       string `json:"identifier"`
			} `json:"organization_identifier"`
			Program []struct {
				ID string `json:"id"`
			} `json:"program"`
			Service []struct {
				ID             string `json:"id"`
				OrganizationID string `json:"organization_id"`
				ProgramID      string `json:"program_id"`
			} `json:"service"`
			ServiceArea []struct {
				ID        string `json:"id"`
				ServiceID string `json:"service_id"`
				Name      string `json:"name"`
			} `json:"service_area"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		// The organisations and employers, each with its hub id among
		// its identifiers, and the business ID under FI-PRO.
		wantOrgs := append(ids(listAll(t, m, "organisations", "", "id", nil)), ids(listAll(t, m, "employers", "", "id", nil))...)
		slices.Sort(wantOrgs)
		orgUUID := map[string]string{}
		var hubIDs []string
		for _, x := range doc.OrganizationIdentifier {
			if x.IdentifierType == "otehub" {
				hubIDs = append(hubIDs, x.Identifier)
				orgUUID[x.Identifier] = x.OrganizationID
			}
			if x.Identifier == "1234567-1" && (x.IdentifierScheme != "FI-PRO" || orgUUID[own] != x.OrganizationID) {
				t.Errorf("business ID row %+v (organisation %s)", x, orgUUID[own])
			}
		}
		slices.Sort(hubIDs)
		if len(doc.Organization) != len(wantOrgs) || !slices.Equal(hubIDs, wantOrgs) {
			t.Errorf("%d organizations with hub ids %v; the API lists %d organisations and employers %v", len(doc.Organization), hubIDs, len(wantOrgs), wantOrgs)
		}
		isOrg, isProgram, isService := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for _, o := range doc.Organization {
			isOrg[o.ID] = true
		}
		for _, p := range doc.Program {
			isProgram[p.ID] = true
		}
		withOrg := 0
		for _, s := range doc.Service {
			isService[s.ID] = true
			if s.OrganizationID != "" {
				withOrg++
				if !isOrg[s.OrganizationID] {
					t.Errorf("service %s: organization %s is not in the export", s.ID, s.OrganizationID)
				}
			}
			if s.ProgramID != "" && !isProgram[s.ProgramID] {
				t.Errorf("service %s: program %s is not in the export", s.ID, s.ProgramID)
			}
		}
		// Every provider in the seed is an organisation, or a pilot or
		// programme with one that answers for it: each provided service
		// has an organization.
		services := listAll(t, m, "services", "", "id regions { id name }", nil)
		provided := map[string]bool{}
		for _, p := range listAll(t, m, "relationships", "{typeIn: [PROVIDES]}", "to { id }", nil) {
			provided[path(p, "to", "id").(string)] = true
		}
		if len(doc.Service) != len(services) || len(isService) != len(services) || withOrg != len(provided) || len(provided) < 10 {
			t.Errorf("%d services (%d distinct, %d with an organization); the API lists %d, %d of them provided",
				len(doc.Service), len(isService), withOrg, len(services), len(provided))
		}
		// One service area per region of a service, derived ones
		// included, each naming its region.
		var wantAreas, gotAreas []string
		for _, s := range services {
			for _, reg := range path(s, "regions").([]any) {
				wantAreas = append(wantAreas, web.StableUUID(path(s, "id").(string))+" "+path(reg, "name").(string))
			}
		}
		for _, a := range doc.ServiceArea {
			gotAreas = append(gotAreas, a.ServiceID+" "+a.Name)
		}
		slices.Sort(wantAreas)
		slices.Sort(gotAreas)
		if len(wantAreas) < 10 || !slices.Equal(gotAreas, wantAreas) {
			t.Errorf("service areas:\n got %v\nwant %v", gotAreas, wantAreas)
		}

		// The validator is live: a service without its name fails.
		var broken map[string]any
		json.Unmarshal(body, &broken)
		delete(path(broken, "service", 0).(map[string]any), "name")
		b, _ := json.Marshal(broken)
		if err := validateJSON(schema, b); err == nil {
			t.Error("a service without a name passed validation")
		}
	})

	t.Run("360Giving", func(t *testing.T) {
		body := anon["/export/360giving.json"]
		schema := givingSchema(t)
		if err := validateJSON(schema, body); err != nil {
			t.Fatalf("the 360Giving export is not valid 360Giving 1.4: %v", err)
		}
		var pkg struct {
			Grants []struct {
				ID                    string
				Currency              string
				AmountAwarded         json.Number
				AwardDate             string
				RecipientOrganization []struct{ ID, Name string }
				FundingOrganization   []struct{ ID, Name string }
			}
			Publisher struct{ Identifier, Name string }
			License   string
		}
		if err := json.Unmarshal(body, &pkg); err != nil {
			t.Fatal(err)
		}
		funds := listAll(t, m, "relationships", "{typeIn: [FUNDS]}", "id amount { amount currency }", nil)
		var want, got int64
		withAmount := 0
		for _, f := range funds {
			if a := path(f, "amount", "amount"); a != nil {
				withAmount++
				want += int64(math.Round(a.(float64) * 100))
			}
		}
		seen := map[string]bool{}
		for _, g := range pkg.Grants {
			got += cents(t, string(g.AmountAwarded))
			seen[g.ID] = true
			if !strings.HasPrefix(g.ID, grantPrefix+"-") || g.Currency != "EUR" || len(g.RecipientOrganization) == 0 || len(g.FundingOrganization) == 0 {
				t.Errorf("grant %+v", g)
			}
			for _, o := range slices.Concat(g.RecipientOrganization, g.FundingOrganization) {
				if !strings.HasPrefix(o.ID, publisherID+"-") && !strings.HasPrefix(o.ID, "FI-PRO-") {
					t.Errorf("grant %s: organisation id %q", g.ID, o.ID)
				}
			}
		}
		if withAmount < 5 || len(pkg.Grants) != withAmount || len(seen) != withAmount || got != want {
			t.Errorf("%d grants (%d ids) of %d cents; the API lists %d FUNDS with an amount of %d cents (%d in all)",
				len(pkg.Grants), len(seen), got, withAmount, want, len(funds))
		}
		if pkg.Publisher.Identifier != publisherID || pkg.License != web.DefaultLicense {
			t.Errorf("publisher %+v, licence %q", pkg.Publisher, pkg.License)
		}

		// The validator is live: a grant without its amount fails.
		var broken map[string]any
		json.Unmarshal(body, &broken)
		delete(path(broken, "grants", 0).(map[string]any), "amountAwarded")
		b, _ := json.Marshal(broken)
		if err := validateJSON(schema, b); err == nil {
			t.Error("a grant without amountAwarded passed validation")
		}
	})

	t.Run("IATI", func(t *testing.T) {
		body := anon["/export/iati.xml"]
		validate := xsdValidator(t)
		if err := validate(body); err != nil {
			t.Fatalf("the IATI export is not valid IATI 2.03: %v", err)
		}
		var doc iatiFile
		if err := xml.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		activities := append(ids(listAll(t, m, "pilots", "", "id", nil)), ids(listAll(t, m, "programmes", "", "id", nil))...)
		slices.Sort(activities)
		var got []string
		byID := map[string]int{}
		for i, a := range doc.Activities {
			id := strings.TrimPrefix(a.Identifier, publisherID+"-")
			got = append(got, id)
			byID[id] = i
		}
		slices.Sort(got)
		if !slices.Equal(got, activities) {
			t.Errorf("activities %v; the API lists the pilots and programmes %v", got, activities)
		}
		// Each funding: the funded activity's incoming commitment with
		// the funder's organisations in role 1; the administrators of
		// a pilot are accountable (role 2), its partners implementing (4).
		funds := listAll(t, m, "relationships", "{typeIn: [FUNDS]}", "amount { amount } to { id }", nil)
		incoming := map[string]int64{}
		for _, f := range funds {
			to := path(f, "to", "id").(string)
			incoming[to] += int64(math.Round(path(f, "amount", "amount").(float64) * 100))
		}
		roles := func(a int, role string) []string {
			var out []string
			for _, o := range doc.Activities[a].Orgs {
				if o.Role == role {
					out = append(out, o.Name)
				}
			}
			slices.Sort(out)
			return out
		}
		for id, want := range incoming {
			a, ok := byID[id]
			if !ok {
				t.Errorf("funded activity %s is not in the export", id)
				continue
			}
			var got int64
			for _, tr := range doc.Activities[a].Transactions {
				if tr.Type.Code == "11" {
					got += cents(t, tr.Value.Value)
				}
			}
			if got != want || len(roles(a, "1")) == 0 {
				t.Errorf("activity %s: incoming commitments of %d cents, funding organisations %v; the API: %d cents", id, got, roles(a, "1"), want)
			}
		}
		fokus := hub.NodeID(hub.KindPilot, "fokus")
		r := postQuery(t, m, `query($id: ID!) { relationships(first: 100, where: {toIn: [$id], typeIn: [ADMINISTERS, PARTNER_IN, EXPERT_FOR]}) {
			nodes { type from { ... on Organisation { name } ... on Employer { name } } } } }`, map[string]any{"id": fokus})
		want := map[string][]string{}
		for _, x := range path(r.Data, "relationships", "nodes").([]any) {
			role := "4"
			if path(x, "type") == "ADMINISTERS" {
				role = "2"
			}
			want[role] = append(want[role], path(x, "from", "name").(string))
		}
		for role, names := range want {
			slices.Sort(names)
			names = slices.Compact(names)
			if a, ok := byID[fokus]; !ok || !slices.Equal(roles(a, role), names) {
				t.Errorf("Fokus, role %s: %v; the API: %v", role, roles(a, role), names)
			}
		}
		if len(want["2"]) == 0 || len(want["4"]) == 0 {
			t.Fatalf("the API names no administrators or partners of Fokus: %+v", r)
		}

		// The validator is live: an activity without its identifier fails.
		broken := regexp.MustCompile(`<iati-identifier>[^<]*</iati-identifier>`).ReplaceAll(body, nil)
		if err := validate(broken); err == nil {
			t.Error("activities without iati-identifier passed validation")
		}
	})
}
