package adapters

import (
	"net/http"

	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/webhookauth"
)

// 360Learning event type and close reason that become a completion.
const (
	learning360AttemptClosed   = "course.attempt.closed"
	learning360LearnerFinished = "learnerFinished"
)

// parse360Learning reads a 360Learning course.attempt.closed event. The
// event id is the webhook-id header, which 360Learning keeps for every
// retry of one event; without it the id is derived from the content. The
// completion date is data.closedAt, or the body's timestamp in epoch
// milliseconds when closedAt is absent. An attempt closed for another
// reason than learnerFinished is ignored.
func (a *Adapter) parse360Learning(header http.Header, body []byte) ([]pipeline.Event, error) {
	fields, err := decodeObject(body)
	if err != nil {
		return nil, err
	}

	fe := &fieldErrors{}
	eventType := requiredText(fields["type"], "type", fe)
	deliveryID := checkEventID(header.Get(webhookauth.HeaderWebhookID), webhookauth.HeaderWebhookID, fe)
	fe.eventID = deliveryID
	if err := fe.err(); err != nil {
		return nil, err
	}
	if eventType != learning360AttemptClosed {
		return nil, a.ignore(pipeline.IgnoredEventType, "360Learning event "+eventType+" is not "+learning360AttemptClosed)
	}

	data, ok := asObject(fields["data"], "data", fe)
	if !ok {
		if !fe.has("data") {
			fe.add("data", "is required")
		}

		return nil, fe.err()
	}
	if reason := text(data["reason"], "data.reason", fe); reason != "" && reason != learning360LearnerFinished {
		if err := fe.err(); err != nil {
			return nil, err
		}

		return nil, a.ignore(pipeline.IgnoredReason, "attempt closed for reason "+reason+", not "+learning360LearnerFinished)
	}

	c := completion{path: "data.", userField: "userId", id: deliveryID}
	c.lmsUserID = id(data["userId"], "data.userId", fe)
	c.courseID = id(data["courseId"], "data.courseId", fe)
	if isNull(data["closedAt"]) {
		c.date = a.completionDate(fields["timestamp"], "timestamp", fe)
	} else {
		c.date = a.completionDate(data["closedAt"], "data.closedAt", fe)
	}

	events, drops, err := a.build([]completion{c}, fe)
	if err != nil {
		return nil, err
	}

	return a.finish(events, drops, nil, fe)
}
