package api

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDurationJSON(t *testing.T) {
	b, err := json.Marshal(PodMetrics{Window: Duration{15 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Window string `json:"window"`
	}
	if err := json.Unmarshal(b, &back); err != nil || back.Window != "15s" {
		t.Fatalf("window = %q (%v), want \"15s\"", back.Window, err)
	}
	var d Duration
	if err := json.Unmarshal([]byte(`"1m30s"`), &d); err != nil || d.Duration != 90*time.Second {
		t.Fatalf("unmarshal = %v (%v)", d.Duration, err)
	}
	if err := json.Unmarshal([]byte(`"soon"`), &d); err == nil {
		t.Fatal("bad duration accepted")
	}
}
