package ledger

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// putSource is the script that replaces an entry and moves it in the
// indexes, unless the stored entry is newer (see Put).
//
//	KEYS[1] entry hash, KEYS[2] completion index, KEYS[3] attempt index,
//	KEYS[4] enrollment map key, KEYS[5..] outcome indexes in Outcomes order
//	ARGV[1] member, ARGV[2] completion ms, ARGV[3] attempt ms, ARGV[4]
//	outcome, ARGV[5] 1-based position of the outcome in Outcomes, ARGV[6]
//	event id, ARGV[7] accepted-at text, ARGV[8] record id, ARGV[9..] hash
//	field-value pairs
//
// Accepted-at texts have one fixed width in UTC, so comparing them as
// strings compares the times. It returns 1 when it wrote the entry.
const putSource = `
local old_event = redis.call('HGET', KEYS[1], 'event_id')
if old_event then
  if old_event == ARGV[6] then
    if ARGV[4] == 'accepted' then
      return 0
    end
  else
    local old_accepted = redis.call('HGET', KEYS[1], 'accepted_at')
    if old_accepted and old_accepted ~= '' and ARGV[7] ~= '' and old_accepted > ARGV[7] then
      return 0
    end
  end
end
local record = ARGV[8]
if record == '' then
  record = redis.call('GET', KEYS[4]) or ''
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'training_record_id', record, unpack(ARGV, 9))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
for i = 5, #KEYS do
  redis.call('ZREM', KEYS[i], ARGV[1])
end
redis.call('ZADD', KEYS[4 + tonumber(ARGV[5])], ARGV[3], ARGV[1])
return 1
`

// putScript runs putSource.
var putScript = redis.NewScript(putSource)

// Put stores e as the latest completion of its enrollment and reports
// whether it was written. It is not written when the stored entry is of
// the same event and e is only its acceptance, or when the stored entry
// is of another event that ingest accepted later than e's. An empty
// TrainingRecordID is filled from the enrollment map.
func (s *Store) Put(ctx context.Context, e Entry) (bool, error) {
	written, errs := s.putEach(ctx, []Entry{e})

	return written[0], errs[0]
}

// PutAll stores every entry as Put does, all in one Redis pipeline, and
// reports for each entry whether it was written. The entries run in slice
// order, so two entries of one enrollment give the results of two Puts in
// that order.
//
// An invalid entry is skipped and the others are still written. The error
// joins one error per entry that is invalid or whose write failed, and
// each such entry is reported as not written. The pipeline holds one
// command per entry, so the caller bounds the number of entries. It takes
// one round trip, and one more when Redis's script cache lacks the write
// script, as after a restart or SCRIPT FLUSH.
func (s *Store) PutAll(ctx context.Context, entries []Entry) ([]bool, error) {
	written, errs := s.putEach(ctx, entries)

	return written, errors.Join(errs...)
}

// putCall is the write of one valid entry of a PutAll.
type putCall struct {
	// index is the entry's position in the PutAll slice.
	index  int
	member string
	keys   []string
	args   []any
	cmd    *redis.Cmd
}

// putEach writes the valid entries in one pipeline. It returns, per entry,
// whether the entry was written and the error that kept it from being
// written, if any.
func (s *Store) putEach(ctx context.Context, entries []Entry) ([]bool, []error) {
	written := make([]bool, len(entries))
	errs := make([]error, len(entries))

	calls := make([]*putCall, 0, len(entries))
	for i, e := range entries {
		call, err := s.newPutCall(e)
		if err != nil {
			errs[i] = err

			continue
		}
		call.index = i
		calls = append(calls, call)
	}
	if len(calls) == 0 {
		return written, errs
	}

	s.runPutCalls(ctx, calls, false)

	// EVALSHA fails with NOSCRIPT when Redis lost its script cache. Such a
	// command ran nothing, so it runs again after the script is loaded.
	// Commands that did run are not repeated, because a repeated
	// acceptance would report false.
	if missing := scriptMissing(calls); len(missing) > 0 {
		s.runPutCalls(ctx, missing, true)
	}

	for _, call := range calls {
		n, err := call.cmd.Int()
		if err != nil {
			errs[call.index] = fmt.Errorf("store ledger entry %s: %w", call.member, err)

			continue
		}
		written[call.index] = n == 1
	}

	return written, errs
}

// newPutCall checks e and builds the keys and arguments of its write.
func (s *Store) newPutCall(e Entry) (*putCall, error) {
	if err := check(e); err != nil {
		return nil, err
	}
	completed, err := e.Completed()
	if err != nil {
		return nil, err
	}

	member := e.Key()
	keys := append([]string{s.keys.entry(member), s.keys.byCompletion(), s.keys.byAttempt(), s.keys.enrollment(member)}, s.keys.outcomeIndexes()...)
	args := []any{member, millis(completed), millis(e.LastAttemptAt), string(e.Outcome), outcomePosition(e.Outcome),
		e.EventID, formatTime(e.AcceptedAt), e.TrainingRecordID}
	args = append(args, e.hashArgs()...)

	return &putCall{member: member, keys: keys, args: args}, nil
}

// runPutCalls sends the writes of calls in one pipeline, after SCRIPT LOAD
// when load is set, and stores each command in its call.
func (s *Store) runPutCalls(ctx context.Context, calls []*putCall, load bool) {
	// The pipeline's error is the first failed command's error, and
	// go-redis sets a connection failure on every command, so each call
	// reads the error of its own command.
	_, _ = s.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		// NOTE: putScript.Load would be wrong here. In go-redis v9.23
		// Script.Load stores the reply as the script's hash at once, and a
		// queued command's reply is empty until the pipeline runs.
		if load {
			pipe.ScriptLoad(ctx, putSource)
		}
		for _, call := range calls {
			call.cmd = putScript.EvalSha(ctx, pipe, call.keys, call.args...)
		}

		return nil
	})
}

// scriptMissing returns the calls whose command failed with NOSCRIPT.
func scriptMissing(calls []*putCall) []*putCall {
	var missing []*putCall
	for _, call := range calls {
		if redis.HasErrorPrefix(call.cmd.Err(), "NOSCRIPT") {
			missing = append(missing, call)
		}
	}

	return missing
}

// check reports the first field of e that Put cannot store.
func check(e Entry) error {
	switch {
	case e.EmployeeID == "" || e.CourseID == "":
		return fmt.Errorf("ledger entry of event %s: employee id or course id is empty", e.EventID)
	case e.EventID == "":
		return fmt.Errorf("ledger entry %s: event id is empty", e.Key())
	case !validOutcome(e.Outcome):
		return fmt.Errorf("ledger entry %s: outcome %q is not one of %v", e.Key(), e.Outcome, Outcomes)
	case e.LastAttemptAt.IsZero():
		return fmt.Errorf("ledger entry %s: last attempt time is zero", e.Key())
	}

	return nil
}

// outcomePosition returns the 1-based position of o in Outcomes.
func outcomePosition(o Outcome) int {
	for i, known := range Outcomes {
		if o == known {
			return i + 1
		}
	}

	return 0
}
