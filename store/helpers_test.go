package store_test

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/arenasync/arenasync/internal/testenv"
)

// newRedis connects to the test Redis server and returns the client and a
// key prefix of this test's own.
func newRedis(t *testing.T) (*redis.Client, string) {
	t.Helper()

	client := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() { _ = client.Close() })

	return client, testenv.RedisPrefix(t)
}
