package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/arenasync/arenasync/pipeline"
)

// adminBatch is the number of keys read or written in one Redis pipeline
// by the administration helpers, so 10,000 rows take 20 round trips.
const adminBatch = 500

// lockSuffix ends the key of an enrollment's creation lock.
const lockSuffix = ":lock"

// ImportOptions tune Enrollments.Import.
type ImportOptions struct {
	// DryRun compares the rows with the stored map and writes nothing.
	// Default false.
	DryRun bool
	// Overwrite replaces a stored mapping that names another record.
	// Default false: such a row is rejected and the stored mapping kept.
	Overwrite bool
}

// ImportResult counts what Import did, or would do on a dry run.
type ImportResult struct {
	// Imported counts mappings that were not stored before.
	Imported int
	// Unchanged counts mappings already stored with the same record.
	Unchanged int
	// Replaced counts stored mappings replaced because of Overwrite.
	Replaced int
	// Rejected are rows whose enrollment is stored with another record.
	Rejected []RejectedRow
}

// Import stores rows in the enrollment map, one pipeline per 500 rows. A
// row whose enrollment is already mapped to another record is rejected
// unless opts.Overwrite is set.
func (e *Enrollments) Import(ctx context.Context, rows []MappingRow, opts ImportOptions) (ImportResult, error) {
	var result ImportResult
	for start := 0; start < len(rows); start += adminBatch {
		batch := rows[start:min(start+adminBatch, len(rows))]
		if err := e.importBatch(ctx, batch, opts, &result); err != nil {
			return result, fmt.Errorf("import rows from line %d: %w", batch[0].Line, err)
		}
	}

	return result, nil
}

// importBatch writes one batch and adds its counts to result. Each row's
// GET runs in the same pipeline as, and before, its write, so it sees
// the value the write found.
func (e *Enrollments) importBatch(ctx context.Context, batch []MappingRow, opts ImportOptions, result *ImportResult) error {
	before := make([]*redis.StringCmd, len(batch))
	created := make([]*redis.BoolCmd, len(batch))

	_, err := e.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, row := range batch {
			key := e.key(row.EmployeeID, row.CourseID)
			before[i] = pipe.Get(ctx, key)
			switch {
			case opts.DryRun:
			case opts.Overwrite:
				pipe.Set(ctx, key, row.TrainingRecordID, 0)
			default:
				created[i] = pipe.SetNX(ctx, key, row.TrainingRecordID, 0)
			}
		}

		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}

	for i, row := range batch {
		stored, err := before[i].Result()
		switch {
		case errors.Is(err, redis.Nil):
			result.Imported++
		case err != nil:
			return err
		case stored == row.TrainingRecordID:
			result.Unchanged++
		case opts.Overwrite:
			result.Replaced++
		case created[i] != nil && created[i].Val():
			// The mapping was deleted between the GET and the SETNX.
			result.Imported++
		default:
			result.Rejected = append(result.Rejected, RejectedRow{Line: row.Line, Field: ColumnTrainingRecordID, Value: row.TrainingRecordID,
				Reason: fmt.Sprintf("employee %s and course %s are already mapped to %s; import with --overwrite to replace it", row.EmployeeID, row.CourseID, stored)})
		}
	}

	return nil
}

// All returns every stored mapping, sorted by employee and then course.
func (e *Enrollments) All(ctx context.Context) ([]Mapping, error) {
	var mappings []Mapping
	err := e.Scan(ctx, func(m Mapping) error {
		mappings = append(mappings, m)

		return nil
	})
	if err != nil {
		return nil, err
	}

	sort.Slice(mappings, func(i, j int) bool {
		if mappings[i].EmployeeID != mappings[j].EmployeeID {
			return mappings[i].EmployeeID < mappings[j].EmployeeID
		}

		return mappings[i].CourseID < mappings[j].CourseID
	})

	return mappings, nil
}

// Scan calls fn with every stored mapping, in no particular order, and
// stops at fn's first error. Mappings written while it runs may be left
// out, as Redis SCAN guarantees only the keys that exist throughout.
func (e *Enrollments) Scan(ctx context.Context, fn func(Mapping) error) error {
	prefix := e.prefix + "enrollment:"
	iter := e.client.Scan(ctx, 0, escapeGlob(prefix)+"*", adminBatch).Iterator()

	var keys []string
	for iter.Next(ctx) {
		// NOTE: a course id ending in ":lock" is taken for a creation lock
		// and left out; ingest accepts such ids, but no LMS is known to use them.
		if key := iter.Val(); !strings.HasSuffix(key, lockSuffix) {
			keys = append(keys, key)
		}
		if len(keys) == adminBatch {
			if err := e.emit(ctx, prefix, keys, fn); err != nil {
				return err
			}
			keys = keys[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("list enrollments: %w", err)
	}

	return e.emit(ctx, prefix, keys, fn)
}

// emit reads the values of keys in one pipeline and calls fn for each.
func (e *Enrollments) emit(ctx context.Context, prefix string, keys []string, fn func(Mapping) error) error {
	if len(keys) == 0 {
		return nil
	}

	cmds := make([]*redis.StringCmd, len(keys))
	_, err := e.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, key := range keys {
			cmds[i] = pipe.Get(ctx, key)
		}

		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("read enrollments: %w", err)
	}

	for i, cmd := range cmds {
		recordID, err := cmd.Result()
		if err != nil {
			// Deleted between the scan and the read.
			continue
		}

		employeeID, courseID, ok := pipeline.SplitKey(strings.TrimPrefix(keys[i], prefix))
		if !ok {
			continue
		}
		if err := fn(Mapping{EmployeeID: employeeID, CourseID: courseID, TrainingRecordID: recordID}); err != nil {
			return err
		}
	}

	return nil
}

// escapeGlob escapes the characters Redis SCAN MATCH patterns treat
// specially, so a key prefix matches only itself.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}

	return b.String()
}
