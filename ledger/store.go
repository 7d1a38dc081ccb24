package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// pageSize is the number of entries read per round trip by Scan.
const pageSize = 500

// Store is the ledger in Redis.
type Store struct {
	client redis.UniversalClient
	keys   keys
}

// NewStore returns the ledger under prefix, the installation's key prefix
// such as "arenasync:".
func NewStore(client redis.UniversalClient, prefix string) *Store {
	return &Store{client: client, keys: newKeys(prefix)}
}

// Get returns the entry of an enrollment; ok is false when there is none.
func (s *Store) Get(ctx context.Context, employeeID, courseID string) (entry Entry, ok bool, err error) {
	member := Entry{EmployeeID: employeeID, CourseID: courseID}.Key()
	h, err := s.client.HGetAll(ctx, s.keys.entry(member)).Result()
	if err != nil {
		return Entry{}, false, fmt.Errorf("read ledger entry %s: %w", member, err)
	}
	if len(h) == 0 {
		return Entry{}, false, nil
	}

	entry, err = entryFromHash(h)

	return entry, err == nil, err
}

// deleteScript removes an entry and its index members, unless ARGV[2] is
// set and the entry's event was accepted after it.
//
//	KEYS[1] entry hash, KEYS[2..] every index; ARGV[1] member, ARGV[2]
//	accepted-at text or ""
var deleteScript = redis.NewScript(`
if ARGV[2] ~= '' then
  local accepted = redis.call('HGET', KEYS[1], 'accepted_at')
  if accepted and accepted > ARGV[2] then
    return 0
  end
end
local n = redis.call('DEL', KEYS[1])
for i = 2, #KEYS do
  redis.call('ZREM', KEYS[i], ARGV[1])
end
return n
`)

// Delete removes the entry of an enrollment and reports whether one existed.
func (s *Store) Delete(ctx context.Context, employeeID, courseID string) (bool, error) {
	return s.deleteEntry(ctx, employeeID, courseID, time.Time{})
}

// DeleteAcceptedBefore removes the entry of an enrollment unless its event
// was accepted after acceptedAt, and reports whether it removed one. A zero
// acceptedAt removes the entry in any case, as Delete does.
func (s *Store) DeleteAcceptedBefore(ctx context.Context, employeeID, courseID string, acceptedAt time.Time) (bool, error) {
	return s.deleteEntry(ctx, employeeID, courseID, acceptedAt)
}

func (s *Store) deleteEntry(ctx context.Context, employeeID, courseID string, acceptedAt time.Time) (bool, error) {
	member := Entry{EmployeeID: employeeID, CourseID: courseID}.Key()
	keys := append([]string{s.keys.entry(member), s.keys.byCompletion(), s.keys.byAttempt()}, s.keys.outcomeIndexes()...)

	n, err := deleteScript.Run(ctx, s.client, keys, member, formatTime(acceptedAt)).Int()
	if err != nil {
		return false, fmt.Errorf("delete ledger entry %s: %w", member, err)
	}

	return n == 1, nil
}

// Count returns the number of entries.
func (s *Store) Count(ctx context.Context) (int64, error) {
	n, err := s.client.ZCard(ctx, s.keys.byCompletion()).Result()
	if err != nil {
		return 0, fmt.Errorf("count ledger entries: %w", err)
	}

	return n, nil
}

// Scan calls fn with every entry whose completion date is at or after
// since (every entry when since is zero), oldest completion first, and
// stops at fn's first error. Entries written while it runs may be left
// out, seen twice or seen in their new state.
func (s *Store) Scan(ctx context.Context, since time.Time, fn func(Entry) error) error {
	minScore := "-inf"
	if !since.IsZero() {
		minScore = millis(since)
	}

	for offset := int64(0); ; offset += pageSize {
		members, err := s.client.ZRangeByScore(ctx, s.keys.byCompletion(), &redis.ZRangeBy{Min: minScore, Max: "+inf", Offset: offset, Count: pageSize}).Result()
		if err != nil {
			return fmt.Errorf("list ledger entries: %w", err)
		}

		page, err := s.readPage(ctx, members)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}

		if len(members) < pageSize {
			return nil
		}
	}
}

// readPage reads the entries of one index page in one round trip.
func (s *Store) readPage(ctx context.Context, members []string) ([]Entry, error) {
	if len(members) == 0 {
		return nil, nil
	}

	cmds := make([]*redis.MapStringStringCmd, len(members))
	_, err := s.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, m := range members {
			cmds[i] = pipe.HGetAll(ctx, s.keys.entry(m))
		}

		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %d ledger entries: %w", len(members), err)
	}

	entries := make([]Entry, 0, len(members))
	for _, cmd := range cmds {
		if len(cmd.Val()) == 0 {
			// Deleted between the index read and this one.
			continue
		}
		e, err := entryFromHash(cmd.Val())
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}

	return entries, nil
}
