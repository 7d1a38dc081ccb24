package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Employees caches the employee ids Arena confirmed, so the worker does not
// ask Arena about the same employee before every record it creates. Only
// confirmations are cached: an employee Arena did not know is asked about
// again next time, so adding the employee in Arena takes effect at once.
type Employees struct {
	client redis.UniversalClient
	prefix string
}

// NewEmployees returns the employee cache stored under prefix.
func NewEmployees(client redis.UniversalClient, prefix string) *Employees {
	return &Employees{client: client, prefix: prefix}
}

// key returns the Redis key of one employee.
func (e *Employees) key(employeeID string) string {
	return e.prefix + "employee:" + employeeID
}

// Known reports whether Arena confirmed the employee within the cache time.
func (e *Employees) Known(ctx context.Context, employeeID string) (bool, error) {
	n, err := e.client.Exists(ctx, e.key(employeeID)).Result()
	if err != nil {
		return false, fmt.Errorf("read cached employee %s: %w", employeeID, err)
	}

	return n == 1, nil
}

// Remember caches Arena's confirmation of the employee for ttl.
func (e *Employees) Remember(ctx context.Context, employeeID string, ttl time.Duration) error {
	at := time.Now().UTC().Format(time.RFC3339)
	if err := e.client.Set(ctx, e.key(employeeID), at, ttl).Err(); err != nil {
		return fmt.Errorf("cache employee %s: %w", employeeID, err)
	}

	return nil
}

// Forget removes the employee from the cache, so the next record created
// for the employee checks Arena again.
func (e *Employees) Forget(ctx context.Context, employeeID string) error {
	if err := e.client.Del(ctx, e.key(employeeID)).Err(); err != nil {
		return fmt.Errorf("forget cached employee %s: %w", employeeID, err)
	}

	return nil
}
