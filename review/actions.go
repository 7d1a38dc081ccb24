package review

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// transitionScript changes an entry's status, moves it between the status
// indexes and appends the audit record to both trails, at once, and only
// when the entry's current status is one of the allowed ones.
//
// Keys: KEYS[1] entry hash, KEYS[2] entry trail, KEYS[3] trail of all
// entries, KEYS[4] time index, KEYS[5..7] open, replayed and resolved indexes.
//
// Arguments: ARGV[1] allowed statuses as ",open,replayed,", ARGV[2] new
// status, ARGV[3] id, ARGV[4] time, ARGV[5] "1" to count a replay,
// ARGV[6..] audit field-value pairs.
//
// It returns {"ok", old status}, {"missing"} or {"status", current status}.
var transitionScript = redis.NewScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  return {'missing'}
end
if not string.find(ARGV[1], ',' .. status .. ',', 1, true) then
  return {'status', status}
end
local index = {open = KEYS[5], replayed = KEYS[6], resolved = KEYS[7]}
local score = redis.call('ZSCORE', KEYS[4], ARGV[3])
redis.call('ZREM', index[status], ARGV[3])
redis.call('ZADD', index[ARGV[2]], score, ARGV[3])
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'updated_at', ARGV[4])
if ARGV[5] == '1' then
  redis.call('HINCRBY', KEYS[1], 'replay_count', 1)
  redis.call('HSET', KEYS[1], 'last_replay_at', ARGV[4])
end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 6))
redis.call('XADD', KEYS[3], '*', unpack(ARGV, 6))
return {'ok', status}
`)

// replayableStatuses are the statuses a replay accepts: an entry replayed
// before may be replayed again on purpose, a resolved one is closed.
var replayableStatuses = []Status{StatusOpen, StatusReplayed}

// resolvableStatuses are the statuses Resolve accepts.
var resolvableStatuses = []Status{StatusOpen, StatusReplayed}

// RecordReplay marks entry id as replayed, counts the replay and appends
// record, whose Action must be ActionReplayed, to the audit trail.
func (s *Store) RecordReplay(ctx context.Context, record AuditRecord) (Entry, error) {
	if record.Action != ActionReplayed {
		return Entry{}, fmt.Errorf("record replay of dead letter %s: action is %q, want %q", record.EntryID, record.Action, ActionReplayed)
	}

	return s.transition(ctx, record, replayableStatuses, StatusReplayed)
}

// Resolve closes entry id without a replay. The note is required and gives
// the reason. The actor names who closed the entry.
func (s *Store) Resolve(ctx context.Context, id, actor, note string) (Entry, error) {
	if strings.TrimSpace(note) == "" {
		return Entry{}, fmt.Errorf("resolve dead letter %s: %w: say with --note why it needs no replay", id, ErrNoteRequired)
	}

	return s.transition(ctx, AuditRecord{EntryID: id, Action: ActionResolved, Actor: actor, At: s.now(), Note: note}, resolvableStatuses, StatusResolved)
}

// transition runs transitionScript and returns the updated entry.
func (s *Store) transition(ctx context.Context, record AuditRecord, allowed []Status, next Status) (Entry, error) {
	id := record.EntryID
	if strings.TrimSpace(record.Actor) == "" {
		return Entry{}, fmt.Errorf("dead letter %s not %s: %w: pass --actor NAME", id, record.Action, ErrActorRequired)
	}
	if record.At.IsZero() {
		record.At = s.now()
	}

	audit, err := record.streamArgs()
	if err != nil {
		return Entry{}, err
	}

	keys := []string{
		s.keys.entry(id), s.keys.trail(id), s.keys.allTrail(), s.keys.byTime(),
		s.keys.byStatus(StatusOpen), s.keys.byStatus(StatusReplayed), s.keys.byStatus(StatusResolved),
	}
	countReplay := "0"
	if next == StatusReplayed {
		countReplay = "1"
	}
	args := append([]any{statusList(allowed), string(next), id, formatTime(record.At), countReplay}, audit...)

	result, err := transitionScript.Run(ctx, s.client, keys, args...).StringSlice()
	if err != nil {
		return Entry{}, fmt.Errorf("dead letter %s not %s: %w", id, record.Action, err)
	}
	if err := transitionError(record.Action, id, result); err != nil {
		return Entry{}, err
	}

	return s.Get(ctx, id)
}

// transitionError turns a refusal of transitionScript into an error.
func transitionError(action Action, id string, result []string) error {
	switch {
	case len(result) == 0:
		return fmt.Errorf("dead letter %s not %s: the script returned nothing", id, action)
	case result[0] == "ok":
		return nil
	case result[0] == "missing":
		return fmt.Errorf("%w: %s: list the ids with `arenasync dlt list --status all`", ErrNotFound, id)
	case result[0] == "status" && len(result) == 2:
		return fmt.Errorf("%w: %s is %s, so it cannot be %s; see its trail with `arenasync dlt show %s`", ErrWrongStatus, id, result[1], action, id)
	default:
		return fmt.Errorf("dead letter %s not %s: unexpected script result %q", id, action, strings.Join(result, " "))
	}
}

// statusList writes statuses as ",a,b," for the script's substring test.
func statusList(statuses []Status) string {
	var b strings.Builder
	b.WriteString(",")
	for _, s := range statuses {
		b.WriteString(string(s))
		b.WriteString(",")
	}

	return b.String()
}
