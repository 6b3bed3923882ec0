// Package job is the Job controller (Kubernetes' pkg/controller/job): it
// runs a job's pods until completions of them succeed, keeps parallelism
// of them active, fails the job past its backoffLimit or
// activeDeadlineSeconds, and writes the counts, startTime,
// completionTime and the Complete/Failed conditions. Finished jobs with
// ttlSecondsAfterFinished are deleted once it expires (Kubernetes'
// ttl-after-finished controller, folded in here).
//
// Simplifications: pods are counted from those that exist (no
// finalizer-based tracking, uncountedTerminatedPods stays empty), failed
// pods are replaced without the exponential backoff delay, and only
// NonIndexed completion is supported.
package job
