package access_test

import (
	"time"

	"github.com/arenasync/arenasync/ratelimit"
)

// ratelimitConfig returns a rate limit high enough not to slow the tests,
// with short pauses.
func ratelimitConfig() ratelimit.Config {
	return ratelimit.Config{RequestsPerSecond: 500, PauseInitial: 500 * time.Millisecond, PauseMax: 2 * time.Second, RedisRetryInterval: time.Second}
}
