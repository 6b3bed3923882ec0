package kubectl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/mergepatch"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// kubectl edit, as kubectl v1.32's pkg/cmd/util/editor: the objects are
// written (YAML with kubectl's header comment, or JSON) to a temp file,
// $KUBE_EDITOR or $EDITOR (default vi) edits it, and each changed object
// is sent as a two-way strategic merge patch. A file that does not parse,
// or an object the server rejects as invalid, re-opens the editor with the
// reasons in the header; an unchanged file cancels the edit.

type editOptions struct {
	ff          fileFlags
	out         outputFlag
	outputPatch bool
	subresource string
}

func newEditCommand(o *options) *cobra.Command {
	e := &editOptions{}
	cmd := &cobra.Command{
		Use:   "edit (RESOURCE/NAME | -f FILENAME)",
		Short: "Edit a resource on the server",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEdit(cmd.Context(), o, e, args)
		},
	}
	e.ff.add(cmd, "to use to edit the resource")
	e.out.add(cmd)
	cmd.Flags().BoolVar(&e.outputPatch, "output-patch", false, "Output the patch if the resource is edited.")
	cmd.Flags().StringVar(&e.subresource, "subresource", "", "If specified, edit will operate on the subresource of the requested object. Must be one of [status].")
	return cmd
}

// editHeader is kubectl's header comment of the file to edit.
const editHeader = `# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
`

// editReason is one reason the file is re-opened, with its details.
type editReason struct {
	head  string
	other []string
}

// writeEditHeader writes the header and the reasons, as kubectl's editHeader.writeTo.
func writeEditHeader(w *bytes.Buffer, reasons []editReason) {
	w.WriteString(editHeader)
	for _, r := range reasons {
		if len(r.other) > 0 {
			fmt.Fprintf(w, "# %s:\n", hashOnLineBreak(r.head))
		} else {
			fmt.Fprintf(w, "# %s\n", hashOnLineBreak(r.head))
		}
		for _, o := range r.other {
			fmt.Fprintf(w, "# * %s\n", hashOnLineBreak(o))
		}
		w.WriteString("#\n")
	}
}

// hashOnLineBreak comments out the lines after the first of s.
func hashOnLineBreak(s string) string {
	var b strings.Builder
	for i, ch := range s {
		if ch == '\n' && i+1 < len(s) && s[i+1] != '#' {
			b.WriteString("\n# ")
		} else {
			b.WriteRune(ch)
		}
	}
	return b.String()
}

// manualStrip drops the comment lines ("#", not "#!") of a file.
func manualStrip(file []byte) []byte {
	var out []byte
	lines := bytes.Split(file, []byte("\n"))
	for i, line := range lines {
		t := bytes.TrimSpace(line)
		if bytes.HasPrefix(t, []byte("#")) && !bytes.HasPrefix(t, []byte("#!")) {
			continue
		}
		out = append(out, line...)
		if i < len(lines)-1 {
			out = append(out, '\n')
		}
	}
	return out
}

// stripComments is the content of a file without its comments: as JSON
// when it parses, else with the comment lines dropped.
func stripComments(file []byte) []byte {
	if j, err := k8syaml.ToJSON(file); err == nil {
		return j
	}
	return manualStrip(file)
}

// hasLines reports whether a file has a line that is neither blank nor a comment.
func hasLines(file []byte) bool {
	s := bufio.NewScanner(bytes.NewReader(file))
	s.Buffer(make([]byte, 64*1024), len(file)+1)
	for s.Scan() {
		if l := strings.TrimSpace(s.Text()); l != "" && l[0] != '#' {
			return true
		}
	}
	return false
}

// editorCommand is kubectl's defaultEnvEditor: the editor of the first of
// KUBE_EDITOR and EDITOR that is set (vi otherwise) as a command line for
// path: split on spaces, or through the shell if it quotes.
func editorCommand(getenv func(string) string, path string) []string {
	editor := ""
	for _, env := range []string{"KUBE_EDITOR", "EDITOR"} {
		if editor = getenv(env); editor != "" {
			break
		}
	}
	if editor == "" {
		editor = "vi"
	}
	if !strings.Contains(editor, " ") {
		return []string{editor, path}
	}
	if !strings.ContainsAny(editor, "\"'\\") {
		return append(strings.Split(editor, " "), path)
	}
	shell := getenv("SHELL")
	if shell == "" {
		shell = "/bin/bash"
	}
	return []string{shell, "-c", fmt.Sprintf("%s %q", editor, path)}
}

// launchEditor writes content to a new temp file, runs the editor on it
// and returns what it saved and the file's path.
func launchEditor(o *options, ext string, content []byte) ([]byte, string, error) {
	f, err := os.CreateTemp("", "kubectl-edit-*"+ext)
	if err != nil {
		return nil, "", err
	}
	path := f.Name()
	_, err = f.Write(content)
	f.Close()
	if err != nil {
		os.Remove(path)
		return nil, path, err
	}
	getenv := o.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	args := editorCommand(getenv, path)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.in, o.out, o.err
	if err := cmd.Run(); err != nil {
		editor := strings.Join(args[:len(args)-1], " ")
		if errors.Is(err, exec.ErrNotFound) {
			return nil, path, fmt.Errorf("unable to launch the editor %q", editor)
		}
		return nil, path, fmt.Errorf("there was a problem with the editor %q", editor)
	}
	data, err := os.ReadFile(path)
	return data, path, err
}

// preserved is kubectl's preservedFile: it tells where the edits were kept.
func preserved(o *options, err error, path string) error {
	if path != "" {
		if _, serr := os.Stat(path); serr == nil {
			fmt.Fprintf(o.err, "A copy of your changes has been stored to %q\n", path)
		}
	}
	return err
}

// editTarget is one object being edited: where it lives and its JSON.
type editTarget struct {
	ref  objectRef
	live map[string]any
}

func runEdit(ctx context.Context, o *options, e *editOptions, args []string) error {
	switch e.out.format {
	case "", "json", "yaml":
	default:
		return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,yaml", e.out.format)
	}
	if e.subresource != "" && e.subresource != "status" {
		return fmt.Errorf("invalid subresource value: %q. Must be one of [status]", e.subresource)
	}
	c, err := o.client()
	if err != nil {
		return err
	}
	refs, err := editRefs(ctx, o, c, &e.ff, args)
	if err != nil {
		return err
	}
	var targets []editTarget
	for _, r := range refs {
		raw, err := getObjectJSON(ctx, c, r.info, r.ns, r.name, e.subresource)
		if err != nil {
			return err
		}
		var live map[string]any
		if err := json.Unmarshal(raw, &live); err != nil {
			return fmt.Errorf("decode %s: %w", r.info.Kind, err)
		}
		if md, ok := live["metadata"].(map[string]any); ok {
			delete(md, "managedFields")
		}
		targets = append(targets, editTarget{ref: r, live: live})
	}
	if len(targets) == 0 {
		return errors.New("edit cancelled, no objects found")
	}
	return editLoop(ctx, o, c, e, targets)
}

// editRefs resolves what to edit: as resolveRefs, and a TYPE alone means
// every object of it in the namespace, as kubectl edit's builder.
func editRefs(ctx context.Context, o *options, c *client.Client, ff *fileFlags, args []string) ([]objectRef, error) {
	if len(args) != 1 || strings.Contains(args[0], "/") || len(ff.files) > 0 {
		return resolveRefs(o, ff, args)
	}
	targets, err := parseTargets(args)
	if err != nil {
		return nil, err
	}
	ns, err := o.ns()
	if err != nil {
		return nil, err
	}
	var refs []objectRef
	for _, t := range targets {
		tns := namespaceFor(t.info, ns)
		objs, _, err := c.List(ctx, t.info, tns, client.ListOptions{})
		if err != nil {
			return nil, err
		}
		for _, obj := range objs {
			refs = append(refs, objectRef{info: t.info, ns: tns, name: obj.GetObjectMeta().Name})
		}
	}
	return refs, nil
}

// editContent is the file to edit: the object, or a v1 List of them.
func editContent(targets []editTarget, format string) ([]byte, error) {
	var v any = targets[0].live
	if len(targets) > 1 {
		items := make([]any, len(targets))
		for i, t := range targets {
			items[i] = t.live
		}
		v = map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{}, "items": items}
	}
	if format == "json" {
		b, err := json.MarshalIndent(v, "", "    ")
		if err != nil {
			return nil, err
		}
		return append(b, '\n'), nil
	}
	return yaml.Marshal(v)
}

func editLoop(ctx context.Context, o *options, c *client.Client, e *editOptions, targets []editTarget) error {
	ext, header := ".yaml", true
	if e.out.format == "json" {
		ext, header = ".json", false
	}
	original, err := editContent(targets, e.out.format)
	if err != nil {
		return err
	}
	var reasons []editReason
	var edited []byte
	var file, lastFile string
	containsError := false
	for {
		var buf bytes.Buffer
		if header {
			writeEditHeader(&buf, reasons)
		}
		if containsError {
			buf.Write(manualStrip(edited))
		} else {
			buf.Write(original)
		}
		previous := edited
		if edited, file, err = launchEditor(o, ext, buf.Bytes()); err != nil {
			return preserved(o, err, lastFile)
		}
		if containsError && bytes.Equal(stripComments(previous), stripComments(edited)) {
			return preserved(o, errors.New("Edit cancelled, no valid changes were saved."), file)
		}
		if lastFile != "" {
			os.Remove(lastFile)
		}
		lastFile = file
		// kubectl validates the file (without comments) before reading it:
		// YAML that does not parse is an invalid object, as its validator
		// reports it.
		if verr := validateEdited(edited); verr != nil {
			containsError = true
			res := &editResults{}
			st := &client.StatusError{Status: api.Status{Reason: client.ReasonInvalid, Code: http.StatusUnprocessableEntity,
				Details: &api.StatusDetails{Causes: []api.StatusCause{{Field: "<nil>",
					Message: fmt.Sprintf("Invalid value: %q: %v", "The edited file failed validation", verr)}}}}}
			fmt.Fprintln(o.err, res.addError(st, targets[0].ref.info, targets[0].ref.name))
			reasons = res.reasons
			continue
		}
		if bytes.Equal(stripComments(original), stripComments(edited)) {
			os.Remove(file)
			fmt.Fprintln(o.err, "Edit cancelled, no changes made.")
			return nil
		}
		if !hasLines(edited) {
			os.Remove(file)
			fmt.Fprintln(o.err, "Edit cancelled, saved file was empty.")
			return nil
		}
		reasons = nil
		objs, err := parseEdited(edited)
		if err != nil {
			containsError = true
			reasons = append(reasons, editReason{head: fmt.Sprintf("The edited file had a syntax error: %v", err)})
			continue
		}
		containsError = false
		res, err := applyEdits(ctx, o, c, e, targets, objs)
		if err != nil {
			return preserved(o, err, file)
		}
		if res.retryable > 0 {
			fmt.Fprintf(o.err, "You can run `%s replace -f %s` to try this update again.\n", "kubectl", file)
			return &reportedError{err: errors.New("edit failed")}
		}
		if res.notFound > 0 {
			fmt.Fprintf(o.err, "The edits you made on deleted resources have been saved to %q\n", file)
			return &reportedError{err: errors.New("edit failed")}
		}
		if len(res.reasons) == 0 {
			os.Remove(file)
			return nil
		}
		reasons, containsError = res.reasons, true
	}
}

// validateEdited is the syntax check of kubectl's validator on the file
// without its comments.
func validateEdited(edited []byte) error {
	j, err := yaml.YAMLToJSON(stripComments(edited))
	if err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "error converting YAML to JSON: "))
	}
	if t := bytes.TrimSpace(j); len(t) == 0 || string(t) == "null" {
		return errors.New("invalid object to validate")
	}
	return nil
}

// parseEdited reads the objects of the edited file (a List is expanded).
func parseEdited(data []byte) ([]map[string]any, error) {
	j, err := k8syaml.ToJSON(data)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(j, &doc); err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, errors.New("no objects in the edited file")
	}
	if items, ok := doc["items"].([]any); ok && strings.HasSuffix(fmt.Sprint(doc["kind"]), "List") {
		out := make([]map[string]any, 0, len(items))
		for _, it := range items {
			m, ok := it.(map[string]any)
			if !ok {
				return nil, errors.New("a List item is not an object")
			}
			out = append(out, m)
		}
		return out, nil
	}
	if doc["kind"] == nil || doc["kind"] == "" {
		return nil, fmt.Errorf("Object 'Kind' is missing in '%s'", bytes.TrimSpace(j))
	}
	return []map[string]any{doc}, nil
}

// editResults are what sending the edits came to.
type editResults struct {
	reasons   []editReason
	retryable int
	notFound  int
}

// uidOf is an object's metadata.uid.
func uidOf(obj map[string]any) string {
	md, _ := obj["metadata"].(map[string]any)
	uid, _ := md["uid"].(string)
	return uid
}

// errChanged is kubectl's error for an edit of apiVersion, kind or name.
var errChanged = errors.New("At least one of apiVersion, kind and name was changed")

// applyEdits patches each edited object that changed, as kubectl's
// visitToPatch, and sorts the failures as its editResults.addError.
func applyEdits(ctx context.Context, o *options, c *client.Client, e *editOptions, targets []editTarget, objs []map[string]any) (*editResults, error) {
	res := &editResults{}
	for _, obj := range objs {
		var t *editTarget
		for i := range targets {
			if uidOf(targets[i].live) == uidOf(obj) {
				t = &targets[i]
				break
			}
		}
		if t == nil {
			return nil, fmt.Errorf("no original object found for %v", obj)
		}
		origJS, err := json.Marshal(t.live)
		if err != nil {
			return nil, err
		}
		editJS, err := json.Marshal(obj)
		if err != nil {
			return nil, err
		}
		info, name := t.ref.info, t.ref.name
		if sameJSON(origJS, editJS) {
			if err := e.out.print(o, info, name, origJS, "skipped", ""); err != nil {
				return nil, err
			}
			continue
		}
		patch, err := strategicpatch.CreateTwoWayMergePatch(origJS, editJS, info.New(),
			mergepatch.RequireKeyUnchanged("apiVersion"), mergepatch.RequireKeyUnchanged("kind"),
			mergepatch.RequireMetadataKeyUnchanged("name"), mergepatch.RequireKeyUnchanged("managedFields"))
		if err != nil {
			if mergepatch.IsPreconditionFailed(err) {
				return nil, errChanged
			}
			return nil, err
		}
		if e.outputPatch {
			fmt.Fprintf(o.out, "Patch: %s\n", patch)
		}
		out, err := send(ctx, c, http.MethodPatch, objectPath(info, t.ref.ns, name, e.subresource), false, patch, string(client.StrategicMergePatchType))
		if err != nil {
			fmt.Fprintln(o.err, res.addError(err, info, name))
			continue
		}
		if err := e.out.print(o, info, name, out, "edited", ""); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// addError records a failed patch as kubectl's editResults.addError and
// returns the line it prints.
func (r *editResults) addError(err error, info *api.ResourceInfo, name string) string {
	resource := info.Resource
	if info.Group != "" {
		resource += "." + info.Group
	}
	switch {
	case client.IsInvalid(err):
		reason := editReason{head: fmt.Sprintf("%s %q was not valid", resource, name)}
		if st, ok := client.AsStatus(err); ok && st.Details != nil {
			for _, c := range st.Details.Causes {
				reason.other = append(reason.other, fmt.Sprintf("%s: %s", c.Field, c.Message))
			}
		}
		r.reasons = append(r.reasons, reason)
		return fmt.Sprintf("error: %s %q is invalid", resource, name)
	case client.IsNotFound(err):
		r.notFound++
		return fmt.Sprintf("error: %s %q could not be found on the server", resource, name)
	}
	r.retryable++
	return fmt.Sprintf("error: %s %q could not be patched: %v", resource, name, err)
}
