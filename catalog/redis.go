package catalog

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/redis/go-redis/v9"
)

// importBatch is the number of entries written in one Redis pipeline.
const importBatch = 500

// Redis holds catalog entries in Redis, one string key per LMS course id
// under <prefix>course:, so administrators change them while workers run.
type Redis struct {
	client redis.UniversalClient
	prefix string
}

// NewRedis returns the catalog entries stored under prefix.
func NewRedis(client redis.UniversalClient, prefix string) *Redis {
	return &Redis{client: client, prefix: prefix}
}

// key returns the Redis key of one LMS course id.
func (r *Redis) key(lmsCourseID string) string {
	return r.prefix + "course:" + lmsCourseID
}

// Get returns the Arena course id of an LMS course. ok is false when none is stored.
func (r *Redis) Get(ctx context.Context, lmsCourseID string) (arenaCourseID string, ok bool, err error) {
	arenaCourseID, err = r.client.Get(ctx, r.key(lmsCourseID)).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read course catalog entry %s: %w", lmsCourseID, err)
	}

	return arenaCourseID, true, nil
}

// Set stores the Arena course id of an LMS course, replacing any earlier one.
func (r *Redis) Set(ctx context.Context, lmsCourseID, arenaCourseID string) error {
	if err := r.client.Set(ctx, r.key(lmsCourseID), arenaCourseID, 0).Err(); err != nil {
		return fmt.Errorf("store course catalog entry %s: %w", lmsCourseID, err)
	}

	return nil
}

// Delete removes the entry of an LMS course and reports whether one was stored.
func (r *Redis) Delete(ctx context.Context, lmsCourseID string) (bool, error) {
	n, err := r.client.Del(ctx, r.key(lmsCourseID)).Result()
	if err != nil {
		return false, fmt.Errorf("delete course catalog entry %s: %w", lmsCourseID, err)
	}

	return n == 1, nil
}

// SetAll stores every entry of courses, replacing earlier ones, with one
// pipeline per 500 entries.
func (r *Redis) SetAll(ctx context.Context, courses Courses) error {
	ids := courses.sortedIDs()
	for start := 0; start < len(ids); start += importBatch {
		batch := ids[start:min(start+importBatch, len(ids))]
		_, err := r.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for _, id := range batch {
				pipe.Set(ctx, r.key(id), courses[id], 0)
			}

			return nil
		})
		if err != nil {
			return fmt.Errorf("store %d course catalog entries starting at %s: %w", len(batch), batch[0], err)
		}
	}

	return nil
}

// All returns every entry stored in Redis.
func (r *Redis) All(ctx context.Context) (Courses, error) {
	pattern := escapeGlob(r.key("")) + "*"
	courses := Courses{}

	iter := r.client.Scan(ctx, 0, pattern, 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("list course catalog entries: %w", err)
	}

	for start := 0; start < len(keys); start += importBatch {
		batch := keys[start:min(start+importBatch, len(keys))]
		cmds := make([]*redis.StringCmd, len(batch))
		_, err := r.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for i, key := range batch {
				cmds[i] = pipe.Get(ctx, key)
			}

			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("read course catalog entries: %w", err)
		}

		for i, cmd := range cmds {
			// A key deleted between the scan and the read is skipped.
			if value, err := cmd.Result(); err == nil {
				courses[batch[i][len(r.key("")):]] = value
			}
		}
	}

	return courses, nil
}

// sortedIDs returns the LMS course ids in order.
func (c Courses) sortedIDs() []string {
	ids := make([]string, 0, len(c))
	for id := range c {
		ids = append(ids, id)
	}
	sort.Strings(ids)

	return ids
}

// escapeGlob escapes the characters Redis SCAN MATCH patterns treat
// specially, so a key prefix matches only itself.
func escapeGlob(s string) string {
	var out []rune
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			out = append(out, '\\')
		}
		out = append(out, r)
	}

	return string(out)
}
