package ratelimit

import "github.com/redis/go-redis/v9"

// Results of admitScript, its reply's first element.
const (
	admitGranted      = 0
	admitPaused       = 1
	admitProbePending = 2
	admitTooLong      = 3
)

// admitScript decides one call in one round trip, on the Redis server's
// clock in microseconds.
//
// KEYS[1] is the GCRA schedule: the theoretical arrival time of the next
// call. KEYS[2] is the pause hash with fields until, gen (the round
// number), strikes (failed rounds since the last lifted pause) and
// probe_until (when the current probe's claim lapses).
//
// ARGV: interval between calls, burst, longest acceptable wait, probe
// claim duration; durations in microseconds.
//
// The reply is {result, wait, gen, probe}: the wait before sending (or
// before trying again), the round the call was admitted in, and 1 when the
// call is the probe.
var admitScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local p = redis.call('HMGET', KEYS[2], 'until', 'gen', 'strikes', 'probe_until')
local pause_until = tonumber(p[1]) or 0
local gen = tonumber(p[2]) or 0
local strikes = tonumber(p[3]) or 0
local probe_until = tonumber(p[4]) or 0

if pause_until > now then
	return {1, pause_until - now, gen, 0}
end
if strikes > 0 and probe_until > now then
	return {2, 0, gen, 0}
end

local interval = tonumber(ARGV[1])
local tolerance = (tonumber(ARGV[2]) - 1) * interval
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then
	tat = now
end
local start = tat - tolerance
if start < now then
	start = now
end
local wait = start - now
if wait > tonumber(ARGV[3]) then
	return {3, wait, gen, 0}
end

local probe = 0
if strikes > 0 then
	redis.call('HSET', KEYS[2], 'probe_until', now + wait + tonumber(ARGV[4]))
	probe = 1
end

local next_tat = tat + interval
redis.call('SET', KEYS[1], next_tat, 'PX', math.floor((next_tat - now) / 1000) + 1000)
return {0, wait, gen, probe}
`)

// pauseScript records a 429. A 429 of a call admitted in the current round
// starts the next round with one more strike. Later 429s of the same round
// only make sure the pause lasts long enough.
//
// KEYS[1] is the pause hash. ARGV: the round the call was admitted in, the
// wait Arena asked for (0 for none), the first backoff and the longest
// backoff; durations in microseconds. The reply is {pause left, strikes}.
var pauseScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local p = redis.call('HMGET', KEYS[1], 'until', 'gen', 'strikes')
local pause_until = tonumber(p[1]) or 0
local gen = tonumber(p[2]) or 0
local strikes = tonumber(p[3]) or 0

if tonumber(ARGV[1]) == gen then
	gen = gen + 1
	strikes = strikes + 1
end

local wait = tonumber(ARGV[2])
if wait <= 0 then
	wait = tonumber(ARGV[3]) * (2 ^ (math.max(strikes, 1) - 1))
	if wait > tonumber(ARGV[4]) then
		wait = tonumber(ARGV[4])
	end
end
if now + wait > pause_until then
	pause_until = now + wait
end

redis.call('HSET', KEYS[1], 'until', pause_until, 'gen', gen, 'strikes', strikes, 'probe_until', 0)
redis.call('PEXPIRE', KEYS[1], math.floor((pause_until - now) / 1000) + 3600000)
return {pause_until - now, strikes}
`)

// liftScript ends the pause after a probe of round ARGV[1] got a response
// other than 429. The round number is kept, so calls admitted before the
// lift still count as the current round.
var liftScript = redis.NewScript(`
local gen = tonumber(redis.call('HGET', KEYS[1], 'gen')) or 0
if gen ~= tonumber(ARGV[1]) then
	return 0
end
redis.call('HSET', KEYS[1], 'until', 0, 'strikes', 0, 'probe_until', 0)
return 1
`)

// pausedScript returns the microseconds left of the pause, or 0.
var pausedScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local pause_until = tonumber(redis.call('HGET', KEYS[1], 'until')) or 0
if pause_until > now then
	return pause_until - now
end
return 0
`)
