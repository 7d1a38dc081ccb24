package pipeline_test

import (
	"testing"

	"github.com/arenasync/arenasync/pipeline"
)

// benchmarkBody is a typical completion as an LMS sends it.
var benchmarkBody = []byte(`{"eventId": "d2c1a7e0-5b8e-4f4e-9a51-3c0f7d2e9b14", "eventType": "course.completed",
	"employeeId": "EMP12345", "courseId": "LMS-SAFETY-101",
	"completionDate": "2025-01-19T16:30:00+02:00", "status": "COMPLETED", "score": 95}`)

func BenchmarkParseGeneric(b *testing.B) {
	opts := at(pipeline.DateRule{})
	b.ReportAllocs()

	for b.Loop() {
		if _, err := pipeline.ParseGeneric(benchmarkBody, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeRecord(b *testing.B) {
	env := pipeline.Envelope{Event: completionEvent(), Meta: fullMeta()}
	b.ReportAllocs()

	for b.Loop() {
		if _, err := pipeline.EncodeRecord(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeRecord(b *testing.B) {
	msg, err := pipeline.EncodeRecord(pipeline.Envelope{Event: completionEvent(), Meta: fullMeta()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()

	for b.Loop() {
		if _, err := pipeline.DecodeRecord(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeHeaders(b *testing.B) {
	env := pipeline.Envelope{Event: completionEvent(), Meta: fullMeta()}
	b.ReportAllocs()

	for b.Loop() {
		pipeline.EncodeHeaders(env)
	}
}

func BenchmarkDecodeMeta(b *testing.B) {
	headers := pipeline.EncodeHeaders(pipeline.Envelope{Event: completionEvent(), Meta: fullMeta()})
	b.ReportAllocs()

	for b.Loop() {
		pipeline.DecodeMeta(headers)
	}
}

func BenchmarkClassify(b *testing.B) {
	failure := pipeline.Failure{
		Op:           pipeline.OpCompleteRecord,
		Status:       409,
		RecordStatus: "COMPLETED",
		Existing:     "completionDate 2025-01-18T09:00:00Z, score 80",
	}
	b.ReportAllocs()

	for b.Loop() {
		pipeline.Classify(failure)
	}
}
