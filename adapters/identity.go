package adapters

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Identity maps an LMS user id to Arena's employeeId. Implementations must
// be safe for concurrent use.
type Identity interface {
	// EmployeeID returns the employeeId of lmsUserID. found is false when
	// the rule knows no employee for it, which makes the delivery invalid
	// (422). An error means the lookup itself failed; ingest then answers
	// 503 so the LMS retries.
	EmployeeID(ctx context.Context, lmsUserID string) (employeeID string, found bool, err error)
}

// SameID uses the LMS user id as the employeeId.
type SameID struct{}

// EmployeeID returns lmsUserID.
func (SameID) EmployeeID(_ context.Context, lmsUserID string) (string, bool, error) {
	return lmsUserID, true, nil
}

// PrefixID puts a fixed prefix before the LMS user id, such as "EMP" to
// turn Docebo user 20417 into EMP20417.
type PrefixID struct {
	Prefix string
}

// EmployeeID returns Prefix + lmsUserID.
func (p PrefixID) EmployeeID(_ context.Context, lmsUserID string) (string, bool, error) {
	return p.Prefix + lmsUserID, true, nil
}

// TableID looks the LMS user id up in a fixed table.
type TableID map[string]string

// EmployeeID returns the table entry of lmsUserID.
func (t TableID) EmployeeID(_ context.Context, lmsUserID string) (string, bool, error) {
	employeeID, ok := t[lmsUserID]

	return employeeID, ok, nil
}

// tableHeader is the optional first row of an identity file.
var tableHeader = []string{"lms_user_id", "employee_id"}

// LoadTable reads an identity table from a CSV file with two columns, the
// LMS user id and the employeeId, one user per row. A first row equal to
// "lms_user_id,employee_id" and rows starting with '#' are skipped.
func LoadTable(path string) (TableID, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open identity table: %w", err)
	}
	defer f.Close()

	return readTable(f, path)
}

// readTable parses the CSV of LoadTable.
func readTable(r io.Reader, name string) (TableID, error) {
	reader := csv.NewReader(r)
	reader.Comment = '#'
	reader.FieldsPerRecord = 2
	reader.TrimLeadingSpace = true

	table := TableID{}
	for row := 1; ; row++ {
		record, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return table, nil
		}
		if err != nil {
			return nil, fmt.Errorf("identity table %s: %w: write two columns, lms_user_id,employee_id", name, err)
		}

		lmsID, employeeID := strings.TrimSpace(record[0]), strings.TrimSpace(record[1])
		if row == 1 && lmsID == tableHeader[0] && employeeID == tableHeader[1] {
			continue
		}
		if lmsID == "" || employeeID == "" {
			return nil, fmt.Errorf("identity table %s: row %d has an empty column: fill in both ids", name, row)
		}
		if _, dup := table[lmsID]; dup {
			return nil, fmt.Errorf("identity table %s: LMS user %q appears twice (row %d): keep one row", name, lmsID, row)
		}
		table[lmsID] = employeeID
	}
}

// RedisID looks the LMS user id up in a Redis hash whose fields are LMS
// user ids and whose values are employeeIds, so the table can change
// without a restart: HSET <key> 20417 EMP20417.
type RedisID struct {
	client redis.UniversalClient
	key    string
}

// NewRedisID returns a lookup in the hash key.
func NewRedisID(client redis.UniversalClient, key string) *RedisID {
	return &RedisID{client: client, key: key}
}

// IdentityKey returns the Redis hash of a source's identity table under
// the key prefix of arenasync.
func IdentityKey(prefix, source string) string {
	return prefix + "identity:" + source
}

// EmployeeID returns the hash field of lmsUserID.
func (r *RedisID) EmployeeID(ctx context.Context, lmsUserID string) (string, bool, error) {
	employeeID, err := r.client.HGet(ctx, r.key, lmsUserID).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("look up LMS user %s in Redis hash %s: %w", lmsUserID, r.key, err)
	}

	return employeeID, true, nil
}

// Identity rule specs of ParseIdentity.
const (
	IdentitySame   = "same"
	identityPrefix = "prefix:"
	identityFile   = "file:"
	IdentityRedis  = "redis"
)

// ParseIdentity builds the rule of a spec: "same" (or empty), "prefix:EMP",
// "file:/path/to/table.csv" (see LoadTable) or "redis" (see RedisID, in
// the hash IdentityKey(redisPrefix, source)). client may be nil unless
// the spec is "redis".
func ParseIdentity(spec, source string, client redis.UniversalClient, redisPrefix string) (Identity, error) {
	switch {
	case spec == "" || spec == IdentitySame:
		return SameID{}, nil
	case strings.HasPrefix(spec, identityPrefix):
		prefix := strings.TrimPrefix(spec, identityPrefix)
		if prefix == "" {
			return nil, invalid("identity %q has an empty prefix: write prefix:EMP", spec)
		}

		return PrefixID{Prefix: prefix}, nil
	case strings.HasPrefix(spec, identityFile):
		return LoadTable(strings.TrimPrefix(spec, identityFile))
	case spec == IdentityRedis:
		if client == nil {
			return nil, invalid("identity redis needs a Redis client")
		}

		return NewRedisID(client, IdentityKey(redisPrefix, source)), nil
	}

	return nil, invalid("identity %q is unknown: use same, prefix:<prefix>, file:<path> or redis", spec)
}
