package review

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Filter selects entries. Zero fields select everything.
type Filter struct {
	// Reason keeps entries of this dead-letter reason.
	Reason string
	// EmployeeID keeps entries of this employee.
	EmployeeID string
	// Since keeps entries dead-lettered at or after this time.
	Since time.Time
	// Status keeps entries of this status; "" keeps every status.
	Status Status
	// Limit bounds the number of entries returned; 0 means no limit.
	Limit int
}

// listPageSize is the number of ids read from an index per round trip.
const listPageSize = 200

// List returns the entries that match f, newest dead letter first.
func (s *Store) List(ctx context.Context, f Filter) ([]Entry, error) {
	if f.Limit < 0 {
		return nil, fmt.Errorf("list limit %d is negative: use 0 for no limit", f.Limit)
	}

	index := s.indexFor(f)
	minScore := "-inf"
	if !f.Since.IsZero() {
		minScore = score(f.Since)
	}

	var found []Entry
	for offset := int64(0); ; offset += listPageSize {
		ids, err := s.client.ZRevRangeByScore(ctx, index, &redis.ZRangeBy{Min: minScore, Max: "+inf", Offset: offset, Count: listPageSize}).Result()
		if err != nil {
			return nil, fmt.Errorf("list dead letters from %s: %w", index, err)
		}

		entries, err := s.getMany(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if f.matches(e) {
				found = append(found, e)
			}
			if f.Limit > 0 && len(found) == f.Limit {
				return found, nil
			}
		}

		if len(ids) < listPageSize {
			return found, nil
		}
	}
}

// indexFor picks the smallest index that f can use; matches checks the
// other conditions.
func (s *Store) indexFor(f Filter) string {
	switch {
	case f.EmployeeID != "":
		return s.keys.byEmployee(f.EmployeeID)
	case f.Reason != "":
		return s.keys.byReason(f.Reason)
	case f.Status != "":
		return s.keys.byStatus(f.Status)
	default:
		return s.keys.byTime()
	}
}

// matches reports whether e passes every condition of f.
func (f Filter) matches(e Entry) bool {
	switch {
	case f.Reason != "" && e.Reason != f.Reason:
		return false
	case f.EmployeeID != "" && e.EmployeeID != f.EmployeeID:
		return false
	case f.Status != "" && e.Status != f.Status:
		return false
	case !f.Since.IsZero() && e.DeadLetteredAt.Before(f.Since.Truncate(time.Millisecond)):
		return false
	}

	return true
}

// getMany reads the entries of ids in one round trip, in the order of ids.
// An id whose hash is gone is left out.
func (s *Store) getMany(ctx context.Context, ids []string) ([]Entry, error) {
	if len(ids) == 0 {
		return nil, nil
	}

	pipe := s.client.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HGetAll(ctx, s.keys.entry(id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("read %d dead letters: %w", len(ids), err)
	}

	entries := make([]Entry, 0, len(ids))
	for _, cmd := range cmds {
		h := cmd.Val()
		if len(h) == 0 {
			continue
		}
		e, err := entryFromHash(h)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}

	return entries, nil
}
