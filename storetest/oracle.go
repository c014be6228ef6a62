package storetest

import (
	"context"
	"time"

	"github.com/otehub/hub"
)

// TODO(oracle): these must become brute-force evaluators over plain rows,
// independent of the production code; until then they call it.

func oracleSelect(ctx context.Context, s hub.Reader, base hub.NodeFilter, w *hub.Where, asOf *time.Time) ([]string, error) {
	return hub.Select(ctx, s, base, w, asOf)
}

func oracleGroupBy(ctx context.Context, s hub.Reader, spec *hub.GroupSpec) ([]hub.Group, error) {
	return hub.GroupBy(ctx, s, spec)
}

func oracleFundingTotals(ctx context.Context, s hub.Reader, by hub.GroupKey, policy hub.FundingPolicy, recipients *hub.Where, asOf *time.Time) ([]hub.FundingBucket, error) {
	return hub.FundingTotals(ctx, s, by, policy, recipients, asOf)
}

func oracleCoverage(ctx context.Context, s hub.Reader, f hub.ProvisionFilter) ([]hub.CoverageCell, error) {
	return hub.Coverage(ctx, s, f)
}

func oracleProvisionRows(ctx context.Context, s hub.Reader, f hub.ProvisionFilter) ([]hub.ProvisionRow, error) {
	return hub.ProvisionRows(ctx, s, f)
}

func oracleProvisions(ctx context.Context, s hub.Reader, f hub.ProvisionFilter) ([]*hub.Provision, error) {
	return hub.Provisions(ctx, s, f)
}
