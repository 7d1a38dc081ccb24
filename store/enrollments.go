package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Enrollments maps (employee id, LMS course id) to an Arena training record id.
type Enrollments struct {
	client redis.UniversalClient
	prefix string
}

// NewEnrollments returns the enrollment map stored under prefix.
func NewEnrollments(client redis.UniversalClient, prefix string) *Enrollments {
	return &Enrollments{client: client, prefix: prefix}
}

// key returns the Redis key of one enrollment.
func (e *Enrollments) key(employeeID, courseID string) string {
	return e.prefix + "enrollment:" + employeeID + "|" + courseID
}

// Get returns the record id of an enrollment. ok is false when none is stored.
func (e *Enrollments) Get(ctx context.Context, employeeID, courseID string) (recordID string, ok bool, err error) {
	recordID, err = e.client.Get(ctx, e.key(employeeID, courseID)).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read enrollment %s|%s: %w", employeeID, courseID, err)
	}

	return recordID, true, nil
}

// Set stores the record id of an enrollment, replacing any earlier one.
func (e *Enrollments) Set(ctx context.Context, employeeID, courseID, recordID string) error {
	if err := e.client.Set(ctx, e.key(employeeID, courseID), recordID, 0).Err(); err != nil {
		return fmt.Errorf("store enrollment %s|%s: %w", employeeID, courseID, err)
	}

	return nil
}

// Delete removes an enrollment. It reports whether one was stored.
func (e *Enrollments) Delete(ctx context.Context, employeeID, courseID string) (bool, error) {
	n, err := e.client.Del(ctx, e.key(employeeID, courseID)).Result()
	if err != nil {
		return false, fmt.Errorf("delete enrollment %s|%s: %w", employeeID, courseID, err)
	}

	return n == 1, nil
}

// Lock takes the creation lock of an enrollment for ttl, so only one worker
// creates its Arena record. It returns a release function when the lock was
// taken, and nil when another holder has it.
func (e *Enrollments) Lock(ctx context.Context, employeeID, courseID, owner string, ttl time.Duration) (func(), error) {
	key := e.key(employeeID, courseID) + ":lock"

	taken, err := e.client.SetNX(ctx, key, owner, ttl).Result()
	if err != nil {
		return nil, fmt.Errorf("lock enrollment %s|%s: %w", employeeID, courseID, err)
	}
	if !taken {
		return nil, nil
	}

	release := func() {
		// Delete only our own lock: it may have expired and been taken by another worker.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		releaseScript.Run(ctx, e.client, []string{key}, owner)
	}

	return release, nil
}

// releaseScript deletes a lock only when it still holds the caller's owner value.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`)
