package controller

import (
	"encoding/json"

	"minik8s/pkg/api"
)

// deepCopySpec copies a pod spec through JSON (the API types have no
// generated DeepCopy); a spec always round-trips.
func deepCopySpec(s api.PodSpec) api.PodSpec {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	var out api.PodSpec
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}
