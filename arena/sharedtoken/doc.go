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
// When Redis is unreachable, the source falls back to a per-process token,
// logs a warning and counts the fallback. It tries Redis again at an
// interval and returns to the shared token when Redis responds.
//
// Redis holds the token in clear text, so anyone who can read the prefix's
// keys can call Arena as the service account.
package sharedtoken
