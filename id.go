package hub

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Ids are opaque to clients but stable: a node's id is derived from its
// kind and external key, so the same dataset gets the same ids on every
// backend and after every reload. Clients must not parse them.

const relationshipPrefix = "Relationship"

// NodeID returns the global id of the node of kind with key.
func NodeID(kind Kind, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(kind) + ":" + key))
}

// RelationshipID returns the global id of the relationship with key.
// The key is hashed because relationship keys are long compositions.
func RelationshipID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString([]byte(relationshipPrefix + ":" + hex.EncodeToString(sum[:10])))
}

// refNames are the kinds' names in references to nodes ("pilot/kainuu",
// "targetGroup/nuoret"), as relationship keys and the dataset files
// spell them.
var refNames = map[Kind]string{
	KindOrganisation:   "organisation",
	KindEmployer:       "employer",
	KindProgramme:      "programme",
	KindPilot:          "pilot",
	KindService:        "service",
	KindRegion:         "region",
	KindTargetGroup:    "targetGroup",
	KindTheme:          "theme",
	KindAgreement:      "agreement",
	KindEvent:          "event",
	KindTraining:       "training",
	KindContact:        "contact",
	KindSourceDocument: "source",
}

// RefName returns a kind's name in node references, or "" for an
// unknown kind.
func RefName(k Kind) string { return refNames[k] }

// NodeRef returns the reference to the node of kind with key
// ("kind/key"), the form RelationshipKey takes its ends in, so that a
// relationship gets the same key whether a mutation, an import or the
// dataset writes it.
func NodeRef(k Kind, key string) string { return refNames[k] + "/" + key }

// RelationshipKey composes the external key of a relationship from its
// type, its ends' references (NodeRef) and an optional discriminator for
// parallel relationships of the same type.
func RelationshipKey(t RelationshipType, fromRef, toRef, discriminator string) string {
	k := string(t) + ":" + fromRef + ":" + toRef
	if discriminator != "" {
		k += ":" + discriminator
	}
	return k
}

// ParseID returns the kind name encoded in a global id ("Relationship" for
// relationships). It fails with EINVALID for anything that is not an id.
func ParseID(id string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(id) > 512 {
		return "", Errorf(EINVALID, "%q is not a valid id", truncate(id, 64))
	}
	kind, rest, ok := strings.Cut(string(raw), ":")
	if !ok || rest == "" || (kind != relationshipPrefix && !Kind(kind).Valid()) {
		return "", Errorf(EINVALID, "%q is not a valid id", truncate(id, 64))
	}
	return kind, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
