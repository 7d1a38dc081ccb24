package review

import "errors"

// Sentinel errors of the review queue. Errors wrap them with the entry id
// and what to do next.
var (
	// ErrNotFound is returned by Store.Get and the actions for an id that
	// has no entry.
	ErrNotFound = errors.New("dead letter not found")
	// ErrWrongStatus is returned by the actions when the entry's status does
	// not allow the action, such as replaying a resolved entry.
	ErrWrongStatus = errors.New("dead letter status does not allow this action")
	// ErrNotReplayable is returned by Replayer for an entry whose value is
	// not an event: an invalid webhook body or an undecodable record.
	ErrNotReplayable = errors.New("dead letter is not replayable")
	// ErrNoteRequired is returned by Store.Resolve without a note.
	ErrNoteRequired = errors.New("a note is required")
	// ErrActorRequired is returned by the actions without an actor.
	ErrActorRequired = errors.New("an actor is required")
	// ErrBusy is returned by Replayer when another process is replaying
	// the same entry.
	ErrBusy = errors.New("dead letter is being replayed by another process")
)

// IsEntryError reports whether err is about one entry (not found, wrong
// status, not replayable, busy, missing note or actor) rather than a
// failure of Redis or Kafka.
func IsEntryError(err error) bool {
	for _, target := range []error{ErrNotFound, ErrWrongStatus, ErrNotReplayable, ErrNoteRequired, ErrActorRequired, ErrBusy} {
		if errors.Is(err, target) {
			return true
		}
	}

	return false
}
