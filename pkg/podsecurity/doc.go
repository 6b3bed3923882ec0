// Package podsecurity is Kubernetes' Pod Security Standards
// (k8s.io/pod-security-admission policy and api, as of v1.32) on minik8s's
// types: the privileged, baseline and restricted levels, their checks with
// Kubernetes' check IDs, reasons and details, the namespace labels
// pod-security.kubernetes.io/{enforce,audit,warn}[-version] that select a
// policy, and the aggregation of check results into the messages the
// PodSecurity admission plugin returns. It is pure: the apiserver's
// admission (apiserver/admission_podsecurity.go) does the I/O.
package podsecurity
