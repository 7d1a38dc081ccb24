// Package sharedtoken keeps one Arena token (or session id) in Redis for
// every arenasync instance, so the instances do not log in one after
// another and end each other's sessions.
//
// The token is stored with its expiry. An instance that finds it within the
// refresh margin of expiry takes a Redis lock with a TTL and logs in. The
// other instances keep using the old token while it is still valid, or wait
// for the new one when it is not. After Arena rejects a token with 401, the
// cached token is deleted only while it is still the one that was
// rejected, so a token that another instance just stored survives.
//
// Each instance also keeps the token in process memory until its refresh
// time, ExpiresAt less the refresh margin as arena.Token.RefreshAt computes
// it, and returns it before that time without a Redis command. A token
// without an expiry is not kept, so every call reads Redis for it. At the
// refresh time the instance reads Redis and refreshes as described above.
// Invalidate drops the rejected token from memory, compared by its access
// token, so the retry after a 401 reads Redis again.
//
// Holding the token in memory adds no login. While Redis responds, an
// instance logs in only when Redis contains no token or one at its refresh
// time, and a token leaves Redis before that time only when Invalidate
// deletes it after a 401 or Redis loses its data. Where a login ends the
// account's earlier session, an instance that still has the old token in
// memory gets one 401 and invalidates it. The compare-and-delete keeps the
// token that the other instance stored, and the retry reads that token from
// Redis. So the 401 costs one extra call and no login.
//
// A cache with a fixed lifetime, say one second, lacks this safety, because
// its lifetime is tied neither to the refresh time nor to Invalidate. An
// entry taken just before the refresh time outlives it, and outlives the
// expiry too when the refresh margin is shorter than the entry's lifetime.
// Unless the entry is dropped on a 401, the retry sends the rejected token
// again and fails.
//
// When Redis is unreachable, the source falls back to a per-process token,
// logs a warning and counts the fallback. It tries Redis again at an
// interval and returns to the shared token when Redis responds. While the
// token is served from memory no Redis command runs, so an outage is noticed
// at the refresh time or at the next 401. Switching to the per-process token
// clears the memory.
//
// Redis holds the token in clear text, so anyone who can read the prefix's
// keys can call Arena as the service account.
package sharedtoken
