package mongodb

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/otehub/hub"
	"github.com/otehub/hub/dataset"
	"github.com/otehub/hub/mongodb/mongotest"
)

// Name filters and search are answered from the searchGrams index, not by
// scanning the collection: the query planner's winning plan says so.
func TestNameFilterUsesTheGramIndex(t *testing.T) {
	s, err := Open(Options{URI: mongotest.URI(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Init(ctx); err != nil {
		t.Fatal(err)
	}
	// The planner weighs indexes against data: plan over the real dataset.
	if err := dataset.Seed(ctx, s); err != nil {
		t.Fatal(err)
	}
	for _, needle := range []string{"Päijät-Häme", "kainuu", "paijat hame"} {
		f := hub.NodeFilter{Kinds: []hub.Kind{hub.KindRegion}, NameContains: needle}
		var plan bson.M
		err := s.db.RunCommand(ctx, bson.D{{Key: "explain", Value: bson.D{
			{Key: "find", Value: NodesCollection},
			{Key: "filter", Value: mustGramQuery(t, &f)},
			{Key: "sort", Value: bson.D{{Key: "sortName", Value: 1}, {Key: "_id", Value: 1}}},
		}}}).Decode(&plan)
		if err != nil {
			t.Fatalf("explain: %v", err)
		}
		b, _ := json.Marshal(plan["queryPlanner"])
		winning := string(b)
		if i := strings.Index(winning, `"rejectedPlans"`); i >= 0 {
			winning = winning[:i]
		}
		if !strings.Contains(winning, "IXSCAN") || !strings.Contains(winning, "searchGrams") || strings.Contains(winning, "COLLSCAN") {
			t.Errorf("%q: the winning plan does not scan the searchGrams index: %s", needle, winning)
		}
	}
}

func mustGramQuery(t *testing.T, f *hub.NodeFilter) bson.D {
	t.Helper()
	q, byGram := nodeFilter(f)
	if !byGram {
		t.Fatalf("%q is not looked up by gram", f.NameContains)
	}
	return q
}
