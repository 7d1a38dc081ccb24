package review

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Store is the review queue in Redis.
type Store struct {
	client redis.UniversalClient
	keys   keys
	now    func() time.Time
}

// NewStore returns the review queue under prefix, the installation's key
// prefix such as "arenasync:".
func NewStore(client redis.UniversalClient, prefix string) *Store {
	return &Store{client: client, keys: newKeys(prefix), now: time.Now}
}

// putScript creates an entry unless it exists: the hash, its index
// entries, the open-status index and the received audit record, at once.
//
//	KEYS[1] entry hash, KEYS[2] entry trail, KEYS[3] trail of all entries,
//	KEYS[4..] sorted-set indexes
//	ARGV[1] score, ARGV[2] id, ARGV[3] number n of hash arguments,
//	ARGV[4..3+n] hash field-value pairs, the rest audit field-value pairs
//
// It returns 1 when it created the entry and 0 when the entry existed.
var putScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local n = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], unpack(ARGV, 4, 3 + n))
for i = 4, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[1], ARGV[2])
end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 4 + n))
redis.call('XADD', KEYS[3], '*', unpack(ARGV, 4 + n))
return 1
`)

// Put stores e as a new entry and reports whether it was created. An entry
// with the same id is left unchanged, so storing a record twice is harmless.
func (s *Store) Put(ctx context.Context, e Entry) (bool, error) {
	hashArgs, err := e.hashArgs()
	if err != nil {
		return false, err
	}
	audit, err := AuditRecord{EntryID: e.ID, Action: ActionReceived, Actor: ReconcilerActor, At: e.StoredAt,
		Details: map[string]string{"reason": e.Reason}}.streamArgs()
	if err != nil {
		return false, err
	}

	keys := append([]string{s.keys.entry(e.ID), s.keys.trail(e.ID), s.keys.allTrail()}, s.keys.indexesOf(e)...)
	keys = append(keys, s.keys.byStatus(e.Status))

	args := append([]any{score(e.DeadLetteredAt), e.ID, len(hashArgs)}, hashArgs...)
	args = append(args, audit...)

	created, err := putScript.Run(ctx, s.client, keys, args...).Int()
	if err != nil {
		return false, fmt.Errorf("store dead letter %s: %w", e.ID, err)
	}

	return created == 1, nil
}

// Get returns entry id, or an error wrapping ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (Entry, error) {
	h, err := s.client.HGetAll(ctx, s.keys.entry(id)).Result()
	if err != nil {
		return Entry{}, fmt.Errorf("read dead letter %s: %w", id, err)
	}
	if len(h) == 0 {
		return Entry{}, fmt.Errorf("%w: %s: list the ids with `arenasync dlt list --status all`", ErrNotFound, id)
	}

	return entryFromHash(h)
}

// CountOpen returns the number of open entries.
func (s *Store) CountOpen(ctx context.Context) (int64, error) {
	return s.Count(ctx, StatusOpen)
}

// Count returns the number of entries of status, or of all entries when
// status is "".
func (s *Store) Count(ctx context.Context, status Status) (int64, error) {
	key := s.keys.byTime()
	if status != "" {
		key = s.keys.byStatus(status)
	}

	n, err := s.client.ZCard(ctx, key).Result()
	if err != nil {
		return 0, fmt.Errorf("count dead letters: %w", err)
	}

	return n, nil
}

// Ping checks that Redis responds.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis did not respond to PING: %w", err)
	}

	return nil
}

// score is the index score of a dead-letter time: Unix milliseconds.
func score(t time.Time) string {
	return strconv.FormatInt(t.UnixMilli(), 10)
}
