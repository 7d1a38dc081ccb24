package arenasim_test

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/arenasync/arenasync/arena/arenasim"
)

func TestRequestLog(t *testing.T) {
	clock := newFakeClock()
	sim := arenasim.NewServer(arenasim.Config{Now: clock.Now, RequestLogSize: 3}, nil)
	sim.AddEmployee("EMP1", "Ada")
	url := startSim(t, sim)
	token := login(t, url)

	for _, id := range []string{"evt-1", "evt-2", "evt-3"} {
		send(t, url, request{method: http.MethodGet, path: "/api/v1/users/EMP1", token: token, header: map[string]string{"X-Request-ID": id}})
	}
	send(t, url, request{method: http.MethodGet, path: "/api/v1/users/EMP9", token: token, header: map[string]string{"X-Request-ID": "evt-4"}})

	want := []arenasim.RequestLogEntry{
		{Method: "GET", Path: "/api/v1/users/EMP1", Endpoint: arenasim.EndpointGetUser, Status: 200, RequestID: "evt-2", At: clock.Now()},
		{Method: "GET", Path: "/api/v1/users/EMP1", Endpoint: arenasim.EndpointGetUser, Status: 200, RequestID: "evt-3", At: clock.Now()},
		{Method: "GET", Path: "/api/v1/users/EMP9", Endpoint: arenasim.EndpointGetUser, Status: 404, RequestID: "evt-4", At: clock.Now()},
	}
	if got := sim.Requests(); !reflect.DeepEqual(got, want) {
		t.Errorf("Requests() =\n%+v\nwant\n%+v", got, want)
	}

	wantRequests := map[arenasim.Endpoint]int{arenasim.EndpointToken: 1, arenasim.EndpointGetUser: 4}
	if got := sim.Stats().Requests; !reflect.DeepEqual(got, wantRequests) {
		t.Errorf("Stats().Requests = %v, want %v", got, wantRequests)
	}

	sim.ResetStats()
	if got := sim.Requests(); len(got) != 0 {
		t.Errorf("Requests() after ResetStats = %d entries, want 0", len(got))
	}
	if got := sim.Stats(); !reflect.DeepEqual(got, arenasim.Stats{Requests: map[arenasim.Endpoint]int{}}) {
		t.Errorf("Stats() after ResetStats = %+v", got)
	}
}

func TestRequestLogBeforeWrap(t *testing.T) {
	sim := arenasim.NewServer(arenasim.Config{RequestLogSize: 5}, nil)
	url := startSim(t, sim)

	login(t, url)
	login(t, url)

	got := sim.Requests()
	if len(got) != 2 {
		t.Fatalf("Requests() = %d entries, want 2", len(got))
	}
	if got[0].Endpoint != arenasim.EndpointToken || got[0].Status != http.StatusOK {
		t.Errorf("first entry = %+v", got[0])
	}
}

func TestRecordCopiesAreIndependent(t *testing.T) {
	sim := arenasim.NewServer(arenasim.Config{}, nil)
	score := 80.0
	stored := sim.AddRecord(arenasim.Record{EmployeeID: "EMP1", CourseID: "C1", Score: &score})

	score = 10
	*stored.Score = 20
	got, _ := sim.Record(stored.ID)

	if *got.Score != 80 {
		t.Errorf("stored score = %g, want 80", *got.Score)
	}
}

func TestSetRecordStatus(t *testing.T) {
	sim := arenasim.NewServer(arenasim.Config{}, nil)
	stored := sim.AddRecord(arenasim.Record{EmployeeID: "EMP1", CourseID: "C1"})

	if !sim.SetRecordStatus(stored.ID, arenasim.StatusExpired) {
		t.Error("SetRecordStatus(existing) = false, want true")
	}
	if sim.SetRecordStatus("TR-404", arenasim.StatusExpired) {
		t.Error("SetRecordStatus(unknown) = true, want false")
	}
	if got, _ := sim.Record(stored.ID); got.Status != arenasim.StatusExpired {
		t.Errorf("status = %s, want EXPIRED", got.Status)
	}
}
