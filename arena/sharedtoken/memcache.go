package sharedtoken

import (
	"sync"
	"time"

	"github.com/arenasync/arenasync/arena"
)

// memoryToken keeps the shared token in process memory until its refresh
// time, so that Source.Token returns it on most calls without a Redis round
// trip. It is safe for concurrent use.
type memoryToken struct {
	mu sync.Mutex

	token arena.Token

	// refreshAt is when the token stops being served from memory. From then
	// on the source reads Redis and refreshes the token there.
	refreshAt time.Time

	// generation changes on every forget and clear. A Redis read that began
	// in an older generation may return the token that was just rejected or
	// read before an outage, so its result is not kept.
	generation uint64
}

// get returns the token while now is before its refresh time.
func (m *memoryToken) get(now time.Time) (arena.Token, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()

	if m.token.AccessToken == "" || !now.Before(m.refreshAt) {
		return arena.Token{}, false
	}
	return m.token, true
}

// currentGeneration returns the generation to pass to keep after a Redis
// read. Take it before the read starts.
func (m *memoryToken) currentGeneration() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.generation
}

// keep stores token until refreshAt, unless the memory was forgotten or
// cleared since generation was taken.
func (m *memoryToken) keep(token arena.Token, refreshAt time.Time, generation uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()

	if generation != m.generation {
		return
	}
	m.token = token
	m.refreshAt = refreshAt
}

// forget drops the token when it is stale, compared by access token, and
// starts a new generation in either case, so that a Redis read in flight
// cannot store stale afterwards.
func (m *memoryToken) forget(stale arena.Token) {
	m.mu.Lock()
	defer m.mu.Unlock()

	m.generation++
	if m.token.AccessToken == stale.AccessToken {
		m.token = arena.Token{}
		m.refreshAt = time.Time{}
	}
}

// clear drops the token, whichever it is, and starts a new generation.
func (m *memoryToken) clear() {
	m.mu.Lock()
	defer m.mu.Unlock()

	m.generation++
	m.token = arena.Token{}
	m.refreshAt = time.Time{}
}
