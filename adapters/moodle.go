package adapters

import (
	"net/http"

	"github.com/arenasync/arenasync/pipeline"
)

// moodleCourseCompleted is the Moodle event that becomes a completion.
// Every other event name is acknowledged and ignored.
const moodleCourseCompleted = `\core\event\course_completed`

// parseMoodle reads Moodle event data as a webhook plugin sends it: one
// event per body, string ids, timecreated in epoch seconds. The learner is
// relateduserid (or other.relateduserid); userid is the acting user, often
// an administrator or the cron user, and is not read. Moodle sends no
// delivery id, so the event id is derived from the content.
func (a *Adapter) parseMoodle(_ http.Header, body []byte) ([]pipeline.Event, error) {
	fields, err := decodeObject(body)
	if err != nil {
		return nil, err
	}

	fe := &fieldErrors{}
	name := requiredText(fields["eventname"], "eventname", fe)
	if err := fe.err(); err != nil {
		return nil, err
	}
	if name != moodleCourseCompleted {
		return nil, a.ignore(pipeline.IgnoredEventType, "Moodle event "+name+" is not "+moodleCourseCompleted)
	}

	c := completion{userField: "relateduserid"}
	c.lmsUserID = id(moodleLearner(fields, fe), "relateduserid", fe)
	c.courseID = id(fields["courseid"], "courseid", fe)
	c.date = a.completionDate(fields["timecreated"], "timecreated", fe)

	events, drops, err := a.build([]completion{c}, fe)
	if err != nil {
		return nil, err
	}

	return a.finish(events, drops, nil, fe)
}

// moodleLearner returns relateduserid, or other.relateduserid when the
// top-level field is absent, as some plugins send only the latter.
func moodleLearner(fields object, fe *fieldErrors) []byte {
	if !isNull(fields["relateduserid"]) {
		return fields["relateduserid"]
	}

	other, ok := asObject(fields["other"], "other", fe)
	if !ok {
		return nil
	}

	return other["relateduserid"]
}
