package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/otehub/hub"
)

// The Finnish title and description of the dataset (DatasetTitle and
// DatasetDescription are the English ones).
const (
	DatasetTitleFI       = "OTE-sidosryhmäverkosto"
	DatasetDescriptionFI = "OTE-ohjelman (osatyökykyisten tie työelämään) organisaatiot, pilotit, palvelut, työnantajat, alueet ja kohderyhmät sekä niiden väliset tyypitetyt suhteet, kukin niistä kertovine lähdeasiakirjoineen."
)

// dcatContext names the vocabularies of the DCAT-AP description.
var dcatContext = map[string]string{
	"dcat": "http://www.w3.org/ns/dcat#",
	"dct":  "http://purl.org/dc/terms/",
	"foaf": "http://xmlns.com/foaf/0.1/",
	"xsd":  "http://www.w3.org/2001/XMLSchema#",
}

// DCAT serves GET /dcat.jsonld: the dataset described in DCAT-AP as
// JSON-LD, for open-data portals that harvest it: title and
// description in Finnish and English, publisher, licence, the time a
// row was last written, and a distribution for the dump, the GraphQL
// API, its schema, the crosswalk exports (HSDS, 360Giving, IATI) and the
// CSV of each collection (collections). URLs
// are absolute, on the host and scheme the request came by.
func DCAT(store hub.Reader, about About, collections []string, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		nodes, rels, err := allRows(ctx, store)
		if err != nil {
			exportError(w, logger, err)
			return
		}
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base := scheme + "://" + r.Host
		license := map[string]string{"@id": about.License}
		media := func(t string) map[string]string {
			return map[string]string{"@id": "http://www.iana.org/assignments/media-types/" + t}
		}
		text := func(fi, en string) []map[string]string {
			return []map[string]string{{"@value": fi, "@language": "fi"}, {"@value": en, "@language": "en"}}
		}
		download := func(path, fi, en, mediaType string) map[string]any {
			u := map[string]string{"@id": base + path}
			return map[string]any{"@type": "dcat:Distribution", "dct:title": text(fi, en),
				"dcat:accessURL": u, "dcat:downloadURL": u, "dcat:mediaType": media(mediaType), "dct:license": license}
		}
		dists := []any{
			download("/export/dataset.json", "Koko aineisto (hub import -muoto)", "The whole dataset (the format hub import reads)", "application/json"),
			map[string]any{"@type": "dcat:Distribution", "dct:title": text("GraphQL-rajapinta", "GraphQL API"),
				"dcat:accessURL": map[string]string{"@id": base + "/"}, "dcat:mediaType": media("application/json"), "dct:license": license,
				"dcat:accessService": map[string]any{"@type": "dcat:DataService", "dct:title": text("OTE-verkoston GraphQL-rajapinta", "OTE network GraphQL API"),
					"dcat:endpointURL": map[string]string{"@id": base + "/graphql"}, "dcat:endpointDescription": map[string]string{"@id": base + "/schema.graphql"}}},
			download("/schema.graphql", "GraphQL-skeema", "GraphQL schema", "text/plain"),
			download("/export/hsds.json", "Organisaatiot ja palvelut (Open Referral HSDS 3.0)", "Organisations and services (Open Referral HSDS 3.0)", "application/json"),
			download("/export/360giving.json", "Rahoitus (360Giving)", "Funding (360Giving)", "application/json"),
			download("/export/iati.xml", "Hankkeet (IATI 2.03)", "Activities (IATI 2.03)", "application/xml"),
		}
		for _, c := range collections {
			dists = append(dists, download("/export/"+c+".csv", "CSV: "+c, "CSV: "+c, "text/csv"))
		}
		doc := map[string]any{
			"@context":          dcatContext,
			"@id":               base + "/dcat.jsonld#dataset",
			"@type":             "dcat:Dataset",
			"dct:title":         text(DatasetTitleFI, DatasetTitle),
			"dct:description":   text(DatasetDescriptionFI, DatasetDescription),
			"dct:publisher":     map[string]any{"@type": "foaf:Agent", "foaf:name": about.Publisher},
			"dct:license":       license,
			"dct:language":      []map[string]string{{"@id": "http://publications.europa.eu/resource/authority/language/FIN"}, {"@id": "http://publications.europa.eu/resource/authority/language/SWE"}, {"@id": "http://publications.europa.eu/resource/authority/language/ENG"}},
			"dcat:landingPage":  map[string]string{"@id": base + "/"},
			"dcat:distribution": dists,
		}
		if t := LastModified(nodes, rels); !t.IsZero() {
			doc["dct:modified"] = map[string]string{"@value": t.Format(time.RFC3339Nano), "@type": "xsd:dateTime"}
		}
		w.Header().Set("Content-Type", "application/ld+json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(doc)
	})
}
