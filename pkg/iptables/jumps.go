package iptables

import (
	"context"
	"strings"
)

// SaveLine is the line iptables-save prints for the jump ("-A CHAIN
// args…", an argument with a space or a quote in double quotes, as
// xtables_save_string does for comments).
func (j Jump) SaveLine() string {
	var b strings.Builder
	b.WriteString("-A " + j.Chain)
	for _, a := range j.Rule {
		b.WriteByte(' ')
		if a == "" || strings.ContainsAny(a, " \t\"'\\") {
			b.WriteString(`"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(a) + `"`)
		} else {
			b.WriteString(a)
		}
	}
	return b.String()
}

// EnsureJumps is EnsureJump for several jumps with one iptables-save per
// table: a jump whose SaveLine the table already shows is left alone, the
// others go through EnsureJump (-C, then -I or -A). On legacy every -C reads
// the whole table, so at thousands of Services this saves a table read per
// jump; a line that does not compare equal only costs the -C it had anyway.
func EnsureJumps(ctx context.Context, r Interface, jumps []Jump) error {
	saves := map[string]string{}
	for _, j := range jumps {
		save, ok := saves[j.Table]
		if !ok {
			if out, err := r.Save(ctx, j.Table); err == nil {
				save = "\n" + string(out)
			}
			saves[j.Table] = save
		}
		if save != "" && strings.Contains(save, "\n"+j.SaveLine()+"\n") {
			continue
		}
		if err := r.EnsureJump(ctx, j); err != nil {
			return err
		}
	}
	return nil
}
