package controller

import (
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"strconv"

	"minik8s/pkg/api"
)

// alphanums are the characters of k8s.io/apimachinery/pkg/util/rand's
// SafeEncodeString: no vowels (no words) and no 0/1/3 (no look-alikes).
const alphanums = "bcdfghjklmnpqrstvwxz2456789"

// safeEncodeString maps every byte of s onto alphanums, as
// rand.SafeEncodeString does.
func safeEncodeString(s string) string {
	r := make([]byte, len(s))
	for i, b := range []byte(s) {
		r[i] = alphanums[int(b)%len(alphanums)]
	}
	return string(r)
}

// ComputeHash is the hash of a pod template that names a Deployment's
// replica sets (pod-template-hash) and a DaemonSet's revisions
// (controller-revision-hash): an FNV-32a hash of the template (its JSON
// form; Kubernetes hashes a spew dump, so the values differ but the
// rendered form is the same) and, when set, the collision count, encoded
// as Kubernetes' controller.ComputeHash encodes it.
func ComputeHash(template *api.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	b, _ := json.Marshal(template) // a plain struct: never fails
	h.Write(b)
	if collisionCount != nil {
		buf := make([]byte, 8)
		binary.LittleEndian.PutUint32(buf, uint32(*collisionCount))
		h.Write(buf)
	}
	return safeEncodeString(strconv.FormatUint(uint64(h.Sum32()), 10))
}
