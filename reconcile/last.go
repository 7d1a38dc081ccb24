package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// saveLast stores r as the last report.
func saveLast(ctx context.Context, client redis.UniversalClient, k keys, r Report) error {
	value, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode report of run %s: %w", r.RunID, err)
	}
	if err := client.Set(ctx, k.last(), value, 0).Err(); err != nil {
		return fmt.Errorf("store report of run %s: %w", r.RunID, err)
	}

	return nil
}

// LastReport returns the report of the last finished reconciliation under
// prefix, or an error wrapping ErrNoReport when none has finished.
func LastReport(ctx context.Context, client redis.UniversalClient, prefix string) (Report, error) {
	k := newKeys(prefix)
	value, err := client.Get(ctx, k.last()).Bytes()
	if errors.Is(err, redis.Nil) {
		return Report{}, fmt.Errorf("%w under %s: run `arenasync reconcile` first, or wait for the reconciler's scheduled run", ErrNoReport, k.last())
	}
	if err != nil {
		return Report{}, fmt.Errorf("read the last report: %w", err)
	}

	var r Report
	if err := json.Unmarshal(value, &r); err != nil {
		return Report{}, fmt.Errorf("decode the last report at %s: %w", k.last(), err)
	}

	return r, nil
}
