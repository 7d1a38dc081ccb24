package sharedtoken

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/arenasync/arenasync/arena"
)

// Fields of the token hash.
const (
	fieldAccessToken = "access_token"
	fieldTokenType   = "token_type"
	fieldIssuedAt    = "issued_at"
	fieldExpiresAt   = "expires_at"
	fieldScopes      = "scopes"
)

// redisError marks a failed Redis command, which makes the source fall back
// to the per-process token.
type redisError struct{ err error }

func (e *redisError) Error() string { return "redis: " + e.err.Error() }
func (e *redisError) Unwrap() error { return e.err }

func isRedisError(err error) bool {
	var re *redisError
	return errors.As(err, &re)
}

// invalidateScript deletes the token only while it is still the rejected one.
var invalidateScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
	return redis.call('DEL', KEYS[1])
end
return 0`)

// unlockScript releases the lock only while this instance still holds it.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0`)

// tokenStore reads and writes the shared token and its lock.
type tokenStore struct {
	rdb      redis.Cmdable
	tokenKey string
	lockKey  string
}

func newTokenStore(rdb redis.Cmdable, prefix string) tokenStore {
	return tokenStore{rdb: rdb, tokenKey: prefix + "arena:token", lockKey: prefix + "arena:token:lock"}
}

// read returns the cached token, or an empty Token when none is cached.
func (s tokenStore) read(ctx context.Context) (arena.Token, error) {
	fields, err := s.rdb.HGetAll(ctx, s.tokenKey).Result()
	if err != nil {
		return arena.Token{}, &redisError{err}
	}
	if fields[fieldAccessToken] == "" {
		return arena.Token{}, nil
	}

	return arena.Token{
		AccessToken: fields[fieldAccessToken],
		TokenType:   fields[fieldTokenType],
		IssuedAt:    parseUnixNano(fields[fieldIssuedAt]),
		ExpiresAt:   parseUnixNano(fields[fieldExpiresAt]),
		Scopes:      strings.Fields(fields[fieldScopes]),
	}, nil
}

// write replaces the cached token. The key expires with the token.
func (s tokenStore) write(ctx context.Context, token arena.Token) error {
	_, err := s.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Del(ctx, s.tokenKey)
		pipe.HSet(ctx, s.tokenKey,
			fieldAccessToken, token.AccessToken,
			fieldTokenType, token.TokenType,
			fieldIssuedAt, formatUnixNano(token.IssuedAt),
			fieldExpiresAt, formatUnixNano(token.ExpiresAt),
			fieldScopes, strings.Join(token.Scopes, " "))
		if !token.ExpiresAt.IsZero() {
			pipe.PExpireAt(ctx, s.tokenKey, token.ExpiresAt)
		}
		return nil
	})
	if err != nil {
		return &redisError{fmt.Errorf("store the arena token: %w", err)}
	}
	return nil
}

// invalidate deletes the cached token if it is still stale and reports
// whether it did.
func (s tokenStore) invalidate(ctx context.Context, stale arena.Token) (bool, error) {
	deleted, err := invalidateScript.Run(ctx, s.rdb, []string{s.tokenKey}, fieldAccessToken, stale.AccessToken).Int()
	if err != nil {
		return false, &redisError{err}
	}
	return deleted == 1, nil
}

// lock takes the refresh lock for owner and reports whether it got it.
func (s tokenStore) lock(ctx context.Context, owner string, ttl time.Duration) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.lockKey, owner, ttl).Result()
	if err != nil {
		return false, &redisError{err}
	}
	return ok, nil
}

// locked reports whether any instance holds the refresh lock.
func (s tokenStore) locked(ctx context.Context) (bool, error) {
	n, err := s.rdb.Exists(ctx, s.lockKey).Result()
	if err != nil {
		return false, &redisError{err}
	}
	return n == 1, nil
}

// unlock releases the lock if owner still holds it.
func (s tokenStore) unlock(ctx context.Context, owner string) error {
	if err := unlockScript.Run(ctx, s.rdb, []string{s.lockKey}, owner).Err(); err != nil {
		return &redisError{err}
	}
	return nil
}

func formatUnixNano(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

func parseUnixNano(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}
